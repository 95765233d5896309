"""The local API Gateway WebSocket emulator: ``api.serve()`` / ``wsnb.local.serve(api)``.

It runs the same handler code unchanged, in this process, on a background thread with its own
asyncio loop (so it works inside a running Jupyter kernel and in plain scripts), bound to
127.0.0.1. What it promises, and the local choices it makes:

* **Events** have API Gateway's shapes (``requestContext`` with routeKey, eventType,
  connectionId, requestId/extendedRequestId, messageId, domainName, stage, apiId, requestTime,
  requestTimeEpoch, connectedAt, identity, authorizer). Handlers get a Lambda-like ``context``.
* **Routing** on the API's route selection expression (``$request.body.action`` unless
  ``cdk.web_socket_api.route_selection_expression`` says otherwise; :mod:`wsnb._selection`),
  its value stringified (``5`` → ``"5"``, ``true`` → ``"true"``); no match → ``$default``; no ``$default`` → a
  ``Forbidden`` frame. A handler error → an ``Internal server error`` frame (traceback in the
  ``wsnb.local`` log and in ``server.events``). ``$connect`` answering non-2xx refuses the
  handshake with that status; raising refuses it with 502, timing out with 504.
* **Handler runtimes**: a function's code is run by the runtime of its family
  (:mod:`wsnb.local._handler_runtime`): in-process Python for ``python3.x``, Node worker
  processes for ``nodejs20.x``/``22.x``/``24.x`` (:mod:`wsnb.local._node_runtime`); routing,
  authorizers, framing, concurrency, clocks and traffic records are the same whatever runs it.
  ``serve()`` refuses, by name, functions no runtime runs, and checks each Node.js handler's
  export with esbuild before anything starts (:mod:`wsnb.local._node_code`).
* **Handlers** run as Lambda runs them: each invocation starts at once on its own worker
  thread (reused when idle; threads exist per running invocation, not per connection); an
  ``async def`` handler runs on its worker's own event loop, so a blocking one stalls no other.
  Concurrency: a function's ``reserved_concurrent_executions``, else the account's unreserved
  share of ``max_workers`` (1000, AWS's default account concurrency); beyond it the invocation
  is throttled (message → ``Internal server error`` frame, ``$connect`` → 500). The clocks
  start when the handler starts: at min(function ``timeout``, ``integration_timeout``) the
  client is answered — ``Endpoint request timed out`` when API Gateway's integration timeout
  ran out (the handler keeps running to its own timeout, as on AWS), ``Internal server error``
  when the function's own timeout did. A handler's reply and its management calls are written
  from its own thread while the server's loop waits for I/O (:mod:`wsnb.local._gate`), else
  they return to the loop through one batched wake-up (:mod:`wsnb.local._workers`);
  single-frame messages are dispatched from the WebSocket protocol callback.
  Handler files are re-imported when they change on disk; the model (``api.spec``) is read
  at every event, so routes added later are served without restart.
* **Environment**: ``os.environ`` is per function while a server runs (see
  :mod:`wsnb.local._environ`): the function's ``environment`` (Ref tokens resolved to local
  names), ``bind`` variables, ``AWS_REGION``, ``AWS_LAMBDA_*``, and — only when no AWS
  credentials are configured — fake ``AWS_ACCESS_KEY_ID``/``AWS_SECRET_ACCESS_KEY``.
* **domainName** is ``127.0.0.1:<port>``. ``boto3.client("apigatewaymanagementapi",
  endpoint_url=f"https://{domainName}/{stage}")`` is answered in process (any thread, any
  session, no socket) at botocore's ``before-call`` step — after botocore validated and
  serialized the call, before signing and sending (:mod:`wsnb.local._transport`); results and
  errors (``GoneException``, 410) are parsed by botocore as for the HTTP answer. A
  ``post_to_connection`` is queued for the server's loop (in order) and answered at once.
  Tools outside the process use ``server.management_url`` (plain HTTP).
* **Tables** bound or granted to functions are created in moto's in-process DynamoDB as
  ``<stage>-<app>-<TableId>``; handlers reach them via ``AWS_ENDPOINT_URL_DYNAMODB``.
* **Buckets, Secrets, Parameters** the same way (:mod:`wsnb.local._moto`; plain
  ``boto3.client("s3")``/``("ssm")`` in a handler, no code change, never real AWS): buckets in
  moto's S3 as ``<stage>-<app>-<id>`` (lower case) via ``AWS_ENDPOINT_URL_S3``; a Secret in
  moto's SSM as a SecureString at synth's name ``/wsnb/<app>/<stage>/Secret/<name>/value``
  (via ``AWS_ENDPOINT_URL_SSM``) holding the value from ``serve(secrets={name: value})`` —
  without one the parameter is absent (``ParameterNotFound``, as in AWS) and a hint is logged;
  secret values are never logged nor shown in events, the monitor or reprs. A Parameter is
  also stored, as a String at ``/wsnb/<app>/<stage>/Parameter/<name>/value``.
* **Integrations other than a Lambda proxy** (SPEC §9; :mod:`wsnb.local._integrations`): a
  route (``$connect``/``$disconnect`` included) whose target is a ``MockIntegration``,
  ``LambdaIntegration`` (non-proxy; ``invocation_type="Event"`` answers at once and runs the
  function in the background), ``HttpIntegration`` or ``AwsIntegration`` runs as API Gateway
  runs it: request template and parameters (``wsnb.vtl``), the integration (a mock's
  ``statusCode``; the function through the same runtime seam; the URL; moto's SQS, SNS,
  Kinesis, EventBridge, DynamoDB or S3), then — on a two-way route — the integration response
  and its template. Queues, streams, buses, topics and buckets such a route names are created
  locally at start (and said so); handlers reach them through ``AWS_ENDPOINT_URL_SQS``/
  ``_SNS``/``_KINESIS``/``_EVENTBRIDGE``. A route the emulator cannot run
  (``route.local_problem``) is named at start-up; its messages answer ``Internal server
  error`` (reason in the log), a ``$connect``/``$disconnect`` is skipped. IAM (an
  integration's role and permissions) is not checked locally.
* **Authorizers**: a Lambda REQUEST authorizer runs on ``$connect`` (missing identity source →
  401 without calling it; Allow → connect with its context in ``requestContext.authorizer``;
  Deny → 403; ``raise Exception("Unauthorized")`` → 401; anything else → 500).
  **IAM, locally** (``iam=`` option): ``"signed"`` (default) admits a handshake that carries a
  SigV4 signature — an ``Authorization: AWS4-HMAC-SHA256 ...`` header or a presigned URL's
  ``X-Amz-Signature`` — without verifying it, and refuses others with 403; ``"allow"`` admits
  every client; ``"deny"`` refuses all.
* **Handler imports** (:mod:`wsnb.local._imports`): a file handler's folder is its Lambda task
  root — its modules win over installed ones for that function only (a private import namespace
  per function; the kernel's ``sys.path``/``sys.modules`` are untouched). ``serve()`` warns about
  folder modules named like a stdlib or installed module.
* **Servers are independent**: serving the same ``api`` object on the same stage replaces its
  earlier server; any other serve (another API with the same id, another stage) coexists.
* **Remote access**: loopback only unless ``allow_remote=True``; then the plain-HTTP management
  listener requires SigV4 requests signed with ``server.management_credentials``
  (:mod:`wsnb.local._mgmt_auth`). Connection ids come from the OS's CSPRNG. The listener answers
  malformed requests 400 and stalled ones 408 (bounded reads). An authorizer's answer is logged
  as decision + principal only.
* **Traffic**: ``server.traffic()`` — a sequence diagram of the event log (HTML table, Mermaid,
  text) and a per-route summary (count, errors, p50/p95 latency, ``$connect`` and
  ``$disconnect`` included) (:mod:`wsnb.local._traffic`). A handler's management calls are
  recorded with the ``requestId`` of the invocation that made them (``invocationRequestId``;
  see ``server.events``), so each POST is drawn in its own invocation, even under concurrency.
* **Limits**: 128 KB messages / 32 KB frames (close 1009), idle timeout (10 min; traffic in
  either direction counts), maximum connection duration (2 h), integration timeout (29 s) —
  all configurable; no permessage-deflate (``compression=None``) unless asked. Binary frames
  close the connection with 1003. URLs over 4096 characters are refused (414, the emulator's
  choice of status). An authorizer result over 8 KB refuses the connection (500). Posts over
  32 KB go out in frames of at most 32 KB; a connection whose outbound buffer holds 1 MB
  (a client that does not read; the size is the emulator's choice) answers posts with 429
  ``LimitExceededException``. The handshake's HTTP request must arrive within 10 s
  (slowloris); the authorizer and ``$connect`` may then take up to the integration timeout.
"""

