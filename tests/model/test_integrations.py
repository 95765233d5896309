"""Route integrations other than a Lambda proxy: the model and the builder (SPEC §9).

AWS's rules pinned here come from "Data transformations for WebSocket APIs in API Gateway"
(template selection expressions), "Set up data mapping for WebSocket APIs in API Gateway"
(request parameters), "WebSocket selection expressions" (``\\$default``, ``/regex/`` keys),
"AWS::ApiGatewayV2::Integration" (types, passthrough, content handling) and "Amazon API
Gateway quotas" (50 ms - 29 s integration timeout, 300 KB mapping templates).
"""

from __future__ import annotations

import warnings

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wsnb import (
    AwsIntegration,
    DuplicateRouteError,
    Function,
    HttpIntegration,
    IntegrationError,
    IntegrationResponse,
    LambdaIntegration,
    MockIntegration,
    PropError,
    ResourceError,
    Table,
    WebSocketApi,
)

pytestmark = pytest.mark.filterwarnings("ignore::wsnb.HandlerFileWarning")

MOCK_OK = MockIntegration(request_templates={"$default": '{"statusCode": 200}'})


def table() -> Table:
    return Table("Messages", fields={"id": "string"}, primary_index={"partition_key": "id"})


# ---------------------------------------------------------------------- building routes


def test_a_plain_handler_stays_a_lambda_proxy():
    api = WebSocketApi("Api").route("send", "src/send.main")
    route = api.get_route("send")
    assert route.integration is None
    assert route.integration_label == "Lambda proxy"
    assert route.has_function


def test_each_integration_kind_builds_a_route_with_its_cloudformation_type():
    api = (
        WebSocketApi("Api")
        .route("$connect", MOCK_OK)
        .route("ask", LambdaIntegration("src/ask.main", invocation_type="Event"))
        .route("fwd", HttpIntegration("http://127.0.0.1:8080/hook"))
        .route("raw", HttpIntegration("http://127.0.0.1:8080/raw", proxy=True))
        .route("q", AwsIntegration.sqs_send_message("jobs"))
    )
    types = {k: api.get_route(k).integration.cfn_type for k in api.routes}
    assert types == {
        "$connect": "MOCK",
        "ask": "AWS",
        "fwd": "HTTP",
        "raw": "HTTP_PROXY",
        "q": "AWS",
    }
    assert [f.route_key for f in api.spec.functions()] == ["ask"]


def test_the_sst_dict_form_takes_an_integration():
    api = WebSocketApi(
        "Api",
        routes={
            "$connect": {"integration": MOCK_OK},
            "echo": {"integration": MOCK_OK, "return_response": True},
        },
    )
    assert api.get_route("$connect").integration == MOCK_OK
    assert api.get_route("echo").return_response is True


def test_a_dict_route_with_both_a_function_and_an_integration_is_refused():
    with pytest.raises(Exception, match="integration"):
        WebSocketApi("Api").route("x", {"function": "src/x.main", "integration": MOCK_OK})


def test_defaults_apply_to_a_lambda_integrations_function_only():
    api = (
        WebSocketApi("Api")
        .defaults(timeout=20, environment={"A": "1"})
        .route("ask", LambdaIntegration("src/ask.main"), memory_size=512)
        .route("$connect", MOCK_OK)
    )
    fn = api.get_function("ask")
    assert (fn.timeout, fn.memory_size, fn.environment) == (20, 512, {"A": "1"})
    assert fn.provenance["timeout"] == "defaults"
    assert fn.provenance["memory_size"] == "route"


def test_a_lambda_integration_takes_every_handler_form():
    def handle(event, context):
        return {"statusCode": 200}

    forms = [
        "src/ask.main",
        {"handler": "src/ask.main", "timeout": 5},
        Function("src/ask.main"),
        handle,
    ]
    for form in forms:
        api = WebSocketApi("Api").route("ask", LambdaIntegration(form))
        assert api.get_function("ask").handler is not None


def test_a_finished_function_in_a_lambda_integration_refuses_more_props():
    with pytest.raises(PropError, match="finished Function"):
        WebSocketApi("Api").route("ask", LambdaIntegration(Function("src/ask.main")), timeout=3)


