"""The handler-runtime seam: what the emulator does does not depend on which runtime ran.

A second runtime (tests/local/pipe_runtime.py: child processes speaking JSON lines, the shape of
the Node.js runtime) serves a ``nodejs22.x`` function; the client gets API Gateway's answers
exactly as from a Python handler, logs land in the event log with the request id, a timed-out
environment is replaced, and @connections calls made over HTTP are drawn in their invocation.
"""

from __future__ import annotations

import ast
import asyncio
import json
import logging
import re
from pathlib import Path

import pytest
import websockets

from tests.local import handlers_nb as h
from tests.local.conftest import exchange, exchange_in_turn, run
from tests.local.pipe_runtime import registered
from tests.waiting import wait_until
from wsnb import EmulatorError, WebSocketApi
from wsnb.local import ServeOptions, serve
from wsnb.model import ForeignHandler

# The start-up check of handler files (wsnb._handler_check) reads every file handler as Python:
# the .py it looks for does not exist for these nodejs22.x functions, whose code is the test
# runtime's own. Not what these tests are about.
pytestmark = pytest.mark.filterwarnings("ignore::wsnb.HandlerFileWarning")

FRAME = re.compile(r'^\{"message": "(?P<m>[^"]+)", "connectionId":"[^"]+", "requestId":"[^"]+"\}$')


def _node_api(name: str, **props) -> WebSocketApi:
    handler = ForeignHandler("fn/echo.handler", runtime="nodejs22.x", logical_id="EchoFn")
    return WebSocketApi(name).route("$default", handler, return_response=True, **props)


def test_a_function_no_runtime_runs_is_refused_by_name_before_anything_starts():
    # Python and Node.js are registered: the emulator refuses a java21 function from the model,
    # naming function and runtime, and the runtimes it has.
    handler = ForeignHandler("fn/echo.handler", runtime="java21", logical_id="EchoFn")
    api = WebSocketApi("Refused").route("$default", handler)
    with pytest.raises(EmulatorError) as info:
        serve(api)
    assert str(info.value.message) == (
        "serve() runs Python and Node.js handlers only; this API uses EchoFn (java21)."
    )
    assert info.value.allowed == "functions with a python3.x or nodejs22.x Runtime"


def test_a_route_added_later_with_no_runtime_fails_its_invocations(caplog):
    api = WebSocketApi("Later").route("py", h.dump, return_response=True)
    with api.serve() as srv:
        api.route("$default", ForeignHandler("fn/x.handler", runtime="java21", logical_id="J"))
        with caplog.at_level(logging.ERROR, logger="wsnb.local"):
            (reply,) = run(exchange(srv.url, "hello"))
        assert FRAME.match(reply)["m"] == "Internal server error"
        errors = [e for e in srv.events if e["type"] == "error"]
    assert "runs Python and Node.js handlers only" in errors[0]["detail"]
    assert "java21" in errors[0]["detail"]


def test_another_runtime_answers_through_the_same_routing_and_frames(monkeypatch):
    runtime = registered(monkeypatch)
    api = _node_api("Pipe")
    with serve(api) as srv:
        replies = run(exchange_in_turn(srv.url, "hello", "boom", "again"))
        events = srv.events
    assert replies[0] == "hello" and replies[2] == "again"
    assert FRAME.match(replies[1])["m"] == "Internal server error"
    (error,) = [e for e in events if e["type"] == "error"]
    assert error["routeKey"] == "$default"
    assert error["detail"] == "TypeError: boom\n    at handler (file:///fn/echo.mjs:3:9)"
    results = {e["requestId"]: e["status"] for e in events if e["type"] == "result"}
    messages = [e for e in events if e["type"] == "message"]
    assert [results[m["requestId"]] for m in messages] == [200, 500, 200]
    assert runtime.made and runtime.made[0].started == 1  # one warm environment, reused


