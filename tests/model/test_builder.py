"""The fluent builder and the SST-shaped constructor build the same model (SPEC §1)."""

from __future__ import annotations

import json
import warnings

import pytest

from wsnb import (
    AuthorizerError,
    Bucket,
    DefaultsConflictError,
    DuplicateRouteError,
    Function,
    HandlerError,
    HandlerFileWarning,
    LambdaAuthorizer,
    PermissionsError,
    PropError,
    RouteKeyError,
    Table,
    ValidationError,
    WebSocketApi,
    WsnbError,
)

pytestmark = pytest.mark.usefixtures("project")


def table() -> Table:
    return Table("Connections", fields={"id": "string"}, primary_index={"partition_key": "id"})


def test_spec_example_fluent_equals_constructor():
    t = table()
    fluent = (
        WebSocketApi("Api")
        .defaults(timeout=20, environment={"TABLE_NAME": t.table_name}, permissions=[t])
        .route("$connect", "src/connect.main")
        .route("$disconnect", "src/disconnect.main")
        .route("$default", "src/default.main", timeout=10)
        .route("sendMessage", {"function": {"handler": "src/send.main", "memory_size": 512}})
        .authorizer("iam")
    )
    sst = WebSocketApi(
        "Api",
        routes={
            "$connect": "src/connect.main",
            "$disconnect": "src/disconnect.main",
            "$default": {"function": {"handler": "src/default.main", "timeout": 10}},
            "sendMessage": {"function": {"handler": "src/send.main", "memory_size": 512}},
        },
        defaults={
            "function": {
                "timeout": 20,
                "environment": {"TABLE_NAME": t.table_name},
                "permissions": [t],
            }
        },
        authorizer="iam",
    )
    assert fluent == sst
    assert fluent.to_dict() == sst.to_dict()
    assert fluent.routes == ["$connect", "$disconnect", "$default", "sendMessage"]


def test_route_key_whitespace_is_stripped():
    api = (
        WebSocketApi("Api")
        .route("$connect ", "src/connect.main")
        .route(" sendMessage", "src/send.main")
    )
    assert api.routes == ["$connect", "sendMessage"]
    assert api.get_route(" $connect").key == "$connect"


@pytest.mark.parametrize(
    "key", ["", "   ", "$conect", "$foo", "$Connect", "x" * 129, "a\nb", 5, None]
)
def test_invalid_route_keys_raise_before_change(key):
    api = WebSocketApi("Api").route("$connect", "src/connect.main")
    before = api.to_dict()
    with pytest.raises(RouteKeyError) as info:
        api.route(key, "src/default.main")
    assert api.to_dict() == before
    assert "allowed" in str(info.value)


def test_misspelled_reserved_key_suggests_the_right_one():
    with pytest.raises(RouteKeyError, match=r"did you mean '\$connect'"):
        WebSocketApi("Api").route("$conect", "src/connect.main")


@pytest.mark.parametrize(
    "handler",
    [
        "",
        "src/connect",
        "src/connect.",
        "/abs/connect.main",
        "../up/connect.main",
        "src/../x.main",
        "src/con nect.main",
        "src\\x.main",
        42,
    ],
)
def test_bad_handlers(handler):
    with pytest.raises(HandlerError):
        WebSocketApi("Api").route("$connect", handler)


def test_missing_handler_file_warns_not_raises():
    with pytest.warns(HandlerFileWarning, match="src/nothere.py"):
        api = WebSocketApi("Api").route("$connect", "src/nothere.main")
    assert api.routes == ["$connect"]


def test_a_refused_call_shows_its_error_alone_and_a_kept_one_warns_at_the_users_line():
    api = WebSocketApi("Api").route("$connect", "src/connect.main")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(DuplicateRouteError):
            api.route("$connect", "src/other.main")  # refused: no warning about src/other.py
        with pytest.raises(PropError):
            api.route("typing", "src/missing.main", timout=5)
        with pytest.raises(RouteKeyError, match=r"^Route key '\$bad key'"):
            WebSocketApi("Api", routes={"a": "src/gone.main", "$bad key": "src/connect.main"})
        assert caught == []
        api.route("kept", "src/kept.main")  # kept: one warning, at this line
    assert [str(w.message).split(":")[0] for w in caught] == ["routes['kept'].function.handler"]
    assert caught[0].filename == __file__