from __future__ import annotations

import atexit
import threading
from typing import Any

from .._errors import require
from .._handler_check import warn_at_serve
from ._monitor import Monitor
from ._node_code import check_node_handlers
from ._options import ServeOptions
from ._python_runtime import LambdaContext
from ._served import ServedApi, check_served
from ._server import LocalServer
from ._traffic import Traffic

# isort: split
# For the other wsnb packages (template serves an API read from a CloudFormation template).
from ._ids import api_id
from ._transport import register_api, unregister_api

__all__ = [
    "LambdaContext",
    "LocalServer",
    "Monitor",
    "ServeOptions",
    "ServedApi",
    "Traffic",
    "running_servers",
    "serve",
    "stop_all",
]

# For the other wsnb packages.
__all__ += ["api_id", "register_api", "unregister_api"]

_registry: list[LocalServer] = []
_registry_lock = threading.Lock()
_stop_at_exit = [False]  # stop_all is registered with atexit while servers may run


def serve(
    api: ServedApi, *, port: int = 0, host: str = "127.0.0.1", stage: str = "dev", **options: Any
) -> LocalServer:
    """Start the emulator for ``api`` in the background and return its handle.

    The options, their defaults and what they do: :class:`ServeOptions` (e.g. ``secrets=
    {"STRIPE_KEY": "sk_test_..."}``: local values of the API's bound ``Secret``s, read by
    handlers from local SSM; a Secret left out has no value, as in AWS before
    ``aws ssm put-parameter``). All are validated before anything starts.

    Servers are independent: serving an API never stops a server of another API (even one with
    the same id) nor of another stage. Re-running a cell is safe: serving the *same* ``api``
    object on the same ``stage`` again stops its earlier server first, and so does serving an
    API with the same id on a fixed ``port`` the earlier server holds (the port would be taken).

    ``allow_remote=True`` (needed for a non-loopback ``host``) lets other machines connect; the
    plain-HTTP management listener (:attr:`LocalServer.management_url`) then requires requests
    SigV4-signed with the server's own :attr:`LocalServer.management_credentials` (a key pair
    generated per server; ``server.client()`` uses it): unsigned, unknown-key or bad-signature
    requests answer 403. Connection ids always come from the OS's CSPRNG.
    """
    require("websockets", extra="local", purpose="The local emulator")
    check_served(api)
    parsed = ServeOptions.parse(api.spec, port, host, stage, **options)
    check_node_handlers(api.spec, parsed.root_path)  # Node toolchain, exports (esbuild)
    warn_at_serve(api.spec, parsed.root or ".")  # handler files, read without running
    with _registry_lock:
        replaced = [s for s in _registry if _replaces(s, api, port, stage)]
        _registry[:] = [s for s in _registry if s not in replaced and s.running]
    for old in replaced:
        old.stop()
    _warn_shadowing(api, parsed.root)
    server = LocalServer(api, parsed)
    server.start()
    with _registry_lock:
        _registry.append(server)
        if not _stop_at_exit[0]:  # servers stop (and run $disconnect) before Python exits
            _stop_at_exit[0] = True
            atexit.register(stop_all)
    return server


