"""moto's in-process backends behind private hosts: local DynamoDB, S3 and SSM (and SQS, SNS,
Kinesis and EventBridge for AWS service integrations).

Each service has a host under ``wsnb.localhost`` (``dynamodb.``, ``s3.``, ``ssm.``) that handlers
reach through ``AWS_ENDPOINT_URL_<SERVICE>``. :mod:`._transport` answers requests for these
hosts in process (no socket) while a server runs (:func:`acquire` / :func:`release`, counted):
:func:`send` rewrites the URL to the service's AWS host and hands the request to moto's request
dispatcher, the same one ``mock_aws`` uses, without turning ``mock_aws`` on — so any other AWS
call still goes where it would. S3 is answered for path-style
(``s3.wsnb.localhost/<bucket>/<key>``) and virtual-host (``<bucket>.s3.wsnb.localhost``)
addressing. Data lives as long as the Python process (it survives a server restart), and a
client made by :func:`local_client` (``server.client("dynamodb")``) reaches it even after the
last server stopped: such a client answers the local hosts itself (its own ``before-send``
hook), with no process-wide patch.
"""

from __future__ import annotations

import re
import threading
from typing import Any

from .._errors import require
from . import _transport

_DOMAIN = "wsnb.localhost"
#: The services answered locally: what tables, buckets and secrets use, and what AWS service
#: integrations may call (:mod:`._service`).
SERVICES = ("dynamodb", "s3", "ssm", "sqs", "sns", "kinesis", "events")
NETLOCS = {service: f"{service}.{_DOMAIN}" for service in SERVICES}
ENDPOINTS = {service: f"http://{netloc}" for service, netloc in NETLOCS.items()}
_REGION = re.compile(r"Credential=[^/]+/\d{8}/([a-z0-9-]+)/")
_lock = threading.Lock()
_stubber: Any = None
_users = 0
_users_lock = threading.Lock()


def _netlocs() -> list[str]:
    return [*NETLOCS.values(), f"*.{NETLOCS['s3']}"]


def acquire() -> None:
    """Answer the local service hosts in process for every botocore client, while a server
    runs (counted: the last :func:`release` takes the answer away)."""
    global _users
    with _users_lock:
        _users += 1
        if _users == 1:
            for netloc in _netlocs():
                _transport.register(netloc, send)


def release() -> None:
    global _users
    with _users_lock:
        _users = max(0, _users - 1)
        if _users == 0:
            for netloc in _netlocs():
                _transport.unregister(netloc, send)


def register() -> None:
    """Answer the local hosts for every botocore client until the process ends (what
    :func:`acquire` does without its :func:`release`). The emulator never calls it; a client
    from :func:`local_client` needs no registration."""
    acquire()


def is_local(url: str) -> bool:
    """Whether ``url`` is addressed to a local service host."""
    host = _transport.netloc_of(url)
    return host in _LOCAL_HOSTS or host.endswith("." + NETLOCS["s3"])


_LOCAL_HOSTS = frozenset(NETLOCS.values())


def _answer_before_send(request: Any, **_: Any) -> Any:
    """A client's own ``before-send`` hook: answer local hosts (None: send as usual)."""
    return send(request) if is_local(request.url) else None


def send(request: Any) -> Any:
    """Answer one botocore request for a local service host with moto's backend."""
    global _stubber
    from botocore.awsrequest import AWSPreparedRequest

    if _stubber is None:
        require("moto", extra="local", purpose="Local tables, buckets and secrets")
        from moto.core.botocore_stubber import BotocoreStubber

        _stubber = BotocoreStubber()
    host = _transport.netloc_of(request.url)
    path = request.url.split("/", 3)[3] if request.url.count("/") >= 3 else ""
    if host.endswith(NETLOCS["s3"]):
        aws_host = host[: -len(NETLOCS["s3"])] + "s3.amazonaws.com"  # keeps a virtual-host bucket
    else:
        aws_host = f"{host.split('.', 1)[0]}.{_region(request)}.amazonaws.com"
    headers = request.headers.copy()
    headers["Host"] = aws_host
    forwarded = AWSPreparedRequest(
        request.method, f"https://{aws_host}/{path}", headers, request.body, False
    )
    with _lock:
        result = _stubber.process_request(forwarded)
    if result is None:
        return _transport.response(request.url, 400, {}, b'{"message": "not handled locally"}')
    status, out_headers, body = result
    if isinstance(body, str):
        body = body.encode()
    return _transport.response(request.url, status, dict(out_headers), body or b"")


def _region(request: Any) -> str:
    auth = request.headers.get("Authorization") or ""
    if isinstance(auth, bytes):
        auth = auth.decode("latin-1")
    m = _REGION.search(auth)
    return m[1] if m else "us-east-1"


def local_client(service: str, region: str) -> Any:
    """A boto3 client for ``service`` with fake credentials, wired to the local backend when
    there is one (``dynamodb``, ``s3``, ``ssm``, ``sqs``, ``sns``, ``kinesis``, ``events``)."""
    boto3 = require("boto3", extra="local", purpose="Local AWS resources")
    client = boto3.session.Session().client(
        service,
        region_name=region,
        endpoint_url=ENDPOINTS.get(service),
        aws_access_key_id="wsnb-local",
        aws_secret_access_key="wsnb-local",
    )
    if service in ENDPOINTS:  # reaches local data with or without a running server
        client.meta.events.register("before-send", _answer_before_send)
    return client
