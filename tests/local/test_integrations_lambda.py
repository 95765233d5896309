"""Non-proxy Lambda integrations served locally (SPEC §9): the request template's output is the
function's event; its result goes through the integration responses; ``Event`` invocation.

AWS pages: "Set up a WebSocket API integration request in API Gateway", "Set up a WebSocket
API integration response in API Gateway" (Lambda: ``$integration.response.body.errorMessage``
matched against ``/regex/`` keys), "Data transformations for WebSocket APIs in API Gateway",
"Set up route responses for WebSocket APIs in API Gateway", Lambda's "Invoke" API reference
(``InvocationType`` ``Event``: queued, answered 202 at once; a request body that is not JSON
fails with ``InvalidRequestContentException``).
"""

from __future__ import annotations

import json
import logging
import re

import pytest
import websockets

from tests.local import handlers_integrations as h
from tests.local.conftest import exchange, exchange_in_turn, run
from tests.local.pipe_runtime import registered
from tests.waiting import wait_until
from wsnb import IntegrationResponse, LambdaIntegration, MockIntegration, WebSocketApi
from wsnb.local import serve
from wsnb.model import ForeignHandler

FRAME = re.compile(r'^\{"message": "(?P<m>[^"]+)", "connectionId":"[^"]+", "requestId":"[^"]+"\}$')

#: The public LLM-chat app's non-proxy routes: one template keyed application/json, no
#: selection expression, asynchronous invocation.
LLM_TEMPLATE = (
    '{"requestContext": {"routeKey": "$context.routeKey", "connectionId": '
    '"$context.connectionId", "domainName": "$context.domainName", "stage": "$context.stage", '
    '"eventType": "$context.eventType"}, "body": $input.body}'
)


@pytest.fixture(autouse=True)
def _clear():
    h.SEEN.clear()
    h.DONE.clear()
    yield
    h.SEEN.clear()


def test_request_and_response_templates_around_a_function_with_a_route_response():
    # The request template's output is the event; the function's JSON result is the integration
    # response's $input; the response template makes the route response.
    request = (
        '{"question": $input.json(\'$.q\'), "who": "$context.connectionId", '
        '"route": "$context.routeKey"}'
    )
    response = '{"answer": $input.json(\'$.got.question\'), "by": "$input.path(\'$.function\')"}'
    api = WebSocketApi("NonProxy").route(
        "ask",
        LambdaIntegration(
            h.remember,
            request_templates={"$default": request},
            template_selection_expression="\\$default",
            responses=[IntegrationResponse("$default", templates={"$default": response})],
        ),
        return_response=True,
    )
    with serve(api) as srv:
        (reply,) = run(exchange(srv.url, json.dumps({"action": "ask", "q": "why?"})))
        events = srv.events
    (connect,) = [e for e in events if e["type"] == "connect"]
    ((_, event),) = h.SEEN
    assert event == {"question": "why?", "who": connect["connectionId"], "route": "ask"}
    data = json.loads(reply)
    assert data["answer"] == "why?" and data["by"].endswith("-NonProxy-ask")


def test_a_string_result_reaches_the_client_as_lambda_serializes_it():
    # Lambda serializes the handler's return value as JSON: a str becomes a JSON string, which a
    # $default pass-through integration response sends as is.
    api = WebSocketApi("NonProxyText").route(
        "$default",
        LambdaIntegration(h.answer_text, request_templates={"$default": '{"name": "Ada"}'}),
        return_response=True,
    )
    with serve(api) as srv:
        assert run(exchange(srv.url, "hi")) == ['"hello Ada"']