def _replaces(old: LocalServer, api: ServedApi, port: int, stage: str) -> bool:
    """Whether serving ``api`` now supersedes the earlier server ``old``."""
    if old.api is api and old.stage == stage:
        return True  # the same cell run again
    return bool(port) and old.api.id == api.id and old.port == port


def _warn_shadowing(api: ServedApi, root: Any) -> None:
    """Log a warning for handler-folder modules named like a stdlib or installed module.

    The handler gets its folder's module (Lambda's task root comes first), but in Lambda a
    module the runtime imported before the handler (``json``, ``os``, ...) wins instead: a name
    clash behaves differently in different places, so renaming the file is the fix.
    """
    import logging
    import os
    from pathlib import Path

    from ..model import FileHandler
    from ._imports import shadowing

    spec = api.spec
    handlers = [fn.handler for fn in spec.functions()]
    if spec.authorizer is not None and not isinstance(spec.authorizer, str):
        handlers.append(spec.authorizer.function.handler)
    base = Path(root or os.getcwd()).resolve()
    folders = sorted({h.directory for h in handlers if isinstance(h, FileHandler) and h.directory})
    for folder in folders:
        path = base / folder
        names = shadowing(path) if path.is_dir() else []
        if names:
            logging.getLogger("wsnb.local").warning(
                "handler folder %s holds %s, named like a standard-library or installed module: "
                "its handlers import the folder's file (as Lambda's task root comes first), but "
                "in Lambda a module the runtime already imported may win. Rename it (e.g. %s_utils.py).",
                folder,
                ", ".join(f"{n}.py" for n in names),
                names[0],
            )


def running_servers() -> list[LocalServer]:
    """Servers started by :func:`serve` that are still running."""
    with _registry_lock:
        return [s for s in _registry if s.running]


def stop_all() -> None:
    """Stop every server started by :func:`serve`."""
    with _registry_lock:
        servers = list(_registry)
        _registry.clear()
        if _stop_at_exit[0]:
            _stop_at_exit[0] = False
            atexit.unregister(stop_all)
    for server in servers:
        server.stop()
