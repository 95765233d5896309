"""In-process answers for botocore requests addressed to the emulator (no socket involved).

Two levels, both active only while a local server runs, both for every boto3 client and
session (old or new, in handlers and in the notebook); requests to any other host are untouched:

* **API calls** (:func:`register_api`; the management API): ``BaseClient._make_api_call`` is
  wrapped so each client gets, once, a ``before-call`` handler. botocore has then already
  emitted its parameter events, validated and serialized the call and resolved the endpoint;
  when the request URL's host is the emulator's ``domainName`` (``127.0.0.1:<port>``) the
  handler answers it — as botocore's ``Stubber`` does — skipping SigV4 signing, the HTTP
  request objects and the retry loop. The answer is parsed by the client's own response parser
  and errors are raised by botocore itself, so results and exceptions (``GoneException``, 410,
  ``Error.Code``/``Message``) are exactly those of the HTTP path. A client without credentials
  still raises ``NoCredentialsError``, as signing would.
* **HTTP requests** (:func:`register`; local DynamoDB/S3/SSM (:mod:`._moto`), and the
  management API for requests that reach the HTTP layer some other way):
  ``URLLib3Session.send`` is wrapped so requests for the emulator's hosts are answered by
  Python code.

moto's ``mock_aws`` (if a user runs it) answers AWS hostnames only in its ``before-send`` hook,
so it never claims these hosts.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Iterator
from typing import Any

from . import _trace

Answer = Callable[[str, str, bytes], tuple[int, dict[str, str], bytes]]

_routes: dict[str, Callable[[Any], Any]] = {}
_answers: dict[str, Answer] = {}
_lock = threading.Lock()
_original: Any = None
_original_call: Any = None
_HOOK_ID = "wsnb-local-before-call"


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
    from botocore.awsrequest import AWSResponse

    return AWSResponse(url, status, headers, _Body(body))  # it wraps headers in a HeadersDict


def netloc_of(url: str) -> str:
    parts = url.split("/", 3)
    return parts[2].lower() if len(parts) > 2 else ""


def register(netloc: str, handler: Callable[[Any], Any]) -> None:
    """Answer requests for ``netloc`` with ``handler(request) -> AWSResponse``; ``*.<host>``
    answers every direct subdomain of ``<host>`` (S3 virtual-host addressing)."""
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
    netloc = netloc_of(request.url)
    handler = _routes.get(netloc)
    if handler is None and "." in netloc:
        handler = _routes.get("*." + netloc.split(".", 1)[1])
    if handler is not None:
        return handler(request)
    return _original(self, request)


def register_api(netloc: str, answer: Answer) -> None:
    """Answer API calls whose URL host is ``netloc`` with ``answer(method, url, body)`` →
    ``(status, headers, body)``, at botocore's ``before-call`` (see the module docstring)."""
    global _original_call
    from botocore.client import BaseClient

    with _lock:
        if _original_call is None:
            _original_call = BaseClient._make_api_call
            BaseClient._make_api_call = _make_api_call
        _answers[netloc.lower()] = answer


def unregister_api(netloc: str, answer: Answer | None = None) -> None:
    global _original_call
    from botocore.client import BaseClient

    with _lock:
        current = _answers.get(netloc.lower())
        if current is not None and (answer is None or current == answer):
            del _answers[netloc.lower()]
        if not _answers and _original_call is not None:
            BaseClient._make_api_call = _original_call
            _original_call = None


def _make_api_call(self: Any, operation_name: str, api_params: Any) -> Any:
    original = _original_call
    if original is None:  # unregistered meanwhile: the class attribute is the original again
        return type(self)._make_api_call(self, operation_name, api_params)
    if "_wsnb_local_hooked" not in self.__dict__:
        self._wsnb_local_hooked = True
        self.meta.events.register(
            "before-call", functools.partial(_before_call, self._endpoint), unique_id=_HOOK_ID
        )
    return original(self, operation_name, api_params)


def _before_call(
    endpoint: Any, model: Any = None, params: Any = None, request_signer: Any = None, **_: Any
) -> Any:
    if not _answers or not params:
        return None
    url = params.get("url") or ""
    answer = _answers.get(netloc_of(url))
    if answer is None:
        return None
    if request_signer is not None:
        _check_credentials(request_signer)
    body = params.get("body") or b""
    if isinstance(body, str):
        body = body.encode()
    elif not isinstance(body, (bytes, bytearray)):
        body = body.read()
    status, headers, out = answer(params.get("method", "GET"), url, bytes(body))
    mark = _trace.current() if _trace.ON else None
    if mark is None:
        return _parsed(endpoint, model, url, status, headers, out)
    started, entered = _trace.cpu(), _trace.now()
    try:
        return _parsed(endpoint, model, url, status, headers, out)
    finally:
        mark.ac += _trace.cpu() - started
        mark.aw += _trace.now() - entered


def _check_credentials(signer: Any) -> None:
    import botocore
    from botocore.exceptions import NoCredentialsError

    if (
        getattr(signer, "_credentials", True) is None
        and getattr(signer, "signature_version", None) is not botocore.UNSIGNED
    ):
        raise NoCredentialsError()


def _parsed(
    endpoint: Any, model: Any, url: str, status: int, headers: dict[str, str], out: bytes
) -> tuple[Any, dict[str, Any]]:
    """The ``(http_response, parsed)`` pair botocore's endpoint would produce for this answer."""
    from botocore.endpoint import convert_to_response_dict

    http = response(url, status, headers, out)
    response_dict = convert_to_response_dict(http, model)
    service = model.service_model
    protocol = getattr(service, "resolved_protocol", None) or service.protocol
    parser = endpoint._response_parser_factory.create_parser(protocol)
    parsed = parser.parse(response_dict, model.output_shape)
    if status >= 300:
        code = parsed.get("Error", {}).get("Code")
        shape = service.shape_for_error_code(code) if code else None
        if shape is not None:
            parsed.update(parser.parse(response_dict, shape))
    meta = parsed.get("ResponseMetadata")
    if isinstance(meta, dict):
        meta["RetryAttempts"] = 0
    return http, parsed
