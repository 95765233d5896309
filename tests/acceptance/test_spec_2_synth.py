"""SPEC §2 — what gets synthesized (real aws-cdk-lib)."""

from __future__ import annotations

import json
import re

import pytest

from wsnb import (
    Bucket,
    CdkPropsError,
    DefaultsConflictError,
    DomainError,
    Function,
    LambdaAuthorizer,
    Parameter,
    Secret,
    SynthError,
    Table,
    WebSocketApi,
    WsnbError,
)

from ._cfn import actions, env, of_type, one, props, route, route_function, route_statements

ACCOUNT = "123456789012"
REGION = "us-east-1"
ZONE_KEY = f"hosted-zone:account={ACCOUNT}:domainName=example.com:region={REGION}"
CTX = {ZONE_KEY: {"Id": "/hostedzone/Z123EXAMPLE", "Name": "example.com."}}
CERT = "arn:aws:acm:us-east-1:123456789012:certificate/11111111-2222-3333-4444-555555555555"
LOOKUP = {"account": ACCOUNT, "region": REGION, "context": CTX}
ACCESS_LOG_FIELDS = [
    "requestTime",
    "requestId",
    "eventType",
    "routeKey",
    "status",
    "integrationRequestId",
    "integrationStatus",
    "integrationLatency",
    "integrationServiceStatus",
    "ip",
    "userAgent",
    "cognitoIdentityId",
    "connectedAt",
    "connectionId",
]


# ---- shared synths (module scope) -----------------------------------------------------------


@pytest.fixture(scope="module")
def table():
    return Table(
        "Connections",
        fields={"id": "string", "room": "string"},
        primary_index={"partition_key": "id"},
        global_indexes={"byRoom": {"partition_key": "room"}},
    )


@pytest.fixture(scope="module")
def main_api(table):
    return (
        WebSocketApi("Api")
        .defaults(timeout=20, environment={"TABLE_NAME": table.table_name}, permissions=[table])
        .route("$connect", "src/connect.main")
        .route("$disconnect", "src/disconnect.main")
        .route("$default", "src/default.main", timeout=10)
        .route(
            "sendMessage",
            {"function": {"handler": "src/send.main", "memory_size": 512}, "return_response": True},
        )
        .authorizer(LambdaAuthorizer(function="src/authorizer.main"))
    )


@pytest.fixture(scope="module")
def main(main_api):
    return main_api.synth()


@pytest.fixture(scope="module")
def iam_domain():
    api = WebSocketApi(
        "Api",
        routes={"$connect": "src/connect.main", "$default": "src/default.main"},
        authorizer="iam",
        custom_domain="api.example.com",
        access_log={"retention": "one_week"},
        cdk={"id": "Chat", "web_socket_api": {"api_name": "chat-app-api"}},
    )
    return api.synth(**LOOKUP).template


@pytest.fixture(scope="module")
def perms():
    t = Table(
        "Notes",
        fields={"id": "string", "g": "string"},
        primary_index={"partition_key": "id"},
        global_indexes={"byG": {"partition_key": "g"}},
    )
    b = Bucket("Files")
    api = WebSocketApi("Api").add_routes(
        {
            "star": {"function": {"handler": "src/send.main", "permissions": "*"}},
            "svc": {"function": {"handler": "src/send.main", "permissions": ["s3"]}},
            "act": {"function": {"handler": "src/send.main", "permissions": ["s3:GetObject"]}},
            "stmt": {
                "function": {
                    "handler": "src/send.main",
                    "permissions": [
                        {
                            "Effect": "Allow",
                            "Action": ["sqs:SendMessage"],
                            "Resource": ["arn:aws:sqs:us-east-1:123456789012:q"],
                        }
                    ],
                }
            },
            "tbl": {"function": {"handler": "src/send.main", "permissions": [t]}},
            "bkt": {"function": {"handler": "src/send.main", "permissions": [b]}},
            "bound": {
                "function": {
                    "handler": "src/send.main",
                    "bind": [t, b, Secret("STRIPE_KEY"), Parameter("COLOR", "blue")],
                }
            },
        }
    )
    return api.synth(account=ACCOUNT, region=REGION).template


# ---- result object -------------------------------------------------------------------------


def test_synth_result_has_template_counts_and_display(main):
    assert isinstance(main.template, dict) and "Resources" in main.template
    counts = main.resource_counts
    assert counts["AWS::Lambda::Function"] == len(of_type(main.template, "AWS::Lambda::Function"))
    assert sum(counts.values()) == len(main.template["Resources"])
    bundle = main._repr_mimebundle_()  # the rich display
    assert set(bundle) == {"text/plain", "text/html"}
    assert f"{len(main.template['Resources'])} resources" in bundle["text/plain"]


