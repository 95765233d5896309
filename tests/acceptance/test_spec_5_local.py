"""SPEC §5 — running it locally (`api.serve()`), with a real websockets client and real boto3."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect

from tests.waiting import wait_until
from wsnb import EmulatorError, LambdaAuthorizer, Table, WebSocketApi

HANDLERS = r"""
import json, os, pathlib
import boto3

OUT = pathlib.Path(__file__).resolve().parent / "events"
OUT.mkdir(exist_ok=True)


def _mgmt(event):
    ctx = event["requestContext"]
    return boto3.client("apigatewaymanagementapi",
                        endpoint_url=f"https://{ctx['domainName']}/{ctx['stage']}",
                        region_name="us-east-1")


def connect(event, context):
    qs = event.get("queryStringParameters") or {}
    (OUT / (event["requestContext"]["connectionId"] + ".connect.json")).write_text(json.dumps(event))
    if qs.get("mode") == "reject":
        return {"statusCode": 401}
    if qs.get("mode") == "boom":
        raise RuntimeError("connect exploded")
    return {"statusCode": 200}


def disconnect(event, context):
    (OUT / (event["requestContext"]["connectionId"] + ".disconnect.json")).write_text(json.dumps(event))
    return {"statusCode": 200}


def default(event, context):
    _mgmt(event).post_to_connection(ConnectionId=event["requestContext"]["connectionId"],
                                    Data=json.dumps({"default": event}).encode())
    return {"statusCode": 200}


def echo(event, context):
    return {"statusCode": 200, "body": json.dumps({"echo": event})}


def lambda_context(event, context):
    return {"statusCode": 200, "body": json.dumps({
        "table": os.environ["TABLE_NAME"],
        "aws_request_id": context.aws_request_id,
        "function_name": context.function_name,
        "ms_left": context.get_remaining_time_in_millis(),
    })}


def noresp(event, context):
    return {"statusCode": 200, "body": "should-not-arrive"}


def boom(event, context):
    raise ValueError("handler exploded on purpose")


def mgmt(event, context):
    me = event["requestContext"]["connectionId"]
    client = _mgmt(event)
    body = json.loads(event["body"])
    info = client.get_connection(ConnectionId=me)
    result = {"get_keys": sorted(k for k in info if k != "ResponseMetadata")}
    try:
        client.post_to_connection(ConnectionId=body["gone"], Data=b"x")
        result["gone"] = "no error"
    except client.exceptions.GoneException as exc:
        result["gone"] = exc.response["ResponseMetadata"]["HTTPStatusCode"]
    client.post_to_connection(ConnectionId=me, Data=json.dumps(result).encode())
    if body.get("kick"):
        client.delete_connection(ConnectionId=body["kick"])
    return {"statusCode": 200}


def table(event, context):
    ddb = boto3.client("dynamodb", region_name="us-east-1")
    name = os.environ["TABLE_NAME"]
    me = event["requestContext"]["connectionId"]
    ddb.put_item(TableName=name, Item={"id": {"S": me}})
    got = ddb.get_item(TableName=name, Key={"id": {"S": me}})
    return {"statusCode": 200, "body": json.dumps({"stored": got["Item"]["id"]["S"]})}


def authorize(event, context):
    headers = {k.lower(): v for k, v in (event.get("headers") or {}).items()}
    qs = event.get("queryStringParameters") or {}
    token = headers.get("authorization") or qs.get("token")
    if token not in ("allow", "deny"):
        raise Exception("Unauthorized")
    return {
        "principalId": "user-1",
        "policyDocument": {"Version": "2012-10-17", "Statement": [{
            "Action": "execute-api:Invoke", "Effect": "Allow" if token == "allow" else "Deny",
            "Resource": event["methodArn"]}]},
        "context": {"who": "user-1"},
    }
