"""The local API Gateway WebSocket emulator: ``api.serve()`` / ``wsnb.local.serve(api)``.

It runs the same handler code unchanged, in this process, on a background thread with its own
asyncio loop (so it works inside a running Jupyter kernel and in plain scripts), bound to
127.0.0.1. What it promises, and the local choices it makes:

* **Events** have API Gateway's shapes (``requestContext`` with routeKey, eventType,
  connectionId, requestId/extendedRequestId, messageId, domainName, stage, apiId, requestTime,
  requestTimeEpoch, connectedAt, identity, authorizer). Handlers get a Lambda-like ``context``.
* **Routing** on ``$request.body.action``; no match → ``$default``; no ``$default`` → a
  ``Forbidden`` frame. A handler error → an ``Internal server error`` frame (traceback in the
  ``wsnb.local`` log and in ``server.events``). ``$connect`` answering non-2xx refuses the
  handshake with that status; raising refuses it with 502, timing out with 504.
* **Handlers**: sync handlers run on handler threads (started on demand, up to
  ``max_workers``), so a blocking handler never stalls other connections; async handlers on a
  separate handler loop, never on the server's loop. Timeout = min(function ``timeout``,
  ``integration_timeout``). Results and management calls return to the server's loop through
  one batched wake-up (:mod:`wsnb.local._workers`); single-frame messages are dispatched from
  the WebSocket protocol callback and replies written straight to the connection.
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
* **Authorizers**: a Lambda REQUEST authorizer runs on ``$connect`` (missing identity source →
  401 without calling it; Allow → connect with its context in ``requestContext.authorizer``;
  Deny → 403; ``raise Exception("Unauthorized")`` → 401; anything else → 500).
  **IAM, locally** (``iam=`` option): ``"signed"`` (default) admits a handshake that carries a
  SigV4 signature — an ``Authorization: AWS4-HMAC-SHA256 ...`` header or a presigned URL's
  ``X-Amz-Signature`` — without verifying it, and refuses others with 403; ``"allow"`` admits
  every client; ``"deny"`` refuses all.
* **Limits**: 128 KB messages / 32 KB frames (close 1009), idle timeout (10 min), maximum
  connection duration (2 h), integration timeout (29 s) — all configurable; no
  permessage-deflate (``compression=None``) unless asked.
"""

from __future__ import annotations

import atexit
import ipaddress
import threading
from typing import Any

from .._errors import EmulatorError, require
from ._monitor import Monitor
from ._runtime import LambdaContext
from ._server import LocalServer

__all__ = ["LambdaContext", "LocalServer", "Monitor", "running_servers", "serve", "stop_all"]

_registry: dict[tuple[str, int], LocalServer] = {}
_registry_lock = threading.Lock()

_NUMBER_OPTIONS = ("idle_timeout", "max_connection_seconds", "integration_timeout")
_OPTIONS = {
    "app",
    "region",
    "compression",
    "iam",
    "max_events",
    "root",
    "max_workers",
    "management_port",
    "secrets",
    *_NUMBER_OPTIONS,
}


def serve(
    api: Any, *, port: int = 0, host: str = "127.0.0.1", stage: str = "dev", **options: Any
) -> LocalServer:
    """Start the emulator for ``api`` in the background and return its handle.

    Options: ``idle_timeout`` (600 s), ``max_connection_seconds`` (7200), ``integration_timeout``
    (29 s), ``compression`` (None; ``"deflate"`` to negotiate permessage-deflate), ``region``
    ("us-east-1"), ``app`` ("app"), ``iam`` ("signed" | "allow" | "deny"), ``root`` (folder
    handler paths are relative to; the working directory), ``max_events`` (1000),
    ``max_workers`` (64 handler threads), ``management_port`` (0 = any free port),
    ``secrets`` (``{"STRIPE_KEY": "sk_test_..."}``: local values of the API's bound ``Secret``s,
    read by handlers from local SSM; a Secret left out has no value, as in AWS before
    ``aws ssm put-parameter``).
    Serving the same API on the same port again stops the earlier server first.
    """
    require("websockets", extra="local", purpose="The local emulator")
    _check(api, port, host, stage, options)
    key = (api.id, port)
    with _registry_lock:
        old = _registry.pop(key, None)
    if old is not None:
        old.stop()
    server = LocalServer(api, port=port, host=host, stage=stage, **options)
    server.start()
    with _registry_lock:
        _registry[key] = server
    return server