def test_synth_default_arguments(main_api):
    import inspect

    sig = inspect.signature(main_api.synth)
    assert {
        k: sig.parameters[k].default for k in ("app", "stage", "region", "account", "context")
    } == {"app": "app", "stage": "dev", "region": None, "account": None, "context": None}


def test_import_wsnb_does_not_import_cdk():
    import subprocess
    import sys

    code = "import sys, wsnb; from wsnb import WebSocketApi; WebSocketApi('A').route('$default','src/default.main'); print('aws_cdk' in sys.modules, 'websockets' in sys.modules, 'boto3' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == "False False False"


# ---- Api and Stage -------------------------------------------------------------------------


def test_api_resource(main):
    api = one(main.template, "AWS::ApiGatewayV2::Api")
    assert api["ProtocolType"] == "WEBSOCKET"
    assert api["Name"] == "dev-app-Api"
    assert api["RouteSelectionExpression"] == "$request.body.action"


def test_stage_resource(main):
    st = one(main.template, "AWS::ApiGatewayV2::Stage")
    assert st["StageName"] == "dev"
    assert st["AutoDeploy"] is True


def test_app_and_stage_name_the_api():
    t = (
        WebSocketApi("Api")
        .route("$default", "src/default.main")
        .synth(app="chat", stage="prod")
        .template
    )
    assert one(t, "AWS::ApiGatewayV2::Api")["Name"] == "prod-chat-Api"
    assert one(t, "AWS::ApiGatewayV2::Stage")["StageName"] == "prod"
    name = json.dumps(one(t, "AWS::Logs::LogGroup")["LogGroupName"])
    assert "/aws/vendedlogs/apis/prod-chat-Api-" in name and "/prod" in name


def test_cdk_id_and_api_name_override(iam_domain):
    assert one(iam_domain, "AWS::ApiGatewayV2::Api")["Name"] == "chat-app-api"
    # the id-based log group name even when api_name is overridden; cdk.id replaces the id
    name = json.dumps(one(iam_domain, "AWS::Logs::LogGroup")["LogGroupName"])
    assert "/aws/vendedlogs/apis/dev-app-Chat-" in name


def test_cdk_id_replaces_id_in_name():
    t = (
        WebSocketApi("Api", routes={"$default": "src/default.main"}, cdk={"id": "Other"})
        .synth()
        .template
    )
    assert one(t, "AWS::ApiGatewayV2::Api")["Name"] == "dev-app-Other"


def test_imported_api_and_stage():
    api = WebSocketApi(
        "Api",
        routes={"$default": "src/default.main"},
        cdk={"web_socket_api": "abc123", "web_socket_stage": "live"},
    )
    t = api.synth().template
    assert not of_type(t, "AWS::ApiGatewayV2::Api")
    assert not of_type(t, "AWS::ApiGatewayV2::Stage")
    assert not of_type(t, "AWS::Logs::LogGroup")  # imported stage + unset access_log → no log
    assert route(t, "$default")[1]["ApiId"] == "abc123"


def test_stage_props_override():
    api = WebSocketApi(
        "Api",
        routes={"$default": "src/default.main"},
        cdk={"web_socket_stage": {"stage_name": "live", "auto_deploy": False}},
    )
    st = one(api.synth().template, "AWS::ApiGatewayV2::Stage")
    assert st["StageName"] == "live" and st["AutoDeploy"] is False


@pytest.mark.parametrize("extra", [{"access_log": True}, {"custom_domain": "api.example.com"}])
def test_imported_stage_with_access_log_or_domain_is_error(extra):
    with pytest.raises(CdkPropsError, match=r"^With an imported stage"):
        api = WebSocketApi(
            "Api",
            routes={"$default": "src/default.main"},
            cdk={"web_socket_api": "abc123", "web_socket_stage": "live"},
            **extra,
        )
        api.synth(**LOOKUP)


# ---- routes ----------------------------------------------------------------------------------


def test_per_route_resources(main):
    t = main.template
    n = 4 + 0  # four routes
    assert len(of_type(t, "AWS::ApiGatewayV2::Route")) == n
    assert len(of_type(t, "AWS::ApiGatewayV2::Integration")) == n
    # route functions + the authorizer's
    assert len(of_type(t, "AWS::Lambda::Function")) == n + 1
    assert len(of_type(t, "AWS::Lambda::Permission")) == n + 1
    for integ in props(t, "AWS::ApiGatewayV2::Integration"):
        assert integ["IntegrationType"] == "AWS_PROXY"
    for perm in props(t, "AWS::Lambda::Permission"):
        assert perm["Principal"] == "apigateway.amazonaws.com"
        assert perm["Action"] == "lambda:InvokeFunction"
    assert len(of_type(t, "AWS::IAM::Role")) == n + 1  # one per function


