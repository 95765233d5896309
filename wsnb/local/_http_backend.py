"""HTTP and HTTP_PROXY integrations: the request API Gateway sends to the backend URL.

``HTTP_PROXY`` sends the message as it came and the backend's body is the reply; ``HTTP``
sends the request template's output and its answer goes through the integration responses
("Set up a WebSocket API integration request in API Gateway"). Request parameters add headers,
query-string values and ``{name}`` path parameters. Redirects are not followed (the 3xx is the
answer). Blocking: the emulator runs it on a worker thread, bounded by the integration timeout.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode, urlsplit, urlunsplit

__all__ = ["BackendError", "HttpAnswer", "send"]


class BackendError(Exception):
    """The backend could not be reached, or did not answer in time (``timed_out``)."""

    def __init__(self, reason: str, *, timed_out: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.timed_out = timed_out


@dataclass(frozen=True)
class HttpAnswer:
    status: int
    headers: dict[str, str]
    body: bytes


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # the 3xx itself is the backend's answer


_OPENER = urllib.request.build_opener(_NoRedirect())
# A loopback backend is reached directly, whatever proxy the environment names.
_LOOPBACK_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect())
_LOOPBACK = ("127.0.0.1", "localhost", "::1")


def target_url(url: str, querystring: dict[str, str], path: dict[str, str]) -> str:
    """``url`` with ``{name}`` path parameters filled in and the query string added."""
    for name, value in path.items():
        url = url.replace("{" + name + "}", quote(value, safe=""))
    if not querystring:
        return url
    parts = urlsplit(url)
    query = "&".join(q for q in (parts.query, urlencode(querystring)) if q)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))


def send(
    method: str | None,
    url: str,
    body: bytes,
    headers: dict[str, str],
    timeout: float,
) -> HttpAnswer:
    """One request to the backend; its answer whatever the status (raises
    :class:`BackendError` when there is none)."""
    verb = "POST" if method in (None, "ANY") else method
    data = body if verb not in ("GET", "HEAD") else None
    request = urllib.request.Request(url, data=data, headers=headers, method=verb)
    try:
        opener = _LOOPBACK_OPENER if urlsplit(url).hostname in _LOOPBACK else _OPENER
        with opener.open(request, timeout=timeout) as response:
            return HttpAnswer(response.status, dict(response.headers.items()), response.read())
    except urllib.error.HTTPError as exc:
        with exc:
            return HttpAnswer(exc.code, dict(exc.headers.items()), exc.read())
    except TimeoutError as exc:
        raise BackendError(f"{verb} {url}: no answer in {timeout:g} s", timed_out=True) from exc
    except urllib.error.URLError as exc:
        reason = exc.reason
        if isinstance(reason, TimeoutError):
            raise BackendError(f"{verb} {url}: no answer in {timeout:g} s", timed_out=True) from exc
        raise BackendError(f"{verb} {url}: {reason}") from exc
    except (OSError, ValueError) as exc:
        raise BackendError(f"{verb} {url}: {exc}") from exc
