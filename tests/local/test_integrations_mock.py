"""MOCK integrations served locally, with real WebSocket clients (SPEC §9).

AWS pages: "Set up mock integrations in API Gateway" (the request template gives
``{"statusCode": ...}``; response templates make the answer), "Set up a WebSocket API
integration response in API Gateway" (integration response keys are ``$default`` or
``/regex/`` matched against a MOCK's status code; one-way routes send nothing), "Set up route
responses for WebSocket APIs in API Gateway" (only ``$default``: a two-way route).
"""

from __future__ import annotations

import asyncio
import json
import logging
import re

import pytest
import websockets

from tests.local.conftest import exchange, exchange_in_turn, run
from tests.waiting import wait_until
from wsnb import (
    AwsIntegration,
    IntegrationResponse,
    LambdaAuthorizer,
    MockIntegration,
    WebSocketApi,
)
from wsnb.local import serve

FRAME = re.compile(
    r'^\{"message": "(?P<m>[^"]+)", "connectionId":"(?P<c>[^"]+)", "requestId":"(?P<r>[^"]+)"\}$'
)


def mock(status: int | str = 200, **options) -> MockIntegration:
    return MockIntegration(request_templates={"$default": f'{{"statusCode": {status}}}'}, **options)


async def _status_of(url: str) -> int:
    try:
        async with websockets.connect(url, open_timeout=10):
            return 101
    except websockets.InvalidStatus as exc:
        return exc.response.status_code


def test_a_mock_connect_answering_200_opens_the_connection():
    # "Set up mock integrations in API Gateway": {"statusCode": 200} → the 200 response; on
    # $connect a 2xx status lets the handshake complete.
    api = WebSocketApi("MockOpen").route("$connect", mock(200)).route("$default", mock(200))
    with serve(api) as srv:
        assert run(_status_of(srv.url)) == 101
        events = srv.events
    connects = [e for e in events if e["type"] == "connect"]
    assert connects and connects[0]["target"] == "MOCK"
    (result,) = [e for e in events if e["type"] == "result" and e["routeKey"] == "$connect"]
    assert result["integrationStatus"] == 200 and result["status"] == 200


def test_a_mock_connect_answering_403_refuses_the_handshake():
    # The mock's statusCode decides: a non-2xx status refuses the connection with that status
    # (as a Lambda proxy's $connect returning statusCode 403 does).
    template = (
        '#if($input.params("token") == "let-me-in"){"statusCode": 200}#else{"statusCode": 403}#end'
    )
    api = WebSocketApi("MockGate").route(
        "$connect", MockIntegration(request_templates={"$default": template})
    )
    with serve(api) as srv:
        assert run(_status_of(srv.url)) == 403
        assert run(_status_of(srv.url + "/?token=let-me-in")) == 101
        rejects = [e for e in srv.events if e["type"] == "reject"]
    assert [r["status"] for r in rejects] == [403]


def test_mock_echo_with_a_response_template_and_a_route_response():
    # "Set up a WebSocket API integration response in API Gateway": with a route response
    # (two-way), the integration response's template makes the message sent back. The mock's
    # own answer has no body: the template builds it from $context and the request.
    template = (
        '{"echo": "$context.routeKey", "connectionId": "$context.connectionId", '
        '"messageId": "$context.messageId", "eventType": "$context.eventType"}'
    )
    api = WebSocketApi("MockEcho").route(
        "echo",
        mock(200, responses=[IntegrationResponse("$default", templates={"$default": template})]),
        return_response=True,
    )
    with serve(api) as srv:
        (reply,) = run(exchange(srv.url, json.dumps({"action": "echo"})))
        events = srv.events
    data = json.loads(reply)
    (message,) = [e for e in events if e["type"] == "message"]
    (connect,) = [e for e in events if e["type"] == "connect"]
    assert data["echo"] == "echo" and data["eventType"] == "MESSAGE"
    assert data["connectionId"] == connect["connectionId"]
    assert data["messageId"] and data["messageId"] != message["requestId"]


def test_integration_responses_are_selected_on_the_mock_status_code():
    # Keys other than $default are regexes matched against the status code; no match → $default.
    template = '{"statusCode": $input.path("$.code")}'
    responses = [
        IntegrationResponse("/2\\d\\d/", templates={"$default": '{"ok": true}'}),
        IntegrationResponse("/4\\d\\d/", templates={"$default": '{"ok": false, "client": true}'}),
        IntegrationResponse("$default", templates={"$default": '{"ok": false}'}),
    ]
    api = WebSocketApi("MockSelect").route(
        "$default",
        MockIntegration(request_templates={"$default": template}, responses=responses),
        return_response=True,
    )
    with serve(api) as srv:
        replies = run(exchange_in_turn(srv.url, '{"code": 201}', '{"code": 404}', '{"code": 503}'))
    assert [json.loads(r) for r in replies] == [
        {"ok": True},
        {"ok": False, "client": True},
        {"ok": False},
    ]


