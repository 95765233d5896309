"""A second handler runtime, for the tests of the runtime seam (wsnb.local._handler_runtime).

Each warm environment is a child process speaking newline-delimited JSON over its pipes, the
shape of the Node.js runtime to come: ``invoke`` writes one request line and blocks until the
reply line or the deadline; ``discard`` kills the process. The child runs :data:`WORKER` (plain
Python, whatever the handler file says), so these tests show that routing, error frames, log
records, clocks and @connections attribution work the same for a runtime that is not the
in-process Python one. Registered under the ``nodejs`` family by the tests that use it.
"""

from __future__ import annotations

import json
import selectors
import subprocess
import sys
import threading
import time
from typing import Any, ClassVar

from wsnb.local._handler_runtime import (
    Invocation,
    InvocationError,
    LocalFunction,
    LogLine,
    Outcome,
    ServerInfo,
)

# One request per line: {"event", "awsRequestId", "requestId", "managementUrl"}; one answer per
# line: {"result"} or {"error": {errorType, errorMessage, stack}}, with "logs".
WORKER = r"""
import json, os, sys, time, urllib.request
for line in sys.stdin:
    request = json.loads(line)
    event = request["event"]
    body = event.get("body") or ""
    logs = [f"handling {body!r} in {request['awsRequestId']}"]
    answer = {"result": {"statusCode": 200, "body": body}}
    if body == "boom":
        answer = {"error": {"errorType": "TypeError", "errorMessage": "boom",
                            "stack": "TypeError: boom\n    at handler (file:///fn/echo.mjs:3:9)"}}
    elif body == "unauthorized":
        answer = {"error": {"errorType": "Error", "errorMessage": "Unauthorized", "stack": ""}}
    elif body == "slow":
        time.sleep(60)
    elif body == "pid":
        answer = {"result": {"statusCode": 200, "body": str(os.getpid())}}
    elif body == "post":
        cid = event["requestContext"]["connectionId"]
        post = urllib.request.Request(
            request["managementUrl"] + "/@connections/" + cid, data=b"posted", method="POST",
            headers={"x-wsnb-request-id": request["requestId"]})
        logs.append(f"post answered {urllib.request.urlopen(post, timeout=10).status}")
        answer = {"result": {"statusCode": 200}}
    print(json.dumps({**answer, "logs": logs}), flush=True)
"""


class PipeRuntime:
    """Runs every function of its family in child processes (see the module docstring)."""

    family: ClassVar[str] = "nodejs"
    language: ClassVar[str] = "Node.js"
    hint: ClassVar[str] = "nodejs22.x"
    made: ClassVar[list[PipeRuntime]] = []

    def __init__(self, server: ServerInfo) -> None:
        self.server = server
        self._lock = threading.Lock()
        self._idle: dict[str, list[subprocess.Popen[str]]] = {}
        self._busy: dict[int, subprocess.Popen[str]] = {}
        self._prepared: set[str] = set()
        self.started = 0
        self.discarded: list[str] = []
        PipeRuntime.made.append(self)

    def ready(self, function: LocalFunction) -> bool:
        return function.key in self._prepared

    def prepare(self, function: LocalFunction) -> InvocationError | None:
        proc = self._start()
        with self._lock:
            self._idle.setdefault(function.key, []).append(proc)
            self._prepared.add(function.key)
        return None

    def invoke(self, function: LocalFunction, invocation: Invocation) -> Outcome:
        with self._lock:
            idle = self._idle.setdefault(function.key, [])
            proc = idle.pop() if idle else None
        if proc is None:
            proc = self._start()  # every warm one is busy: a cold start
        with self._lock:
            self._busy[id(invocation)] = proc
        request = {
            "event": invocation.event,
            "awsRequestId": invocation.aws_request_id,
            "requestId": invocation.request_id,
            "managementUrl": self.server.management_url,
        }
        assert proc.stdin is not None and proc.stdout is not None
        line = ""
        try:
            proc.stdin.write(json.dumps(request) + "\n")
            proc.stdin.flush()
            with selectors.DefaultSelector() as sel:
                sel.register(proc.stdout, selectors.EVENT_READ)
                if sel.select(max(0.0, invocation.deadline - time.monotonic()) + 5):
                    line = proc.stdout.readline()
        except OSError:
            line = ""
        with self._lock:
            self._busy.pop(id(invocation), None)
        if not line:  # killed (discarded) or crashed
            proc.kill()
            proc.wait(5)
            return Outcome(error=InvocationError("Runtime.ExitError", "the worker exited"))
        with self._lock:
            self._idle.setdefault(function.key, []).append(proc)
        answer = json.loads(line)
        logs = tuple(LogLine(invocation.aws_request_id, text) for text in answer["logs"])
        if "error" in answer:
            e = answer["error"]
            error = InvocationError(e["errorType"], e["errorMessage"], e["stack"])
            return Outcome(error=error, logs=logs)
        return Outcome(result=answer["result"], logs=logs)

    def discard(self, function: LocalFunction, invocation: Invocation) -> None:
        with self._lock:
            proc = self._busy.pop(id(invocation), None)
        self.discarded.append(invocation.request_id)
        if proc is not None:
            proc.kill()

    def close(self) -> None:
        with self._lock:
            procs = [p for ps in self._idle.values() for p in ps] + list(self._busy.values())
            self._idle.clear()
            self._busy.clear()
        for proc in procs:
            proc.kill()
            proc.wait(5)

    def _start(self) -> subprocess.Popen[str]:
        self.started += 1
        return subprocess.Popen(
            [sys.executable, "-c", WORKER],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )


def registered(monkeypatch: Any) -> type[PipeRuntime]:
    """Register :class:`PipeRuntime` for the ``nodejs`` family for one test."""
    from wsnb.local import _runtimes

    PipeRuntime.made.clear()
    monkeypatch.setitem(_runtimes.REGISTRY, "nodejs", PipeRuntime)
    return PipeRuntime