def test_log_lines_are_recorded_with_their_request_id(monkeypatch, caplog):
    registered(monkeypatch)
    with caplog.at_level(logging.INFO, logger="wsnb.local"), serve(_node_api("Logs")) as srv:
        run(exchange(srv.url, "hi"))
        events = srv.events
    (message,) = [e for e in events if e["type"] == "message"]
    (line,) = [e for e in events if e["type"] == "log"]
    assert line["requestId"] == message["requestId"] and line["routeKey"] == "$default"
    assert line["connectionId"] == message["connectionId"]
    assert line["detail"].startswith("handling 'hi' in ")
    assert line["detail"] in caplog.text
    # logs come before the invocation's result record
    kinds = [e["type"] for e in events if e.get("requestId") == message["requestId"]]
    assert kinds == ["message", "log", "result"]


def test_a_timed_out_environment_is_replaced(monkeypatch):
    # "Lambda function timeout": the invocation ends at the function's timeout and the next one
    # runs in a fresh execution environment (a new process here).
    runtime = registered(monkeypatch)
    with serve(_node_api("Slow", timeout=1), integration_timeout=5) as srv:
        (before,) = run(exchange(srv.url, "pid"))
        (slow,) = run(exchange(srv.url, "slow"))
        made = runtime.made[0]
        wait_until(lambda: made.discarded, timeout=10)
        (after,) = run(exchange(srv.url, "pid"))
    assert FRAME.match(slow)["m"] == "Internal server error"
    assert before.isdigit() and after.isdigit() and after != before
    assert made.started == 2


def test_management_calls_over_http_are_drawn_in_their_invocation(monkeypatch):
    registered(monkeypatch)

    async def go(url):
        async with websockets.connect(url) as ws:
            await ws.send("post")
            return await asyncio.wait_for(ws.recv(), 10)  # the result has no body: no reply

    with serve(_node_api("Posts")) as srv:
        posted = run(go(srv.url))
        wait_until(lambda: any(e["type"] == "result" for e in srv.events))
        events = srv.events
    assert posted == "posted"
    (message,) = [e for e in events if e["type"] == "message"]
    (post,) = [e for e in events if e["type"] == "post"]
    assert post["invocationRequestId"] == message["requestId"]
    assert post["routeKey"] == "$default" and post["status"] == 200
    assert "POST → client 1" in srv.traffic().to_text()


def test_an_unknown_invocation_header_is_an_outside_call(monkeypatch):
    import urllib.request

    api = WebSocketApi("Hdr").route("py", h.dump, return_response=True)
    with api.serve() as srv:
        request = urllib.request.Request(
            f"{srv.management_url}/@connections/nobody",
            data=b"x",
            method="POST",
            headers={"x-wsnb-request-id": "madeup"},
        )
        with pytest.raises(urllib.error.HTTPError) as info:
            urllib.request.urlopen(request, timeout=10)
        (post,) = [e for e in srv.events if e["type"] == "post"]
    assert info.value.code == 410
    assert post["routeKey"] == "http" and post["invocationRequestId"] is None


# ---------------------------------------------------------------------- typed input


class _Served:
    """Not a WebSocketApi: an object with an id and a model, which is all serve() needs."""

    def __init__(self, api: WebSocketApi) -> None:
        self._api = api

    @property
    def id(self) -> str:
        return self._api.id

    @property
    def spec(self):
        return self._api.spec


def test_any_object_with_an_id_and_a_model_is_served_and_read_at_every_event():
    api = WebSocketApi("Duck").route("dump", h.dump, return_response=True)
    with serve(_Served(api)) as srv:
        api.route("later", h.dump, return_response=True)  # read from .spec at the next event
        (reply,) = run(exchange(srv.url, json.dumps({"action": "later"})))
    assert json.loads(reply)["event"]["requestContext"]["routeKey"] == "later"


