"""The @connections management API through real boto3, from handlers and from the 'notebook'."""

from __future__ import annotations

import asyncio
import json
import urllib.request

import boto3
import pytest
import websockets

from tests.local import handlers_nb as h
from tests.local.conftest import action, exchange, run
from tests.waiting import wait_until
from wsnb import WebSocketApi


@pytest.fixture(scope="module")
def server():
    api = (
        WebSocketApi("Mgmt")
        .route("$disconnect", h.on_disconnect)
        .route("echo", h.echo_mgmt)
        .route("manage", h.manage)
        .route("dump", h.dump, return_response=True)
    )
    with api.serve() as srv:
        yield srv


def test_post_to_connection_from_handler(server):
    replies = run(exchange(server.url, action("echo", n=1), action("echo", n=2)))
    assert sorted(json.loads(r)["n"] for r in replies) == [1, 2]


def test_get_connection_from_handler(server):
    (reply,) = run(exchange(server.url, action("manage", op="get"), user_agent_header="ua/1"))
    info = json.loads(reply)
    assert info["sourceIp"] == "127.0.0.1" and info["userAgent"] == "ua/1"
    assert info["connectedAt"] <= info["lastActiveAt"]


def test_gone_connection_raises_gone_exception_in_handler(server):
    (reply,) = run(exchange(server.url, action("manage", op="gone")))
    assert json.loads(reply) == {"gone": "GoneException"}


def test_delete_connection_from_handler_closes_client(server):
    async def go():
        async with websockets.connect(server.url) as ws:
            await ws.send(action("manage", op="delete"))
            await asyncio.wait_for(ws.wait_closed(), 5)
            return ws.close_code

    assert run(go()) == 1000
    assert wait_until(lambda: [s for s in h.SEEN if s[0] == "$disconnect"])


def _client(server):
    return boto3.client(
        "apigatewaymanagementapi",
        endpoint_url=f"https://{server.domain_name}/{server.stage}",
        region_name="us-east-1",
    )


def test_notebook_client_reaches_the_emulator(server, aws_env):
    async def go():
        async with websockets.connect(server.url) as ws:
            await ws.send(action("dump"))
            cid = json.loads(await ws.recv())["event"]["requestContext"]["connectionId"]
            client = _client(server)
            await asyncio.to_thread(
                client.post_to_connection, ConnectionId=cid, Data=b'{"hello": 1}'
            )
            got = await asyncio.wait_for(ws.recv(), 5)
            info = await asyncio.to_thread(client.get_connection, ConnectionId=cid)
            await asyncio.to_thread(client.delete_connection, ConnectionId=cid)
            await asyncio.wait_for(ws.wait_closed(), 5)
            with pytest.raises(client.exceptions.GoneException) as gone:
                await asyncio.to_thread(client.post_to_connection, ConnectionId=cid, Data=b"late")
            return got, info, gone.value

    got, info, gone = run(go())
    assert got == '{"hello": 1}'
    assert info["Identity"]["SourceIp"] == "127.0.0.1"
    assert gone.response["ResponseMetadata"]["HTTPStatusCode"] == 410
    assert gone.response["Error"]["Code"] == "GoneException"


def test_server_client_helper_needs_no_credentials(server):
    client = server.client()
    with pytest.raises(client.exceptions.GoneException):
        client.get_connection(ConnectionId="AAAAAAAAAAAAAAA=")


def test_payload_too_large(server, aws_env):
    client = _client(server)
    with pytest.raises(client.exceptions.PayloadTooLargeException):
        client.post_to_connection(ConnectionId="AAAAAAAAAAAAAAA=", Data=b"x" * (128 * 1024 + 1))


def test_binary_post_arrives_as_binary_frame(server, aws_env):
    async def go():
        async with websockets.connect(server.url) as ws:
            await ws.send(action("dump"))
            cid = json.loads(await ws.recv())["event"]["requestContext"]["connectionId"]
            await asyncio.to_thread(
                _client(server).post_to_connection, ConnectionId=cid, Data=b"\xff\x00"
            )
            return await asyncio.wait_for(ws.recv(), 5)

    assert run(go()) == b"\xff\x00"