@pytest.mark.parametrize(
    "integration",
    [MOCK_OK, HttpIntegration("http://127.0.0.1:1/x"), AwsIntegration.sqs_send_message("jobs")],
    ids=["mock", "http", "aws"],
)
def test_routes_without_a_function_refuse_function_props_and_function_calls(integration):
    with pytest.raises(PropError, match="no function"):
        WebSocketApi("Api").route("x", integration, timeout=3)
    api = WebSocketApi("Api").route("x", integration)
    label = integration.label
    for call in (
        lambda: api.get_function("x"),
        lambda: api.attach_permissions_to_route("x", ["s3"]),
        lambda: api.bind_to_route("x", [table()]),
    ):
        with pytest.raises(IntegrationError) as err:
            call()
        assert f"route 'x' has no function; its integration is {label}" in str(err.value)
    with pytest.raises(IntegrationError):
        _ = api.get_route("x").handler


def test_rerunning_an_identical_integration_route_is_a_no_op_and_a_different_one_says_so():
    api = WebSocketApi("Api").route("$connect", MOCK_OK)
    before = api.spec
    api.route("$connect", MockIntegration(request_templates={"$default": '{"statusCode": 200}'}))
    assert api.spec is before
    with pytest.raises(DuplicateRouteError):
        api.route(
            "$connect", MockIntegration(request_templates={"$default": '{"statusCode": 403}'})
        )
    api.route(
        "$connect",
        MockIntegration(request_templates={"$default": '{"statusCode": 403}'}),
        replace=True,
    )
    assert (
        api.get_route("$connect").integration.request_templates["$default"] == '{"statusCode": 403}'
    )


def test_a_proxy_route_replaced_by_an_integration_and_back():
    api = WebSocketApi("Api").route("x", "src/x.main")
    api.route("x", MOCK_OK, replace=True)
    assert api.spec.functions() == []
    api.route("x", "src/x.main", replace=True)
    assert api.get_route("x").integration is None


# ---------------------------------------------------------------------- JSON


def test_every_integration_survives_to_dict_and_from_dict():
    t = table()
    api = (
        WebSocketApi("Api")
        .route("$connect", MOCK_OK)
        .route(
            "ask",
            LambdaIntegration(
                "src/ask.main",
                request_templates={"$default": '{"body": $input.body}', "chat": "$input.json('$')"},
                template_selection_expression="${request.body.kind}",
                invocation_type="Event",
                request_parameters={"integration.request.header.x-id": "context.connectionId"},
                passthrough_behavior="NEVER",
                timeout=10,
            ),
            timeout=15,
        )
        .route(
            "echo",
            LambdaIntegration(
                Function("src/echo.main", timeout=3),
                responses=[IntegrationResponse("$default", templates={"$default": "$input.body"})],
            ),
            return_response=True,
        )
        .route("store", AwsIntegration.dynamodb_put_item(t))
        .route("q", AwsIntegration.sqs_send_message("jobs"))
        .route("hook", HttpIntegration("https://example.com/hook", method="PUT", timeout=5))
        .route("raw", HttpIntegration("http://127.0.0.1:9/raw", proxy=True))
        .route("bus", AwsIntegration.eventbridge_put_events(source="chat", detail_type="message"))
        .route("stream", AwsIntegration.kinesis_put_record("events"))
    )
    again = WebSocketApi.from_dict(api.to_dict())
    assert again == api
    assert again.get_route("echo").final is True
    assert again.get_route("ask").integration.is_async
    assert again.spec.resource("Table", "Messages") == t


def test_integration_routes_change_the_model_digest():
    a = WebSocketApi("Api").route("$connect", MOCK_OK)
    b = WebSocketApi("Api").route("$connect", MockIntegration())
    assert a.spec.digest() != b.spec.digest()


# ---------------------------------------------------------------------- AWS's rules


@pytest.mark.parametrize(
    "expression",
    [
        "\\$default",
        "${request.body.action}",
        "$request.body.action",
        "static-v1",
        "${request.body.a.b}-beta",
    ],
)
def test_template_selection_expressions_aws_accepts(expression):
    assert (
        MockIntegration(template_selection_expression=expression).template_selection_expression
        == expression
    )


ESCAPED = 'template_selection_expression="\\\\$default"'
BY_ACTION = 'template_selection_expression="${request.body.action}"'


@pytest.mark.parametrize(
    "expression, problem, fix",
    [
        ("$default", "must be escaped", ESCAPED),
        ("${context.routeKey}", "not one API Gateway evaluates", BY_ACTION),
        ("${integration.response.statuscode}", "not one API Gateway evaluates", BY_ACTION),
        ("", "non-empty", ESCAPED),
        (5, "non-empty", ESCAPED),
    ],
)
def test_template_selection_expressions_aws_refuses(expression, problem, fix):
    # (${integration.response.statuscode} is a response selection expression only)
    with pytest.raises(IntegrationError, match=problem) as err:
        MockIntegration(template_selection_expression=expression)
    assert err.value.path == "MockIntegration.template_selection_expression"
    assert err.value.given == expression
    assert err.value.fix == fix