def test_unknown_prop_suggests_closest_name():
    with pytest.raises(PropError) as info:
        WebSocketApi("Api").route("$connect", "src/connect.main", timout=3)
    err = info.value
    assert err.given == "timout"
    assert "did you mean 'timeout'" in str(err)
    assert isinstance(err, TypeError) and isinstance(err, ValueError)


@pytest.mark.parametrize(
    "props",
    [
        {"timeout": 0},
        {"timeout": 901},
        {"timeout": "soon"},
        {"timeout": True},
        {"memory_size": 64},
        {"runtime": "nodejs14.x"},  # retired (SPEC §8 accepts nodejs16.x..nodejs24.x)
        {"runtime": "java21"},
        {"architecture": "arm"},
        {"environment": {"1BAD": "x"}},
        {"environment": {"OK": object()}},
        {"environment": ["a"]},
        {"layers": ["not-an-arn"]},
        {"permissions": [3]},
        {"permissions": ["not a permission"]},
        {"bind": ["table"]},
        {"tracing": "on"},
    ],
)
def test_bad_prop_values(props):
    with pytest.raises(PermissionsError if "permissions" in props else PropError):
        WebSocketApi("Api").route("$connect", "src/connect.main", **props)


def test_duration_and_size_strings_are_normalized():
    api = WebSocketApi("Api").route(
        "$connect", "src/connect.main", timeout="2 minutes", memory_size="1 GB"
    )
    fn = api.get_function("$connect")
    assert fn["timeout"] == 120 and fn["memory_size"] == 1024


def test_identical_route_readded_is_noop():
    api = WebSocketApi("Api").route("$connect", "src/connect.main", timeout=5)
    before = api.to_dict()
    assert api.route("$connect", "src/connect.main", timeout=5) is api
    api.add_routes({"$connect": {"function": {"handler": "src/connect.main", "timeout": 5}}})
    assert api.to_dict() == before and api.routes == ["$connect"]


def test_different_route_under_taken_key_shows_both_and_how_to_replace():
    api = WebSocketApi("Api").route("$connect", "src/connect.main")
    with pytest.raises(DuplicateRouteError) as info:
        api.route("$connect", "src/other.main")
    text = str(info.value)
    assert "src/connect.main" in text and "src/other.main" in text and "replace=True" in text
    assert api.to_dict()["routes"] == {"$connect": "src/connect.main"}
    api.route("$connect", "src/default.main", replace=True)
    assert str(api.get_function("$connect").handler) == "src/default.main"


def test_duplicate_route_error_compares_prop_by_prop():
    api = WebSocketApi("Api").route("$connect", "src/connect.main", environment={"MAX": "5"})
    with pytest.raises(DuplicateRouteError) as info:
        api.route("$connect", "src/other.main", timeout=30, return_response=True)
    err = info.value
    lines = str(err).splitlines()
    changes = [line.strip().removeprefix("changes:").strip() for line in lines[2:-1]]
    assert changes == [
        "handler: 'src/connect.main' → 'src/other.main'",
        "environment: {'MAX': '5'} → unset",
        "timeout: unset → 30",
        "return_response: unset → True",
    ]
    assert lines[-1].startswith("  fix:") and "replace=True" in lines[-1]
    assert "'existing'" not in str(err)  # no raw dicts: only what differs
    # the two definitions stay available to code, as JSON
    assert err.given == {
        "existing": {"function": {"handler": "src/connect.main", "environment": {"MAX": "5"}}},
        "new": {"function": {"handler": "src/other.main", "timeout": 30}, "return_response": True},
    }


def test_duplicate_route_error_names_a_changed_notebook_function():
    import linecache

    def cell(n: int, src: str):  # a function defined the way IPython runs a cell
        fname = f"<wsnb-test-cell-{n}>"
        linecache.cache[fname] = (len(src), None, src.splitlines(True), fname)
        namespace = {"__name__": "__main__"}
        exec(compile(src, fname, "exec"), namespace)
        return namespace["h"]

    api = WebSocketApi("Api").route("a", cell(1, "def h(event, context):\n    return 1\n"))
    with pytest.raises(DuplicateRouteError) as info:
        api.route("a", cell(2, "def h(event, context):\n    return 2\n"))
    text = str(info.value)
    assert "handler: h() (notebook): its code changed" in text
    assert "return 2" not in text and "'python'" not in text


