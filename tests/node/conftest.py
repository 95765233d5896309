"""Fixtures for the Node toolchain tests: wsnb's cached tools, handler trees on disk, a local
@connections recorder and the moto HTTP front. Real Node processes throughout; after
``python -m wsnb.node fetch`` (``.ci/setup`` runs it) nothing here needs the network."""

from __future__ import annotations

import dataclasses
import json
import os
import textwrap
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from wsnb.node import NodeFunctionSpec, NodeTools, NodeWorker, Outcome, ensure


@pytest.fixture(scope="session")
def tools() -> NodeTools:
    """wsnb's cached tools; ``WSNB_TEST_NODE=/path/to/node`` runs the workers on another Node
    (e.g. a 22.18 wheel's, the oldest wsnb supports)."""
    found = ensure()
    other = os.environ.get("WSNB_TEST_NODE")
    if other:
        found = dataclasses.replace(found, node=other, node_version=require_and_version(other))
    return found


def require_and_version(binary: str) -> tuple[int, int, int]:
    from wsnb.node import node_version, require_node

    return node_version(require_node(binary))


def write(root: Path, files: dict[str, str]) -> Path:
    """Write ``files`` (relative path → source, dedented) under ``root``; return ``root``."""
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"))
    return root


def invoke_once(
    tools: NodeTools, root: Path, handler: str, event: Any = None, **spec: Any
) -> Outcome:
    """A fresh worker, one invocation, the worker ended."""
    with NodeWorker(NodeFunctionSpec(handler, root, **spec), tools=tools) as worker:
        return worker.invoke({} if event is None else event)


class Recorder:
    """A plain-HTTP stand-in for the emulator's management listener: records each request and
    answers 200, or 410 ``GoneException`` (as API Gateway does) for ids starting with "gone"."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def _any(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                recorder.requests.append(
                    {
                        "method": self.command,
                        "path": self.path,
                        "host": self.headers.get("Host"),
                        "headers": {k.lower(): v for k, v in self.headers.items()},
                        "body": body,
                    }
                )
                gone = "/gone" in self.path
                data = json.dumps({"message": "Gone"}).encode() if gone else b""
                self.send_response(410 if gone else 200)
                if gone:
                    self.send_header("x-amzn-ErrorType", "GoneException")
                    self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_DELETE = _any

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self._server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture(scope="module")
def recorder() -> Iterator[Recorder]:
    rec = Recorder()
    yield rec
    rec.close()


@pytest.fixture(scope="module")
def moto_front() -> Iterator[Any]:
    from wsnb.local._moto_http import start_moto_http

    front = start_moto_http()
    yield front
    front.stop()
