"""SPEC §1 — the model and the fluent builder."""

from __future__ import annotations

import re
import warnings

import pytest

from wsnb import (
    AccessLogError,
    AuthorizerError,
    Bucket,
    DuplicateRouteError,
    Function,
    HandlerError,
    HandlerFileWarning,
    LambdaAuthorizer,
    Parameter,
    PermissionsError,
    PropError,
    ResourceError,
    RouteKeyError,
    Secret,
    Table,
    WebSocketApi,
    WsnbError,
)


@pytest.fixture
def table():
    return Table("Connections", fields={"id": "string"}, primary_index={"partition_key": "id"})


def _headline(table):
    return (
        WebSocketApi("Api")
        .defaults(timeout=20, environment={"TABLE_NAME": table.table_name}, permissions=[table])
        .route("$connect", "src/connect.main")
        .route("$disconnect", "src/disconnect.main")
        .route("$default", "src/default.main", timeout=10)
        .route("sendMessage", {"function": {"handler": "src/send.main", "memory_size": 512}})
        .authorizer("iam")
    )


# ---- builder -------------------------------------------------------------------------------


def test_headline_builder_chain(table):
    api = _headline(table)
    assert api.routes == ["$connect", "$disconnect", "$default", "sendMessage"]
    assert api.get_function("$default").timeout == 10
    assert api.get_function("$connect").timeout == 20
    assert api.get_function("sendMessage").memory_size == 512
    assert api.get_function("sendMessage").environment["TABLE_NAME"] == table.table_name


def test_every_builder_method_returns_same_api(table):
    api = WebSocketApi("Api")
    bucket = Bucket("Files")
    assert api.route("$connect", "src/connect.main") is api
    assert api.defaults(timeout=20) is api
    assert api.authorizer("iam") is api
    assert api.custom_domain("api.example.com") is api
    assert api.access_log(True) is api
    assert api.add_routes({"$default": "src/default.main"}) is api
    assert api.attach_permissions(["s3"]) is api
    assert api.attach_permissions_to_route("$default", ["s3"]) is api
    assert api.bind([bucket]) is api
    assert api.bind_to_route("$default", [table]) is api


def test_sst_shaped_constructor():
    api = WebSocketApi(
        "Api",
        routes={
            "$connect": "src/connect.main",
            "sendMessage": {"function": {"handler": "src/send.main"}},
        },
        defaults={"function": {"timeout": 20}},
        authorizer="iam",
        custom_domain="api.example.com",
        access_log=True,
        cdk={
            "id": "Other",
            "web_socket_api": {"api_name": "x"},
            "web_socket_stage": {"auto_deploy": False},
        },
    )
    assert api.routes == ["$connect", "sendMessage"]
    assert api.get_function("sendMessage").timeout == 20
    assert api.custom_domain_url == "wss://api.example.com"


def test_constructor_and_builder_build_same_model():
    a = WebSocketApi(
        "Api",
        routes={"$connect": "src/connect.main", "$default": "src/default.main"},
        defaults={"function": {"timeout": 20}},
        authorizer="iam",
    )
    b = (
        WebSocketApi("Api")
        .defaults(timeout=20)
        .route("$connect", "src/connect.main")
        .route("$default", "src/default.main")
        .authorizer("iam")
    )
    assert a.to_dict() == b.to_dict()


with warnings.catch_warnings():  # collected before the project folder holds src/authorizer.py
    warnings.simplefilter("ignore", HandlerFileWarning)
    _AUTHORIZERS = [
        "none",
        "iam",
        LambdaAuthorizer(function="src/authorizer.main"),
        {"type": "lambda", "function": Function("src/authorizer.main")},
        {"type": "lambda", "function": "src/authorizer.main"},
    ]


@pytest.mark.parametrize("authorizer", _AUTHORIZERS)
def test_authorizer_forms_accepted(authorizer):
    api = WebSocketApi("Api", routes={"$connect": "src/connect.main"}, authorizer=authorizer)
    assert api.routes == ["$connect"]