def test_route_functions_traced_and_props(main):
    t = main.template
    for key in ("$connect", "$disconnect", "$default", "sendMessage"):
        _, fn = route_function(t, key)
        assert fn["Properties"]["TracingConfig"]["Mode"] == "Active"
        assert str(fn["Properties"]["Runtime"]).startswith("python3")
    assert route_function(t, "$default")[1]["Properties"]["Timeout"] == 10
    assert route_function(t, "$connect")[1]["Properties"]["Timeout"] == 20
    assert route_function(t, "sendMessage")[1]["Properties"]["MemorySize"] == 512


def test_non_connect_routes_have_no_auth(main):
    for key in ("$disconnect", "$default", "sendMessage"):
        rp = route(main.template, key)[1]
        assert rp["AuthorizationType"] == "NONE"
        assert "AuthorizerId" not in rp


def test_return_response_route(main):
    rid, rp = route(main.template, "sendMessage")
    assert rp["RouteResponseSelectionExpression"] == "$default"
    responses = props(main.template, "AWS::ApiGatewayV2::RouteResponse")
    assert len(responses) == 1
    assert responses[0]["RouteResponseKey"] == "$default"
    assert rid in json.dumps(responses[0]["RouteId"])
    assert "RouteResponseSelectionExpression" not in route(main.template, "$default")[1]


def _arn_text(res) -> str:
    return json.dumps(res)


def test_manage_connections_post_get_delete(main):
    for key in ("$connect", "$disconnect", "$default", "sendMessage"):
        sts = [
            s
            for s in route_statements(main.template, key)
            if "execute-api:ManageConnections" in actions([s])
        ]
        assert sts, key
        text = _arn_text([s["Resource"] for s in sts])
        for verb in ("POST", "GET", "DELETE"):
            assert f"/dev/{verb}/*" in text, (key, verb)
        assert "AWS::Partition" in text and ":execute-api:" in text


# ---- access log ----------------------------------------------------------------------------


def test_access_log_default(main):
    t = main.template
    lg = one(t, "AWS::Logs::LogGroup")
    api_id = next(iter(of_type(t, "AWS::ApiGatewayV2::Api")))
    # /aws/vendedlogs/apis/<stage>-<app>-<id>-<apiId>/<stage>
    assert lg["LogGroupName"] == {
        "Fn::Join": ["", ["/aws/vendedlogs/apis/dev-app-Api-", {"Ref": api_id}, "/dev"]]
    }
    assert "RetentionInDays" not in lg
    settings = one(t, "AWS::ApiGatewayV2::Stage")["AccessLogSettings"]
    log_group_id = next(iter(of_type(t, "AWS::Logs::LogGroup")))
    assert settings["DestinationArn"] == {"Fn::GetAtt": [log_group_id, "Arn"]}
    fmt = settings["Format"]
    assert "\n" not in fmt
    parsed = json.loads(fmt.replace("$context.status", "200"))
    assert list(parsed) == ACCESS_LOG_FIELDS
    assert parsed["status"] == 200
    assert parsed["integrationRequestId"] == "$context.awsEndpointRequestId"
    assert parsed["requestTime"] == "$context.requestTime"
    assert parsed["connectionId"] == "$context.connectionId"


def test_access_log_retention(iam_domain):
    assert one(iam_domain, "AWS::Logs::LogGroup")["RetentionInDays"] == 7


@pytest.mark.parametrize("retention,days", [("one_day", 1), ("ten_years", 3653)])
def test_access_log_retention_values(retention, days):
    t = (
        WebSocketApi(
            "Api", routes={"$default": "src/default.main"}, access_log={"retention": retention}
        )
        .synth()
        .template
    )
    assert one(t, "AWS::Logs::LogGroup")["RetentionInDays"] == days


def test_access_log_variants():
    fmt = "$context.identity.sourceIp,$context.requestTime,$context.routeKey,$context.status,$context.requestId"
    off = (
        WebSocketApi("A1", routes={"$default": "src/default.main"}, access_log=False)
        .synth()
        .template
    )
    assert not of_type(off, "AWS::Logs::LogGroup")
    assert "AccessLogSettings" not in one(off, "AWS::ApiGatewayV2::Stage")
    csv = (
        WebSocketApi("A2", routes={"$default": "src/default.main"}, access_log=fmt).synth().template
    )
    assert one(csv, "AWS::ApiGatewayV2::Stage")["AccessLogSettings"]["Format"] == fmt
    arn = "arn:aws:logs:us-east-1:123456789012:log-group:existing"
    dest = (
        WebSocketApi(
            "A3", routes={"$default": "src/default.main"}, access_log={"destination_arn": arn}
        )
        .synth()
        .template
    )
    assert not of_type(dest, "AWS::Logs::LogGroup")
    assert one(dest, "AWS::ApiGatewayV2::Stage")["AccessLogSettings"]["DestinationArn"] == arn


