"""Template, integration-response and route-response selection, and what AWS accepts as keys and
expressions. Pure: none of this needs the Velocity engine."""

from __future__ import annotations

import pytest

from wsnb.vtl import (
    PASSTHROUGH_BEHAVIORS,
    default_integration_response_selection_expression,
    integration_response_key_problem,
    integration_response_selection_expression_problem,
    passthrough_behavior_problem,
    request_template_selection_expression_problem,
    response_template_selection_expression_problem,
    route_response_key_problem,
    route_response_selection_expression_problem,
    select_integration_response,
    select_request_template,
    select_response_template,
    select_route_response,
    template_key_problem,
)

# ---- request templates ("WebSocket selection expressions": Integration.TemplateSelectionExpression
# selects a key of RequestTemplates; "${request.body.jsonPath} and static values are supported.
# $default is supported as a catch-all.") -----------------------------------------------------


def test_static_escaped_default_selects_the_default_template():
    # "\$default" is the documented way to write the static $default key
    choice = select_request_template({"$default": "T"}, "\\$default", "{}")
    assert (choice.action, choice.key, choice.template) == ("render", "$default", "T")


def test_static_value_selects_its_key():
    # a mock recorded against AWS: TemplateSelectionExpression "200", RequestTemplates {"200": ...}
    choice = select_request_template({"200": '{"statusCode": 200}'}, "200", "")
    assert choice.key == "200"


@pytest.mark.parametrize("expression", ["$request.body.value", "${request.body.value}"])
def test_request_body_value_selects_and_falls_back_to_default(expression):
    # AWS-recorded: TemplateSelectionExpression "$request.body.value" with templates A, B, C
    templates = {"A": "a", "B": "b", "$default": "d"}
    assert select_request_template(templates, expression, '{"value": "B"}').key == "B"
    assert select_request_template(templates, expression, '{"value": "Z"}').key == "$default"
    assert select_request_template(templates, expression, "not json").key == "$default"
    assert select_request_template(templates, expression, "{}").key == "$default"


def test_nested_paths_numbers_and_booleans_as_keys():
    templates = {"v2-beta": "x", "1.50": "n", "true": "t"}
    assert select_request_template(templates, "${request.body.meta.v}-beta", '{"meta": {"v": "v2"}}').key == "v2-beta"  # fmt: skip
    assert select_request_template(templates, "$request.body.n", '{"n": 1.50}').key == "1.50"
    assert select_request_template(templates, "$request.body.ok", '{"ok": true}').key == "true"


def test_no_expression_uses_the_application_json_template():
    # a public SAM LLM-chat app's non-proxy routes have RequestTemplates {"application/json": ...}
    # and no TemplateSelectionExpression, and their function receives the templated event
    choice = select_request_template({"application/json": "T"}, None, '{"action": "x"}')
    assert (choice.action, choice.key) == ("render", "application/json")
    assert select_request_template({"$default": "D"}, None, "{}").key == "$default"


def test_no_match_follows_passthrough_behavior():
    # AWS::ApiGatewayV2::Integration PassthroughBehavior ("Supported only for WebSocket APIs"):
    # WHEN_NO_MATCH (default) passes through; WHEN_NO_TEMPLATES only when there are none; NEVER
    # rejects
    only_a = {"A": "a"}
    assert select_request_template(only_a, "$request.body.k", "{}").action == "passthrough"
    assert select_request_template(only_a, "$request.body.k", "{}", passthrough_behavior="WHEN_NO_MATCH").action == "passthrough"  # fmt: skip
    assert select_request_template(only_a, "$request.body.k", "{}", passthrough_behavior="WHEN_NO_TEMPLATES").action == "reject"  # fmt: skip
    assert select_request_template({}, None, "{}", passthrough_behavior="WHEN_NO_TEMPLATES").action == "passthrough"  # fmt: skip
    assert select_request_template(only_a, "$request.body.k", "{}", passthrough_behavior="NEVER").action == "reject"  # fmt: skip
    assert select_request_template(None, None, "{}").action == "passthrough"


# ---- integration responses ("Set up WebSocket API integration responses") ---------------------


def test_default_expression_per_integration_type():
    # "Setting up data transformations for WebSocket APIs": Lambda → errorMessage; HTTP and
    # MOCK → status code; proxies: not used
    assert default_integration_response_selection_expression("AWS", lambda_function=True) == (
        "$integration.response.body.errorMessage"
    )
    assert default_integration_response_selection_expression("MOCK") == "$integration.response.statuscode"  # fmt: skip
    assert default_integration_response_selection_expression("HTTP") == "$integration.response.statuscode"  # fmt: skip
    assert default_integration_response_selection_expression("AWS_PROXY") is None


def test_status_code_regex_keys_and_default():
    # "/2\d\d/: Receive and transform successful responses; /4\d\d/: bad request errors;
    # $default: all unexpected responses"
    keys = ["/2\\d\\d/", "/4\\d\\d/", "$default"]

    def pick(code):
        return select_integration_response(keys, None, integration_type="HTTP", status_code=code)

    assert pick(200) == "/2\\d\\d/"
    assert pick("404") == "/4\\d\\d/"
    assert pick(500) == "$default"
    assert select_integration_response(["/200/"], "${response.statuscode}", status_code=200) == "/200/"  # fmt: skip


