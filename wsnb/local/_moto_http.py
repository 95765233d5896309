"""An HTTP front on 127.0.0.1 for the local DynamoDB, S3 and SSM (and SQS, SNS, Kinesis and
EventBridge), for clients in other processes.

Python handlers reach moto's in-process backends without a socket (:mod:`._moto`); a Node
handler's AWS SDK needs a URL. This server answers plain HTTP on 127.0.0.1 with the same
:func:`._moto.send` (same backends, same lock, same host rewriting), so both runtimes see the
same tables, buckets and parameters. The service of each request is read from its SigV4
credential scope (``Authorization`` header, or ``X-Amz-Credential`` of a presigned URL), else
from ``X-Amz-Target``; one port serves all three (``AWS_ENDPOINT_URL_DYNAMODB``, ``_S3`` and
``_SSM`` all point at it; S3 clients use path-style addressing for an IP address).
"""

from __future__ import annotations

import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote

from . import _moto

_SCOPE = re.compile(r"Credential=[^/,\s]+/\d{8}/[a-z0-9-]+/([a-z0-9-]+)/aws4_request", re.I)
_QUERY_SCOPE = re.compile(r"X-Amz-Credential=[^&]*?/\d{8}/[a-z0-9-]+/([a-z0-9-]+)/aws4_request")
_TARGETS = {
    "dynamodb": "dynamodb",
    "amazonssm": "ssm",
    "amazonsqs": "sqs",
    "kinesis": "kinesis",
    "awsevents": "events",
}
#: Headers that belong to one HTTP hop, not to the answer moto gives.
_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "date", "server"}
_ENDPOINT_VARIABLES = {
    "dynamodb": "AWS_ENDPOINT_URL_DYNAMODB",
    "s3": "AWS_ENDPOINT_URL_S3",
    "ssm": "AWS_ENDPOINT_URL_SSM",
    "sqs": "AWS_ENDPOINT_URL_SQS",
    "sns": "AWS_ENDPOINT_URL_SNS",
    "kinesis": "AWS_ENDPOINT_URL_KINESIS",
    "events": "AWS_ENDPOINT_URL_EVENTBRIDGE",
}


def service_of(headers: Any, path: str) -> str | None:
    """The local service a request is for (one of ``_moto.SERVICES``), or None when it names
    none the emulator serves."""
    m = _SCOPE.search(headers.get("Authorization") or "")
    if m is None:
        m = _QUERY_SCOPE.search(unquote(path))
    if m is not None:
        service = m[1].lower()
        return service if service in _moto.SERVICES else None
    target = (headers.get("X-Amz-Target") or "").split("_", 1)[0].split(".", 1)[0].lower()
    if target:
        return _TARGETS.get(target)
    return "s3"  # an unsigned request: only S3 answers those (public objects)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, and Expect: 100-continue for large uploads
    server_version = "wsnb-local"

    def log_message(self, format: str, *args: Any) -> None:
        pass  # quiet: the emulator logs what handlers do

    def _body(self) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _answer(self) -> None:
        from botocore.awsrequest import AWSPreparedRequest, HeadersDict

        body = self._body()
        service = service_of(self.headers, self.path)
        if service is None:
            self._reply(
                400,
                {"Content-Type": "application/json"},
                b'{"message": "wsnb answers DynamoDB, S3, SSM, SQS, SNS, Kinesis and EventBridge here"}',
            )
            return
        headers = HeadersDict()
        for key, value in self.headers.items():
            if key.lower() not in ("host", "transfer-encoding"):
                headers[key] = value
        url = f"http://{_moto.NETLOCS[service]}{self.path}"
        request = AWSPreparedRequest(self.command, url, headers, body, False)
        response = _moto.send(request)
        out = {k: v for k, v in response.headers.items() if k.lower() not in _HOP}
        length = response.headers.get("Content-Length") if self.command == "HEAD" else None
        self._reply(response.status_code, out, response.content or b"", length)

    def _reply(
        self, status: int, headers: dict[str, str], body: bytes, length: str | None = None
    ) -> None:
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, str(value))
        self.send_header("Content-Length", str(length if length is not None else len(body)))
        self.end_headers()
        if self.command != "HEAD" and body:
            self.wfile.write(body)

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = do_PATCH = do_OPTIONS = _answer


class MotoHttp:
    """A running HTTP front (see the module docstring); :meth:`stop` ends it."""

    def __init__(self, server: ThreadingHTTPServer) -> None:
        self._server = server
        host, port = server.server_address[:2]
        host = host.decode() if isinstance(host, bytes) else host
        self.base_url = f"http://{host}:{port}"
        self._thread = threading.Thread(
            target=server.serve_forever, name="wsnb-moto-http", daemon=True
        )
        self._thread.start()

    def environment(self) -> dict[str, str]:
        """``AWS_ENDPOINT_URL_<SERVICE>`` for every local service, all pointing here."""
        return {name: self.base_url for name in _ENDPOINT_VARIABLES.values()}

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> MotoHttp:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start_moto_http(host: str = "127.0.0.1", port: int = 0) -> MotoHttp:
    """Serve the local DynamoDB/S3/SSM over HTTP on ``host:port`` (0: a free port)."""
    server = ThreadingHTTPServer((host, port), _Handler)
    server.daemon_threads = True
    return MotoHttp(server)
