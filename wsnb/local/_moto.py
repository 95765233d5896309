"""moto's in-process backends behind private hosts: local DynamoDB, S3 and SSM.

Each service has a host under ``wsnb.localhost`` (``dynamodb.``, ``s3.``, ``ssm.``) that handlers
reach through ``AWS_ENDPOINT_URL_<SERVICE>``. :mod:`._transport` answers requests for these
hosts in process (no socket): :func:`send` rewrites the URL to the service's AWS host and hands
the request to moto's request dispatcher, the same one ``mock_aws`` uses, without turning
``mock_aws`` on — so any other AWS call still goes where it would. S3 is answered for
path-style (``s3.wsnb.localhost/<bucket>/<key>``) and virtual-host (``<bucket>.s3.wsnb.localhost``)
addressing. Data lives as long as the Python process (it survives a server restart).
"""

from __future__ import annotations

import re
import threading
from typing import Any

from .._errors import require
from . import _transport

_DOMAIN = "wsnb.localhost"
SERVICES = ("dynamodb", "s3", "ssm")
NETLOCS = {service: f"{service}.{_DOMAIN}" for service in SERVICES}
ENDPOINTS = {service: f"http://{netloc}" for service, netloc in NETLOCS.items()}
_REGION = re.compile(r"Credential=[^/]+/\d{8}/([a-z0-9-]+)/")
_lock = threading.Lock()
_stubber: Any = None


def register() -> None:
    """Answer the local service hosts in process (idempotent; stays for the process)."""
    for service, netloc in NETLOCS.items():
        _transport.register(netloc, send)
        if service == "s3":
            _transport.register(f"*.{netloc}", send)


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
    there is one (``dynamodb``, ``s3``, ``ssm``)."""
    boto3 = require("boto3", extra="local", purpose="Local AWS resources")
    return boto3.session.Session().client(
        service,
        region_name=region,
        endpoint_url=ENDPOINTS.get(service),
        aws_access_key_id="wsnb-local",
        aws_secret_access_key="wsnb-local",
    )