@pytest.mark.parametrize(
    ("ident", "app", "stage", "refused"),
    [
        ("Api", "my app:v2!", "dev", "app 'my app:v2!' cannot name a CloudFormation stack"),
        ("Api_v2", "my_app", "dev", "WebSocketApi id 'Api_v2' is not valid"),
        ("Api", "app", "Dev.Test", "stage 'Dev.Test' cannot name a CloudFormation stack"),
    ],
)
def test_names_a_log_group_cannot_hold_are_refused(ident, app, stage, refused):
    # CloudWatch log group names hold letters, digits and _-/.# only: a name that would carry
    # anything else is refused with a clear error instead of reaching CloudFormation.
    with pytest.raises(WsnbError, match=f"^{re.escape(refused)}"):
        WebSocketApi(ident, routes={"$default": "src/default.main"}).synth(app=app, stage=stage)


def test_access_log_name_keeps_allowed_characters():
    t = WebSocketApi("Api", routes={"$default": "src/default.main"}).synth(stage="dev_1").template
    api_id = next(iter(of_type(t, "AWS::ApiGatewayV2::Api")))
    assert one(t, "AWS::Logs::LogGroup")["LogGroupName"] == {
        "Fn::Join": ["", ["/aws/vendedlogs/apis/dev_1-app-Api-", {"Ref": api_id}, "/dev_1"]]
    }


def test_lint_tells_about_cloudwatch_role():
    api = WebSocketApi("Api", routes={"$default": "src/default.main"})
    text = " ".join(f"{f.message} {f.fix}" for f in api.lint()).lower()
    assert "cloudwatch" in text and "role" in text
    off = WebSocketApi("Api", routes={"$default": "src/default.main"}, access_log=False)
    assert "cloudwatch" not in " ".join(f"{f.message}" for f in off.lint()).lower()


# ---- authorizers ---------------------------------------------------------------------------


def test_iam_authorizer(iam_domain):
    assert route(iam_domain, "$connect")[1]["AuthorizationType"] == "AWS_IAM"
    assert route(iam_domain, "$default")[1]["AuthorizationType"] == "NONE"
    assert not of_type(iam_domain, "AWS::ApiGatewayV2::Authorizer")


def test_lambda_authorizer(main):
    t = main.template
    auth_id, auth = next(iter(of_type(t, "AWS::ApiGatewayV2::Authorizer").items()))
    p = auth["Properties"]
    assert p["AuthorizerType"] == "REQUEST"
    assert p["IdentitySource"] == ["route.request.header.Authorization"]
    assert p["Name"] == "WebSocketAuthorizer"
    c = route(t, "$connect")[1]
    assert c["AuthorizationType"] == "CUSTOM"
    assert auth_id in json.dumps(c["AuthorizerId"])
    # its function and invoke permission
    fns = of_type(t, "AWS::Lambda::Function")
    auth_fns = [lid for lid in fns if f'"{lid}"' in json.dumps(p["AuthorizerUri"])]
    assert len(auth_fns) == 1
    assert any(
        f'"{auth_fns[0]}"' in json.dumps(pp["FunctionName"])
        for pp in props(t, "AWS::Lambda::Permission")
    )


def test_lambda_authorizer_options():
    api = WebSocketApi(
        "Api",
        routes={"$connect": "src/connect.main"},
        authorizer={
            "type": "lambda",
            "function": Function("src/authorizer.main"),
            "identity_source": ["route.request.querystring.token"],
            "name": "TokenAuth",
        },
    )
    p = one(api.synth().template, "AWS::ApiGatewayV2::Authorizer")
    assert p["IdentitySource"] == ["route.request.querystring.token"]
    assert p["Name"] == "TokenAuth"


def test_authorizer_without_connect():
    api = (
        WebSocketApi("Api").route("$default", "src/default.main").authorizer("iam")
    )  # no raise at build
    findings = api.lint()
    assert ("error", "authorizer-without-connect") in [(f.level, f.code) for f in findings]
    with pytest.raises(SynthError, match=r"^The API has an IAM authorizer but no \$connect route"):
        api.synth()
    api.route("$connect", "src/connect.main")  # added in a later cell
    assert route(api.synth().template, "$connect")[1]["AuthorizationType"] == "AWS_IAM"


# ---- custom domains ------------------------------------------------------------------------


def test_custom_domain_string(iam_domain):
    t = iam_domain
    cert = one(t, "AWS::CertificateManager::Certificate")
    assert cert["DomainName"] == "api.example.com"
    assert cert["ValidationMethod"] == "DNS"
    dn = one(t, "AWS::ApiGatewayV2::DomainName")
    assert dn["DomainName"] == "api.example.com"
    assert dn["DomainNameConfigurations"][0]["EndpointType"] == "REGIONAL"
    m = one(t, "AWS::ApiGatewayV2::ApiMapping")
    assert m["Stage"] in ("dev", {"Ref": next(iter(of_type(t, "AWS::ApiGatewayV2::Stage")))})
    assert "ApiMappingKey" not in m
    recs = props(t, "AWS::Route53::RecordSet")
    assert sorted(r["Type"] for r in recs) == ["A", "AAAA"]
    for r in recs:
        assert r["HostedZoneId"] == "Z123EXAMPLE"
        assert r["Name"].rstrip(".") == "api.example.com"
        assert "AliasTarget" in r


