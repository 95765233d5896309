"""HTTP and HTTP_PROXY integrations served locally, against an HTTP server on 127.0.0.1.

AWS pages: "Set up a WebSocket API integration request in API Gateway" (HTTP_PROXY passes the
request through; HTTP maps it with templates; request parameters map the route request, the
context or static values to the integration request's headers, query string and path), "Set up
a WebSocket API integration response in API Gateway" ("For non-proxy HTTP integrations, API
Gateway will attempt to match the HTTP status code of the backend response"; proxies have no
integration response: the backend's output is the payload).
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest

from tests.local.conftest import exchange, exchange_in_turn, run
from wsnb import HttpIntegration, IntegrationResponse, WebSocketApi
from wsnb.local import serve

FRAME = re.compile(r'^\{"message": "(?P<m>[^"]+)", "connectionId":"[^"]+", "requestId":"[^"]+"\}$')


class _Backend(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    seen: ClassVar[list[dict]] = []

    def log_message(self, *args):
        pass

    def _answer(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode() if length else ""
        self.seen.append(
            {
                "method": self.command,
                "path": self.path,
                "headers": {k.lower(): v for k, v in self.headers.items()},  # case-insensitive
                "body": body,
            }
        )
        if self.path.startswith("/slow"):
            time.sleep(2)
        status = (
            int(self.path.split("/status/")[1].split("?")[0]) if "/status/" in self.path else 200
        )
        out = json.dumps({"youSent": body, "path": self.path}).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("X-Backend", "yes")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    do_POST = do_PUT = do_GET = _answer


@pytest.fixture
def backend():
    _Backend.seen = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Backend)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", _Backend.seen
    server.shutdown()
    server.server_close()


def test_http_proxy_sends_the_message_as_is_and_replies_with_the_backend_body(backend):
    base, seen = backend
    api = WebSocketApi("HttpProxy").route(
        "$default",
        HttpIntegration(
            f"{base}/hook",
            proxy=True,
            request_parameters={
                "integration.request.header.connectionId": "context.connectionId",
                "integration.request.header.stageName": "context.stage",
                "integration.request.querystring.room": "'blue'",
            },
        ),
        return_response=True,
    )
    with serve(api) as srv:
        (reply,) = run(exchange(srv.url, '{"foo":"bar"}'))
        events = srv.events
    (request,) = seen
    (connect,) = [e for e in events if e["type"] == "connect"]
    assert request["method"] == "POST" and request["path"] == "/hook?room=blue"
    assert request["body"] == '{"foo":"bar"}'
    assert request["headers"]["connectionid"] == connect["connectionId"]
    assert request["headers"]["stagename"] == "dev"
    assert json.loads(reply) == {"youSent": '{"foo":"bar"}', "path": "/hook?room=blue"}
    (result,) = [e for e in events if e["type"] == "result"]
    assert result["target"] == "HTTP_PROXY" and result["integrationStatus"] == 200


def test_http_maps_the_request_and_the_response_with_templates(backend):
    base, seen = backend
    api = WebSocketApi("HttpMapped").route(
        "send",
        HttpIntegration(
            f"{base}/rooms/{{room}}",
            method="PUT",
            request_templates={
                "$default": '{"text": $input.json(\'$.text\'), "from": "$context.connectionId"}'
            },
            request_parameters={"integration.request.path.room": "route.request.body.room"},
            responses=[
                IntegrationResponse(
                    "/2\\d\\d/",
                    templates={
                        "$default": '{"stored": $input.json(\'$.youSent\'), "status": "${context.routeKey}"}'
                    },
                )
            ],
        ),
        return_response=True,
    )
    with serve(api) as srv:
        (reply,) = run(
            exchange(srv.url, json.dumps({"action": "send", "room": "a b", "text": "hi"}))
        )
    (request,) = seen
    assert request["method"] == "PUT" and request["path"] == "/rooms/a%20b"
    sent = json.loads(request["body"])
    assert sent["text"] == "hi" and sent["from"]
    data = json.loads(reply)
    assert json.loads(data["stored"]) == sent and data["status"] == "send"


def test_http_integration_responses_match_the_backend_status(backend):
    base, _seen = backend
    responses = [
        IntegrationResponse("/4\\d\\d/", templates={"$default": '{"error": true}'}),
        IntegrationResponse("$default", templates={"$default": '{"error": false}'}),
    ]
    api = (
        WebSocketApi("HttpStatus")
        .route(
            "missing",
            HttpIntegration(f"{base}/status/404", responses=responses),
            return_response=True,
        )
        .route(
            "fine", HttpIntegration(f"{base}/status/200", responses=responses), return_response=True
        )
    )
    with serve(api) as srv:
        replies = run(exchange_in_turn(srv.url, '{"action": "missing"}', '{"action": "fine"}'))
        results = {
            e["routeKey"]: e["integrationStatus"] for e in srv.events if e["type"] == "result"
        }
    assert [json.loads(r) for r in replies] == [{"error": True}, {"error": False}]
    assert results == {"missing": 404, "fine": 200}


def test_the_response_template_is_chosen_by_a_backend_header(backend):
    # IntegrationResponse.TemplateSelectionExpression supports ${integration.response.header.X}.
    base, _seen = backend
    ir = IntegrationResponse(
        "$default",
        template_selection_expression="${integration.response.header.X-Backend}",
        templates={"yes": '"from the backend"', "$default": '"unknown"'},
    )
    api = WebSocketApi("HttpHeader").route(
        "$default", HttpIntegration(f"{base}/x", responses=[ir]), return_response=True
    )
    with serve(api) as srv:
        assert run(exchange(srv.url, "{}")) == ['"from the backend"']


def test_an_unreachable_backend_answers_internal_server_error(caplog):
    api = WebSocketApi("HttpDown").route(
        "$default", HttpIntegration("http://127.0.0.1:9/nothing", proxy=True), return_response=True
    )
    with caplog.at_level(logging.ERROR, logger="wsnb.local"), serve(api) as srv:
        (reply,) = run(exchange(srv.url, "{}"))
    assert FRAME.match(reply)["m"] == "Internal server error"
    assert "POST http://127.0.0.1:9/nothing" in caplog.text


def test_a_backend_slower_than_the_integration_timeout_times_out(backend):
    base, _seen = backend
    api = WebSocketApi("HttpSlow").route(
        "$default", HttpIntegration(f"{base}/slow", proxy=True, timeout=0.3), return_response=True
    )
    with serve(api) as srv:
        (reply,) = run(exchange(srv.url, "{}"))
        (result,) = [e for e in srv.events if e["type"] == "result"]
    assert FRAME.match(reply)["m"] == "Endpoint request timed out"
    assert result["status"] == 504 and result["why"] == "timed out"


def test_an_http_connect_refuses_on_a_backend_error_status(backend):
    base, seen = backend
    api = WebSocketApi("HttpConnect").route(
        "$connect",
        HttpIntegration(
            f"{base}/status/401",
            request_parameters={
                "integration.request.header.token": "route.request.querystring.token"
            },
        ),
    )
    import websockets

    async def status(url):
        try:
            async with websockets.connect(url, open_timeout=10):
                return 101
        except websockets.InvalidStatus as exc:
            return exc.response.status_code

    with serve(api) as srv:
        assert run(status(srv.url + "/?token=abc")) == 401
    assert seen[0]["headers"]["token"] == "abc"


def test_a_backend_error_status_counts_as_an_integration_error_in_the_traffic(backend):
    # "Monitor WebSocket API execution with CloudWatch metrics": IntegrationError counts
    # requests that return a 4XX/5XX response from the integration; API Gateway still answers.
    base, _seen = backend
    api = WebSocketApi("HttpErrors").route(
        "$default", HttpIntegration(f"{base}/status/500", proxy=True), return_response=True
    )
    with serve(api) as srv:
        (reply,) = run(exchange(srv.url, "{}"))
        traffic = srv.traffic()
    assert json.loads(reply)["path"] == "/status/500"  # a proxy passes the body through
    (row,) = traffic.summary()
    assert row["route"] == "$default" and row["errors"] == 1
    failed = [s for s in traffic.steps if s.source == "HTTP_PROXY"]
    assert [(s.text, s.failed) for s in failed] == [("500", True)]