def test_http_management_url_for_other_processes(server):
    async def go():
        async with websockets.connect(server.url) as ws:
            await ws.send(action("dump"))
            cid = json.loads(await ws.recv())["event"]["requestContext"]["connectionId"]
            url = f"{server.management_url}/@connections/{cid.replace('=', '%3D')}"
            post = urllib.request.Request(url, data=b"via http", method="POST")
            status = (await asyncio.to_thread(urllib.request.urlopen, post, None, 5)).status
            got = await asyncio.wait_for(ws.recv(), 5)
            info = json.loads(
                (await asyncio.to_thread(urllib.request.urlopen, url, None, 5)).read()
            )
            return status, got, info

    status, got, info = run(go())
    assert status == 200 and got == "via http"
    assert info["identity"]["sourceIp"] == "127.0.0.1" and info["connectedAt"].endswith("Z")
    gone = urllib.request.Request(
        f"{server.management_url}/@connections/AAAAAAAAAAAAAAA%3D", data=b"x", method="POST"
    )
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(gone, timeout=5)
    assert err.value.code == 410 and err.value.headers["x-amzn-ErrorType"] == "GoneException"
    err.value.close()


def test_other_hosts_are_not_intercepted(server, aws_env):
    from botocore.exceptions import EndpointConnectionError

    client = boto3.client(
        "apigatewaymanagementapi", endpoint_url="http://127.0.0.1:9/dev", region_name="us-east-1"
    )
    with pytest.raises(EndpointConnectionError):
        client.get_connection(ConnectionId="AAAAAAAAAAAAAAA=")


