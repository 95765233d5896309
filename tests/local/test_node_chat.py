"""An SST-style TypeScript chat runs unchanged (SPEC §8): ``.defaults(runtime="nodejs22.x")``,
typed handlers under ``src/`` (tests/fixtures/sst-chat), the AWS SDK for JavaScript v3 from the
runtime (no package.json), ``https://{domainName}/{stage}`` for @connections and a bound Table.

Real Node processes, real WebSocket clients, real SDK v3 clients against the local DynamoDB and
the emulator's management API ("Building Lambda functions with TypeScript", "Use @connections
commands in your backend service").
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import shutil
from pathlib import Path

import pytest
import websockets

from tests.local.conftest import run
from tests.waiting import wait_until
from wsnb import EmulatorError, Table, WebSocketApi

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "sst-chat"
FRAME = re.compile(r'^\{"message": "(?P<m>[^"]+)", "connectionId":"[^"]+", "requestId":"[^"]+"\}$')


def chat_api(root: Path, send: str = "src/sendMessage.main") -> tuple[WebSocketApi, Table]:
    connections = Table(
        "Connections", fields={"id": "string"}, primary_index={"partition_key": "id"}
    )
    api = (
        WebSocketApi("Chat", root=root)
        .defaults(runtime="nodejs22.x", bind=[connections])
        .route("$connect", "src/connect.main")
        .route("$disconnect", "src/disconnect.main")
        .route("sendMessage", send)
    )
    return api, connections


@pytest.fixture(scope="module")
def served():
    api, connections = chat_api(FIXTURE)
    with api.serve() as server:
        yield server, connections


def _rows(server, connections) -> list[str]:
    items = server.client("dynamodb").scan(TableName=server.table_name(connections))["Items"]
    return sorted(item["id"]["S"] for item in items)


def test_it_lints_clean():
    api, _ = chat_api(FIXTURE)
    assert [f for f in api.lint() if f.level in ("error", "warning")] == []


def test_three_clients_chat_and_the_logs_carry_the_request_id(served, caplog):
    server, connections = served

    async def go(url):
        async with (
            websockets.connect(url) as a,
            websockets.connect(url) as b,
            websockets.connect(url) as c,
        ):
            ids = {c["connectionId"] for c in server.connections}
            assert await asyncio.to_thread(_rows, server, connections) == sorted(ids)
            await b.send(json.dumps({"action": "sendMessage", "data": "hi from b"}))
            return [await asyncio.wait_for(ws.recv(), 20) for ws in (a, b, c)]

    with caplog.at_level(logging.INFO, logger="wsnb.local"):
        assert run(go(server.url)) == ["hi from b"] * 3
        wait_until(lambda: _rows(server, connections) == [], timeout=20)  # $disconnect, TS
    events = server.events
    (message,) = [e for e in events if e["type"] == "message"][-1:]
    logs = [e for e in events if e["type"] == "log" and e["requestId"] == message["requestId"]]
    line = next(e["detail"] for e in logs if "sent 9 characters" in e["detail"])
    # CloudWatch's form: time, Lambda's request id, level, message
    _time, aws_request_id, level, text = line.split("\t")
    assert (level, text) == ("INFO", "sent 9 characters to 3 connections")
    assert re.fullmatch(r"[0-9a-f-]{36}", aws_request_id)
    assert line in caplog.text  # the server's log too
    (logged,) = [r.getMessage() for r in caplog.records if "sent 9 characters" in r.getMessage()]
    assert logged == f"dev-app-Chat-sendMessage {line}"  # the request id once, as CloudWatch has it
    drawing = server.traffic().to_text()
    assert "λ sendMessage: INFO sent 9 characters to 3 connections" in drawing


def test_a_thrown_error_is_answered_as_api_gateway_does(served, caplog):
    server, _ = served
    with caplog.at_level(logging.ERROR, logger="wsnb.local"):
        (reply,) = run(_send(server.url, {"action": "sendMessage"}))  # no "data": it throws
        errors = wait_until(lambda: [e for e in server.events if e["type"] == "error"], 20)
    assert FRAME.match(reply)["m"] == "Internal server error"
    stack = errors[-1]["detail"]
    assert stack.startswith("TypeError: sendMessage needs a string 'data' field\n")
    assert "src/sendMessage.ts:" in stack  # the TypeScript file's own line (type stripping)
    assert "runner.mjs" not in stack  # wsnb's frames are not the user's
    assert "TypeError: sendMessage needs a string 'data' field" in caplog.text


async def _send(url: str, message: dict, replies: int = 1) -> list[str]:
    async with websockets.connect(url) as ws:
        await ws.send(json.dumps(message))
        return [await asyncio.wait_for(ws.recv(), 20) for _ in range(replies)]


def test_a_gone_connection_is_a_real_410_gone_exception_for_sdk_v3(served):
    # "PostToConnection": a connection that is gone answers 410 GoneException; the handler's
    # `e instanceof GoneException` (SDK v3's error class) catches it and removes the row.
    server, connections = served
    table = server.table_name(connections)
    server.client("dynamodb").put_item(TableName=table, Item={"id": {"S": "staleconnection="}})
    assert run(_send(server.url, {"action": "sendMessage", "data": "still there?"})) == [
        "still there?"
    ]
    wait_until(lambda: _rows(server, connections) == [], timeout=20)
    logs = [e["detail"] for e in server.events if e["type"] == "log"]
    assert any("removing stale connection staleconnection=" in line for line in logs)


def test_a_mian_typo_is_caught_at_serve_naming_file_exports_and_the_close_name(tmp_path):
    root = tmp_path / "chat"
    shutil.copytree(FIXTURE, root)
    api, _ = chat_api(root, send="src/sendMessage.mian")
    lint = [f for f in api.lint() if f.level == "error"]
    assert lint and "mian" in lint[0].message  # the static scan (no Node)
    with pytest.raises(EmulatorError) as info:
        api.serve()
    err = info.value
    assert "src/sendMessage.ts does not export 'mian'" in err.message
    assert "it exports main" in err.message and "Runtime.HandlerNotFound" in err.message
    assert err.given == {"file": "src/sendMessage.ts", "handler": "mian", "exports": ["main"]}
    assert err.fix == "use \"src/sendMessage.main\" (did you mean 'main'?)"