def test_the_llm_chat_template_reaches_the_function_with_body_an_object():
    # The public LLM-chat app: RequestTemplates {"application/json": ...} and no selection
    # expression (wsnb.vtl pins that this template is used for every message); $input.body is
    # put in unquoted, so the function's event["body"] is an object. Invoked with Event, the
    # function streams its answer back through @connections (boto3 post_to_connection).
    api = WebSocketApi("LlmChat").route(
        "bedrock",
        LambdaIntegration(
            h.stream_answer,
            request_templates={"application/json": LLM_TEMPLATE},
            invocation_type="Event",
        ),
    )

    async def chat(url):
        async with websockets.connect(url, open_timeout=10) as ws:
            await ws.send(json.dumps({"action": "bedrock", "prompt": "tell me more"}))
            return [await ws.recv() for _ in range(4)]

    with serve(api) as srv:
        assert run(chat(srv.url)) == ["TELL", "ME", "MORE", "done"]
        wait_until(lambda: any(e["type"] == "async" for e in srv.events))
        events = srv.events
        traffic = srv.traffic()
    ((_, event),) = h.SEEN
    assert event["body"] == {"action": "bedrock", "prompt": "tell me more"}
    assert event["requestContext"]["eventType"] == "MESSAGE"
    assert event["requestContext"]["routeKey"] == "bedrock"
    (message,) = [e for e in events if e["type"] == "message"]
    (result,) = [e for e in events if e["type"] == "result"]
    assert message["target"] == "λ bedrock (Event)"
    assert result["integrationStatus"] == 202 and result["detail"] is None
    posts = [e for e in events if e["type"] == "post"]
    assert {p["invocationRequestId"] for p in posts} == {message["requestId"]}
    text = traffic.to_text()
    assert "API Gateway -> λ bedrock (Event): bedrock" in text
    assert "λ bedrock (Event) --> API Gateway: 202 accepted" in text
    assert "λ bedrock (Event) -> @connections: POST → client 1" in text
    assert "λ bedrock (Event) --> API Gateway: done (Event)" in text


def test_an_event_route_never_replies_even_two_way():
    # invocation_type="Event": API Gateway answers at once; with a route response AWS returns
    # nothing either (wsnb's lint says so): the function's result is never sent.
    api = (
        WebSocketApi("EventTwoWay")
        .route(
            "fire",
            LambdaIntegration(
                h.remember, request_templates={"$default": "{}"}, invocation_type="Event"
            ),
            return_response=True,
        )
        .route(
            "ping",
            MockIntegration(
                request_templates={"$default": '{"statusCode": 200}'},
                responses=[IntegrationResponse(templates={"$default": '"pong"'})],
            ),
            return_response=True,
        )
    )
    with serve(api) as srv:
        replies = run(exchange(srv.url, '{"action": "fire"}', '{"action": "ping"}', expect=1))
        wait_until(lambda: h.SEEN)
    assert replies == ['"pong"']


def test_an_event_function_error_is_logged_and_shown_in_the_traffic(caplog):
    # Asynchronous invocations answer 202 at once; a failure later is the function's own
    # (logged; nothing is sent). The traffic view and its summary show it.
    api = WebSocketApi("EventBoom").route(
        "$default",
        LambdaIntegration(
            h.async_boom, request_templates={"$default": "{}"}, invocation_type="Event"
        ),
    )
    with caplog.at_level(logging.ERROR, logger="wsnb.local"), serve(api) as srv:
        run(exchange(srv.url, "go", expect=0))
        wait_until(lambda: any(e["type"] == "async" for e in srv.events))
        events = srv.events
        traffic = srv.traffic()
    assert "RuntimeError: background failure" in caplog.text
    (done,) = [e for e in events if e["type"] == "async"]
    assert done["status"] == 500 and "background failure" in done["detail"]
    assert "λ $default (Event) --x" not in traffic.to_text()  # text arrows: '-->' for replies
    assert "λ $default (Event) --> API Gateway: error (Event, logged)" in traffic.to_text()
    (row,) = [r for r in traffic.summary() if r["route"] == "$default"]
    assert row["count"] == 1 and row["errors"] == 1


def test_a_function_error_selects_the_integration_response_by_its_error_message():
    # Lambda: $integration.response.body.errorMessage against the /regex/ keys; the template
    # reads Lambda's error JSON (errorMessage, errorType).
    responses = [
        IntegrationResponse(
            "/.*not found.*/",
            templates={"$default": "{\"missing\": $input.json('$.errorMessage')}"},
        ),
        IntegrationResponse(
            "$default", templates={"$default": '{"type": "$input.path(\'$.errorType\')"}'}
        ),
    ]
    api = WebSocketApi("NonProxyErrors").route(
        "get",
        LambdaIntegration(
            h.fail_not_found,
            request_templates={"$default": "{\"id\": $input.json('$.id')}"},
            responses=responses,
        ),
        return_response=True,
    )
    with serve(api) as srv:
        (reply,) = run(exchange(srv.url, '{"action": "get", "id": 7}'))
        events = srv.events
    assert json.loads(reply) == {"missing": "item 7 not found"}
    (result,) = [e for e in events if e["type"] == "result"]
    assert result["integrationError"] is True and result["status"] == 200
    assert any(e["type"] == "error" and "LookupError" in e["detail"] for e in events)