def test_integration_response_selection_may_use_the_status_code_and_headers():
    r = IntegrationResponse(
        "/2\\d\\d/",
        templates={"$default": "$input.body"},
        template_selection_expression="${integration.response.statuscode}",
    )
    assert r.key == "/2\\d\\d/"
    IntegrationResponse(template_selection_expression="${integration.response.header.x-kind}")


@pytest.mark.parametrize("key", ["default", "/[/", "2\\d\\d", "", "/"])
def test_integration_response_keys_are_default_or_a_regex(key):
    with pytest.raises(IntegrationError, match=r"\$default or a /regex/"):
        IntegrationResponse(key)


def test_two_integration_responses_with_one_key_are_refused():
    with pytest.raises(IntegrationError, match="share the key '\\$default'"):
        MockIntegration(responses=[IntegrationResponse(), IntegrationResponse()])


def test_responses_may_be_given_as_a_dict_of_key_to_templates():
    m = MockIntegration(responses={"$default": {"$default": '{"ok": true}'}})
    assert m.responses == (IntegrationResponse("$default", templates={"$default": '{"ok": true}'}),)


@pytest.mark.parametrize("seconds", [0.01, 29.5, 0, -1, True, "10"])
def test_integration_timeouts_are_50ms_to_29s(seconds):
    with pytest.raises(IntegrationError, match=r"0\.05 to 29 seconds"):
        HttpIntegration("http://127.0.0.1:1/x", timeout=seconds)


def test_integration_timeout_limits_themselves_are_allowed():
    assert HttpIntegration("http://127.0.0.1:1/x", timeout=0.05).timeout == 50
    assert HttpIntegration("http://127.0.0.1:1/x", timeout=29).timeout == 29_000


def test_passthrough_and_content_handling_take_aws_values_in_any_case():
    m = HttpIntegration(
        "http://127.0.0.1:1/x",
        passthrough_behavior="when_no_match",
        content_handling="convert_to_text",
    )
    assert (m.passthrough_behavior, m.content_handling) == ("WHEN_NO_MATCH", "CONVERT_TO_TEXT")
    with pytest.raises(IntegrationError, match="WHEN_NO_MATCH, WHEN_NO_TEMPLATES, NEVER"):
        MockIntegration(passthrough_behavior="SOMETIMES")


@pytest.mark.parametrize(
    "params",
    [
        {"integration.request.header.connectionId": "context.connectionId"},
        {"integration.request.querystring.q": "route.request.querystring.q"},
        {"integration.request.header.kind": "route.request.body.$.kind"},
        {"integration.request.header.stage": "stageVariables.name"},
        {"integration.request.header.Content-Type": "'application/json'"},
    ],
)
def test_request_parameter_mappings_aws_documents(params):
    assert (
        dict(HttpIntegration("http://127.0.0.1:1/x", request_parameters=params).request_parameters)
        == params
    )


@pytest.mark.parametrize(
    "params",
    [
        {"header.x": "context.connectionId"},
        {"integration.request.body.x": "context.connectionId"},
        {"integration.request.header.x": "connectionId"},
        {"integration.request.header.x": "static"},
        ["integration.request.header.x"],
    ],
)
def test_request_parameter_mappings_aws_refuses(params):
    with pytest.raises(IntegrationError):
        HttpIntegration("http://127.0.0.1:1/x", request_parameters=params)


def test_a_template_is_text_under_300_kb():
    with pytest.raises(IntegrationError, match="text"):
        MockIntegration(request_templates={"$default": {"statusCode": 200}})
    with pytest.raises(IntegrationError, match="300 KB"):
        MockIntegration(request_templates={"$default": "x" * (300 * 1024 + 1)})
    assert MockIntegration(request_templates='{"statusCode": 200}').request_templates == {
        "$default": '{"statusCode": 200}'
    }


def test_http_integrations_need_an_http_url_and_a_proxy_takes_no_templates():
    with pytest.raises(IntegrationError, match="http:// or https://"):
        HttpIntegration("ftp://example.com")
    with pytest.raises(IntegrationError, match="passes the message through"):
        HttpIntegration("http://127.0.0.1:1/x", proxy=True, request_templates={"$default": "x"})
    with pytest.raises(IntegrationError, match="method"):
        HttpIntegration("http://127.0.0.1:1/x", method="FETCH")


