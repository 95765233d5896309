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
    items = dynamodb.scan(TableName=table)["Items"]
    return len(items[0]["History"]["L"]) if len(items) == 1 else -1


def _table_name(server) -> str:
    names = server.client("dynamodb").list_tables()["TableNames"]
    assert len(names) == 1, names
    return names[0]


SAM_INTEGRATIONS = Path(__file__).resolve().parents[1] / "fixtures" / "sam-integrations"


def test_mock_connect_templated_lambda_with_route_response_and_event_route():
    api = WebSocketApi.from_template(SAM_INTEGRATIONS / "template.yaml")
    assert sorted(api.routes) == ["$connect", "ask", "notify"]
    import websockets

    async def talk(url):
        async with websockets.connect(url) as ws:  # the MOCK $connect answers 200
            await ws.send(json.dumps({"action": "ask", "question": "six times seven"}))
            answer = await asyncio.wait_for(ws.recv(), 20)
            await ws.send(json.dumps({"action": "notify", "note": {"level": "high"}}))
            notified = await asyncio.wait_for(ws.recv(), 20)
            return answer, notified

    with api.serve() as server:
        assert server.stage == "test"
        answer, notified = _run(talk(server.url))
    # "Setting up data mapping for WebSocket APIs in API Gateway": the request template
    # makes the function's event; the $default integration response's template makes what
    # the route response (RouteResponseKey $default, "Setting up a WebSocket API route
    # response in API Gateway") sends back to the client: the template's output, not the
    # function's raw result.
    assert json.loads(answer) == {
        "answer": "six times seven? 42 (route ask)",
        "via": "response template",
    }
    # "Setting up a WebSocket API integration request in API Gateway": X-Amz-Invocation-Type
    # 'Event' returns at once; the function's own post through @connections is all the client
    # gets, its body an object as "API Gateway WebSocket API mapping template reference"'s
    # $input.body (unquoted) makes it.
    notified = json.loads(notified)
    assert notified["notified"] == {"level": "high"}
    assert notified["connectionId"]


def test_mock_connect_refusing_status_refuses_the_handshake(tmp_path):
    template = tmp_path / "template.yaml"
    shutil.copytree(SAM_INTEGRATIONS, tmp_path, dirs_exist_ok=True)
    text = template.read_text()
    template.write_text(
        text.replace("""$default: '{"statusCode": 200}'""", """$default: '{"statusCode": 403}'""")
    )
    api = WebSocketApi.from_template(template)
    import websockets

    async def refused(url):
        with pytest.raises(websockets.exceptions.InvalidStatus) as caught:
            async with websockets.connect(url):
                pass
        return caught.value.response.status_code

    with api.serve() as server:
        status = _run(refused(server.url))
    # "Setting up data mapping for WebSocket APIs in API Gateway": a MOCK's request template
    # gives the status code; on $connect a status that is not 2xx refuses the connection with it
    assert status == 403