def test_a_response_template_is_chosen_by_its_selection_expression():
    # "Data transformations for WebSocket APIs in API Gateway": IntegrationResponse.
    # TemplateSelectionExpression supports ${request.body.jsonPath}; $default is the catch-all.
    ir = IntegrationResponse(
        "$default",
        template_selection_expression="${request.body.lang}",
        templates={"fr": '"bonjour"', "de": '"hallo"', "$default": '"hello"'},
    )
    api = WebSocketApi("MockLang").route(
        "$default", mock(200, responses=[ir]), return_response=True
    )
    with serve(api) as srv:
        replies = run(
            exchange_in_turn(srv.url, '{"lang": "fr"}', '{"lang": "de"}', '{"lang": "xx"}')
        )
    assert replies == ['"bonjour"', '"hallo"', '"hello"']


def test_a_two_way_mock_without_integration_responses_passes_its_empty_body_through():
    # SPEC §9: return_response on a non-proxy route without integration responses gets a
    # $default pass-through one; a mock's answer has no body, so the client gets an empty frame.
    api = WebSocketApi("MockBare").route("$default", mock(200), return_response=True)
    with serve(api) as srv:
        assert run(exchange(srv.url, "hi")) == [""]


def test_a_one_way_mock_route_sends_nothing():
    # "If a route is configured for one-way communication, then regardless of any integration
    # response configuration, no response will be returned over the WebSocket channel".
    responses = [IntegrationResponse(templates={"$default": '"never sent"'})]
    api = (
        WebSocketApi("MockOneWay")
        .route("quiet", mock(200, responses=responses))
        .route(
            "loud",
            mock(200, responses=[IntegrationResponse(templates={"$default": '"loud"'})]),
            return_response=True,
        )
    )
    with serve(api) as srv:
        # the first message's reply would arrive before the second's if it were sent
        replies = run(exchange(srv.url, '{"action": "quiet"}', '{"action": "loud"}', expect=1))
        events = srv.events
    assert replies == ['"loud"']
    results = [e for e in events if e["type"] == "result"]
    assert {r["routeKey"]: r["status"] for r in results} == {"quiet": 200, "loud": 200}


def test_a_mock_without_an_integer_status_code_answers_internal_server_error(caplog):
    # API Gateway: "Execution failed due to configuration error: statusCode should be an
    # integer which defined in request template" (the client gets the error frame).
    api = WebSocketApi("MockBad").route(
        "$default",
        MockIntegration(request_templates={"$default": '{"statusCode": "two hundred"}'}),
        return_response=True,
    )
    with caplog.at_level(logging.ERROR, logger="wsnb.local"), serve(api) as srv:
        (reply,) = run(exchange(srv.url, "hi"))
    assert FRAME.match(reply)["m"] == "Internal server error"
    assert "statusCode should be an integer" in caplog.text


def test_passthrough_never_refuses_a_message_no_template_matches(caplog):
    # AWS::ApiGatewayV2::Integration PassthroughBehavior NEVER: a payload no template matches
    # is rejected (locally: the integration fails with Internal server error, reason logged).
    api = WebSocketApi("MockNever").route(
        "$default",
        MockIntegration(
            request_templates={"yes": '{"statusCode": 200}'},
            template_selection_expression="${request.body.kind}",
            passthrough_behavior="NEVER",
        ),
        return_response=True,
    )
    with caplog.at_level(logging.ERROR, logger="wsnb.local"), serve(api) as srv:
        ok, refused = run(exchange_in_turn(srv.url, '{"kind": "yes"}', '{"kind": "no"}'))
    assert ok == ""
    assert FRAME.match(refused)["m"] == "Internal server error"
    assert "passthrough_behavior is NEVER" in caplog.text


def test_a_template_error_answers_internal_server_error_with_line_and_column_in_the_log(caplog):
    # SPEC §9: mapping templates are Velocity; a template that fails while rendering is an
    # integration failure (error frame), its line and column in the server log and events.
    template = '{\n  "statusCode": 200,\n  "parsed": $util.parseJson($input.body)\n}'
    api = WebSocketApi("MockTemplateError").route(
        "$default", MockIntegration(request_templates={"$default": template}), return_response=True
    )
    with caplog.at_level(logging.ERROR, logger="wsnb.local"), serve(api) as srv:
        (reply,) = run(exchange(srv.url, "not json"))
        events = srv.events
    assert FRAME.match(reply)["m"] == "Internal server error"
    (error,) = [e for e in events if e["type"] == "error"]
    assert "request template '$default' failed (line 3, column" in error["detail"]
    assert "parseJson" in error["detail"]
    assert "line 3, column" in caplog.text
    (result,) = [e for e in events if e["type"] == "result"]
    assert result["status"] == 500 and result["why"] == "template error"