@pytest.mark.parametrize("given", [object(), "api.py", WebSocketApi("A").spec])
def test_anything_else_is_refused_clearly(given):
    with pytest.raises(EmulatorError) as info:
        serve(given)
    assert info.value.message == "serve() needs a WebSocketApi."
    assert ".spec (wsnb.model.ApiSpec)" in info.value.allowed


def test_serve_options_are_one_frozen_validated_value():
    spec = WebSocketApi("Opts").route("a", h.dump).spec
    options = ServeOptions.parse(spec, 0, "127.0.0.1", "dev", app="shop", idle_timeout=5)
    assert options.app == "shop" and options.idle_timeout == 5 and options.region == "us-east-1"
    with pytest.raises(AttributeError):
        options.app = "other"  # type: ignore[misc]
    assert set(ServeOptions.names()) >= {"secrets", "root", "iam", "max_workers"}


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("max_events", 0, "max_events must be an integer from 1 up."),
        ("max_workers", "8", "max_workers must be an integer from 1 up."),
        ("management_port", 70000, "management_port must be an integer from 0 to 65535."),
        ("root", 3, "root must be a folder path (a string or a pathlib.Path)."),
    ],
)
def test_serve_options_refuse_bad_values_before_starting(option, value, message):
    api = WebSocketApi("Bad").route("a", h.dump)
    with pytest.raises(EmulatorError) as info:
        api.serve(**{option: value})
    assert info.value.message == message


# ---------------------------------------------------------------------- boundaries


def test_websockets_still_has_the_private_names_the_emulator_uses():
    from wsnb.local import _ws

    async def probe():
        return _ws.missing()

    gone = asyncio.run(probe())
    assert not gone, (
        f"the installed websockets changed: {gone} are gone. wsnb.local._ws is the only module "
        "that uses them; update it (or pin websockets) — until then the emulator falls back to "
        "its slower public paths."
    )


def test_the_emulator_does_not_import_the_facade_at_run_time():
    # wsnb.local takes any ServedApi; only type-checking imports may name wsnb._api.
    package = Path(__file__).resolve().parents[2] / "wsnb" / "local"
    offenders = []
    for path in sorted(package.glob("*.py")):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
                node.body = []
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").endswith("_api"):
                offenders.append(f"{path.name}:{node.lineno}")
            if isinstance(node, ast.Import) and any(a.name == "wsnb._api" for a in node.names):
                offenders.append(f"{path.name}:{node.lineno}")
    assert not offenders


def test_replies_and_posts_keep_their_order_whichever_thread_writes_them():
    # A handler's posts, then its route response, reach its client in the order it made them —
    # whether the server's loop was idle (the handler's thread writes the frames) or busy with
    # other clients' messages (the loop writes them). "PostToConnection" gives no ordering
    # promise across invocations; within one invocation the client sees the calls' order.
    from tests.local import handlers_fidelity as hf

    api = (
        WebSocketApi("Order")
        .route("numbers", hf.post_numbers, return_response=True)
        .route("echo", h.size, return_response=True)
    )

    async def numbers(url, count):
        async with websockets.connect(url) as ws:
            await ws.send(json.dumps({"action": "numbers", "count": count}))
            return [await asyncio.wait_for(ws.recv(), 10) for _ in range(count + 1)]

    async def noise(url, stop):
        async with websockets.connect(url) as ws:
            while not stop.is_set():
                await ws.send(json.dumps({"action": "echo"}))
                await asyncio.wait_for(ws.recv(), 10)

    async def go(url):
        stop = asyncio.Event()
        busy = [asyncio.create_task(noise(url, stop)) for _ in range(4)]
        try:
            return await asyncio.gather(*(numbers(url, 40) for _ in range(3)))
        finally:
            stop.set()
            await asyncio.gather(*busy)

    with api.serve() as srv:
        quiet = run(numbers(srv.url, 40))
        loaded = run(go(srv.url))
    expected = [str(i) for i in range(40)] + ["done 40"]
    assert quiet == expected
    assert loaded == [expected] * 3