def test_an_error_with_only_a_default_response_goes_through_it():
    responses = [
        IntegrationResponse(
            "$default", templates={"$default": '{"type": "$input.path(\'$.errorType\')"}'}
        )
    ]
    api = WebSocketApi("NonProxyDefault").route(
        "$default",
        LambdaIntegration(
            h.fail_not_found, request_templates={"$default": "{}"}, responses=responses
        ),
        return_response=True,
    )
    with serve(api) as srv:
        assert run(exchange(srv.url, "x")) == ['{"type": "LookupError"}']


def test_a_body_that_is_not_json_is_refused_by_lambda(caplog):
    # Lambda's Invoke: "InvalidRequestContentException: The request body could not be parsed as
    # JSON" — a message passed through (no template) that is not JSON fails the integration.
    api = WebSocketApi("NonProxyText2").route(
        "$default", LambdaIntegration(h.remember), return_response=True
    )
    with caplog.at_level(logging.ERROR, logger="wsnb.local"), serve(api) as srv:
        bad, good = run(exchange_in_turn(srv.url, "plain text", '{"a": 1}'))
    assert FRAME.match(bad)["m"] == "Internal server error"
    assert "InvalidRequestContentException" in caplog.text
    assert json.loads(good)["got"] == {"a": 1}  # passed through: the message is the event


def test_the_integration_timeout_answers_endpoint_request_timed_out():
    # SPEC §5/§9: the integration's own timeout (TimeoutInMillis) bounds the wait.
    api = WebSocketApi("NonProxySlow").route(
        "$default",
        LambdaIntegration(h.slow, request_templates={"$default": "{}"}, timeout=0.3),
        return_response=True,
    )
    with serve(api) as srv:
        (reply,) = run(exchange(srv.url, "x"))
        events = srv.events
    assert FRAME.match(reply)["m"] == "Endpoint request timed out"
    (result,) = [e for e in events if e["type"] == "result"]
    assert result["status"] == 504 and result["frame"] == "Endpoint request timed out"


def test_a_non_proxy_connect_function_gets_its_templated_event():
    api = WebSocketApi("NonProxyConnect").route(
        "$connect",
        LambdaIntegration(
            h.on_connect_record,
            request_templates={
                "$default": '{"ip": "$context.identity.sourceIp", "q": "$input.params(\'room\')"}'
            },
        ),
    )
    with serve(api) as srv:
        run(exchange(srv.url + "/?room=blue", expect=0))
    ((kind, event),) = h.SEEN
    assert kind == "connect" and event == {"ip": "127.0.0.1", "q": "blue"}


# The test runtime's code is its own: the start-up check finds no fn/echo.* file.
@pytest.mark.filterwarnings("ignore::wsnb.HandlerFileWarning")
def test_a_function_of_another_runtime_runs_behind_a_non_proxy_integration(monkeypatch):
    # The handler-runtime seam: the templated event reaches a runtime out of process too (the
    # test runtime echoes event["body"] back as its result's body).
    registered(monkeypatch)
    handler = ForeignHandler("fn/echo.handler", runtime="nodejs22.x", logical_id="EchoFn")
    api = WebSocketApi("NonProxyPipe").route(
        "$default",
        LambdaIntegration(
            handler,
            request_templates={"$default": "{\"body\": $input.json('$.text')}"},
            responses=[IntegrationResponse(templates={"$default": "$input.path('$.body')"})],
        ),
        return_response=True,
    )
    with serve(api) as srv:
        assert run(exchange(srv.url, '{"text": "via pipes"}')) == ["via pipes"]
        logs = [e for e in srv.events if e["type"] == "log"]
    assert logs and "via pipes" in logs[0]["detail"]