def test_add_routes_is_all_or_nothing():
    api = WebSocketApi("Api").route("$connect", "src/connect.main")
    before = api.to_dict()
    with pytest.raises(PropError, match=r"^'timeot' is not a function prop"):
        api.add_routes(
            {
                "$default": "src/default.main",
                "bad": {"function": {"handler": "src/send.main", "timeot": 1}},
            }
        )
    assert api.to_dict() == before


def test_add_routes_accepts_sst_scope_argument():
    api = WebSocketApi("Api").add_routes(object(), {"sendMessage": "src/sendMessage.main"})
    assert api.routes == ["sendMessage"]


def test_finished_function_with_defaults_is_an_error_with_the_fix():
    api = WebSocketApi("Api").defaults(timeout=20)
    with pytest.raises(DefaultsConflictError, match="pass a dict or keyword props"):
        api.route("sendMessage", Function("src/send.main", memory_size=512))
    assert api.routes == []
    api2 = WebSocketApi("Api").route("sendMessage", Function("src/send.main"))
    with pytest.raises(DefaultsConflictError):
        api2.defaults(timeout=20)
    assert api2.to_dict()["routes"]["sendMessage"]["final"] is True
    with pytest.raises(DefaultsConflictError):
        WebSocketApi(
            "Api", defaults={"function": {"timeout": 3}}, routes={"x": Function("src/send.main")}
        )


def test_function_route_without_defaults_keeps_its_props():
    api = WebSocketApi("Api").route("sendMessage", Function("src/send.main", memory_size=512))
    fn = api.get_function("sendMessage")
    assert fn["memory_size"] == 512 and fn.provenance["memory_size"] == "route"


def test_return_response_keyword_and_dict_form_agree():
    a = WebSocketApi("Api").route("echo", "src/send.main", return_response=True)
    b = WebSocketApi("Api", routes={"echo": {"function": "src/send.main", "return_response": True}})
    assert a == b and a.get_route("echo").return_response is True
    assert "return_response" not in a.get_function("echo").props  # a route option, not a prop
    assert a.route("plain", "src/send.main").get_route("plain").return_response is False
    with pytest.raises(PropError):
        WebSocketApi("Api").route("echo", "src/send.main", return_response="yes")


def test_authorizer_forms():
    lam = LambdaAuthorizer(Function("src/authorizer.main"))
    a = WebSocketApi("Api").authorizer(lam)
    b = WebSocketApi("Api").authorizer(
        {"type": "lambda", "function": Function("src/authorizer.main")}
    )
    c = WebSocketApi("Api").authorizer({"type": "lambda", "function": "src/authorizer.main"})
    assert a == b == c
    assert a.spec.authorizer.identity_source == ("route.request.header.Authorization",)
    assert a.spec.authorizer.name == "WebSocketAuthorizer"
    with pytest.raises(AuthorizerError, match=r"^Authorizer 'jwt' is not known"):
        WebSocketApi("Api").authorizer("jwt")
    with pytest.raises(AuthorizerError, match=r"^A Lambda authorizer needs a function"):
        WebSocketApi("Api").authorizer({"type": "lambda"})
    with pytest.raises(AuthorizerError, match=r"^identity_source must be a non-empty list"):
        LambdaAuthorizer("src/authorizer.main", identity_source="route.request.header.X")


def test_authorizer_without_connect_is_allowed_at_build_time_and_linted():
    api = WebSocketApi("Api").authorizer("iam").route("$default", "src/default.main")
    codes = {f.code: f.level for f in api.lint()}
    assert codes["authorizer-without-connect"] == "error"
    api.route("$connect", "src/connect.main")
    assert "authorizer-without-connect" not in {f.code for f in api.lint()}


def test_permissions_and_bind_are_idempotent():
    api = WebSocketApi("Api").route("$default", "src/default.main")
    api.attach_permissions(["s3"]).attach_permissions(["s3"])
    api.attach_permissions_to_route("$default", ["sqs:SendMessage"]).attach_permissions_to_route(
        "$default", ["sqs:SendMessage"]
    )
    fn = api.get_function("$default")
    assert fn["permissions"] == ("s3", "sqs:SendMessage")
    assert fn.provenance["permissions"] == "attached"


def test_attach_to_unknown_route_names_the_routes():
    api = WebSocketApi("Api").route("$default", "src/default.main")
    before = api.to_dict()
    with pytest.raises(
        RouteKeyError, match=r"^attach_permissions_to_route: this API has no route '\$connect'"
    ) as info:
        api.attach_permissions_to_route("$connect", ["s3"])
    assert info.value.allowed == "'$default'"
    with pytest.raises(RouteKeyError, match=r"^bind_to_route: this API has no route 'nope'"):
        api.bind_to_route("nope", [Bucket("B")])
    assert api.to_dict() == before