def test_custom_domain_wildcard_and_path():
    api = WebSocketApi(
        "Api",
        routes={"$default": "src/default.main"},
        custom_domain={"domain_name": "*.example.com", "path": "v1"},
    )
    assert api.custom_domain_url.endswith("/v1/")
    t = api.synth(**LOOKUP).template
    assert one(t, "AWS::ApiGatewayV2::ApiMapping")["ApiMappingKey"] == "v1"
    assert one(t, "AWS::ApiGatewayV2::DomainName")["DomainName"] == "*.example.com"
    assert {r["HostedZoneId"] for r in props(t, "AWS::Route53::RecordSet")} == {"Z123EXAMPLE"}


def test_custom_domain_wildcard_string_finds_zone():
    t = (
        WebSocketApi("Api", routes={"$default": "src/default.main"}, custom_domain="*.example.com")
        .synth(**LOOKUP)
        .template
    )
    assert len(props(t, "AWS::Route53::RecordSet")) == 2


def test_custom_domain_dict_hosted_zone_and_certificate():
    ctx = {
        f"hosted-zone:account={ACCOUNT}:domainName=domain.com:region={REGION}": {
            "Id": "/hostedzone/ZDOM",
            "Name": "domain.com.",
        }
    }
    api = WebSocketApi(
        "Api",
        routes={"$default": "src/default.main"},
        custom_domain={
            "domain_name": "api.sub.domain.com",
            "hosted_zone": "domain.com",
            "path": "v1",
            "cdk": {"certificate": CERT},
        },
    )
    t = api.synth(account=ACCOUNT, region=REGION, context=ctx).template
    assert not of_type(t, "AWS::CertificateManager::Certificate")
    assert (
        one(t, "AWS::ApiGatewayV2::DomainName")["DomainNameConfigurations"][0]["CertificateArn"]
        == CERT
    )
    assert {r["HostedZoneId"] for r in props(t, "AWS::Route53::RecordSet")} == {"ZDOM"}


def test_custom_domain_cdk_hosted_zone_needs_no_lookup():
    api = WebSocketApi(
        "Api",
        routes={"$default": "src/default.main"},
        custom_domain={
            "domain_name": "api.example.com",
            "cdk": {"hosted_zone": {"hosted_zone_id": "ZGIVEN", "zone_name": "example.com"}},
        },
    )
    t = api.synth().template  # no account/region/context
    assert {r["HostedZoneId"] for r in props(t, "AWS::Route53::RecordSet")} == {"ZGIVEN"}


def test_external_domain():
    api = WebSocketApi(
        "Api",
        routes={"$default": "src/default.main"},
        custom_domain={
            "domain_name": "api.example.com",
            "is_external_domain": True,
            "cdk": {"certificate": CERT},
        },
    )
    assert api.custom_domain_url == "wss://api.example.com"
    t = api.synth().template
    assert not of_type(t, "AWS::Route53::RecordSet")
    assert not of_type(t, "AWS::CertificateManager::Certificate")
    assert one(t, "AWS::ApiGatewayV2::DomainName")["DomainName"] == "api.example.com"
    assert len(of_type(t, "AWS::ApiGatewayV2::ApiMapping")) == 1


def test_external_domain_without_certificate_is_error():
    with pytest.raises(DomainError, match=r"^An externally hosted domain needs a certificate"):
        WebSocketApi(
            "Api",
            routes={"$default": "src/default.main"},
            custom_domain={"domain_name": "api.example.com", "is_external_domain": True},
        ).synth()


def test_imported_domain_attributes_only_mapping():
    api = WebSocketApi(
        "Api",
        routes={"$default": "src/default.main"},
        custom_domain={
            "path": "newPath",
            "cdk": {
                "domain_name": {
                    "name": "api.example.com",
                    "regional_domain_name": "d-abc.execute-api.us-east-1.amazonaws.com",
                    "regional_hosted_zone_id": "Z1UJRXOUMOOFQ8",
                }
            },
        },
    )
    assert api.custom_domain_url == "wss://api.example.com/newPath/"
    t = api.synth().template
    assert not of_type(t, "AWS::ApiGatewayV2::DomainName")
    assert not of_type(t, "AWS::CertificateManager::Certificate")
    assert not of_type(t, "AWS::Route53::RecordSet")
    m = one(t, "AWS::ApiGatewayV2::ApiMapping")
    assert m["DomainName"] == "api.example.com" and m["ApiMappingKey"] == "newPath"


