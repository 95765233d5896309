"""In-process answers for botocore requests addressed to the emulator (no socket involved).

Every botocore HTTP request passes through ``URLLib3Session.send``; while a local server runs,
that method is wrapped so requests whose host is one the emulator owns (its ``domainName``
``127.0.0.1:<port>``, and ``dynamodb.wsnb.localhost`` for local tables) are answered by Python
code in this process. It applies to every boto3 client and session, old or new, in handlers
and in the notebook. Requests to any other host are untouched. moto's ``mock_aws`` (if a user
runs it) answers AWS hostnames only in its ``before-send`` hook, so it never claims these.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

_routes: dict[str, Callable[[Any], Any]] = {}
_lock = threading.Lock()
_original: Any = None


class _Body:
    """The ``raw`` object botocore reads a response body from."""

    def __init__(self, data: bytes) -> None:
        self._data = data

    def stream(self, **_: Any) -> Iterator[bytes]:
        if self._data:
            yield self._data

    def read(self, *_: Any) -> bytes:
        data, self._data = self._data, b""
        return data


def response(url: str, status: int, headers: dict[str, str], body: bytes) -> Any:
    from botocore.awsrequest import AWSResponse, HeadersDict

    return AWSResponse(url, status, HeadersDict(headers), _Body(body))


def netloc_of(url: str) -> str:
    parts = url.split("/", 3)
    return parts[2].lower() if len(parts) > 2 else ""


def register(netloc: str, handler: Callable[[Any], Any]) -> None:
    """Answer requests for ``netloc`` with ``handler(request) -> AWSResponse``."""
    global _original
    import botocore.httpsession as hs

    with _lock:
        if _original is None:
            _original = hs.URLLib3Session.send
            hs.URLLib3Session.send = _send
        _routes[netloc.lower()] = handler


def unregister(netloc: str, handler: Callable[[Any], Any] | None = None) -> None:
    global _original
    import botocore.httpsession as hs

    with _lock:
        current = _routes.get(netloc.lower())
        if current is not None and (handler is None or current == handler):
            del _routes[netloc.lower()]
        if not _routes and _original is not None:
            hs.URLLib3Session.send = _original
            _original = None


def _send(self: Any, request: Any) -> Any:
    handler = _routes.get(netloc_of(request.url))
    if handler is not None:
        return handler(request)
    return _original(self, request)