def test_api_level_attachments_apply_to_future_routes():
    api = WebSocketApi("Api").attach_permissions(["s3"]).route("$default", "src/default.main")
    assert api.get_function("$default")["permissions"] == ("s3",)


def test_two_different_tables_with_one_id_conflict():
    t1 = table()
    t2 = Table("Connections", fields={"pk": "string"}, primary_index={"partition_key": "pk"})
    api = WebSocketApi("Api").route("$default", "src/default.main", permissions=[t1])
    with pytest.raises(WsnbError, match="share the id"):
        api.route("$connect", "src/connect.main", permissions=[t2])
    assert api.routes == ["$default"]


def test_env_token_for_unknown_resource_is_an_error():
    t = table()
    with pytest.raises(WsnbError, match="does not know"):
        WebSocketApi("Api").route(
            "$default", "src/default.main", environment={"T": f"prefix-{t.table_name}"}
        )
    api = WebSocketApi("Api").route(
        "$default", "src/default.main", environment={"T": f"prefix-{t.table_name}"}, permissions=[t]
    )
    assert api.routes == ["$default"]


def test_reading_properties():
    api = WebSocketApi(
        "Api",
        custom_domain={"domain_name": "api.domain.com", "path": "v1"},
        routes={"$default": "src/default.main"},
    )
    assert api.id == "Api"
    assert api.custom_domain_url == "wss://api.domain.com/v1/"
    assert (
        WebSocketApi("X", custom_domain="api.domain.com").custom_domain_url
        == "wss://api.domain.com"
    )
    assert WebSocketApi("X").custom_domain_url is None
    assert api.url.startswith("wss://")


def test_invalid_api_id():
    with pytest.raises(ValidationError, match=r"^WebSocketApi id '1 bad id' is not valid"):
        WebSocketApi("1 bad id")


def test_callable_handler_rerun_is_noop_and_source_is_kept():
    from tests.model import handlers_for_tests as h

    api = WebSocketApi("Api").route("sendMessage", h.send)
    api.route("sendMessage", h.send)
    fn = api.get_function("sendMessage")
    assert fn.handler.name == "send" and "def send(event, context)" in fn.handler.source
    data = json.loads(json.dumps(api.to_dict()))
    assert WebSocketApi.from_dict(data) == api


def _make_lambda_closure():
    secret = "x"
    return lambda e, c: secret


@pytest.mark.parametrize("bad", ["lam_one_arg", "lam_closure", "one_arg", "closure"])
def test_unusable_callables_are_refused(bad):
    from tests.model import handlers_for_tests as h

    target = {
        "lam_one_arg": lambda event: None,
        "lam_closure": _make_lambda_closure(),
        "one_arg": h.one_arg,
        "closure": h.make_closure(),
    }[bad]
    with pytest.raises(HandlerError):
        WebSocketApi("Api").route("x", target)


def test_no_warning_for_existing_files():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        WebSocketApi("Api").route("$connect", "src/connect.main")


def test_callable_source_drops_notebook_decorators():
    from tests.model import handlers_for_tests as h

    fn = WebSocketApi("Api").route("x", h.decorated).get_function("x")
    assert fn.handler.source.startswith("def decorated(event, context):")


GREETING = "hi"


def test_a_lambda_is_a_plain_callable_handler_too():
    # SPEC §1 (beyond): "a plain Python callable defined in the notebook"; a lambda ships as the
    # def it stands for, named after its text (a re-run cell is a no-op)
    def build():
        return WebSocketApi("Api").route(
            "echo",
            lambda event, context: {"statusCode": 200, "body": GREETING + event["body"]},
            return_response=True,
        )

    api = build()
    handler = api.get_function("echo").handler
    assert handler.name.startswith("lambda_") and handler == build().get_function("echo").handler
    assert handler.source == (
        f"def {handler.name}(event, context):\n"
        '    return ({"statusCode": 200, "body": GREETING + event["body"]})\n'
    )
    assert WebSocketApi.from_dict(json.loads(json.dumps(api.to_dict()))) == api
    other = WebSocketApi("Api").route("a", lambda e, c: 1).route("b", lambda e, c: 2)
    names = {other.get_function(k).handler.name for k in ("a", "b")}
    assert len(names) == 2  # two different lambdas never share a name