@pytest.mark.parametrize(
    ("access_log", "in_model"),
    [
        (True, True),
        (False, False),
        ("$context.requestId", "$context.requestId"),
        ({"retention": "one_week"}, {"retention": "one_week"}),
        ({"format": "$context.requestId"}, "$context.requestId"),  # a format alone: the string form
        (
            {"destination_arn": "arn:aws:logs:us-east-1:123456789012:log-group:x"},
            {"destination_arn": "arn:aws:logs:us-east-1:123456789012:log-group:x"},
        ),
    ],
)
def test_access_log_forms_accepted(access_log, in_model):
    api = WebSocketApi("Api", routes={"$default": "src/default.main"}, access_log=access_log)
    assert api.to_dict()["access_log"] == in_model
    assert WebSocketApi("Api").access_log(access_log).to_dict()["access_log"] == in_model


def test_sst_methods_add_routes_and_attach():
    api = WebSocketApi("Api", routes={"$connect": "src/connect.main"})
    api.add_routes({"sendMessage": "src/sendMessage.main"})
    assert api.routes == ["$connect", "sendMessage"]
    api.attach_permissions(["s3"])
    api.attach_permissions_to_route("sendMessage", ["dynamodb"])
    assert "s3" in list(api.get_function("$connect").permissions)
    assert "dynamodb" not in list(api.get_function("$connect").permissions)
    perms = list(api.get_function("sendMessage").permissions)
    assert "s3" in perms and "dynamodb" in perms


def test_bind_and_bind_to_route(table):
    secret = Secret("STRIPE_KEY")
    bucket = Bucket("Files")
    api = WebSocketApi(
        "Api", routes={"$connect": "src/connect.main", "$default": "src/default.main"}
    )
    api.bind([secret, bucket])
    api.bind_to_route("$connect", [table])
    assert secret in list(api.get_function("$default").bind)
    assert bucket in list(api.get_function("$default").bind)
    assert table in list(api.get_function("$connect").bind)
    assert table not in list(api.get_function("$default").bind)


def test_reading_id_routes_get_route_get_function():
    api = (
        WebSocketApi("Api")
        .route("b", "src/send.main")
        .route("$connect", "src/connect.main")
        .route("a", "src/default.main")
    )
    assert api.id == "Api"
    assert api.routes == ["b", "$connect", "a"]
    assert api.get_route("$connect").key == "$connect"
    fn = api.get_function("$connect")
    assert fn.route_key == "$connect" and str(fn.handler) == "src/connect.main"
    with pytest.raises(RouteKeyError, match="this API has no route 'missing'"):
        api.get_function("missing")


def test_get_function_reports_provenance(table):
    api = _headline(table)
    fn = api.get_function("$default")
    assert fn.timeout == 10
    assert fn.provenance["timeout"] == "route"
    assert api.get_function("$connect").provenance["timeout"] == "defaults"


def test_url_shapes_before_deploy():
    api = WebSocketApi("Api", routes={"$default": "src/default.main"})
    assert api.url.startswith("wss://")
    assert api.custom_domain_url is None
    api.custom_domain("api.example.com")
    assert api.custom_domain_url == "wss://api.example.com"
    api2 = WebSocketApi(
        "Api",
        routes={"$default": "src/default.main"},
        custom_domain={"domain_name": "api.example.com", "path": "v1"},
    )
    assert api2.custom_domain_url == "wss://api.example.com/v1/"


# ---- handlers ------------------------------------------------------------------------------


def test_handler_forms():
    def notebook_handler(event, context):
        return {"statusCode": 200}

    api = WebSocketApi("Api").add_routes(
        {
            "a": "src/default.main",
            "b": Function("src/send.main", timeout=5),
            "c": {"function": "src/send.main"},
            "d": {"function": Function("src/send.main")},
            "e": {"function": {"handler": "src/send.main", "timeout": 7}},
            "f": notebook_handler,
            "g": {"function": notebook_handler},
        }
    )
    assert api.routes == list("abcdefg")
    assert api.get_function("b").timeout == 5
    assert api.get_function("e").timeout == 7


