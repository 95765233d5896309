"""Every example of the SST v1 WebSocketApi doc, as wsnb code (SST-kwargs and fluent forms).

``SEED_EXAMPLES[name]()`` returns ``(api, synth_kwargs)``. Handlers are relative to a project
directory made by :func:`make_project` (tests ``monkeypatch.chdir`` into it).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from wsnb import Bucket, Function, LambdaAuthorizer, Parameter, Secret, Table, WebSocketApi

HANDLERS = ("connect", "default", "disconnect", "sendMessage", "authorizer", "send")
ACCOUNT = "123456789012"
REGION = "us-east-1"
ZONE_ID = "Z0123456789ABCDEFGHIJ"


def make_project(root: Path) -> Path:
    """Write ``src/<name>.py`` for every seed handler (plus a helper module)."""
    src = root / "src"
    src.mkdir(parents=True, exist_ok=True)
    for name in HANDLERS:
        (src / f"{name}.py").write_text(
            "import json\n\n\ndef main(event, context):\n"
            f"    return {{'statusCode': 200, 'body': json.dumps({{'handler': {name!r}}})}}\n"
        )
    (src / "shared.py").write_text("VALUE = 1\n")
    return root


def zone_context(*zones: str) -> dict[str, Any]:
    return {
        f"hosted-zone:account={ACCOUNT}:domainName={z}:region={REGION}": {
            "Id": f"/hostedzone/{ZONE_ID}",
            "Name": f"{z}.",
        }
        for z in zones
    }


LOOKUP = {"account": ACCOUNT, "region": REGION, "context": zone_context("domain.com")}
FOUR = {
    "$connect": "src/connect.main",
    "$default": "src/default.main",
    "$disconnect": "src/disconnect.main",
    "sendMessage": "src/sendMessage.main",
}


def _table() -> Table:
    return Table("Notes", fields={"id": "string"}, primary_index={"partition_key": "id"})


def minimal():
    return WebSocketApi("Api", routes=dict(FOUR)), {}


def minimal_fluent():
    api = WebSocketApi("Api")
    for key, handler in FOUR.items():
        api.route(key, handler)
    return api, {}


def lazy_routes():
    api = WebSocketApi("Api", routes={k: v for k, v in FOUR.items() if k != "sendMessage"})
    api.add_routes(None, {"sendMessage": "src/sendMessage.main"})
    return api, {}


def defaults_function_props():
    table = _table()
    api = WebSocketApi(
        "Api",
        defaults={
            "function": {
                "timeout": 20,
                "permissions": [table],
                "environment": {"tableName": table.table_name},
            }
        },
        routes={k: v for k, v in FOUR.items() if k != "sendMessage"},
    )
    return api, {}


def defaults_fluent():
    table = _table()
    api = (
        WebSocketApi("Api")
        .defaults(timeout=20, permissions=[table], environment={"tableName": table.table_name})
        .route("$connect", "src/connect.main")
        .route("$default", "src/default.main")
        .route("$disconnect", "src/disconnect.main")
    )
    return api, {}


def individual_route():
    table = _table()
    api = WebSocketApi(
        "Api",
        routes={
            "$default": {
                "function": {
                    "timeout": 20,
                    "handler": "src/default.main",
                    "permissions": [table],
                    "environment": {"tableName": table.table_name},
                }
            }
        },
    )
    return api, {}


def defaults_and_route_merge():
    table, bucket = _table(), Bucket("Uploads")
    api = WebSocketApi(
        "Api",
        defaults={
            "function": {
                "timeout": 20,
                "permissions": [table],
                "environment": {"tableName": table.table_name},
            }
        },
        routes={
            "$default": {
                "function": {
                    "handler": "src/default.main",
                    "timeout": 10,
                    "permissions": [bucket],
                    "environment": {"bucketName": bucket.bucket_name},
                }
            },
            "$connect": "src/connect.main",
        },
    )
    return api, {}


def custom_domain_basic():
    return WebSocketApi(
        "Api", custom_domain="api.domain.com", routes={"$default": "src/default.main"}
    ), dict(LOOKUP)


def custom_domain_wildcard():
    return WebSocketApi(
        "Api", custom_domain="*.domain.com", routes={"$default": "src/default.main"}
    ), dict(LOOKUP)


def custom_domain_full():
    api = WebSocketApi(
        "Api",
        custom_domain={"domain_name": "api.domain.com", "hosted_zone": "domain.com", "path": "v1"},
        routes={"$default": "src/default.main"},
    )
    return api, dict(LOOKUP)


def custom_domain_shared():
    core = WebSocketApi(
        "CoreApi",
        custom_domain={"domain_name": "api.domain.com", "path": "core"},
        routes={"$default": "src/default.main"},
    )
    api = WebSocketApi(
        "WebSocketApi",
        custom_domain={"path": "chat", "cdk": {"domain_name": core}},
        routes={"$default": "src/default.main"},
    )
    return api, {}


def custom_domain_imported():
    api = WebSocketApi(
        "Api",
        custom_domain={
            "path": "newPath",
            "cdk": {
                "domain_name": {
                    "name": "api.domain.com",
                    "regional_domain_name": "d-abcdef1234.execute-api.us-east-1.amazonaws.com",
                    "regional_hosted_zone_id": "Z1UJRXOUMOOFQ8",
                }
            },
        },
        routes={"$default": "src/default.main"},
    )
    return api, {}


CERT = "arn:aws:acm:us-east-1:123456789012:certificate/11111111-2222-3333-4444-555555555555"


def custom_domain_certificate():
    api = WebSocketApi(
        "Api",
        custom_domain={"domain_name": "api.domain.com", "cdk": {"certificate": CERT}},
        routes={"$default": "src/default.main"},
    )
    return api, dict(LOOKUP)


def custom_domain_external():
    api = WebSocketApi(
        "Api",
        custom_domain={
            "is_external_domain": True,
            "domain_name": "api.domain.com",
            "cdk": {"certificate": CERT},
        },
        routes={"$default": "src/default.main"},
    )
    return api, {}


def iam_auth():
    routes = {k: v for k, v in FOUR.items() if k != "sendMessage"}
    return WebSocketApi("Api", authorizer="iam", routes=routes), {}


def lambda_auth():
    routes = {k: v for k, v in FOUR.items() if k != "sendMessage"}
    api = WebSocketApi(
        "Api",
        authorizer={"type": "lambda", "function": Function("src/authorizer.main")},
        routes=routes,
    )
    return api, {}


def lambda_auth_fluent():
    api = (
        WebSocketApi("Api")
        .route("$connect", "src/connect.main")
        .route("$default", "src/default.main")
        .route("$disconnect", "src/disconnect.main")
        .authorizer(
            LambdaAuthorizer(
                "src/authorizer.main",
                identity_source=["route.request.querystring.token"],
                name="TokenAuthorizer",
            )
        )
    )
    return api, {}


CSV = (
    "$context.identity.sourceIp,$context.requestTime,$context.httpMethod,$context.routeKey,"
    "$context.protocol,$context.status,$context.responseLength,$context.requestId"
)


def access_log_format():
    return WebSocketApi("Api", access_log=CSV, routes={"$default": "src/default.main"}), {}


def access_log_retention():
    return WebSocketApi(
        "Api", access_log={"retention": "one_week"}, routes={"$default": "src/default.main"}
    ), {}


def permissions_api():
    api = WebSocketApi("Api", routes=dict(FOUR))
    api.attach_permissions(["s3"])
    return api, {}


def permissions_route():
    api = WebSocketApi("Api", routes=dict(FOUR))
    api.attach_permissions_to_route("$default", ["s3"])
    return api, {}


def cdk_api_name():
    return WebSocketApi(
        "Api",
        cdk={"web_socket_api": {"api_name": "chat-app-api"}},
        routes={"$default": "src/default.main"},
    ), {}


def cdk_stage_props():
    return WebSocketApi(
        "WebSocketApi",
        cdk={"web_socket_stage": {"auto_deploy": False}},
        routes={"$default": "src/default.main"},
    ), {}


def bind_resources():
    stripe, bucket = Secret("STRIPE_KEY"), Bucket("Uploads")
    api = WebSocketApi("Api", routes=dict(FOUR))
    api.bind([stripe, bucket])
    api.bind_to_route("$connect", [Parameter("COLOR", "blue")])
    return api, {}


def chat_app():
    table = Table(
        "Connections",
        fields={"id": "string", "room": "string"},
        primary_index={"partition_key": "id"},
        global_indexes={"byRoom": {"partition_key": "room"}},
    )
    api = (
        WebSocketApi("Chat")
        .defaults(timeout=20, environment={"TABLE_NAME": table.table_name}, permissions=[table])
        .route("$connect", "src/connect.main")
        .route("$disconnect", "src/disconnect.main")
        .route("$default", "src/default.main", timeout=10)
        .route("sendMessage", "src/send.main", memory_size=512, return_response=True)
        .authorizer("iam")
    )
    return api, {}


SEED_EXAMPLES: dict[str, Callable[[], tuple[WebSocketApi, dict[str, Any]]]] = {
    f.__name__: f
    for f in (
        minimal,
        minimal_fluent,
        lazy_routes,
        defaults_function_props,
        defaults_fluent,
        individual_route,
        defaults_and_route_merge,
        custom_domain_basic,
        custom_domain_wildcard,
        custom_domain_full,
        custom_domain_shared,
        custom_domain_imported,
        custom_domain_certificate,
        custom_domain_external,
        iam_auth,
        lambda_auth,
        lambda_auth_fluent,
        access_log_format,
        access_log_retention,
        permissions_api,
        permissions_route,
        cdk_api_name,
        cdk_stage_props,
        bind_resources,
        chat_app,
    )
}
