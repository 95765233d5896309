"""Template-read integrations run in the emulator with real websockets clients: the public
LLM-chat SAM app (tests/fixtures/sam-chat-boilerplate) and a small SAM template with a MOCK
``$connect``, a non-proxy Lambda with request/response templates and a RouteResponse, and an
``Event``-invoked route that replies through @connections."""

from __future__ import annotations

import asyncio
import json
import shutil
from pathlib import Path

import pytest

from wsnb import WebSocketApi

from ..waiting import wait_until

pytest.importorskip("websockets")
pytest.importorskip("moto")

LLM_CHAT = Path(__file__).resolve().parents[1] / "fixtures" / "sam-chat-boilerplate"


def _run(coro):
    return asyncio.run(asyncio.wait_for(coro, 60))


async def _frames(ws, until_kind: str = "end") -> list[dict]:
    """The JSON frames a client receives up to (and with) the one whose kind is ``until_kind``."""
    frames = []
    while True:
        frame = json.loads(await asyncio.wait_for(ws.recv(), 20))
        frames.append(frame)
        if frame.get("kind") == until_kind:
            return frames


@pytest.fixture
def llm_chat(tmp_path):
    target = tmp_path / "llm-chat"
    shutil.copytree(LLM_CHAT, target, ignore=shutil.ignore_patterns("__pycache__"))
    return target


def test_llm_chat_default_answers_and_event_routes_reply_through_connections(llm_chat):
    api = WebSocketApi.from_template(llm_chat / "template.yaml")
    assert sorted(api.routes) == sorted(
        [
            "$connect",
            "$disconnect",
            "$default",
            "bedrock",
            "langchain/bedrock",
            "langchain/openai",
            "langchain/sagemaker",
        ]
    )
    import websockets

    async def chat(url):
        async with websockets.connect(url) as ws:
            await ws.send(json.dumps({"action": "nothing-here"}))
            default = await asyncio.wait_for(ws.recv(), 20)
            replies = {}
            for action in ("bedrock", "langchain/openai"):
                await ws.send(json.dumps({"action": action, "input": f"hi from {action}"}))
                replies[action] = await _frames(ws)
            return default, replies

    with api.serve() as server:
        default, replies = _run(chat(server.url))
        dynamodb = server.client("dynamodb")
        # the function stores the turn after its last frame: wait for the second one
        history = wait_until(lambda: _turns(dynamodb, _table_name(server)) == 4, timeout=20)
    # the $default route has a RouteResponse: the proxy function's body goes back
    # ("Setting up a WebSocket API route response in API Gateway" → two-way communication)
    assert default == "invalid route"
    # "Setting up a WebSocket API integration request in API Gateway" / "Set up asynchronous
    # invocation of the backend Lambda function": X-Amz-Invocation-Type 'Event' runs the function
    # without waiting, so the client gets only what it posts through @connections; the request
    # template ("API Gateway WebSocket API mapping template reference": "body": $input.body, not
    # quoted) makes the event's body the message itself, an object: the stand-in reads
    # event["body"]["input"], which fails on a string.
    for action, frames in replies.items():
        words = f"hi from {action}".split()
        assert frames == [{"kind": "token", "chunk": w + " "} for w in words] + [{"kind": "end"}]
    assert history  # two turns (question and answer each) in one session: the connection's


def _turns(dynamodb, table: str) -> int:
    """The most turns one session holds (other tests' servers share the local backend)."""
    items = dynamodb.scan(TableName=table)["Items"]
    return max((len(item["History"]["L"]) for item in items), default=0)


def _table_name(server) -> str:
    """The local name of the template's SessionTable (``<stage>-<app>-SessionTable``)."""
    names = server.client("dynamodb").list_tables()["TableNames"]
    (name,) = [n for n in names if n.startswith(f"{server.stage}-") and n.endswith("SessionTable")]
    return name