def test_default_runtime_is_python():
    api = WebSocketApi("Api").route("$default", "src/default.main")
    runtime = api.get_function("$default").runtime
    assert re.fullmatch(r"python3\.\d+", runtime), runtime


def test_function_accepts_documented_props():
    f = Function(
        handler="src/send.main",
        runtime="python3.12",
        timeout=10,
        memory_size=256,
        environment={"A": "1"},
        permissions=["s3"],
        layers=["arn:aws:lambda:us-east-1:123456789012:layer:x:1"],
        bind=[Bucket("B")],
        architecture="arm_64",
        description="hello",
    )
    api = WebSocketApi("Api").route("$default", f)
    fn = api.get_function("$default")
    assert fn.memory_size == 256 and fn.description == "hello" and fn.environment == {"A": "1"}


@pytest.mark.parametrize(
    "call",
    [
        lambda: WebSocketApi("Api").route("$default", "src/default.main", memroy_size=5),
        lambda: Function("src/default.main", no_such_prop=1),
        lambda: WebSocketApi("Api").route(
            "$default", {"function": {"handler": "src/default.main", "bogus": 1}}
        ),
        lambda: WebSocketApi("Api").defaults(bogus=1),
    ],
)
def test_unknown_props_raise(call):
    with pytest.raises(
        PropError, match=r"^'(memroy_size|no_such_prop|bogus)' is not a function prop"
    ):
        call()


@pytest.mark.parametrize(
    ("call", "error", "given"),
    [
        (
            lambda: WebSocketApi("Api").route("$default", "src/default.main", timeout="ten"),
            PropError,
            "ten",
        ),
        (
            lambda: WebSocketApi("Api").route("$default", "src/default.main", memory_size="big"),
            PropError,
            "big",
        ),
        (
            lambda: WebSocketApi("Api").route("$default", "src/default.main", environment=["A"]),
            PropError,
            ["A"],
        ),
        (lambda: WebSocketApi("Api").route("$default", 42), HandlerError, 42),
        (lambda: WebSocketApi("Api").route("$default", ""), HandlerError, ""),
        (lambda: WebSocketApi("Api").route("$default", "   "), HandlerError, "   "),
        (lambda: WebSocketApi("Api").route("$default", {"function": ""}), HandlerError, ""),
        (lambda: WebSocketApi("Api", routes=["$default"]), RouteKeyError, ["$default"]),
        (lambda: WebSocketApi("Api", authorizer="jwt"), AuthorizerError, "jwt"),
        (
            lambda: WebSocketApi("Api", access_log={"retention": "forever-ish"}),
            AccessLogError,
            "forever-ish",
        ),
    ],
)
def test_wrong_types_and_values_raise_wsnb_error(call, error, given):
    with pytest.raises(error) as info:
        call()
    assert type(info.value) is error
    assert info.value.given == given  # the error shows what was given ...
    assert f"  fix:     {info.value.fix}" in str(info.value).splitlines()  # ... and how to fix it


# ---- resources -----------------------------------------------------------------------------


def test_resources_and_their_placeholders():
    t = Table(
        "Notes",
        fields={"pk": "string", "sk": "number", "blob": "binary"},
        primary_index={"partition_key": "pk", "sort_key": "sk"},
        global_indexes={"bySk": {"partition_key": "sk"}},
    )
    b = Bucket("Files")
    s = Secret("STRIPE_KEY")
    p = Parameter("STAGE_NAME", "dev")
    assert [t.table_name, t.table_arn, b.bucket_name, b.bucket_arn] == [
        "${wsnb:Table/Notes.table_name}",
        "${wsnb:Table/Notes.table_arn}",
        "${wsnb:Bucket/Files.bucket_name}",
        "${wsnb:Bucket/Files.bucket_arn}",
    ]
    assert (s.name, p.name, p.value) == ("STRIPE_KEY", "STAGE_NAME", "dev")
    api = WebSocketApi("Api").route(
        "$default", "src/default.main", environment={"T": t.table_name}, bind=[t, b, s, p]
    )
    assert api.get_function("$default").environment["T"] == t.table_name


