"""The event log (bounded), subscriptions to it, and a static HTML view of a running server."""

from __future__ import annotations

import contextlib
import html
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._server import LocalServer

Record = dict[str, Any]


class EventLog:
    """The last ``maxlen`` records of connect/message/disconnect/error/... events."""

    def __init__(self, maxlen: int) -> None:
        self._items: deque[Record] = deque(maxlen=maxlen)
        self._subscribers: list[Callable[[Record], Any]] = []
        self._lock = threading.Lock()

    def add(self, kind: str, **fields: Any) -> Record:
        record: Record = {"time": time.time(), "type": kind, **fields}
        self._items.append(record)
        for callback in self._subscribers:
            with contextlib.suppress(Exception):  # a broken view never breaks the server
                callback(record)
        return record

    def subscribe(self, callback: Callable[[Record], Any]) -> Callable[[], None]:
        with self._lock:
            self._subscribers = [*self._subscribers, callback]

        def unsubscribe() -> None:
            with self._lock:
                self._subscribers = [c for c in self._subscribers if c is not callback]

        return unsubscribe

    def snapshot(self) -> list[Record]:
        return list(self._items)


_STYLE = (
    "font-family:var(--jp-code-font-family,monospace);font-size:12px;border-collapse:collapse;"
    "color:var(--jp-content-font-color1,inherit)"
)


def _cell(value: Any) -> str:
    text = "" if value is None else str(value)
    if len(text) > 120:
        text = text[:119] + "…"
    return f'<td style="padding:2px 8px;border-bottom:1px solid var(--jp-border-color2,#ddd)">{html.escape(text)}</td>'


class Monitor:
    """A snapshot view of a server: its connections and its latest events.

    ``display(server.monitor())`` in a notebook; for a live view subscribe with
    ``server.on_event(callback)``.
    """

    def __init__(self, server: LocalServer, limit: int = 50) -> None:
        self.server = server
        self.limit = limit

    def to_text(self) -> str:
        s = self.server
        lines = [f"{s!r}", f"connections ({len(s.connections)}):"]
        lines += [
            f"  {c['connectionId']}  {c['sourceIp']}  in={c['messagesIn']} out={c['messagesOut']}"
            for c in s.connections
        ]
        lines.append(f"last {self.limit} events:")
        for r in s.events[-self.limit :]:
            lines.append(
                "  "
                + "  ".join(
                    str(r.get(k, "")) for k in ("type", "connectionId", "routeKey", "detail")
                )
            )
        return "\n".join(lines)

    def to_html(self) -> str:
        s = self.server
        conns = "".join(
            "<tr>"
            + "".join(
                _cell(c[k])
                for k in ("connectionId", "sourceIp", "userAgent", "messagesIn", "messagesOut")
            )
            + "</tr>"
            for c in s.connections
        )
        events = "".join(
            "<tr>"
            + _cell(time.strftime("%H:%M:%S", time.localtime(r["time"])))
            + "".join(
                _cell(r.get(k)) for k in ("type", "connectionId", "routeKey", "status", "detail")
            )
            + "</tr>"
            for r in reversed(s.events[-self.limit :])
        )

        def head(*names: str) -> str:
            cells = "".join(f'<th style="text-align:left;padding:2px 8px">{n}</th>' for n in names)
            return f"<tr>{cells}</tr>"

        return (
            f'<div class="wsnb-local-monitor"><div style="{_STYLE}"><b>{html.escape(repr(s))}</b></div>'
            f'<table style="{_STYLE}">{head("connection", "ip", "user agent", "in", "out")}{conns}</table>'
            f'<table style="{_STYLE};margin-top:6px">{head("time", "event", "connection", "route", "status", "detail")}{events}</table></div>'
        )

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        return {"text/plain": self.to_text(), "text/html": self.to_html()}

    def __repr__(self) -> str:
        return self.to_text()
