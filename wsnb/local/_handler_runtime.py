"""The handler-runtime seam: how the emulator runs a function's code, whatever its language.

Routing, authorizers, framing, concurrency limits, clocks and traffic records are the
emulator's (:mod:`._invoker`, :mod:`._dispatch`, :mod:`._handshake`); they never look at which
runtime ran. A :class:`HandlerRuntime` only prepares a function's code, invokes it, and
replaces an environment whose invocation timed out. Today's runtime is the in-process
:class:`~._python_runtime.PythonRuntime`; :mod:`._runtimes` picks one per function by the
family of its ``runtime`` (``"python3.12"`` → ``"python"``).

The contract, for whoever writes the next one (a ``NodeRuntime``: one Node worker process per
warm environment, newline-delimited JSON over its pipes):

* **Construction**: ``Runtime(server: ServerInfo)``, once per server, on first use (after the
  server listens). Class attributes: ``family`` (``"nodejs"``), ``language`` (``"Node.js"``,
  for messages), ``hint`` (``"nodejs22.x"``: the runtimes it runs, for messages). To plug it in
  add the class and one line to :data:`._runtimes.REGISTRY`.
* **Threads**: :meth:`~HandlerRuntime.ready` is called on the server's event loop and must
  not block (a dict lookup, a ``stat``). :meth:`~HandlerRuntime.prepare` and
  :meth:`~HandlerRuntime.invoke` run on the emulator's worker threads and may block (import,
  start a process, wait on a pipe) — one thread per invocation in flight, so many invocations of
  one function may run at once, up to its reserved concurrency or the account's share: the
  emulator counts and throttles, a runtime never refuses for concurrency. A runtime whose
  environments take one invocation at a time (Node) keeps a pool per function: an idle
  environment, else a new one (a cold start inside ``invoke``), returned to the pool after.
  :meth:`~HandlerRuntime.discard` and :meth:`~HandlerRuntime.close` run on the loop or on the
  thread that stops the server, and must not block (kill and move on).
* **Preparing**: when ``ready(function)`` is False (first use, or the code changed on disk)
  the emulator calls ``prepare(function)`` before ``invoke``; it returns ``None`` or an
  :class:`InvocationError` (``Runtime.ImportModuleError``, ``Runtime.HandlerNotFound``,
  ``Runtime.UserCodeSyntaxError``, a Python traceback), which fails that invocation. Its time
  counts against no clock (Lambda's init phase).
* **Clocks** are the emulator's: the client is answered at min(function timeout, integration
  timeout) counted from ``invoke``'s start; at the function's own timeout, if ``invoke`` has
  not returned, the emulator calls ``discard(function, invocation)`` and the runtime replaces
  the environment running it (Node: kill the process, so the blocked ``invoke`` returns; Python
  cannot stop a thread: it abandons it, as Lambda-in-a-thread must). ``invocation.deadline``
  (``time.monotonic()``) is that moment, for ``getRemainingTimeInMillis()`` and as a safety
  net. What ``invoke`` returns after a timeout is dropped, except its log lines. ``discard``
  may race an ``invoke`` that is just returning: then there is nothing to replace.
* **Results**: ``invoke`` does not raise for anything the handler does. It returns
  ``Outcome(result=...)`` — a JSON-serializable value (else ``Runtime.MarshalError``, as
  Lambda's runtimes answer) — or ``Outcome(error=InvocationError(error_type, error_message,
  stack))`` as Lambda reports errors (Node: ``err.name``, ``err.message``, ``err.stack``). The
  emulator makes API Gateway's answer from it (error frame, ``$connect`` status, an
  authorizer's ``errorMessage == "Unauthorized"`` → 401).
* **Logs**: ``Outcome.logs`` holds the lines the handler wrote (``console.log``), each with the
  invocation's Lambda request id (``invocation.aws_request_id``); the emulator writes them to
  the ``wsnb.local`` logger and records ``log`` events (connectionId, routeKey, requestId,
  detail) that ``server.events`` and the traffic view read. The Python runtime returns none:
  ``print`` in a handler goes where the notebook's output goes, as before.
* **Environment**: ``function.environment`` holds what Lambda sets and the function's own
  variables; ``AWS_ENDPOINT_URL_DYNAMODB``/``_S3``/``_SSM`` (and ``_SQS``/``_SNS``/
  ``_KINESIS``/``_EVENTBRIDGE`` when AWS service integrations use them) name in-process hosts
  (``http://<service>.wsnb.localhost``) that only Python code in this process reaches: an
  out-of-process runtime points them at an HTTP front of the same backends. Handlers build
  ``https://{domainName}/{stage}`` for @connections; ``ServerInfo.management_url`` answers the
  same API over plain HTTP, and a request carrying the invocation's API Gateway ``requestId``
  in the header ``x-wsnb-request-id`` is drawn inside that invocation in the traffic view.
* **Trace** (benchmarks only): when ``invocation.mark`` is not None, set ``mark.s`` and
  ``mark.e`` (``wsnb.local._trace.now()``) when the handler starts and returns.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

if TYPE_CHECKING:
    from ._trace import Mark


@dataclass(frozen=True)
class ServerInfo:
    """What a runtime knows of the server it runs for."""

    root: Path  # file handler paths are relative to it
    api_id: str
    stage: str
    region: str
    account: str  # the account in the ARNs handlers see
    domain_name: str  # "127.0.0.1:<port>": https://{domain_name}/{stage} is @connections
    management_url: str  # "http://127.0.0.1:<port>/<stage>": @connections over plain HTTP
    management_origin: str  # "http://127.0.0.1:<port>": it answers /<stage>/@connections/...


@dataclass(frozen=True, eq=False)
class LocalFunction:
    """One route's (or the authorizer's) Lambda function, as the emulator runs it."""

    key: str  # the route key, or "authorizer"
    name: str  # the function name (AWS_LAMBDA_FUNCTION_NAME)
    arn: str
    runtime: str  # "python3.12", "nodejs22.x", ... (a notebook function is always Python)
    handler: Any  # the model's FileHandler (relative to ServerInfo.root) or CallableHandler
    timeout: float  # the function's own timeout (seconds)
    memory: int
    environment: dict[str, str]  # Lambda's variables and the function's own (see module doc)
    log_group: str
    log_stream: str
    env_digest: str = ""  # identifies the environment's values (part of a code cache key)
    return_response: bool = False  # the route sends the result's body back to the client
    reserved_concurrency: int | None = None

    @functools.cached_property
    def family(self) -> str:
        """``"python"`` for ``python3.12``, ``"nodejs"`` for ``nodejs22.x``."""
        return family_of(self.runtime)


def family_of(runtime: str) -> str:
    """The runtime family of a Lambda runtime name (its leading letters)."""
    match = re.match(r"[a-z]+", runtime or "")
    return match[0] if match else runtime


@dataclass(eq=False, slots=True)
class Invocation:
    """One invocation of a function. ``deadline`` and ``aws_request_id`` are set when it starts
    on its worker thread, before :meth:`HandlerRuntime.invoke` is called."""

    event: dict[str, Any]
    request_id: str  # API Gateway's requestId (event["requestContext"]["requestId"])
    aws_request_id: str = ""  # Lambda's request id (context.aws_request_id / awsRequestId)
    deadline: float = 0.0  # time.monotonic() when the function's own timeout ends
    mark: Mark | None = None  # benchmark timestamps (see the module docstring), usually None


@dataclass(frozen=True, slots=True)
class InvocationError:
    """Why an invocation failed, in Lambda's shape (``errorType``, ``errorMessage``, stack).

    ``kind``: ``"error"`` (the handler or its loading failed: the runtime's errors), or the
    emulator's ``"function-timeout"``, ``"integration-timeout"``, ``"throttled"``.
    """

    error_type: str
    error_message: str
    stack: str = ""  # the runtime's rendering: a Python traceback, a Node err.stack
    kind: str = "error"

    @property
    def text(self) -> str:
        """What the log and the ``error`` event show: the stack when there is one."""
        if self.stack:
            return self.stack
        if self.kind != "error":
            return self.error_message
        return f"{self.error_type}: {self.error_message}"


@dataclass(frozen=True, slots=True)
class LogLine:
    """One line a handler wrote during an invocation."""

    aws_request_id: str
    text: str


@dataclass(frozen=True, slots=True)
class Outcome:
    """How an invocation ended: ``result`` (JSON-serializable), or ``error``; and its logs."""

    result: Any = None
    error: InvocationError | None = None
    logs: tuple[LogLine, ...] = ()


class HandlerRuntime(Protocol):
    """Runs functions of one runtime family (see the module docstring for the contract)."""

    family: ClassVar[str]
    language: ClassVar[str]
    hint: ClassVar[str]

    def __init__(self, server: ServerInfo) -> None:
        """Made once per server, on first use (after it listens)."""
        ...

    def ready(self, function: LocalFunction) -> bool:
        """True when :meth:`invoke` can run now, without :meth:`prepare` (event loop)."""
        ...

    def prepare(self, function: LocalFunction) -> InvocationError | None:
        """Load the function's code, start an environment (worker thread; may block)."""
        ...

    def invoke(self, function: LocalFunction, invocation: Invocation) -> Outcome:
        """Run one invocation and wait for it (worker thread; may block)."""
        ...

    def discard(self, function: LocalFunction, invocation: Invocation) -> None:
        """The invocation passed its function's timeout: replace its environment (no wait)."""
        ...

    def close(self) -> None:
        """The server stops: end every environment (no wait)."""
        ...


def error_of(exc: BaseException, stack: str | None = None) -> InvocationError:
    """An :class:`InvocationError` for a Python exception (its traceback as the stack)."""
    import traceback

    if not isinstance(exc, Exception):  # SystemExit & co. end the invocation, not the server
        wrapped = RuntimeError(f"{type(exc).__name__}: {exc}")
        wrapped.__cause__ = exc
        exc = wrapped
    if stack is None:
        stack = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    return InvocationError(type(exc).__name__, str(exc), stack)