@pytest.mark.parametrize(
    "call",
    [
        lambda: Table("T", fields={"id": "text"}, primary_index={"partition_key": "id"}),
        lambda: Table("T", fields={"id": "string"}, primary_index={"partition_key": "nope"}),
        lambda: Table("T", fields={"id": "string"}, primary_index={}),
    ],
)
def test_bad_table_raises(call):
    with pytest.raises(ResourceError, match=r"^Table 'T': "):
        call()


# ---- return_response -----------------------------------------------------------------------


def test_return_response_is_not_a_function_prop():
    with pytest.raises(PropError, match=r"^'return_response' is not a function prop"):
        Function("src/send.main", return_response=True)


# ---- route keys ----------------------------------------------------------------------------


def test_error_message_says_given_allowed_fix():
    with pytest.raises(RouteKeyError) as info:
        WebSocketApi("Api").route("$foo", "src/default.main")
    assert info.value.given == "$foo"
    assert "'$connect', '$disconnect', '$default'" in info.value.allowed
    assert info.value.fix == 'api.route("sendMessage", "src/send.main")'
    assert str(info.value).splitlines()[1:] == [
        "  given:   '$foo'",
        f"  allowed: {info.value.allowed}",
        f"  fix:     {info.value.fix}",
    ]


def test_failed_call_does_not_half_apply():
    api = WebSocketApi("Api").route("$connect", "src/connect.main")
    before = api.to_dict()
    with pytest.raises(RouteKeyError, match=r"^Route key '\$bad' starts with '\$'"):
        api.add_routes({"ok": "src/send.main", "$bad": "src/send.main"})
    assert api.to_dict() == before
    assert api.routes == ["$connect"]
    with pytest.raises(PermissionsError, match=r"^Permission of type int is not understood"):
        api.attach_permissions(["s3", 42])
    assert api.to_dict() == before


# ---- defaults merge ------------------------------------------------------------------------


def test_defaults_merge_semantics():
    t = Table("T", fields={"id": "string"}, primary_index={"partition_key": "id"})
    b = Bucket("B")
    s = Secret("S")
    api = WebSocketApi(
        "Api",
        defaults={
            "function": {
                "timeout": 20,
                "memory_size": 256,
                "permissions": [t],
                "environment": {"tableName": "T1", "shared": "d"},
                "layers": ["arn:aws:lambda:us-east-1:123456789012:layer:a:1"],
                "bind": [s],
            }
        },
        routes={
            "$default": {
                "function": {
                    "handler": "src/default.main",
                    "timeout": 10,
                    "permissions": [b],
                    "environment": {"bucketName": "B1", "shared": "r"},
                    "layers": ["arn:aws:lambda:us-east-1:123456789012:layer:b:1"],
                    "bind": [b],
                }
            },
            "$connect": "src/connect.main",
        },
    )
    fn = api.get_function("$default")
    assert fn.timeout == 10
    assert fn.memory_size == 256
    assert fn.environment == {"tableName": "T1", "shared": "r", "bucketName": "B1"}
    assert list(fn.permissions) == [t, b]
    assert [str(x) for x in fn.layers] == [
        "arn:aws:lambda:us-east-1:123456789012:layer:a:1",
        "arn:aws:lambda:us-east-1:123456789012:layer:b:1",
    ]
    assert list(fn.bind) == [s, b]
    c = api.get_function("$connect")
    assert c.timeout == 20 and c.environment == {"tableName": "T1", "shared": "d"}


def test_star_permission_wins_either_side():
    api = (
        WebSocketApi("Api")
        .defaults(permissions=["*"])
        .route("$default", "src/default.main", permissions=["s3"])
    )
    assert list(api.get_function("$default").permissions) == ["*"]
    api2 = (
        WebSocketApi("Api")
        .defaults(permissions=["s3"])
        .route("$default", "src/default.main", permissions="*")
    )
    assert list(api2.get_function("$default").permissions) == ["*"]