def test_share_domain_of_another_api_via_to_cdk():
    import aws_cdk as cdk

    core = WebSocketApi(
        "Core",
        routes={"$default": "src/default.main"},
        custom_domain={"domain_name": "api.example.com", "path": "core"},
    )
    chat = WebSocketApi(
        "Chat",
        routes={"$default": "src/default.main"},
        custom_domain={"path": "chat", "cdk": {"domain_name": core}},
    )
    assert chat.custom_domain_url == "wss://api.example.com/chat/"
    app = cdk.App(context=CTX)
    stack = cdk.Stack(app, "S", env=cdk.Environment(account=ACCOUNT, region=REGION))
    core.to_cdk(stack)
    chat.to_cdk(stack)
    t = app.synth().get_stack_by_name("S").template
    assert len(of_type(t, "AWS::ApiGatewayV2::DomainName")) == 1
    keys = sorted(p.get("ApiMappingKey") for p in props(t, "AWS::ApiGatewayV2::ApiMapping"))
    assert keys == ["chat", "core"]


@pytest.mark.parametrize("path", ["v1", "v1/chat", "a-b_c.d+e!f*g'h(i)$j", "x" * 300])
def test_valid_mapping_paths(path):
    api = WebSocketApi("Api", custom_domain={"domain_name": "api.example.com", "path": path})
    assert api.custom_domain_url == f"wss://api.example.com/{path}/"


@pytest.mark.parametrize("path", ["has space", "bad?query", "a#b", "x" * 301, "a//b", "ü"])
def test_invalid_mapping_paths_fail_at_build(path):
    with pytest.raises(DomainError, match=r"is not a valid API mapping key"):
        WebSocketApi("Api", custom_domain={"domain_name": "api.example.com", "path": path})
    with pytest.raises(DomainError, match=r"is not a valid API mapping key"):
        WebSocketApi("Api").custom_domain({"domain_name": "api.example.com", "path": path})


def test_lookup_needs_account_region_and_context():
    api = WebSocketApi(
        "Api", routes={"$default": "src/default.main"}, custom_domain="api.example.com"
    )
    with pytest.raises(WsnbError) as info:
        api.synth(region=REGION, context=CTX)
    assert "account" in str(info.value)
    with pytest.raises(WsnbError) as info:
        api.synth(account=ACCOUNT, context=CTX)
    assert "region" in str(info.value)
    with pytest.raises(WsnbError) as info:
        api.synth(account=ACCOUNT, region=REGION)
    assert ZONE_KEY in info.value.allowed and ZONE_KEY in info.value.fix


# ---- permissions and bind ------------------------------------------------------------------


def test_permission_star(perms):
    sts = route_statements(perms, "star")
    assert any(s.get("Action") in ("*", ["*"]) and s.get("Resource") in ("*", ["*"]) for s in sts)


def test_permission_service_and_action(perms):
    assert "s3:*" in actions(route_statements(perms, "svc"))
    acts = actions(route_statements(perms, "act"))
    assert "s3:GetObject" in acts and "s3:*" not in acts


def test_permission_statement(perms):
    sts = route_statements(perms, "stmt")
    assert any(
        "sqs:SendMessage" in actions([s])
        and "arn:aws:sqs:us-east-1:123456789012:q" in json.dumps(s["Resource"])
        for s in sts
    )


def test_permission_table_least_privilege(perms):
    sts = route_statements(perms, "tbl")
    acts = actions(sts)
    assert any(a.startswith("dynamodb:") for a in acts)
    assert "dynamodb:*" not in acts and "*" not in acts
    text = json.dumps(
        [s["Resource"] for s in sts if any(a.startswith("dynamodb:") for a in actions([s]))]
    )
    table_id = next(iter(of_type(perms, "AWS::DynamoDB::Table")))
    assert table_id in text
    assert "/index/" in text  # and its indexes


def test_permission_bucket_least_privilege(perms):
    sts = route_statements(perms, "bkt")
    acts = actions(sts)
    assert any(a.startswith("s3:") for a in acts)
    assert "s3:*" not in acts and "*" not in acts
    bucket_id = next(iter(of_type(perms, "AWS::S3::Bucket")))
    assert bucket_id in json.dumps(
        [s["Resource"] for s in sts if any(a.startswith("s3:") for a in actions([s]))]
    )


def test_bind_grants_and_injects_env(perms):
    e = env(perms, "bound")
    text = json.dumps(e)
    table_id = next(iter(of_type(perms, "AWS::DynamoDB::Table")))
    bucket_id = next(iter(of_type(perms, "AWS::S3::Bucket")))
    assert table_id in text and bucket_id in text
    assert "STRIPE_KEY" in text and "COLOR" in text and "blue" in text
    acts = actions(route_statements(perms, "bound"))
    assert any(a.startswith("dynamodb:") for a in acts)
    assert any(a.startswith("s3:") for a in acts)
    assert any(a.startswith("ssm:") for a in acts)  # secret read


