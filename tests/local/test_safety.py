"""Safety of the emulator: the HTTP management listener, remote access, ids, servers, secrets."""

from __future__ import annotations

import asyncio
import json
import logging
import socket

import boto3
import botocore.exceptions
import pytest
import websockets
from websockets.exceptions import InvalidStatus

from tests.local import handlers_nb as h
from tests.local import handlers_secret as hs
from tests.local.conftest import action, exchange, run
from tests.waiting import wait_until
from wsnb import LambdaAuthorizer, WebSocketApi
from wsnb.local import _ids, _management, running_servers

_DEFAULT_REQUEST_TIMEOUT = _management.REQUEST_TIMEOUT  # read before any test patches it


@pytest.fixture(scope="module")
def server():
    api = WebSocketApi("Safety").route("dump", h.dump, return_response=True)
    with api.serve() as srv:
        yield srv


def _raw(port: int, data: bytes, *, wait: float = 5.0) -> bytes:
    """Send raw bytes to the management listener; what it answers before closing."""
    with socket.create_connection(("127.0.0.1", port), timeout=wait) as sock:
        sock.sendall(data)
        chunks = []
        while True:
            try:
                chunk = sock.recv(65536)
            except TimeoutError:
                break
            if not chunk:
                break
            chunks.append(chunk)
        return b"".join(chunks)


# ------------------------------------------------------------------ HTTP management listener
# HTTP/1.1 (RFC 9112, "Message Body Length"): an invalid Content-Length is an unrecoverable
# framing error, answered 400 and the connection closed. AWS documents nothing for this local
# listener; it answers as an HTTP/1.1 server must.


@pytest.mark.parametrize("length", ["-5", "+5", " 5x", "1e3", "٣"])
def test_invalid_content_length_answers_400_and_closes(server, length):
    answer = _raw(
        server.management_port,
        f"POST /dev/@connections/abc HTTP/1.1\r\nHost: x\r\nContent-Length: {length}\r\n\r\n".encode(),
    )
    assert answer.startswith(b"HTTP/1.1 400 "), answer
    assert b"Connection: close" in answer and b"Content-Length" in answer


def test_body_that_never_arrives_times_out(server, monkeypatch):
    monkeypatch.setattr(_management, "REQUEST_TIMEOUT", 0.5)
    answer = _raw(
        server.management_port,
        b"POST /dev/@connections/abc HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nonly-a-bit",
    )
    # _raw gives up after 5 s of silence, the default timeout is 10 s: a 408 at all is the
    # patched 0.5 s one (no clock needed)
    assert _management.REQUEST_TIMEOUT < 5 < _DEFAULT_REQUEST_TIMEOUT
    assert answer.startswith(b"HTTP/1.1 408 "), answer


def test_headers_that_never_end_time_out(server, monkeypatch):
    monkeypatch.setattr(_management, "REQUEST_TIMEOUT", 0.5)
    answer = _raw(server.management_port, b"GET /dev/@connections/abc HTTP/1.1\r\nHost: x\r\n")
    assert answer.startswith(b"HTTP/1.1 408 "), answer


