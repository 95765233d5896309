"""Imported APIs run in the emulator with their handlers unchanged (real websockets clients)."""

from __future__ import annotations

import asyncio
import json
import shutil
from pathlib import Path

import pytest

from tests.waiting import wait_until
from wsnb import WebSocketApi

from ._templates import write_full

pytest.importorskip("websockets")
pytest.importorskip("moto")

SAM_CHAT = Path(__file__).resolve().parents[2] / "notebooks" / "sam-chat"


def _run(coro):
    return asyncio.run(asyncio.wait_for(coro, 60))


@pytest.fixture
def chat_dir(tmp_path):
    """A copy of the SAM chat app (modelled on the shape of AWS's simple WebSocket chat sample:
    a TableName parameter, !Ref/!Join/Fn::Sub integration URIs, AWS::Serverless::Function with
    CodeUri folders and DynamoDBCrudPolicy, boto3 clients built at import and at call time)."""
    target = tmp_path / "chat"
    shutil.copytree(SAM_CHAT, target, ignore=shutil.ignore_patterns("__pycache__"))
    return target


def test_sam_chat_three_clients(chat_dir, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)  # the handlers resolve from the template's folder, not the cwd
    api = WebSocketApi.from_template(chat_dir / "template.yaml", parameters={"TableName": "room42"})
    assert api.routes == ["$connect", "$disconnect", "sendmessage"]
    import websockets

    async def chat(url, server):
        async with (
            websockets.connect(url) as a,
            websockets.connect(url) as b,
            websockets.connect(url) as c,
        ):
            await a.send(json.dumps({"action": "sendmessage", "data": "hello from a"}))
            first = [await asyncio.wait_for(ws.recv(), 10) for ws in (a, b, c)]
            await b.close()
            # b's $disconnect has removed it from the table before c broadcasts
            wait_until(
                lambda: any(
                    e["type"] == "result" and e["routeKey"] == "$disconnect" for e in server.events
                ),
                what="b's $disconnect",
            )
            await c.send(json.dumps({"action": "sendmessage", "data": "c here"}))
            second = [await asyncio.wait_for(ws.recv(), 10) for ws in (a, c)]
            return first, second

    with api.serve() as server:
        assert server.stage == "Prod"  # the template's stage
        first, second = _run(chat(server.url, server))
        # "Use @connections commands in your backend service" (API Gateway developer guide)
        assert first == ["hello from a"] * 3
        assert second == ["c here"] * 2
        dynamodb = server.client("dynamodb")
        assert "room42" in dynamodb.list_tables()["TableNames"]  # the name the handlers read
    items = dynamodb.scan(TableName="room42")["Items"]
    assert items == []  # every $disconnect ran on stop


def test_full_template_authorizer_route_response_and_resources(tmp_path):
    from wsnb.template._load import parse_file

    data = parse_file(write_full(tmp_path))
    for lid in ("NodeRoute", "NodeInteg"):  # keep the runnable (Python) part
        del data["Resources"][lid]
    api = WebSocketApi.from_template(data, base_dir=tmp_path)
    import websockets

    async def go(url):
        with pytest.raises(websockets.exceptions.InvalidStatus) as refused:
            async with websockets.connect(url + "/?token=nope"):
                pass
        async with websockets.connect(url + "/?token=letmein") as ws:
            # both keys: this branch's emulator may still select on $request.body.action only
            await ws.send(json.dumps({"type": "echo", "action": "echo"}))
            reply = json.loads(await asyncio.wait_for(ws.recv(), 10))
        return refused.value.response.status_code, reply

    with api.serve() as server:
        status, reply = _run(go(server.url))
        ssm = server.client("ssm")
        assert ssm.get_parameter(Name="/full/setting")["Parameter"]["Value"] == "blue"
        assert "full-uploads-bucket" in [
            b["Name"] for b in server.client("s3").list_buckets()["Buckets"]
        ]
    # "Configure a WebSocket API Lambda REQUEST authorizer": Deny → 403
    assert status == 403
    assert reply == {
        "route": "echo",
        "table": "test-items",
        "bucket": "full-uploads-bucket",
        "param": "/full/setting",
        "mode": "beta",
    }


IMPORT_TIME_SENDER = '''"""sendmessage, with the management client built once at import from the template's URL."""

import json
import os

import boto3

TABLE = boto3.resource("dynamodb").Table(os.environ["TABLE_NAME"])
MANAGEMENT = boto3.client("apigatewaymanagementapi", endpoint_url=os.environ["MANAGEMENT_URL"])


def handler(event, context):
    data = json.loads(event["body"])["data"]
    for item in TABLE.scan()["Items"]:
        MANAGEMENT.post_to_connection(ConnectionId=item["connectionId"], Data=data.encode())
    return {"statusCode": 200}
'''


def test_management_client_built_at_import_from_the_template_url(chat_dir):
    # "Use @connections commands in your backend service": the endpoint is
    # https://{api-id}.execute-api.{region}.amazonaws.com/{stage}
    template = chat_dir / "template.yaml"
    template.write_text(
        template.read_text().replace(
            "        TABLE_NAME: !Ref TableName\n",
            "        TABLE_NAME: !Ref TableName\n"
            '        MANAGEMENT_URL: !Sub "https://${ChatApi}.execute-api.${AWS::Region}'
            '.amazonaws.com/${Stage}"\n',
        )
    )
    (chat_dir / "sendmessage" / "app.py").write_text(IMPORT_TIME_SENDER)
    api = WebSocketApi.from_template(template, region="eu-west-1")
    env = api.get_function("sendmessage").props["environment"]
    from wsnb.local._ids import api_id

    assert env["MANAGEMENT_URL"] == (
        f"https://{api_id('ChatApi')}.execute-api.eu-west-1.amazonaws.com/Prod"
    )
    import websockets

    async def chat(url):
        async with websockets.connect(url) as a, websockets.connect(url) as b:
            await a.send(json.dumps({"action": "sendmessage", "data": "via the template URL"}))
            return [await asyncio.wait_for(ws.recv(), 10) for ws in (a, b)]

    with api.serve(stage="dev") as server:  # not the template's stage (wsnb serve --stage dev)
        assert _run(chat(server.url)) == ["via the template URL"] * 2
    from wsnb.local import _transport

    assert not any("execute-api" in host for host in _transport._answers)  # forgotten on stop


def test_the_live_widget_runs_an_imported_api(chat_dir):
    pytest.importorskip("anywidget")
    from wsnb.local import running_servers

    api = WebSocketApi.from_template(chat_dir / "template.yaml")
    widget = api.show()
    try:
        widget.serve(wait=True)  # the widget serves a copy: it must keep the template's folder
        assert widget.server_status == "running"
    finally:
        widget.close()
        for server in running_servers():
            if server.api.id == api.id:
                server.stop()