def test_table_placeholders_become_references(main, table):
    t = main.template
    dyn = of_type(t, "AWS::DynamoDB::Table")
    assert len(dyn) == 1
    table_id = next(iter(dyn))
    tp = dyn[table_id]["Properties"]
    assert {"AttributeName": "id", "KeyType": "HASH"} in tp["KeySchema"]
    assert tp["GlobalSecondaryIndexes"][0]["IndexName"] == "byRoom"
    assert env(t, "$connect")["TABLE_NAME"] == {"Ref": table_id}
    assert env(t, "sendMessage")["TABLE_NAME"] == {"Ref": table_id}


def test_table_arn_placeholder_becomes_getatt():
    t0 = Table("T", fields={"id": "string"}, primary_index={"partition_key": "id"})
    b0 = Bucket("B")
    api = WebSocketApi("Api").route(
        "$default",
        "src/default.main",
        environment={"ARN": t0.table_arn, "BN": b0.bucket_name, "BA": b0.bucket_arn},
    )
    t = api.synth().template
    e = env(t, "$default")
    tid = next(iter(of_type(t, "AWS::DynamoDB::Table")))
    bid = next(iter(of_type(t, "AWS::S3::Bucket")))
    assert e["ARN"] == {"Fn::GetAtt": [tid, "Arn"]}
    assert e["BN"] == {"Ref": bid}
    assert e["BA"] == {"Fn::GetAtt": [bid, "Arn"]}


# ---- beyond: limits, cfn-lint, cache -------------------------------------------------------


def test_resource_limit_warning_before_synth():
    api = WebSocketApi("Api", access_log=False)
    api.add_routes({f"r{i}": "src/send.main" for i in range(100)})
    (over,) = [f for f in api.lint() if f.code == "too-many-resources"]
    assert over.level == "error" and "500" in over.message


def test_templates_pass_cfn_lint(main, iam_domain, perms):
    from cfnlint.api import lint_all

    for t in (main.template, iam_domain, perms):
        matches = lint_all(json.dumps(t))
        errors = [m for m in matches if str(m.rule.id).startswith("E")]
        assert not errors, [str(m) for m in errors]


def test_resynth_is_cached(main_api, main):
    assert main_api.synth() is main  # the same result, not a second synthesis