def test_lambda_error_message_regex():
    keys = ["$default", "/.*Malformed.*/"]

    def pick(msg):
        return select_integration_response(
            keys, None, integration_type="AWS", lambda_function=True, error_message=msg
        )

    assert pick("Malformed input ...") == "/.*Malformed.*/"
    assert pick("Other failure") == "$default"
    assert pick(None) == "$default"  # a successful invocation has no errorMessage
    # ".*" matches every error message, "including null" (REST: "Handle Lambda errors")
    assert select_integration_response(["/.*/"], None, integration_type="AWS", lambda_function=True) == "/.*/"  # fmt: skip


def test_no_matching_integration_response_and_no_default():
    assert select_integration_response(["/4\\d\\d/"], None, integration_type="MOCK", status_code=200) is None  # fmt: skip
    assert select_integration_response([], None, integration_type="MOCK", status_code=200) is None


# ---- response templates ("WebSocket selection expressions": IntegrationResponse.TemplateSelection-
# Expression) -------------------------------------------------------------------------------------


def test_response_template_by_status_code_header_and_static():
    templates = {"200": "ok", "application/json": "js", "$default": "d"}
    assert select_response_template(templates, "$integration.response.statuscode", status_code=200).key == "200"  # fmt: skip
    assert select_response_template(templates, "${integration.response.header.Content-Type}", headers={"content-type": "application/json"}).key == "application/json"  # fmt: skip
    assert select_response_template(templates, "\\$default").key == "$default"
    assert select_response_template(templates, "$request.body.kind", request_body='{"kind": "200"}').key == "200"  # fmt: skip


def test_response_template_error_message_expression_selects_default():
    # recorded against AWS: TemplateSelectionExpression "$integration.response.body.errorMessage"
    # with templates "200", "error message!", "$default" answered with the $default template,
    # for a success and for an error alike
    templates = {"200": "a", "error message!": "b", "$default": "c"}
    choice = select_response_template(templates, "$integration.response.body.errorMessage", status_code=200)  # fmt: skip
    assert choice.key == "$default"


def test_response_without_a_template_passes_through():
    assert select_response_template({}, None).action == "passthrough"
    assert select_response_template({"x": "t"}, "$integration.response.statuscode", status_code=200).action == "passthrough"  # fmt: skip


# ---- route responses ("Set up route responses for a WebSocket API": only $default) ------------


def test_route_response_only_default_makes_a_route_two_way():
    assert select_route_response(["$default"]) == "$default"
    assert select_route_response(["$default"], "$default") == "$default"
    assert select_route_response([]) is None
    assert select_route_response(["k1"]) is None


# ---- what AWS accepts ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "expression",
    ["\\$default", "200", "$request.body.action", "${request.body.meta.type}-v1", "static"],
)
def test_valid_request_template_selection_expressions(expression):
    assert request_template_selection_expression_problem(expression) is None


@pytest.mark.parametrize(
    ("expression", "says"),
    [
        ("", "non-empty"),
        ("$default", "\\$default"),
        ("$integration.response.statuscode", "does not offer"),
        ("$request.header.x", "does not offer"),
        ("${request.body.action", "does not parse"),
    ],
)
def test_invalid_request_template_selection_expressions(expression, says):
    problem = request_template_selection_expression_problem(expression)
    assert problem is not None and says in problem.message and problem.allowed and problem.fix


def test_response_template_selection_expressions():
    for ok in (
        "$integration.response.statuscode",
        "${integration.response.header.Content-Type}",
        "${integration.response.multivalueheader.X-Ids}",
        "$request.body.kind",
        "\\$default",
    ):
        assert response_template_selection_expression_problem(ok) is None, ok
    assert response_template_selection_expression_problem("$integration.response.body.errorMessage") is not None  # fmt: skip


def test_integration_response_selection_expressions():
    for ok in ("$integration.response.statuscode", "${integration.response.statuscode}",
               "$integration.response.body.errorMessage", "${response.statuscode}"):  # fmt: skip
        assert integration_response_selection_expression_problem(ok) is None, ok
    assert integration_response_selection_expression_problem("$request.body.x") is not None


def test_integration_response_keys():
    assert integration_response_key_problem("$default") is None
    assert integration_response_key_problem("/2\\d\\d/") is None
    assert integration_response_key_problem("/.*Malformed.*/") is None
    bad = integration_response_key_problem("200")
    assert bad is not None and bad.fix == "/200/"
    assert integration_response_key_problem("/[/") is not None  # not a regex
    assert integration_response_key_problem(None) is not None


def test_template_keys_route_responses_and_passthrough():
    assert template_key_problem("$default") is None
    assert template_key_problem("application/json") is None
    assert template_key_problem("") is not None and template_key_problem(" x") is not None
    assert route_response_key_problem("$default") is None
    assert route_response_key_problem("k1") is not None
    assert route_response_selection_expression_problem("$default") is None
    assert route_response_selection_expression_problem("$request.body.x") is not None
    for value in PASSTHROUGH_BEHAVIORS:
        assert passthrough_behavior_problem(value) is None
    assert passthrough_behavior_problem("WHEN_NO_TEMPLATE") is not None
