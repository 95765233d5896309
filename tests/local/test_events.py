"""Event and context shapes, as API Gateway and Lambda give them."""

from __future__ import annotations

import json
import re

import pytest
import websockets

from tests.local import handlers_nb as h
from tests.local.conftest import action, exchange, run, seen
from tests.waiting import wait_until
from wsnb import WebSocketApi

ID = re.compile(r"^[A-Za-z0-9]{15}=$")
TIME = re.compile(r"^\d{2}/[A-Z][a-z]{2}/\d{4}:\d{2}:\d{2}:\d{2} \+0000$")


@pytest.fixture(scope="module")
def server():
    api = (
        WebSocketApi("Events")
        .route("$connect", h.on_connect)
        .route("$disconnect", h.on_disconnect)
        .route("dump", h.dump, return_response=True, memory_size=512, timeout=7)
    )
    with api.serve() as srv:
        yield srv


def _dump(server, *messages, **kw):
    replies = run(exchange(server.url + "/dev?room=a&room=b&flag=", *messages, **kw))
    return [json.loads(r) for r in replies]


def test_connect_event_shape(server):
    _dump(
        server,
        action("dump"),
        additional_headers={"X-Custom": "1"},
        user_agent_header="pytest-agent",
    )
    (_, event, ctx) = seen("$connect")[0]
    rc = event["requestContext"]
    assert rc["routeKey"] == "$connect" and rc["eventType"] == "CONNECT"
    assert ID.match(rc["connectionId"]) and ID.match(rc["requestId"])
    assert rc["requestId"] == rc["extendedRequestId"]
    assert "messageId" not in rc and rc["messageDirection"] == "IN"
    assert rc["stage"] == "dev" and rc["domainName"] == server.domain_name
    assert re.fullmatch(r"[a-z0-9]{10}", rc["apiId"])
    assert TIME.match(rc["requestTime"]) and isinstance(rc["requestTimeEpoch"], int)
    assert rc["connectedAt"] <= rc["requestTimeEpoch"]
    assert rc["identity"] == {"sourceIp": "127.0.0.1", "userAgent": "pytest-agent"}
    assert "authorizer" not in rc
    assert event["isBase64Encoded"] is False
    assert event["headers"]["X-Custom"] == "1" and event["multiValueHeaders"]["X-Custom"] == ["1"]
    assert event["headers"]["X-Forwarded-For"] == "127.0.0.1"
    assert "Upgrade" not in event["headers"] and "Connection" not in event["headers"]
    assert event["queryStringParameters"] == {"room": "b", "flag": ""}
    assert event["multiValueQueryStringParameters"] == {"room": ["a", "b"], "flag": [""]}
    assert ctx["function_name"] == "dev-app-Events-connect"


def test_connect_without_query_has_no_query_keys(server):
    run(exchange(server.url, action("dump")))
    (_, event, _) = seen("$connect")[0]
    assert "queryStringParameters" not in event and "multiValueQueryStringParameters" not in event


def test_message_event_and_context(server):
    (reply,) = _dump(server, action("dump", x=1))
    event, ctx = reply["event"], reply["context"]
    rc = event["requestContext"]
    assert rc["routeKey"] == "dump" and rc["eventType"] == "MESSAGE"
    assert ID.match(rc["messageId"]) and rc["messageId"] != rc["requestId"]
    assert rc["identity"]["sourceIp"] == "127.0.0.1"
    assert event["body"] == action("dump", x=1) and event["isBase64Encoded"] is False
    assert "headers" not in event
    connect_rc = seen("$connect")[0][1]["requestContext"]
    assert (
        rc["connectionId"] == connect_rc["connectionId"]
        and rc["connectedAt"] == connect_rc["connectedAt"]
    )
    assert ctx["function_name"] == "dev-app-Events-dump"
    assert (
        ctx["invoked_function_arn"]
        == "arn:aws:lambda:us-east-1:123456789012:function:dev-app-Events-dump"
    )
    assert ctx["memory_limit_in_mb"] == "512" and ctx["function_version"] == "$LATEST"
    assert ctx["log_group_name"] == "/aws/lambda/dev-app-Events-dump"
    assert re.fullmatch(r"\d{4}/\d{2}/\d{2}/\[\$LATEST\][0-9a-f]{32}", ctx["log_stream_name"])
    assert re.fullmatch(r"[0-9a-f-]{36}", ctx["aws_request_id"])
    assert 6000 < ctx["remaining"] <= 7000


def test_each_message_gets_new_ids(server):
    a, b = _dump(server, action("dump"), action("dump"))
    ra, rb = a["event"]["requestContext"], b["event"]["requestContext"]
    assert ra["requestId"] != rb["requestId"] and ra["messageId"] != rb["messageId"]
    assert ra["connectionId"] == rb["connectionId"]


def test_disconnect_event(server):
    async def go():
        ws = await websockets.connect(server.url)
        await ws.close(code=4000, reason="bye")

    run(go())
    # (an earlier test's connection may report its own $disconnect meanwhile)
    (_, event, _) = wait_until(
        lambda: [
            s for s in seen("$disconnect") if s[1]["requestContext"]["disconnectStatusCode"] == 4000
        ]
    )[0]
    rc = event["requestContext"]
    assert rc["eventType"] == "DISCONNECT" and rc["routeKey"] == "$disconnect"
    assert rc["disconnectStatusCode"] == 4000 and rc["disconnectReason"] == "bye"
    assert set(event["headers"]) == {"Host", "x-api-key", "X-Forwarded-For", "x-restapi"}
    assert event["multiValueHeaders"]["Host"] == [server.domain_name]


def test_disconnect_after_normal_close(server):
    async def go():
        async with websockets.connect(server.url) as ws:
            await ws.send(action("dump"))
            await ws.recv()

    run(go())
    (_, event, _) = wait_until(lambda: seen("$disconnect"))[0]
    assert event["requestContext"]["disconnectStatusCode"] == 1000