"""


def nb_echo(event, context):
    import json as _json

    return {"statusCode": 200, "body": _json.dumps({"callable": event["body"]})}


@pytest.fixture(scope="module")
def emu_dir(acceptance_project):
    d = Path("emu")
    d.mkdir(exist_ok=True)
    (d / "h.py").write_text(HANDLERS)
    return d.resolve()


@pytest.fixture(scope="module")
def table():
    return Table("Connections", fields={"id": "string"}, primary_index={"partition_key": "id"})


@pytest.fixture(scope="module")
def main_api(emu_dir, table):
    return (
        WebSocketApi("Api")
        .defaults(environment={"TABLE_NAME": table.table_name}, bind=[table])
        .route("$connect", "emu/h.connect")
        .route("$disconnect", "emu/h.disconnect")
        .route("$default", "emu/h.default")
        .route("echo", "emu/h.echo", return_response=True)
        .route("noresp", "emu/h.noresp")
        .route("boom", "emu/h.boom")
        .route("mgmt", "emu/h.mgmt")
        .route("table", "emu/h.table", return_response=True)
        .route("nb", nb_echo, return_response=True)
        .route("ctx", "emu/h.lambda_context", return_response=True)
    )


@pytest.fixture(scope="module")
def server(main_api):
    srv = main_api.serve()
    yield srv
    srv.stop()


def _recv_json(ws, timeout=10):
    return json.loads(ws.recv(timeout=timeout))


def _parsed(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return None


def _connected(server, query=""):
    return connect(server.url + query, open_timeout=10)


# ---- handle ----------------------------------------------------------------------------------


def test_handle_url_and_connections(server):
    assert server.url.startswith("ws://127.0.0.1:")
    with _connected(server) as ws:
        ws.send(json.dumps({"action": "echo"}))
        cid = _recv_json(ws)["echo"]["requestContext"]["connectionId"]
        (mine,) = [c for c in server.connections if c["connectionId"] == cid]
        assert mine["sourceIp"] == "127.0.0.1" and mine["messagesIn"] == 1


def test_serve_defaults_and_stop_and_context_manager(emu_dir):
    import inspect

    api = WebSocketApi("Tiny").route("echo", "emu/h.echo", return_response=True)
    sig = inspect.signature(api.serve)
    assert sig.parameters["port"].default == 0
    assert sig.parameters["host"].default == "127.0.0.1"
    assert sig.parameters["stage"].default == "dev"
    with api.serve(stage="beta") as srv:
        with connect(srv.url, open_timeout=10) as ws:
            ws.send(json.dumps({"action": "echo"}))
            assert _recv_json(ws)["echo"]["requestContext"]["stage"] == "beta"
        url = srv.url
    with pytest.raises(OSError):
        connect(url, open_timeout=2).close()
    srv2 = api.serve()
    url2 = srv2.url
    srv2.stop()
    with pytest.raises(OSError):
        connect(url2, open_timeout=2).close()


# ---- events --------------------------------------------------------------------------------


def test_message_event_shape(server):
    with _connected(server) as ws:
        ws.send(json.dumps({"action": "echo", "x": 1}))
        ev = _recv_json(ws)["echo"]
    rc = ev["requestContext"]
    assert rc["routeKey"] == "echo"
    assert rc["eventType"] == "MESSAGE"
    for key in (
        "connectionId",
        "requestId",
        "messageId",
        "domainName",
        "stage",
        "apiId",
        "requestTime",
        "connectedAt",
    ):
        assert rc.get(key), key
    assert rc["stage"] == "dev"
    assert isinstance(rc["connectedAt"], int)
    assert rc["identity"]["sourceIp"] == "127.0.0.1"
    assert ev["isBase64Encoded"] is False
    assert json.loads(ev["body"]) == {"action": "echo", "x": 1}


def test_connect_and_disconnect_events(server, emu_dir):
    with connect(
        server.url + "?room=blue&a=1", open_timeout=10, additional_headers={"X-Custom": "yes"}
    ) as ws:
        ws.send(json.dumps({"action": "echo"}))
        cid = _recv_json(ws)["echo"]["requestContext"]["connectionId"]
    conn = json.loads((emu_dir / "events" / f"{cid}.connect.json").read_text())
    rc = conn["requestContext"]
    assert rc["routeKey"] == "$connect" and rc["eventType"] == "CONNECT"
    assert "messageId" not in rc  # AWS: messageId on MESSAGE events only
    headers = {k.lower(): v for k, v in conn["headers"].items()}
    assert headers["x-custom"] == "yes"
    mvh = {k.lower(): v for k, v in conn["multiValueHeaders"].items()}
    assert mvh["x-custom"] == ["yes"]
    assert conn["queryStringParameters"] == {"room": "blue", "a": "1"}
    assert conn["isBase64Encoded"] is False
    path = emu_dir / "events" / f"{cid}.disconnect.json"
    # $disconnect runs after the close: wait until its handler has written a whole file
    disc = wait_until(lambda: _parsed(path), timeout=30, what="no $disconnect event recorded")
    drc = disc["requestContext"]
    assert drc["routeKey"] == "$disconnect" and drc["eventType"] == "DISCONNECT"
    # the client closed normally (1000, no reason)
    assert (drc["disconnectStatusCode"], drc["disconnectReason"]) == (1000, "")
    assert drc["connectionId"] == cid


# ---- route selection -----------------------------------------------------------------------


def test_route_selection_and_default(server):
    with _connected(server) as ws:
        ws.send("not json at all")
        d = _recv_json(ws)["default"]
        assert d["requestContext"]["routeKey"] == "$default" and d["body"] == "not json at all"
        ws.send(json.dumps({"action": "unknownAction"}))
        assert _recv_json(ws)["default"]["requestContext"]["routeKey"] == "$default"
        ws.send(json.dumps({"no": "action"}))
        assert _recv_json(ws)["default"]["requestContext"]["routeKey"] == "$default"


def test_no_default_forbidden_and_no_connect_accepts(emu_dir):
    api = WebSocketApi("NoDefault").route("echo", "emu/h.echo", return_response=True)
    with api.serve() as srv, connect(srv.url, open_timeout=10) as ws:  # no $connect: accepted
        ws.send(json.dumps({"action": "nothing"}))
        msg = _recv_json(ws)
        assert msg["message"] == "Forbidden"
        assert msg["connectionId"] and msg["requestId"]
        ws.send(json.dumps({"action": "echo"}))  # the connection stays
        assert "echo" in _recv_json(ws)


# ---- errors ----------------------------------------------------------------------------------


def test_handler_exception_internal_server_error(server, caplog):
    import logging

    caplog.set_level(logging.DEBUG)
    with _connected(server) as ws:
        ws.send(json.dumps({"action": "boom"}))
        msg = _recv_json(ws)
        assert msg["message"] == "Internal server error"
        assert msg.get("connectionId") and msg.get("requestId")
        ws.send(json.dumps({"action": "echo"}))  # connection stays
        assert "echo" in _recv_json(ws)
    # the traceback is in the log (logging, or the live monitor's handler log)
    bundle = server.monitor()._repr_mimebundle_()
    seen = caplog.text + json.dumps(bundle, default=str)
    assert "Traceback (most recent call last)" in seen
    assert "ValueError: handler exploded on purpose" in seen


def test_monitor_shows_connections_and_messages(server):
    with _connected(server) as ws:
        ws.send(json.dumps({"action": "echo", "marker": "monitor-marker-123"}))
        cid = _recv_json(ws)["echo"]["requestContext"]["connectionId"]
        bundle = server.monitor()._repr_mimebundle_()
        assert {"text/plain", "text/html"} <= set(bundle)
        text = json.dumps(bundle, default=str)
        assert cid in text
        assert "echo" in text


def test_connect_non_2xx_or_raise_refuses(server):
    with pytest.raises(InvalidStatus) as info:
        connect(server.url + "?mode=reject", open_timeout=10)
    assert info.value.response.status_code == 401
    with pytest.raises(InvalidStatus) as info:
        connect(server.url + "?mode=boom", open_timeout=10)
    assert info.value.response.status_code == 502  # as for a failed Lambda integration


# ---- return_response -----------------------------------------------------------------------


def test_return_response_only_when_asked(server):
    with _connected(server) as ws:
        ws.send(json.dumps({"action": "noresp"}))
        ws.send(json.dumps({"action": "echo"}))
        first = ws.recv(timeout=10)
        assert first != "should-not-arrive"
        assert "echo" in json.loads(first)


def test_notebook_callable_runs_directly(server):
    with _connected(server) as ws:
        ws.send(json.dumps({"action": "nb", "v": 3}))
        assert json.loads(_recv_json(ws)["callable"]) == {"action": "nb", "v": 3}


# ---- management API --------------------------------------------------------------------------


def test_management_api_from_handler(server):
    with _connected(server) as gone:
        gone.send(json.dumps({"action": "echo"}))
        gone_id = _recv_json(gone)["echo"]["requestContext"]["connectionId"]
    with _connected(server) as victim:
        victim.send(json.dumps({"action": "echo"}))
        victim_id = _recv_json(victim)["echo"]["requestContext"]["connectionId"]
        with _connected(server) as ws:
            ws.send(json.dumps({"action": "mgmt", "gone": gone_id, "kick": victim_id}))
            result = _recv_json(ws)
        assert result["gone"] == 410
        assert "ConnectedAt" in result["get_keys"]
        with pytest.raises(ConnectionClosed):
            for _ in range(3):
                victim.recv(timeout=5)


def test_management_api_from_outside(server):
    import boto3

    with _connected(server) as ws:
        ws.send(json.dumps({"action": "echo"}))
        rc = _recv_json(ws)["echo"]["requestContext"]
        client = boto3.client(
            "apigatewaymanagementapi",
            endpoint_url=f"https://{rc['domainName']}/{rc['stage']}",
            region_name="us-east-1",
            aws_access_key_id="x",
            aws_secret_access_key="x",
        )
        client.post_to_connection(ConnectionId=rc["connectionId"], Data=b"hello from outside")
        assert ws.recv(timeout=10) == "hello from outside"
        assert client.get_connection(ConnectionId=rc["connectionId"])["ConnectedAt"]
        client.delete_connection(ConnectionId=rc["connectionId"])
        with pytest.raises(ConnectionClosed):
            ws.recv(timeout=5)
        with pytest.raises(client.exceptions.GoneException):
            client.post_to_connection(ConnectionId=rc["connectionId"], Data=b"late")


# ---- authorizers ---------------------------------------------------------------------------


def test_lambda_authorizer_allow_deny_unauthorized(emu_dir):
    api = (
        WebSocketApi("Authd")
        .route("$connect", "emu/h.connect")
        .route("echo", "emu/h.echo", return_response=True)
        .authorizer(LambdaAuthorizer(function="emu/h.authorize"))
    )
    with api.serve() as srv:
        with connect(srv.url, open_timeout=10, additional_headers={"Authorization": "allow"}) as ws:
            ws.send(json.dumps({"action": "echo"}))
            assert _recv_json(ws)["echo"]["requestContext"]["eventType"] == "MESSAGE"
        with pytest.raises(InvalidStatus) as info:
            connect(srv.url, open_timeout=10, additional_headers={"Authorization": "deny"})
        assert info.value.response.status_code == 403
        with pytest.raises(InvalidStatus) as info:
            connect(srv.url, open_timeout=10)
        assert info.value.response.status_code == 401


def test_iam_authorizer_runs_locally(emu_dir):
    api = (
        WebSocketApi("Iam")
        .route("$connect", "emu/h.connect")
        .route("echo", "emu/h.echo", return_response=True)
        .authorizer("iam")
    )
    # the local policy (serve's iam="signed", the default): a handshake that carries a SigV4
    # signature is let through (the signature is not verified locally), an unsigned one is 403
    signed = {"Authorization": "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20250101/us-east-1/"}
    with api.serve() as srv:
        with connect(srv.url, open_timeout=10, additional_headers=signed) as ws:
            ws.send(json.dumps({"action": "echo"}))
            assert "echo" in _recv_json(ws)
        with pytest.raises(InvalidStatus) as info:
            connect(srv.url, open_timeout=10)
        assert info.value.response.status_code == 403


# ---- limits --------------------------------------------------------------------------------


def test_message_size_limits(server):
    with _connected(server) as ws:
        ws.send(
            [
                json.dumps({"action": "echo", "pad": "x" * 90_000})[i : i + 20_000]
                for i in range(0, 90_020, 20_000)
            ]
        )
        assert "echo" in _recv_json(ws, timeout=15)
    with _connected(server) as ws:  # a 200 KB message, in 20 KB frames
        big = "y" * 200_000
        with pytest.raises(ConnectionClosed):
            ws.send([big[i : i + 20_000] for i in range(0, len(big), 20_000)])
            ws.recv(timeout=10)
        assert ws.close_code == 1009  # "message too big"
    with _connected(server) as ws:  # a 40 KB single frame
        with pytest.raises(ConnectionClosed):
            ws.send("z" * 40_000)
            ws.recv(timeout=10)
        assert ws.close_code == 1009


# ---- local tables ----------------------------------------------------------------------------


def test_bound_table_backed_locally(server):
    with _connected(server) as ws:
        ws.send(json.dumps({"action": "echo"}))
        cid = _recv_json(ws)["echo"]["requestContext"]["connectionId"]
        ws.send(json.dumps({"action": "table"}))  # put_item, then get_item of the same key
        assert _recv_json(ws, timeout=30) == {"stored": cid}


def test_serve_bad_arguments_raise():
    api = WebSocketApi("Bad").route("$default", "emu/h.default")
    with pytest.raises(EmulatorError, match=r"^The local emulator binds to loopback only") as info:
        api.serve(host="0.0.0.0.0").stop()
    assert info.value.given == "0.0.0.0.0"


def test_binary_frame_closes_1003(server):
    # SPEC §5; AWS "Binary media types for WebSocket APIs in API Gateway": a binary frame in an
    # incoming message is rejected and the client disconnected with code 1003.
    from websockets.exceptions import ConnectionClosed

    with _connected(server) as ws:
        ws.send(b"\x00\x01binary\xff")
        with pytest.raises(ConnectionClosed):
            ws.recv(timeout=10)
        assert ws.close_code == 1003


def test_handlers_get_local_table_name_and_lambda_context(server, table):
    with _connected(server) as ws:
        ws.send(json.dumps({"action": "echo"}))
        rc = _recv_json(ws)["echo"]["requestContext"]
        assert rc["apiId"] and rc["requestId"] != rc["connectionId"]
        ws.send(json.dumps({"action": "ctx"}))
        seen = _recv_json(ws)
    # the placeholder in the environment became the local table's name
    assert seen["table"] == server.table_name(table) == "dev-app-Connections"
    assert seen["aws_request_id"] and seen["aws_request_id"] != rc["requestId"]
    assert seen["function_name"] and 0 < seen["ms_left"] <= 29_000


def test_cli_serve(emu_dir, acceptance_project):
    import os
    import re
    import subprocess
    import sys

    mod = acceptance_project / "cli_serve_def.py"
    mod.write_text(
        "from wsnb import WebSocketApi\n"
        "api = WebSocketApi('Cli').route('echo', 'emu/h.echo', return_response=True)\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "wsnb", "serve", f"{mod}:api"],
        cwd=acceptance_project,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        url = None
        deadline = time.monotonic() + 30
        seen = ""
        while time.monotonic() < deadline and url is None:
            line = proc.stdout.readline()
            if not line:
                break
            seen += line
            m = re.search(r"ws://127\.0\.0\.1:\d+\S*", line)
            if m:
                url = m.group(0).rstrip(".,)")
        assert url, seen
        with connect(url, open_timeout=10) as ws:
            ws.send(json.dumps({"action": "echo"}))
            assert "echo" in _recv_json(ws)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