def test_a_stalled_client_does_not_block_others(server, monkeypatch):
    monkeypatch.setattr(_management, "REQUEST_TIMEOUT", 2)
    stalled = socket.create_connection(("127.0.0.1", server.management_port))
    try:
        stalled.sendall(b"POST /dev/@connections/x HTTP/1.1\r\nContent-Length: 10\r\n\r\n")
        answer = _raw(
            server.management_port,
            b"GET /dev/@connections/nope HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        )
        assert answer.startswith(b"HTTP/1.1 410 ")  # GoneException for an unknown id
    finally:
        stalled.close()


# ------------------------------------------------------------------ remote access
# "Control access to WebSocket APIs with IAM authorization" (API Gateway): ManageConnections
# controls access to the @connections API, and requests must be signed with SigV4.


@pytest.fixture(scope="module")
def remote():
    api = WebSocketApi("Remote").route("dump", h.dump, return_response=True)
    with api.serve(allow_remote=True) as srv:
        yield srv


def _http_client(srv, **creds):
    return boto3.client(
        "apigatewaymanagementapi",
        endpoint_url=srv.management_url,
        region_name="us-east-1",
        **creds,
    )


def _connection_id(ws_reply: str) -> str:
    return json.loads(ws_reply)["event"]["requestContext"]["connectionId"]


def test_remote_management_requires_the_servers_sigv4_credentials(remote):
    async def go():
        async with websockets.connect(remote.url) as ws:
            await ws.send(action("dump"))
            cid = _connection_id(await ws.recv())
            ok = _http_client(remote, **remote.management_credentials)
            await asyncio.to_thread(ok.post_to_connection, ConnectionId=cid, Data=b"signed")
            got = await asyncio.wait_for(ws.recv(), 5)
            stranger = _http_client(
                remote, aws_access_key_id="AKIDEXAMPLE", aws_secret_access_key="x" * 40
            )
            with pytest.raises(botocore.exceptions.ClientError) as unknown:
                await asyncio.to_thread(stranger.post_to_connection, ConnectionId=cid, Data=b"x")
            forged = _http_client(
                remote,
                aws_access_key_id=remote.management_credentials["aws_access_key_id"],
                aws_secret_access_key="not-the-secret",
            )
            with pytest.raises(botocore.exceptions.ClientError) as bad_sig:
                await asyncio.to_thread(forged.get_connection, ConnectionId=cid)
            return got, unknown.value.response, bad_sig.value.response

    got, unknown, bad_sig = run(go())
    assert got == "signed"
    assert unknown["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert unknown["Error"]["Code"] == "UnrecognizedClientException"
    assert bad_sig["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert bad_sig["Error"]["Code"] == "InvalidSignatureException"


def test_remote_management_refuses_unsigned_requests(remote):
    answer = _raw(
        remote.management_port,
        b"GET /dev/@connections/abc HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    )
    assert answer.startswith(b"HTTP/1.1 403 ")
    assert b"MissingAuthenticationTokenException" in answer


def test_server_client_and_in_process_calls_need_no_extra_setup(remote, aws_env):
    async def go():
        async with websockets.connect(remote.url) as ws:
            await ws.send(action("dump"))
            cid = _connection_id(await ws.recv())
            info = await asyncio.to_thread(remote.client().get_connection, ConnectionId=cid)
            return info["Identity"]["SourceIp"]

    assert run(go()) == "127.0.0.1"


def test_each_server_has_its_own_credentials(remote, server):
    a, b = remote.management_credentials, server.management_credentials
    assert a["aws_access_key_id"] != b["aws_access_key_id"]
    assert len(a["aws_secret_access_key"]) == 40  # as long as an AWS secret key (240 random bits)
    assert "secret" not in repr(remote).lower() and a["aws_secret_access_key"] not in repr(remote)


def test_loopback_management_stays_open(server):
    answer = _raw(
        server.management_port,
        b"GET /dev/@connections/abc HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    )
    assert answer.startswith(b"HTTP/1.1 410 ")


def test_allow_remote_must_be_a_bool():
    from wsnb import EmulatorError

    with pytest.raises(EmulatorError):
        WebSocketApi("RemoteBad").route("dump", h.dump).serve(allow_remote="yes")


def test_ids_come_from_the_os_csprng(monkeypatch):
    """Connection ids are the key to @connections: not predictable from Python's PRNG."""
    import random

    random.seed(0)
    a = _ids.aws_id()
    random.seed(0)
    assert _ids.aws_id() != a
    calls = []
    monkeypatch.setattr(_ids, "_urandom", lambda n: calls.append(n) or b"\x00" * n)
    assert _ids.aws_id() == "AAAAAAAAAAAAAAA="
    assert _ids.request_uuid() == "00000000-0000-4000-8000-000000000000"
    assert calls == [11, 16]


# ------------------------------------------------------------------ independent servers


def test_servers_of_apis_with_the_same_id_are_independent():
    one = WebSocketApi("Twin").route("dump", h.dump, return_response=True)
    two = WebSocketApi("Twin").route("dump", h.dump, return_response=True)
    a = one.serve()
    b = two.serve()
    c = one.serve(stage="prod")
    try:
        assert a.running and b.running and c.running
        for srv in (a, b, c):
            (reply,) = run(exchange(srv.url, action("dump")))
            assert json.loads(reply)["event"]["requestContext"]["stage"] == srv.stage
        d = one.serve()  # re-running the same cell: replaces the same api's dev server only
        assert not a.running and d.running and b.running and c.running
        assert a not in running_servers() and d in running_servers()
    finally:
        for srv in (a, b, c, locals().get("d")):
            if srv is not None:
                srv.stop()


# ------------------------------------------------------------------ authorizer secrets
# "Use API Gateway Lambda authorizers": the authorizer's context map is passed to the
# integration (requestContext.authorizer); the emulator records only the decision and principal.


def test_authorizer_context_never_reaches_events_logs_or_renders(caplog):
    api = (
        WebSocketApi("Secretive")
        .route("whoami", hs.whoami, return_response=True)
        .authorizer(LambdaAuthorizer(hs.authorize_with_secret))
    )
    with caplog.at_level(logging.DEBUG, logger="wsnb"), api.serve() as srv:
        (reply,) = run(
            exchange(srv.url, action("whoami"), additional_headers={"Authorization": "allow"})
        )
        assert json.loads(reply) == {"has_key": True}  # the integration does get it
        for token, status in (("deny", 403), ("malformed", 500)):
            with pytest.raises(InvalidStatus) as info:
                run(exchange(srv.url, additional_headers={"Authorization": token}))
            assert info.value.response.status_code == status
        wait_until(lambda: len([e for e in srv.events if e["type"] == "authorize"]) == 3)
        decisions = [e["detail"] for e in srv.events if e["type"] == "authorize"]
        assert decisions == [
            "allow principal=user-7",
            "deny principal=user-7",
            "malformed principal=user-7",
        ]
        renders = [
            json.dumps(srv.events, default=str),
            srv.monitor().to_html(),
            srv.monitor().to_text(),
            repr(srv),
            caplog.text,
            srv.traffic().to_html(),
            srv.traffic().to_mermaid(),
            json.dumps(srv.traffic().summary(), default=str),
        ]
    for text in renders:
        assert hs.SECRET not in text
    assert "returned a malformed response: a dict with keys [context, principalId]" in caplog.text


# ------------------------------------------------------------------ handler imports
# "Working with .zip file archives for Python Lambda functions" (dependency search path): the
# function's task root — here the handler's folder, which synth ships as the asset — comes
# first, before the runtime's libraries; each function is its own process.

IMPORTING_HANDLER = """
import json
import helper
import yaml
from pkg import inner
def main(event, context):
    return {"statusCode": 200, "body": json.dumps({
        "yaml": getattr(yaml, "MARK", "installed"), "helper": helper.WHO, "inner": inner.WHO,
        "json_mark": getattr(json, "MARK", "stdlib"), "count": helper.bump()})}
"""


def _files(base, folder, who):
    (base / folder / "pkg").mkdir(parents=True)
    (base / folder / "handler.py").write_text(IMPORTING_HANDLER)
    (base / folder / "helper.py").write_text(
        f"WHO = {who!r}\nN = 0\ndef bump():\n    global N\n    N += 1\n    return N\n"
    )
    (base / folder / "yaml.py").write_text(f"MARK = {who!r}\n")
    (base / folder / "json.py").write_text("from json_real import *\nMARK = 'local'\n")
    (base / folder / "json_real.py").write_text(
        "import importlib\n_j = importlib.import_module('json')\ndumps = _j.dumps\n"
    )
    (base / folder / "pkg" / "__init__.py").write_text("")
    (base / folder / "pkg" / "inner.py").write_text("from . import sibling\nWHO = sibling.WHO\n")
    (base / folder / "pkg" / "sibling.py").write_text(f"WHO = 'inner-{who}'\n")


def test_handler_folder_modules_win_for_that_function_only(tmp_path, caplog, monkeypatch):
    import sys

    monkeypatch.chdir(tmp_path)
    yaml = pytest.importorskip("yaml")
    _files(tmp_path, "a", "a")
    _files(tmp_path, "b", "b")
    path_before, json_before = list(sys.path), sys.modules["json"]
    one = WebSocketApi("ImpA").route("go", "a/handler.main", return_response=True)
    two = (
        WebSocketApi("ImpB")
        .route("go", "b/handler.main", return_response=True)
        .route("again", "b/handler.main", return_response=True)
    )
    with caplog.at_level(logging.WARNING, logger="wsnb.local"):
        srv_a = one.serve(root=tmp_path)
    srv_b = two.serve(root=tmp_path)
    try:
        (ra,) = run(exchange(srv_a.url, action("go")))
        rb = run(exchange(srv_b.url, action("go"), action("go"), action("again")))
    finally:
        srv_a.stop()
        srv_b.stop()
    a = json.loads(ra)
    assert a == {"yaml": "a", "helper": "a", "inner": "inner-a", "json_mark": "local", "count": 1}
    b = [json.loads(r) for r in rb]
    assert {x["yaml"] for x in b} == {"b"} and {x["inner"] for x in b} == {"inner-b"}
    # Each route is its own function (process in Lambda): module state is not shared.
    assert sorted(x["count"] for x in b) == [1, 1, 2]
    # The kernel is untouched: same sys.path, the installed yaml, the stdlib json.
    assert sys.path == path_before and sys.modules["json"] is json_before
    assert not hasattr(yaml, "MARK") and "helper" not in sys.modules
    assert "json.py, yaml.py" in caplog.text and "Rename" in caplog.text


def test_top_level_handler_folder_is_only_a_fallback(tmp_path, monkeypatch):
    """A top-level handler ships alone (wsnb_functions/<name>/): its folder's ``yaml.py`` does
    not shadow the installed package, but a helper found nowhere else still imports locally."""
    yaml = pytest.importorskip("yaml")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "top.py").write_text(
        "import json, yaml, lonely_helper\n"
        "def main(event, context):\n"
        "    return {'statusCode': 200, 'body': json.dumps({'yaml': getattr(yaml, 'MARK', 'installed'),"
        " 'helper': lonely_helper.WHO})}\n"
    )
    (tmp_path / "yaml.py").write_text("MARK = 'local'\n")
    (tmp_path / "lonely_helper.py").write_text("WHO = 'here'\n")
    api = WebSocketApi("TopLevel").route("go", "top.main", return_response=True)
    with api.serve(root=tmp_path) as srv:
        (reply,) = run(exchange(srv.url, action("go")))
    assert json.loads(reply) == {"yaml": "installed", "helper": "here"}
    assert not hasattr(yaml, "MARK")


def test_shadowing_names_real_modules_not_bare_folders(tmp_path, monkeypatch):
    """The serve() warning lists handler-folder modules an installed or stdlib module would
    compete with; a bare folder elsewhere on sys.path (a namespace package) never wins over a
    module, so it is not reported."""
    from wsnb.local._imports import shadowing

    handlers = tmp_path / "src"
    handlers.mkdir()
    for name in ("json", "iso_only_here", "nsname"):
        (handlers / f"{name}.py").write_text("X = 1\n")
    elsewhere = tmp_path / "elsewhere"
    (elsewhere / "nsname").mkdir(parents=True)  # no __init__.py: a namespace package
    monkeypatch.syspath_prepend(str(elsewhere))
    assert shadowing(handlers) == ["json"]