def test_lint_findings_shape_and_never_raises():
    api = WebSocketApi("Api").route("$default", "src/default.main").authorizer("iam")
    findings = api.lint()
    assert isinstance(findings, list)
    for f in findings:
        assert f.level in ("error", "warning", "info") and f.code and f.message and f.fix
    (missing,) = [f for f in findings if f.code == "authorizer-without-connect"]
    assert missing.level == "error" and "$connect" in missing.message


def test_lint_on_empty_api_does_not_raise():
    findings = WebSocketApi("Api").lint()
    assert ("warning", "no-routes") in [(f.level, f.code) for f in findings]


def test_lookup_by_unstripped_key():
    api = WebSocketApi("Api").route("$connect", "src/connect.main")
    assert api.get_function("$connect ").route_key == "$connect"
    assert api.get_route(" $connect").key == "$connect"


def test_errors_are_specific_subclasses():
    from wsnb import DefaultsConflictError, DuplicateRouteError, RouteKeyError

    with pytest.raises(RouteKeyError):
        WebSocketApi("Api").route("$nope", "src/default.main")
    with pytest.raises(DuplicateRouteError):
        WebSocketApi("Api").route("a", "src/default.main").route("a", "src/send.main")
    with pytest.raises(DefaultsConflictError):
        WebSocketApi("Api").defaults(timeout=3).route("a", Function("src/send.main"))
    for cls in (RouteKeyError, DuplicateRouteError, DefaultsConflictError):
        assert issubclass(cls, WsnbError)


def _notebook_cell(n: int, src: str):
    """Define a function the way IPython does when a cell runs (a fresh cell file each run)."""
    import linecache

    fname = f"/tmp/ipykernel_acceptance/{n}.py"
    linecache.cache[fname] = (len(src), None, src.splitlines(True), fname)
    ns = {"__name__": "__main__"}
    exec(compile(src, fname, "exec"), ns)
    return ns["h"]


def test_rerunning_a_cell_with_a_notebook_function_is_noop():
    src = "def h(event, context):\n    return {'statusCode': 200}\n"
    api = WebSocketApi("Api").route("a", _notebook_cell(1, src))
    before = api.to_dict()
    api.route("a", _notebook_cell(2, src))
    assert api.routes == ["a"] and api.to_dict() == before
    changed = "def h(event, context):\n    return {'statusCode': 201}\n"
    with pytest.raises(DuplicateRouteError, match=r"^Route 'a' is already defined differently"):
        api.route("a", _notebook_cell(3, changed))


def test_rerunning_a_cell_with_function_objects_is_noop():
    api = WebSocketApi("Api").route("b", Function("src/send.main", timeout=3))
    api.route("b", Function("src/send.main", timeout=3))
    assert api.routes == ["b"]
    assert api.get_function("b").timeout == 3


def test_rerunning_a_defaults_cell_is_safe():
    api = WebSocketApi("Api").defaults(timeout=5).route("a", "src/send.main")
    api.defaults(timeout=5)
    assert api.get_function("a").timeout == 5


def test_return_response_inside_function_props_is_rejected():
    with pytest.raises(PropError, match=r"^'return_response' is not a function prop"):
        WebSocketApi("Api").defaults(return_response=True)


def test_sst_methods_take_specs_argument_names_as_keywords(project):
    # SPEC §1: add_routes(routes: dict), attach_permissions(perms),
    # attach_permissions_to_route(key, perms), bind(resources), bind_to_route(key, resources)
    table = Table("Notes", fields={"id": "string"}, primary_index={"partition_key": "id"})
    api = WebSocketApi("Api").add_routes(routes={"$default": "src/default.main"})
    api.attach_permissions(perms=["s3"])
    api.attach_permissions_to_route(key="$default", perms=["sqs"])
    api.bind(resources=[table])
    api.bind_to_route(key="$default", resources=[table])
    fn = api.get_function("$default")
    assert list(fn.props["permissions"])[:2] == ["s3", "sqs"]
    with pytest.raises(WsnbError, match="both perms= and permissions="):
        api.attach_permissions(["s3"], permissions=["s3"])