def running_servers() -> list[LocalServer]:
    """Servers started by :func:`serve` that are still running."""
    with _registry_lock:
        return [s for s in _registry.values() if s.running]


def stop_all() -> None:
    """Stop every server started by :func:`serve`."""
    with _registry_lock:
        servers = list(_registry.values())
        _registry.clear()
    for server in servers:
        server.stop()


atexit.register(stop_all)


def _check(api: Any, port: Any, host: Any, stage: Any, options: dict[str, Any]) -> None:
    from .._api import WebSocketApi

    if not isinstance(api, WebSocketApi):
        raise EmulatorError(
            "serve() needs a WebSocketApi.",
            given=api,
            fix='wsnb.local.serve(WebSocketApi("Api").route(...))',
        )
    if isinstance(port, bool) or not isinstance(port, int) or not 0 <= port <= 65535:
        raise EmulatorError(
            "port must be an integer from 0 to 65535.",
            given=port,
            allowed="0 (any free port) .. 65535",
            fix="api.serve(port=0)",
        )
    if not isinstance(host, str) or not host:
        raise EmulatorError("host must be an address string.", given=host, fix='host="127.0.0.1"')
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback and not options.pop("allow_remote", False):
        raise EmulatorError(
            "The local emulator binds to loopback only unless you ask for more.",
            given=host,
            allowed="127.0.0.1, ::1, localhost; or another address together with allow_remote=True",
            fix=f"api.serve(host={host!r}, allow_remote=True)  # other machines can then reach your handlers",
        )
    options.pop("allow_remote", None)
    if not isinstance(stage, str) or not stage or not all(c.isalnum() or c in "-_" for c in stage):
        raise EmulatorError(
            "stage must be a name of letters, digits, '-' and '_'.", given=stage, fix='stage="dev"'
        )
    unknown = set(options) - _OPTIONS
    if unknown:
        raise EmulatorError(
            f"Unknown serve() option {sorted(unknown)[0]!r}.",
            given=sorted(unknown),
            allowed=", ".join(sorted(_OPTIONS)),
            fix="remove it",
        )
    for name in _NUMBER_OPTIONS:
        value = options.get(name)
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0
        ):
            raise EmulatorError(
                f"{name} must be a positive number of seconds.", given=value, fix=f"{name}=5"
            )
    if options.get("compression") not in (None, "deflate"):
        raise EmulatorError(
            "compression must be None or 'deflate'.",
            given=options["compression"],
            allowed="None, 'deflate'",
            fix="compression=None",
        )
    if options.get("iam", "signed") not in ("signed", "allow", "deny"):
        raise EmulatorError(
            "iam must be 'signed', 'allow' or 'deny'.",
            given=options["iam"],
            allowed="'signed', 'allow', 'deny'",
            fix='iam="allow"',
        )
    runnable = getattr(api, "check_runnable", None)  # an API read from a template
    if runnable is not None:
        runnable()  # refuses functions whose runtime is not Python, naming them
    from ._secrets import check_secrets

    check_secrets(options.get("secrets"), api.spec.resources())
    for name in ("app", "region"):
        value = options.get(name)
        if value is not None and (not isinstance(value, str) or not value):
            raise EmulatorError(
                f"{name} must be a non-empty string.",
                given=value,
                fix=f'{name}="{"app" if name == "app" else "us-east-1"}"',
            )