def test_in_process_answers_equal_the_http_answers(server, aws_env):
    """The before-call short-circuit gives what botocore parses from the real HTTP listener."""
    local = _client(server)
    http = boto3.client(
        "apigatewaymanagementapi", endpoint_url=server.management_url, region_name="us-east-1"
    )

    def strip(resp):
        return {k: v for k, v in resp.items() if k != "ResponseMetadata"}

    async def go():
        async with websockets.connect(server.url, user_agent_header="ua/2") as ws:
            await ws.send(action("dump"))
            cid = json.loads(await ws.recv())["event"]["requestContext"]["connectionId"]
            a = await asyncio.to_thread(local.get_connection, ConnectionId=cid)
            b = await asyncio.to_thread(http.get_connection, ConnectionId=cid)
            p = await asyncio.to_thread(local.post_to_connection, ConnectionId=cid, Data=b"one")
            q = await asyncio.to_thread(http.post_to_connection, ConnectionId=cid, Data=b"two")
            got = [await asyncio.wait_for(ws.recv(), 5) for _ in range(2)]
            return cid, a, b, p, q, got

    cid, a, b, p, q, got = run(go())
    assert strip(a) == strip(b) and a["Identity"]["UserAgent"] == "ua/2"
    assert strip(p) == strip(q) == {}
    assert p["ResponseMetadata"]["HTTPStatusCode"] == q["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert p["ResponseMetadata"]["RetryAttempts"] == 0
    assert got == ["one", "two"]
    errors = []
    for client in (local, http):
        with pytest.raises(client.exceptions.GoneException) as gone:
            client.post_to_connection(ConnectionId=cid, Data=b"late")
        errors.append(
            (
                gone.value.response["Error"],
                gone.value.response["ResponseMetadata"]["HTTPStatusCode"],
                str(gone.value),
            )
        )
    assert (
        errors[0] == errors[1] == ({"Code": "GoneException", "Message": "Gone"}, 410, errors[0][2])
    )
    assert "GoneException" in errors[0][2] and "PostToConnection" in errors[0][2]


def test_in_process_client_without_credentials_still_fails_like_boto3(
    server, monkeypatch, tmp_path
):
    from botocore.exceptions import NoCredentialsError

    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    client = boto3.session.Session().client(
        "apigatewaymanagementapi", endpoint_url=server.endpoint_url, region_name="us-east-1"
    )
    with pytest.raises(NoCredentialsError):
        client.get_connection(ConnectionId="AAAAAAAAAAAAAAA=")


def test_emulator_wins_over_moto_mock_aws(server, aws_env):
    """moto's mock_aws intercepts botocore requests (it has an apigatewaymanagementapi backend);
    calls to the emulator's domainName must still reach the emulator."""
    moto = pytest.importorskip("moto")

    async def go():
        async with websockets.connect(server.url) as ws:
            await ws.send(action("dump"))
            cid = json.loads(await ws.recv())["event"]["requestContext"]["connectionId"]
            with moto.mock_aws():
                client = _client(server)
                await asyncio.to_thread(
                    client.post_to_connection, ConnectionId=cid, Data=b"through moto"
                )
                got = await asyncio.wait_for(ws.recv(), 5)
                with pytest.raises(client.exceptions.GoneException):
                    await asyncio.to_thread(client.get_connection, ConnectionId="AAAAAAAAAAAAAAA=")
            return got

    assert run(go()) == "through moto"


def test_a_stubbed_client_keeps_its_stub(server, aws_env):
    """botocore's Stubber answers before the emulator does (it registers first)."""
    from botocore.stub import Stubber

    client = _client(server)
    with Stubber(client) as stub:
        stub.add_response(
            "get_connection", {"Identity": {"SourceIp": "10.1.2.3", "UserAgent": "stub"}}
        )
        assert (
            client.get_connection(ConnectionId="AAAAAAAAAAAAAAA=")["Identity"]["SourceIp"]
            == "10.1.2.3"
        )


def test_connection_is_listed_and_reachable_as_soon_as_connect_returns(server, aws_env):
    """No window after the handshake in which the connection is missing (a broadcast would
    then find it 'gone' and delete it from the chat table)."""
    client = server.client()

    async def go():
        for _ in range(30):
            before = {c["connectionId"] for c in server.connections}
            async with websockets.connect(server.url) as ws:
                ids = {c["connectionId"] for c in server.connections}
                assert len(ids - before) == 1  # listed already, without waiting
                (newest,) = ids - before
                await asyncio.to_thread(client.post_to_connection, ConnectionId=newest, Data=b"hi")
                assert await asyncio.wait_for(ws.recv(), 5) == "hi"

    run(go())


def test_management_records_name_the_invocation_that_called(server, aws_env):
    # A handler's post and delete_connection carry its invocation's requestId
    # (invocationRequestId); calls from the notebook or over HTTP carry None.
    async def go():
        async with websockets.connect(server.url) as ws:
            await ws.send(action("echo", n=1))
            await asyncio.wait_for(ws.recv(), 5)
            await ws.send(action("dump"))
            cid = json.loads(await ws.recv())["event"]["requestContext"]["connectionId"]
            await asyncio.to_thread(
                _client(server).post_to_connection, ConnectionId=cid, Data=b"notebook"
            )
            await asyncio.wait_for(ws.recv(), 5)
            url = f"{server.management_url}/@connections/{cid.replace('=', '%3D')}"
            post = urllib.request.Request(url, data=b"http", method="POST")
            await asyncio.to_thread(urllib.request.urlopen, post, None, 5)
            await asyncio.wait_for(ws.recv(), 5)
            await ws.send(action("manage", op="delete"))
            await asyncio.wait_for(ws.wait_closed(), 5)
            return cid

    cid = run(go())
    wait_until(
        lambda: [e for e in server.events if e["type"] == "disconnect" and e["connectionId"] == cid]
    )
    mine = [e for e in server.events if e.get("connectionId") == cid]
    request_of = {m["routeKey"]: m["requestId"] for m in mine if m["type"] == "message"}
    posts = {p["detail"]: p for p in mine if p["type"] == "post"}
    assert posts['{"action": "echo", "n": 1}']["invocationRequestId"] == request_of["echo"]
    assert posts["notebook"]["invocationRequestId"] is None
    assert posts["notebook"]["routeKey"] == "notebook"
    assert posts["http"]["invocationRequestId"] is None and posts["http"]["routeKey"] == "http"
    (close,) = [e for e in mine if e["type"] == "close"]
    assert close["detail"] == "delete_connection"
    assert close["invocationRequestId"] == request_of["manage"]
