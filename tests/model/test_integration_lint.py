"""``lint()`` on integration routes (SPEC §9): each rule with the AWS page it follows.

Pure Python (no aws-cdk-lib); templates are parsed by the Velocity engine of ``wsnb[local]``.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from wsnb import (
    AwsIntegration,
    HttpIntegration,
    IntegrationResponse,
    LambdaIntegration,
    MockIntegration,
    Table,
    WebSocketApi,
)

pytestmark = pytest.mark.usefixtures("project")

OK_CONNECT = MockIntegration(request_templates={"$default": '{"statusCode": 200}'})


def found(api: WebSocketApi, code: str) -> list:
    return [f for f in api.lint() if f.code == code]


def codes(api: WebSocketApi) -> set[str]:
    return {f.code for f in api.lint()}


def test_a_well_formed_integration_api_has_no_integration_findings():
    table = Table("Messages", fields={"id": "string"}, primary_index={"partition_key": "id"})
    api = (
        WebSocketApi("Api")
        .route("$connect", OK_CONNECT)
        .route("$default", "src/default.main")
        .route("enqueue", AwsIntegration.sqs_send_message("jobs"))
        .route("put", AwsIntegration.dynamodb_put_item(table))
        .route(
            "ask",
            LambdaIntegration(
                "src/send.main",
                request_templates={"$default": '{"body": $input.body}'},
                responses=[IntegrationResponse(templates={"$default": "$input.body"})],
            ),
            return_response=True,
        )
    )
    assert {f.code for f in api.lint() if f.level != "info" or "integration" in f.code} == set()


# "Set up mock integrations in API Gateway": a mock's status comes from its request template
# ({"statusCode": 200}); without it API Gateway fails ("statusCode should be an integer which
# defined in request template") — on $connect the connection is refused.
@pytest.mark.parametrize(
    "templates",
    [None, {"$default": '{"ok": true}'}],
    ids=["no template", "no statusCode"],
)
def test_a_mock_connect_without_status_code(templates):
    api = WebSocketApi("Api").route("$connect", MockIntegration(request_templates=templates))
    (finding,) = found(api, "mock-connect-status")
    assert finding.level == "warning"
    assert finding.message.startswith("route '$connect':") and "statusCode" in finding.fix


def test_a_mock_connect_with_a_conditional_status_is_fine():
    template = '#if($context.authorizer.ok)\n{"statusCode": 200}\n#else\n{"statusCode": 403}\n#end'
    api = WebSocketApi("Api").route(
        "$connect", MockIntegration(request_templates={"$default": template})
    )
    assert not found(api, "mock-connect-status") and not found(api, "template-syntax")
    # on other routes a mock is not a handshake: the rule is about $connect
    api = WebSocketApi("Api").route("m", MockIntegration())
    assert not found(api, "mock-connect-status")


# "AWS::ApiGatewayV2::Integration" (CredentialsArn): without a role API Gateway calls the
# service with no credentials; only a resource-based policy can then allow it.
def test_a_service_integration_without_role_or_permissions():
    api = WebSocketApi("Api").route("q", AwsIntegration("sqs", path="{account}/jobs"))
    (finding,) = found(api, "integration-without-role")
    assert finding.level == "warning" and "sqs" in finding.message
    assert "permissions=" in finding.fix and "credentials_role" in finding.fix
    granted = WebSocketApi("Api").route("q", AwsIntegration.sqs_send_message("jobs"))
    assert not found(granted, "integration-without-role")


def test_permissions_next_to_an_imported_role_are_not_granted():
    role = "arn:aws:iam::123456789012:role/writer"
    api = WebSocketApi("Api").route(
        "q", AwsIntegration.sqs_send_message("jobs", credentials_role=role)
    )
    (finding,) = found(api, "integration-permissions-unused")
    assert finding.level == "info" and "credentials_role" in finding.message
    bare = WebSocketApi("Api").route(
        "q", AwsIntegration("sqs", path="{account}/jobs", credentials_role=role)
    )
    assert not found(bare, "integration-permissions-unused")
    assert not found(bare, "integration-without-role")


# "Set up asynchronous invocation of the backend Lambda function": with
# X-Amz-Invocation-Type 'Event' Lambda only acknowledges the event, so a route response
# has nothing of the function's to send.
def test_an_async_lambda_on_a_two_way_route():
    api = WebSocketApi("Api").route(
        "ask", LambdaIntegration("src/send.main", invocation_type="Event"), return_response=True
    )
    (finding,) = found(api, "async-with-response")
    assert finding.level == "warning" and "@connections" in finding.fix
    one_way = WebSocketApi("Api").route(
        "ask", LambdaIntegration("src/send.main", invocation_type="Event")
    )
    assert not found(one_way, "async-with-response")


# "Set up a WebSocket API integration response in API Gateway": "For non-proxy integrations,
# you must set up at least one integration response"; "For proxy integrations … there is no
# integration response".
def test_a_two_way_non_proxy_route_without_responses_gets_a_default_one():
    api = (
        WebSocketApi("Api")
        .route("m", OK_CONNECT, return_response=True)
        .route("h", HttpIntegration("https://example.com/x"), return_response=True)
        .route("p", HttpIntegration("https://example.com/x", proxy=True), return_response=True)
        .route("one_way", OK_CONNECT)
    )
    infos = found(api, "default-integration-response")
    assert [f.message.split(":")[0] for f in infos] == ["route 'm'", "route 'h'"]
    assert all(f.level == "info" and "$default" in f.message for f in infos)
    assert [r.key for r in api.get_route("m").integration_responses] == ["$default"]
    assert api.get_route("p").integration_responses == ()
    assert api.get_route("one_way").integration_responses == ()


def test_responses_without_a_default_catch_all():
    # same page: "one of your integration responses should act as a catch-all" ($default)
    api = WebSocketApi("Api").route(
        "m",
        MockIntegration(
            request_templates={"$default": '{"statusCode": 200}'},
            responses=[IntegrationResponse("/2\\d\\d/")],
        ),
        return_response=True,
    )
    (finding,) = found(api, "no-default-integration-response")
    assert finding.level == "warning" and "/2\\d\\d/" in finding.message
    assert not found(api, "default-integration-response")


# "API Gateway WebSocket API mapping template reference": templates are Velocity.
def test_a_template_that_does_not_parse_with_line_and_column():
    api = WebSocketApi("Api").route(
        "m",
        MockIntegration(
            request_templates={"$default": '{"statusCode": 200}\n#if($input.body)\n"a"'},
            responses=[IntegrationResponse(templates={"$default": "#foreach($x in [1])"})],
        ),
    )
    errors = found(api, "template-syntax")
    assert [f.level for f in errors] == ["error", "error"]
    assert "request template '$default'" in errors[0].message
    assert "line 3, column" in errors[0].message
    assert "response template '$default' of $default" in errors[1].message
    assert "#end" in errors[0].fix


def test_wsnb_placeholders_are_not_template_errors():
    table = Table("T", fields={"id": "string"}, primary_index={"partition_key": "id"})
    api = WebSocketApi("Api").route("put", AwsIntegration.dynamodb_put_item(table))
    assert not found(api, "template-syntax")


def test_template_checks_are_cached_per_text():
    from wsnb._integration_lint import template_problem

    template_problem.cache_clear()
    text = '{"statusCode": 200, "n": $input.json(\'$.n\')}'
    api = (
        WebSocketApi("Api")
        .route("a", MockIntegration(request_templates={"$default": text}))
        .route("b", MockIntegration(request_templates={"$default": text}))
    )
    api.lint()
    info = template_problem.cache_info()
    assert info.misses == 1 and info.hits == 1  # two routes, one text: parsed once
    api.lint()  # the same model again: lint's own cache answers, no template is looked at
    assert template_problem.cache_info().hits == 1
    api.route("c", MockIntegration(request_templates={"$default": text}))  # a new model
    api.lint()
    info = template_problem.cache_info()
    assert info.misses == 1 and info.hits == 4


def test_lint_of_an_integration_api_stays_light():
    """lint() imports neither aws_cdk nor the emulator."""
    code = (
        "import sys\n"
        "from wsnb import WebSocketApi, MockIntegration\n"
        "api = WebSocketApi('Api').route('$connect', MockIntegration())\n"
        "api.lint()\n"
        "heavy = [m for m in ('aws_cdk', 'jsii', 'wsnb.local', 'websockets') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


# "Set up data mapping for WebSocket APIs in API Gateway": request query strings and headers
# are "supported only for the $connect route".
def test_header_and_query_sources_off_connect():
    params = {
        "integration.request.header.auth": "route.request.header.Authorization",
        "integration.request.querystring.room": "route.request.querystring.room",
        "integration.request.header.cid": "context.connectionId",
    }
    api = (
        WebSocketApi("Api")
        .route("$connect", HttpIntegration("https://example.com/c", request_parameters=params))
        .route("send", HttpIntegration("https://example.com/s", request_parameters=params))
    )
    findings = found(api, "connect-only-parameter")
    assert len(findings) == 2 and all(f.message.startswith("route 'send':") for f in findings)
    assert {f.level for f in findings} == {"warning"}


def test_plain_http_to_a_public_host():
    api = (
        WebSocketApi("Api")
        .route("a", HttpIntegration("http://backend.example.com/x"))
        .route("b", HttpIntegration("http://127.0.0.1:8080/x"))
        .route("c", HttpIntegration("http://10.0.0.5/x"))
        .route("d", HttpIntegration("https://backend.example.com/x"))
    )
    (finding,) = found(api, "http-not-https")
    assert finding.level == "info" and finding.message.startswith("route 'a':")


# "WebSocket selection expressions": with no template selection expression (or a fixed one)
# the same template serves every message; PassthroughBehavior decides when none matches
# ("AWS::ApiGatewayV2::Integration").
def test_request_templates_that_are_never_selected():
    api = (
        WebSocketApi("Api")
        .route(
            "dead",
            MockIntegration(request_templates={"$default": '{"statusCode": 200}', "chat": "{}"}),
        )
        .route(
            "none",
            MockIntegration(
                request_templates={"chat": '{"statusCode": 200}'},
                template_selection_expression="\\$default",
                passthrough_behavior="NEVER",
            ),
        )
        .route(
            "chosen",
            MockIntegration(
                request_templates={"$default": '{"statusCode": 200}', "chat": "{}"},
                template_selection_expression="${request.body.kind}",
            ),
        )
    )
    by_route = {f.message.split(":")[0]: f for f in found(api, "request-template-never-selected")}
    assert set(by_route) == {"route 'dead'", "route 'none'"}
    assert "'chat'" in by_route["route 'dead'"].message
    assert "rejected" in by_route["route 'none'"].message


def test_response_templates_that_are_never_selected():
    api = WebSocketApi("Api").route(
        "m",
        MockIntegration(
            request_templates={"$default": '{"statusCode": 200}'},
            responses=[IntegrationResponse(templates={"$default": "a", "error": "b"})],
        ),
        return_response=True,
    )
    (finding,) = found(api, "response-template-never-selected")
    assert "'error'" in finding.message and finding.level == "warning"


def test_lint_never_raises_on_an_integration_api_it_cannot_fully_check(monkeypatch):
    """Without the Velocity engine, templates are reported unchecked (once), not errors."""
    import wsnb._integration_lint as integration_lint
    from wsnb import MissingDependencyError

    def missing(text):
        raise MissingDependencyError("no engine", fix="pip install 'wsnb[local]'")

    monkeypatch.setattr(integration_lint, "template_problem", missing)
    api = WebSocketApi("Api").route("a", OK_CONNECT).route("b", OK_CONNECT)
    (finding,) = found(api, "template-not-checked")
    assert finding.level == "info" and not found(api, "lint-internal")


def test_a_wide_grant_to_the_integration_role():
    api = WebSocketApi("Api").route(
        "q", AwsIntegration("sqs", path="{account}/jobs", permissions=["sqs", "*"])
    )
    findings = found(api, "integration-wide-grant")
    assert [f.level for f in findings] == ["warning", "warning"]
    assert "sqs:*" in findings[0].message and "*" in findings[1].message
    assert not found(
        WebSocketApi("Api").route("q", AwsIntegration.sqs_send_message("jobs")),
        "integration-wide-grant",
    )