def test_aws_integrations_name_an_action_or_a_path_and_a_role():
    with pytest.raises(IntegrationError, match="either an action or a path"):
        AwsIntegration("sqs")
    with pytest.raises(IntegrationError, match="either an action or a path"):
        AwsIntegration("sqs", action="SendMessage", path="{account}/jobs")
    with pytest.raises(IntegrationError, match="endpoint prefix"):
        AwsIntegration("Simple Queue")
    with pytest.raises(IntegrationError, match="ARN of the IAM role"):
        AwsIntegration("sqs", action="SendMessage", credentials_role="my-role")
    bare = AwsIntegration("sqs", action="SendMessage")
    assert bare.needs_role
    assert not AwsIntegration(
        "sqs", action="SendMessage", credentials_role="arn:aws:iam::123456789012:role/r"
    ).needs_role
    assert bare.service_api == "action/SendMessage"
    assert AwsIntegration.sqs_send_message("jobs").service_api == "path/{account}/jobs"


def test_sqs_queue_names_follow_sqs_rules():
    with pytest.raises(IntegrationError, match="queue name"):
        AwsIntegration.sqs_send_message("my queue")
    assert AwsIntegration.sqs_send_message("jobs.fifo").path == "{account}/jobs.fifo"


def test_dynamodb_put_item_grants_exactly_put_item_on_the_table_and_the_api_knows_it():
    t = table()
    integration = AwsIntegration.dynamodb_put_item(t)
    assert integration.resources() == [t]
    assert str(t.table_name) in integration.request_templates["$default"]
    api = WebSocketApi("Api").route("store", integration)
    assert api.spec.resources() == [t]
    with pytest.raises(IntegrationError, match="wsnb Table"):
        AwsIntegration.dynamodb_put_item("Messages")


def test_a_template_naming_a_table_the_api_does_not_know_is_refused():
    t = table()
    with pytest.raises(ResourceError, match="mapping template refers to Table 'Messages'"):
        WebSocketApi("Api").route(
            "x", MockIntegration(request_templates={"$default": f'{{"t": "{t.table_name}"}}'})
        )


def test_invocation_type_and_its_header_must_agree():
    with pytest.raises(IntegrationError, match="disagree"):
        LambdaIntegration(
            "src/a.main",
            request_parameters={"integration.request.header.X-Amz-Invocation-Type": "'Event'"},
        )
    event = LambdaIntegration("src/a.main", invocation_type="event")
    assert event.is_async and event.label == "AWS (Lambda, Event)"
    assert event.effective_request_parameters() == {
        "integration.request.header.X-Amz-Invocation-Type": "'Event'"
    }


def test_integrations_are_immutable_and_hashable():
    with pytest.raises(AttributeError):
        MOCK_OK.request_templates = {}  # type: ignore[misc]
    with pytest.raises(TypeError):
        MOCK_OK.request_templates["$default"] = "x"  # type: ignore[index]
    assert (
        len({MOCK_OK, MockIntegration(request_templates={"$default": '{"statusCode": 200}'})}) == 1
    )


@given(
    st.dictionaries(
        st.text(st.characters(codec="utf-8", categories=("L", "N")), min_size=1, max_size=8),
        st.text(max_size=40),
        max_size=3,
    ),
    st.sampled_from([None, "\\$default", "${request.body.kind}"]),
)
def test_any_valid_mock_round_trips_through_json(templates, expression):
    m = MockIntegration(
        request_templates=templates or None, template_selection_expression=expression
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        api = WebSocketApi("Api").route("k", m)
        again = WebSocketApi.from_dict(api.to_dict())
    assert again.get_route("k").integration == m


def test_local_problem_names_what_the_local_emulator_cannot_run():
    # SPEC §9: what cannot be reproduced locally is said (start-up, table): one short phrase.
    api = (
        WebSocketApi("Local")
        .route("$default", "src/default.main")
        .route("mock", MOCK_OK)
        .route("http", HttpIntegration("https://backend.example.com/x", proxy=True))
        .route("ask", LambdaIntegration("src/ask.main", invocation_type="Event"))
        .route("q", AwsIntegration.sqs_send_message("jobs"))
        .route("sfn", AwsIntegration("states", action="StartExecution", permissions=["states:*"]))
    )
    problems = {r.key: r.local_problem for r in api.spec.routes}
    assert problems == {
        "$default": None,
        "mock": None,
        "http": None,
        "ask": None,
        "q": None,
        "sfn": "no local states (wsnb emulates dynamodb, events, kinesis, s3, sns, sqs)",
    }
    assert api.spec.route("sfn").integration.local_problem() == problems["sfn"]