def test_synth_deterministic(main_api, main):
    """The same model gives the same template bytes in a fresh process (no cache, a new Node)."""
    import subprocess
    import sys

    code = (
        "import json, sys, warnings; warnings.simplefilter('ignore');"
        "from wsnb import WebSocketApi;"
        "api = WebSocketApi.from_dict(json.loads(sys.stdin.read()));"
        "sys.stdout.write(json.dumps(api.synth().template, indent=1))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        input=json.dumps(main_api.to_dict()),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == json.dumps(main.template, indent=1)


# ---- to_cdk ----------------------------------------------------------------------------------


def test_to_cdk_into_user_stack():
    import aws_cdk as cdk
    from aws_cdk import aws_apigatewayv2, aws_certificatemanager, aws_lambda, aws_logs

    app = cdk.App(context=CTX)
    stack = cdk.Stack(app, "Mine", env=cdk.Environment(account=ACCOUNT, region=REGION))
    api = WebSocketApi(
        "Api",
        routes={"$connect": "src/connect.main", "$default": "src/default.main"},
        custom_domain="api.example.com",
    )
    construct = api.to_cdk(stack)
    assert isinstance(construct.cdk.web_socket_api, aws_apigatewayv2.WebSocketApi)
    assert isinstance(construct.cdk.web_socket_stage, aws_apigatewayv2.WebSocketStage)
    assert isinstance(construct.cdk.access_log_group, aws_logs.LogGroup)
    assert isinstance(construct.cdk.domain_name, aws_apigatewayv2.DomainName)
    assert isinstance(construct.cdk.certificate, aws_certificatemanager.Certificate)
    assert isinstance(construct.get_function("$connect"), aws_lambda.Function)
    assert isinstance(construct.url, str) and construct.url.startswith("wss://")
    assert construct.custom_domain_url == "wss://api.example.com"
    t = app.synth().get_stack_by_name("Mine").template
    assert len(of_type(t, "AWS::ApiGatewayV2::Route")) == 2
    assert len(of_type(t, "AWS::ApiGatewayV2::Api")) == 1


def test_to_cdk_custom_id():
    import aws_cdk as cdk

    app = cdk.App()
    stack = cdk.Stack(app, "Mine2")
    c = WebSocketApi("Api", routes={"$default": "src/default.main"}).to_cdk(stack, id="Renamed")
    assert c.node.id == "Renamed"


# ---- more function props and cdk overrides -------------------------------------------------


def test_function_props_reach_cloudformation():
    layer = "arn:aws:lambda:us-east-1:123456789012:layer:deps:3"
    api = (
        WebSocketApi("Api")
        .defaults(layers=[layer])
        .route(
            "$default",
            "src/default.main",
            runtime="python3.11",
            timeout=15,
            memory_size=256,
            architecture="arm_64",
            description="the default route",
            environment={"A": "1"},
        )
    )
    fn = route_function(api.synth().template, "$default")[1]["Properties"]
    assert fn["Runtime"] == "python3.11"
    assert fn["Timeout"] == 15
    assert fn["MemorySize"] == 256
    assert fn["Architectures"] == ["arm64"]
    assert fn["Description"] == "the default route"
    assert fn["Environment"]["Variables"]["A"] == "1"
    assert fn["Layers"] == [layer]
    assert fn["Handler"].endswith("default.main")


def test_web_socket_api_dict_overrides_other_props():
    api = WebSocketApi(
        "Api",
        routes={"$default": "src/default.main"},
        cdk={"web_socket_api": {"api_name": "n", "description": "my chat"}},
    )
    p = one(api.synth().template, "AWS::ApiGatewayV2::Api")
    assert p["Name"] == "n" and p["Description"] == "my chat"


def test_unknown_cdk_props_are_errors():
    with pytest.raises(CdkPropsError, match=r"^cdk.web_socket_api has no prop 'no_such_prop'"):
        WebSocketApi(
            "Api",
            routes={"$default": "src/default.main"},
            cdk={"web_socket_api": {"no_such_prop": 1}},
        ).synth()
    with pytest.raises(CdkPropsError, match=r"^cdk has unknown key\(s\) \['bogus'\]"):
        WebSocketApi("Api", cdk={"bogus": 1})


def test_finished_function_in_constructor_routes_with_defaults_is_error():
    with pytest.raises(DefaultsConflictError, match=r"^Route 'x' is a finished Function"):
        WebSocketApi(
            "Api", defaults={"function": {"timeout": 20}}, routes={"x": Function("src/send.main")}
        )
    with pytest.raises(DefaultsConflictError, match=r"^Route 'x' is a finished Function"):
        WebSocketApi("Api").defaults(timeout=20).add_routes(
            {"x": {"function": Function("src/send.main")}}
        )


def test_region_and_account_used_in_manage_connections_arn():
    t = (
        WebSocketApi("Api")
        .route("$default", "src/default.main")
        .synth(account=ACCOUNT, region="eu-west-1")
        .template
    )
    text = json.dumps(route_statements(t, "$default"))
    assert ":execute-api:eu-west-1:123456789012:" in text


def test_log_group_name_uses_stage_override_of_app_stage():
    t = WebSocketApi("Api").route("$default", "src/default.main").synth(stage="qa").template
    name = json.dumps(one(t, "AWS::Logs::LogGroup")["LogGroupName"])
    assert "/aws/vendedlogs/apis/qa-app-Api-" in name


def test_to_cdk_url_is_a_token():
    import aws_cdk as cdk

    app = cdk.App()
    stack = cdk.Stack(app, "TokenStack")
    c = WebSocketApi("Api", routes={"$default": "src/default.main"}).to_cdk(stack)
    assert cdk.Token.is_unresolved(c.url)
    assert c.custom_domain_url is None


def test_stage_override_used_in_manage_connections_and_mapping():
    api = WebSocketApi(
        "Api",
        routes={"$default": "src/default.main"},
        custom_domain={
            "domain_name": "api.example.com",
            "is_external_domain": True,
            "cdk": {"certificate": CERT},
        },
        cdk={"web_socket_stage": {"stage_name": "live"}},
    )
    t = api.synth().template
    text = json.dumps(route_statements(t, "$default"))
    assert "/live/POST/*" in text and "/dev/POST/*" not in text
    mapping = one(t, "AWS::ApiGatewayV2::ApiMapping")
    stage_id = next(iter(of_type(t, "AWS::ApiGatewayV2::Stage")))
    assert mapping["Stage"] in ("live", {"Ref": stage_id})  # the name, or a Ref that gives it


def test_imported_stage_used_in_manage_connections():
    api = WebSocketApi(
        "Api",
        routes={"$default": "src/default.main"},
        cdk={"web_socket_api": "abc123", "web_socket_stage": "live"},
    )
    text = json.dumps(route_statements(api.synth().template, "$default"))
    assert "abc123/live/POST/*" in text


def test_shared_domain_says_http_rest_forbidden():
    api = WebSocketApi(
        "Api",
        routes={"$default": "src/default.main"},
        custom_domain={
            "path": "chat",
            "cdk": {
                "domain_name": {
                    "name": "api.example.com",
                    "regional_domain_name": "d-abc.execute-api.us-east-1.amazonaws.com",
                    "regional_hosted_zone_id": "Z1UJRXOUMOOFQ8",
                }
            },
        },
    )
    text = " ".join(f"{f.message} {f.fix}" for f in api.lint())
    assert "HTTP" in text and "REST" in text