def test_a_route_that_cannot_run_locally_answers_internal_server_error_and_is_said_at_start(
    caplog,
):
    # Issue 19 §2: a message route the emulator cannot run answers as a failing integration
    # does; start-up says which and why.
    route = AwsIntegration(
        "states",
        action="StartExecution",
        credentials_role="arn:aws:iam::123456789012:role/sfn",
        request_templates={"$default": "{}"},
    )
    api = WebSocketApi("Unrunnable").route("start", route, return_response=True)
    assert api.spec.route("start").local_problem.startswith("no local states")
    with caplog.at_level(logging.WARNING, logger="wsnb.local"), serve(api) as srv:
        started = caplog.text
        (reply,) = run(exchange(srv.url, '{"action": "start"}'))
        errors = [e for e in srv.events if e["type"] == "error"]
    assert (
        "route 'start' (AWS (states StartExecution)) cannot run locally (no local states" in started
    )
    assert FRAME.match(reply)["m"] == "Internal server error"
    assert errors[0]["detail"].startswith("cannot run locally: no local states")


def test_a_connect_that_cannot_run_is_skipped_and_connections_still_open(caplog):
    # Issue 19 §2: a $connect / $disconnect the emulator cannot run is skipped with a warning.
    cannot = AwsIntegration("states", action="StartExecution", permissions=["states:*"])
    api = (
        WebSocketApi("SkipConnect")
        .route("$connect", cannot)
        .route("$disconnect", cannot)
        .route("$default", mock(200), return_response=True)
    )
    with caplog.at_level(logging.WARNING, logger="wsnb.local"), serve(api) as srv:
        assert run(exchange(srv.url, "hi")) == [""]
        wait_until(lambda: any(e["type"] == "disconnect" for e in srv.events))
        text = srv.traffic().to_text()
    assert "route '$connect' (AWS (states StartExecution)) cannot run locally" in caplog.text
    assert "it is skipped, connections still open" in caplog.text
    assert "CONNECT" not in text and "DISCONNECT" not in text  # nothing ran


def test_a_model_change_is_served_without_restart():
    api = WebSocketApi("MockLater").route("$default", mock(200), return_response=True)
    with serve(api) as srv:
        api.route(
            "later",
            mock(200, responses=[IntegrationResponse(templates={"$default": '"added"'})]),
            return_response=True,
        )
        assert run(exchange(srv.url, '{"action": "later"}')) == ['"added"']


@pytest.mark.parametrize("n", [5])
def test_concurrent_mock_messages_each_get_their_own_answer(n):
    template = '{"statusCode": 200}'
    ir = IntegrationResponse(templates={"$default": "$context.requestId"})
    api = WebSocketApi("MockMany").route(
        "$default",
        MockIntegration(request_templates={"$default": template}, responses=[ir]),
        return_response=True,
    )

    async def clients(url):
        return await asyncio.gather(*(exchange(url, "x") for _ in range(n)))

    with serve(api) as srv:
        replies = [r[0] for r in run(clients(srv.url))]
        ids = {e["requestId"] for e in srv.events if e["type"] == "message"}
    assert len(ids) == n  # one message record (one request id) per client
    assert sorted(replies) == sorted(ids)  # each client got its own request's answer


def test_the_authorizer_context_reaches_a_mock_response_template():
    # A WebSocket test recorded against AWS: a Lambda REQUEST authorizer on a mock $connect, then
    # a mock $default whose response template reads $context.connectionId and
    # $context.authorizer.principalId (authorizer context values are strings in $context).
    from tests.local import handlers_nb

    template = (
        '{"statusCode" : 200, "connectionId" : "$context.connectionId", '
        '"principalId" : "$context.authorizer.principalId", "n": "$context.authorizer.n"}'
    )
    api = (
        WebSocketApi("MockAuth")
        .authorizer(LambdaAuthorizer(handlers_nb.authorize))
        .route("$connect", mock(200))
        .route(
            "$default",
            mock(200, responses=[IntegrationResponse(templates={"$default": template})]),
            return_response=True,
        )
    )
    with serve(api) as srv:
        (reply,) = run(
            exchange(
                srv.url, '{"action": "message"}', additional_headers={"Authorization": "allow"}
            )
        )
        (connect,) = [e for e in srv.events if e["type"] == "connect"]
    assert json.loads(reply) == {
        "statusCode": 200,
        "connectionId": connect["connectionId"],
        "principalId": "user-1",
        "n": "3",
    }
