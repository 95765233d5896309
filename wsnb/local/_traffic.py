"""A picture of what happened on a local server: a sequence diagram and a per-route summary.

``server.traffic()`` reads the event log (``server.events``) and draws who talked to whom:

    client → API Gateway → route's function → @connections → clients

as HTML (a plain table, inline styles only, readable when the notebook is untrusted or rendered
on GitHub: no ``<style>``, no ``<svg>``, ``$`` escaped so MathJax leaves ``$connect`` alone), as
Mermaid text (``to_mermaid()``) and as plain text (``to_text()``). Clients are labelled
``client 1``, ``client 2``, … in the order they connected, never by connection id, and the
diagram shows no times: the same events give the same bytes. ``summary()`` is the per-route
count, errors and p50/p95 latency (milliseconds, from the ``message`` record to the invocation's
end; ``$connect`` / ``$disconnect``: from their invocation's start to its end, as their
``result`` records tell) as data; latencies are shown as ``12.3 ms`` so a notebook checker can
mask them.

A handler's ``post_to_connection`` is drawn in the invocation that made it, however many run at
once: its ``post`` record names that invocation (``invocationRequestId``), and the record that
starts the invocation has the same ``requestId`` (``message``; ``connect`` / ``reject`` for
``$connect``; ``authorize`` for the authorizer; ``disconnect`` for ``$disconnect``). A post
recorded before that record (the handler thread can be that quick) is drawn after it; one whose
invocation the log does not show (cut off by ``last``) stays where it was logged. Posts without
an invocation are drawn on their own (from the notebook, over HTTP); a record without the field
(a log from an older wsnb) is placed by its ``routeKey``, in the oldest open invocation of that
route. The lines a handler wrote (``log`` records: ``console.log`` in a Node.js handler) are
notes on its function's lifeline in the same invocation, without the time and request id
CloudWatch puts before them.

A route that is not a Lambda proxy is drawn with its integration as the participant — the
records' ``target``: ``MOCK``, ``HTTP``, ``HTTP_PROXY``, ``AWS sqs``, ``λ ask`` (non-proxy),
``λ ask (Event)`` — answering with its status (``200``, ``202 accepted``, ``error (200)`` for a
function error its integration responses mapped); an ``Event`` invocation's end is drawn in its
group (``done (Event)`` / ``error (Event, logged)``: nothing is sent). Errors in the summary
also count integration errors (a 4XX/5XX answer or a function error, as CloudWatch's
``IntegrationError`` does) and failed ``Event`` invocations.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

_GATEWAY = "API Gateway"
_MANAGEMENT = "@connections"
_PREVIEW = 36
_REASONS: dict[Any, str] = {410: "410 Gone", 413: "413 Payload too large"}
_LIFECYCLE = ("$connect", "$disconnect")
_LOG_PREVIEW = 56


@dataclass(frozen=True)
class Step:
    """One arrow: ``source`` → ``target`` saying ``text``; ``reply`` arrows are dashed; a
    ``note`` (a handler's log line) is no arrow: ``text`` written on ``source``'s lifeline."""

    source: str
    target: str
    text: str
    reply: bool = False
    failed: bool = False
    note: bool = False


def _short(text: Any, limit: int = _PREVIEW) -> str:
    value = " ".join(str(text or "").split())
    return value if len(value) <= limit else value[: limit - 1] + "…"


def _client_number(post_text: str) -> int:
    """``3`` for ``"POST → client 3"`` (the sort key of a broadcast's posts)."""
    tail = post_text.rsplit(" ", 1)[-1]
    return int(tail) if tail.isdigit() else 0


def _function(key: str) -> str:
    return f"λ {key}"


def _log_text(detail: Any) -> str:
    """A log line as the diagram shows it: CloudWatch's ``time\trequestId\tLEVEL\tmessage``
    as ``LEVEL message`` (times and ids would make each drawing differ)."""
    text = str(detail or "")
    parts = text.split("\t", 3)
    if len(parts) == 4 and parts[2].isupper():
        text = f"{parts[2]} {parts[3]}"
    return _short(text, _LOG_PREVIEW)


class Traffic:
    """The traffic of one server, from a snapshot of its events (see the module docstring)."""

    def __init__(self, events: Iterable[dict[str, Any]], routes: Iterable[str] = ()) -> None:
        self.events = [dict(e) for e in events]
        self.routes = frozenset(routes)
        self._clients: dict[str, str] = {}
        # route → who ran it, as records name it (``target``: ``MOCK``, ``AWS sqs``, ``λ ask
        # (Event)``…, for routes that are not Lambda proxies; "" for one the emulator skipped)
        self._targets: dict[Any, str] = {}
        self.steps = self._build()

    # ------------------------------------------------------------------ building

    def _who(self, key: Any, record: dict[str, Any] | None = None) -> str:
        """The participant that ran route ``key`` (learnt from the records' ``target``)."""
        if record is not None and "target" in record:
            self._targets[key] = str(record["target"] or "")
        return self._targets.get(key) or _function(key)

    def _client(self, cid: Any) -> str:
        label = self._clients.get(cid)
        if label is None:
            label = self._clients[cid] = f"client {len(self._clients) + 1}"
        return label

    def _build(self) -> list[Step]:
        # Each invocation's arrows form a group drawn where its message arrived: its posts and
        # its end stay with it even when another client's message was logged in between.
        out: list[list[Step]] = []
        open_calls: dict[Any, list[tuple[Any, list[Step]]]] = {}  # route → (requestId, group)
        early_posts: dict[str, list[dict[str, Any]]] = {}  # posts logged before their message
        invocations: dict[Any, list[Step]] = {}  # requestId → the group of that invocation
        # posts logged before their invocation started: (records, group where they were logged)
        waiting: dict[Any, tuple[list[dict[str, Any]], list[Step]]] = {}
        auth: dict[Any, dict[str, Any]] = {}  # connection → its authorize record
        closed_by_server: set[Any] = set()

        def group() -> list[Step]:
            out.append([])
            return out[-1]

        def post(record: dict[str, Any], into: list[Step]) -> None:
            source = record.get("routeKey") or "notebook"
            caller = self._who(source) if source in self.routes else source
            target = self._client(record.get("connectionId"))
            status = record.get("status")
            pair = [Step(caller, _MANAGEMENT, f"POST → {target}")]
            if status == 200:
                pair.append(Step(_MANAGEMENT, target, _short(record.get("detail")), reply=True))
            else:
                reason = _REASONS.get(status, str(status))
                pair.append(Step(_MANAGEMENT, caller, reason, reply=True, failed=True))
            # A run of posts from one invocation (a broadcast) is drawn in client order: the
            # order of a table scan is not something a diagram should depend on.
            run_start = len(into)
            while (
                run_start >= 2
                and into[run_start - 2].target == _MANAGEMENT
                and (into[run_start - 2].source == caller)
            ):
                run_start -= 2
            pairs = [into[i : i + 2] for i in range(run_start, len(into), 2)] + [pair]
            pairs.sort(key=lambda p: _client_number(p[0].text))
            into[run_start:] = [step for p in pairs for step in p]

        def note(record: dict[str, Any], into: list[Step]) -> None:
            caller = _function(record.get("routeKey") or "?")
            into.append(Step(caller, caller, _log_text(record.get("detail")), note=True))

        def place(record: dict[str, Any], into: list[Step]) -> None:
            (note if record.get("type") == "log" else post)(record, into)

        def started(request_id: Any, steps: list[Step]) -> None:
            """The invocation ``request_id`` is drawn in ``steps``: its posts and logs go there."""
            if request_id is None:
                return
            invocations[request_id] = steps
            pending = waiting.pop(request_id, None)
            if pending is not None:
                for early in pending[0]:
                    place(early, steps)

        def handshake(record: dict[str, Any], refused: bool) -> None:
            steps = group()
            cid = record.get("connectionId")
            client = self._client(cid)
            steps.append(Step(client, _GATEWAY, "connect"))
            decision = auth.pop(cid, None)
            if decision is not None:
                steps.append(Step(_GATEWAY, "authorizer", "authorize"))
                started(decision.get("requestId"), steps)
                verdict = str(decision.get("detail") or "").split(" ")[0]
                steps.append(
                    Step("authorizer", _GATEWAY, verdict, reply=True, failed=verdict != "allow")
                )
                if verdict != "allow":
                    steps.append(
                        Step(_GATEWAY, client, f"{record.get('status')} refused", True, True)
                    )
                    return
            if "$connect" in self.routes and record.get("target") != "":
                steps.append(Step(_GATEWAY, self._who("$connect", record), "CONNECT"))
                started(record.get("requestId"), steps)
                for early in early_posts.pop("$connect", []):
                    post(early, steps)
            status = record.get("status")
            if refused:
                steps.append(Step(_GATEWAY, client, f"{status} refused", True, True))
            else:
                steps.append(Step(_GATEWAY, client, "101 connected", reply=True))

        for record in self.events:
            kind = record.get("type")
            cid = record.get("connectionId")
            key = record.get("routeKey")
            if kind == "authorize":
                auth[cid] = record
            elif kind == "unauthorized":
                steps = group()
                client = self._client(cid)
                steps.append(Step(client, _GATEWAY, "connect"))
                steps.append(Step(_GATEWAY, client, "401 identity source missing", True, True))
            elif kind in ("connect", "reject"):
                handshake(record, refused=kind == "reject")
            elif kind == "message":
                steps = group()
                client = self._client(cid)
                steps.append(Step(client, _GATEWAY, _short(record.get("detail"))))
                if key is None:
                    steps.append(Step(_GATEWAY, client, "Forbidden (no route)", True, True))
                    continue
                steps.append(Step(_GATEWAY, self._who(key, record), key))
                open_calls.setdefault(key, []).append((record.get("requestId"), steps))
                started(record.get("requestId"), steps)
                for early in early_posts.pop(key, []):
                    post(early, steps)
            elif (kind == "post" and record.get("invocationRequestId") is not None) or (
                kind == "log" and record.get("requestId") is not None
            ):
                rid = record["invocationRequestId" if kind == "post" else "requestId"]
                steps_of = invocations.get(rid)
                if steps_of is not None:
                    place(record, steps_of)
                else:
                    waiting.setdefault(rid, ([], group()))[0].append(record)
            elif kind == "post":  # no invocation (notebook, HTTP, an older log): by routeKey
                source = record.get("routeKey")
                calls = open_calls.get(source)
                if calls:  # the oldest open invocation ($disconnect: the latest)
                    post(record, calls[-1 if source == "$disconnect" else 0][1])
                elif source in self.routes:
                    early_posts.setdefault(source, []).append(record)
                else:
                    post(record, group())
            elif kind == "result" and key is not None and key not in _LIFECYCLE:
                calls = open_calls.get(key, [])
                found = next((c for c in calls if c[0] == record.get("requestId")), None)
                if found is not None:
                    calls.remove(found)
                steps = found[1] if found is not None else group()
                client = self._client(cid)
                status = record.get("status")
                who = self._who(key, record)
                if status == 200:
                    steps.append(
                        Step(who, _GATEWAY, _answer_text(record), True, _integration_error(record))
                    )
                    if record.get("detail") is not None:
                        steps.append(Step(_GATEWAY, client, _short(record["detail"]), reply=True))
                else:
                    what = record.get("why") or ("timed out" if status == 504 else "error")
                    frame = record.get("frame") or "Internal server error"
                    steps.append(Step(who, _GATEWAY, what, reply=True, failed=True))
                    steps.append(Step(_GATEWAY, client, frame, True, True))
            elif kind == "async":  # an Event invocation ended: nothing is sent to anyone
                steps_of = invocations.get(record.get("requestId"))
                where = steps_of if steps_of is not None else group()
                ok = record.get("status") == 200
                where.append(
                    Step(
                        self._who(key, record),
                        _GATEWAY,
                        "done (Event)" if ok else "error (Event, logged)",
                        reply=True,
                        failed=not ok,
                    )
                )
            elif kind == "close" and cid is not None:
                closed_by_server.add(cid)
                reason = _short(record.get("detail"), 24)
                group().append(
                    Step(
                        _GATEWAY,
                        self._client(cid),
                        f"close {record.get('status')} ({reason})",
                        True,
                    )
                )
            elif kind == "disconnect":
                steps = group()
                client = self._client(cid)
                if cid not in closed_by_server:
                    steps.append(Step(client, _GATEWAY, f"close {record.get('status')}"))
                if "$disconnect" in self.routes and record.get("target") != "":
                    steps.append(Step(_GATEWAY, self._who("$disconnect", record), "DISCONNECT"))
                    open_calls["$disconnect"] = [(None, steps)]
                    started(record.get("requestId"), steps)
        for pending in early_posts.values():
            for record in pending:
                post(record, group())
        for records, where in waiting.values():  # their invocation is not in the log
            for record in records:
                place(record, where)
        return [step for steps in out for step in steps]

    # ------------------------------------------------------------------ participants

    @property
    def participants(self) -> list[str]:
        """Clients, API Gateway, the authorizer, functions (route order of first use),
        @connections and any outside caller (``notebook``, ``http``), as they appear."""
        seen = {name for step in self.steps for name in (step.source, step.target)}
        clients = list(self._clients.values())
        backends = set(self._targets.values())
        functions = [
            name
            for name in dict.fromkeys(n for s in self.steps for n in (s.source, s.target))
            if name.startswith("λ ") or name in backends
        ]
        rest = ["authorizer"] if "authorizer" in seen else []
        tail = [_MANAGEMENT] if _MANAGEMENT in seen else []
        known = {*clients, _GATEWAY, *rest, *functions, *tail}
        outside = [n for n in dict.fromkeys(s.source for s in self.steps) if n not in known]
        return [*clients, _GATEWAY, *rest, *functions, *tail, *outside] if self.steps else []

    # ------------------------------------------------------------------ summary

    def summary(self) -> list[dict[str, Any]]:
        """Per route: ``{"route", "count", "errors", "p50_ms", "p95_ms"}`` (latencies ``None``
        where the log has no finished invocation of that route; ``"(no route)"`` counts messages
        answered ``Forbidden``; ``$connect`` counts handshakes, errors being refusals, and times
        its handler's invocations, as ``$disconnect`` does, from their ``result`` records)."""
        started: dict[Any, float] = {}
        rows: dict[str, dict[str, Any]] = {}
        latencies: dict[str, list[float]] = {}

        def row(route: str) -> dict[str, Any]:
            return rows.setdefault(route, {"route": route, "count": 0, "errors": 0})

        for record in self.events:
            kind, key = record.get("type"), record.get("routeKey")
            if kind == "message":
                r = row(key if key is not None else "(no route)")
                r["count"] += 1
                if key is None:
                    r["errors"] += 1
                else:
                    started[record.get("requestId")] = record.get("time", 0.0)
            elif kind == "result" and key in _LIFECYCLE:
                # Timed from its own start (``started``); errors are the handshake's refusals
                # (``reject``) and ``$disconnect``'s ``error`` records, counted below.
                begun = record.get("started")
                end = record.get("time")
                if isinstance(begun, (int, float)) and isinstance(end, (int, float)):
                    latencies.setdefault(key, []).append(max(0.0, (end - begun) * 1000))
            elif kind == "result" and key is not None:
                if record.get("status") != 200 or _integration_error(record):
                    row(key)["errors"] += 1
                begun = started.pop(record.get("requestId"), None)
                if begun is not None:
                    latencies.setdefault(key, []).append(
                        max(0.0, (record.get("time", begun) - begun) * 1000)
                    )
            elif kind in ("connect", "reject") and "$connect" in self.routes:
                r = row("$connect")
                r["count"] += 1
                r["errors"] += kind == "reject"
            elif kind == "disconnect" and "$disconnect" in self.routes:
                row("$disconnect")["count"] += 1
            elif kind == "error" and key == "$disconnect":
                row("$disconnect")["errors"] += 1
            elif kind == "async" and key is not None and record.get("status") != 200:
                row(key)["errors"] += 1  # an Event invocation failed in the background
        out = []
        for route, r in rows.items():
            values = sorted(latencies.get(route, []))
            r["p50_ms"] = _percentile(values, 50)
            r["p95_ms"] = _percentile(values, 95)
            out.append(r)
        return out

    # ------------------------------------------------------------------ renders

    def to_text(self) -> str:
        if not self.steps:
            return "(no traffic yet)"
        lines = [
            f"{i:>3}. {s.source}: {s.text}"
            if s.note
            else f"{i:>3}. {s.source} {'-->' if s.reply else '->'} {s.target}: {s.text}"
            for i, s in enumerate(self.steps, 1)
        ]
        return "\n".join(lines)

    def to_mermaid(self) -> str:
        """A Mermaid ``sequenceDiagram`` (paste into a ```` ```mermaid ```` block)."""
        names = self.participants
        alias = {name: f"P{i}" for i, name in enumerate(names)}
        lines = ["sequenceDiagram"]
        lines += [f"    participant {alias[n]} as {_mermaid_text(n)}" for n in names]
        for s in self.steps:
            if s.note:
                lines.append(f"    Note over {alias[s.source]}: {_mermaid_text(s.text)}")
                continue
            arrow = ("--x" if s.failed else "-->>") if s.reply else "->>"
            lines.append(f"    {alias[s.source]}{arrow}{alias[s.target]}: {_mermaid_text(s.text)}")
        return "\n".join(lines) + "\n"

    def to_html(self, *, summary: bool = True) -> str:
        """The diagram as a plain table (and the summary table under it)."""
        return (
            '<div class="wsnb-traffic tex2jax_ignore mathjax_ignore">'
            + _diagram_html(self.participants, self.steps)
            + (_summary_html(self.summary()) if summary else "")
            + "</div>"
        )

    def summary_html(self) -> str:
        """Just the per-route summary table."""
        return (
            '<div class="wsnb-traffic tex2jax_ignore mathjax_ignore">'
            + _summary_html(self.summary())
            + "</div>"
        )

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        return {"text/plain": self.to_text(), "text/html": self.to_html()}

    def __repr__(self) -> str:
        return self.to_text()


def _answer_text(record: dict[str, Any]) -> str:
    """What a route's integration answered API Gateway: ``ok`` (a Lambda proxy), or the
    integration's status (``200``, ``202 accepted`` for an Event invocation, ``error (200)``
    for a non-proxy function's error mapped by its integration responses)."""
    status = record.get("integrationStatus")
    if status is None:
        return "ok"
    if record.get("integrationError"):
        return f"error ({status})"
    return "202 accepted" if status == 202 else str(status)


def _integration_error(record: dict[str, Any]) -> bool:
    """Whether a route's integration answered with an error (CloudWatch's ``IntegrationError``
    for WebSocket APIs: a 4XX/5XX response from the integration; or a non-proxy function's
    error), though API Gateway itself answered."""
    status = record.get("integrationStatus")
    return bool(record.get("integrationError")) or (isinstance(status, int) and status >= 400)


def _percentile(values: list[float], pct: int) -> float | None:
    """Nearest-rank percentile, rounded to 0.1 ms."""
    if not values:
        return None
    rank = max(1, -(-pct * len(values) // 100))
    return round(values[rank - 1], 1)


_MERMAID_ESCAPES = {"#": "#35;", ";": "#59;"}


def _mermaid_text(text: str) -> str:
    # Mermaid ends a message at a newline and reads '#…;' as an entity and ';' as a break.
    return "".join(_MERMAID_ESCAPES.get(c, c) for c in " ".join(text.split()))


# ---------------------------------------------------------------------- HTML


def _esc(text: str) -> str:
    return html.escape(text).replace("$", "&#36;")


# Plain values only (no CSS variables): untrusted-notebook sanitizers drop what they cannot
# check, and these read on light and dark themes alike.
_FONT = "font-family:monospace;font-size:12px"
_LINE = "#999"
_TEXT = "color:inherit"


def _diagram_html(names: list[str], steps: list[Step]) -> str:
    if not steps:
        return f'<p style="{_FONT}">(no traffic yet)</p>'
    column = {name: i for i, name in enumerate(names)}
    n = len(names)
    head = "".join(
        f'<th colspan="2" style="padding:2px 10px;text-align:center;white-space:nowrap;'
        f'border-bottom:1px solid {_LINE}">{_esc(name)}</th>'
        for name in names
    )
    rows = [f'<tr><th style="padding:2px 6px">#</th>{head}</tr>']
    for number, step in enumerate(steps, 1):
        a, b = column[step.source], column[step.target]
        lo, hi = min(a, b), max(a, b)
        cells = [f'<td style="padding:0 6px;text-align:right;color:#888">{number}</td>']
        if step.note:  # on the lifeline: both halves of the participant's column
            cells += [_blank(half) for half in range(2 * a)]
            cells.append(
                f'<td colspan="2" style="padding:1px 4px;text-align:center;white-space:nowrap;'
                f'font-style:italic;color:#777">{_esc(step.text)}</td>'
            )
            cells += [_blank(half) for half in range(2 * a + 2, 2 * n)]
            rows.append("<tr>" + "".join(cells) + "</tr>")
            continue
        # Two half-columns per participant: its lifeline runs between them.
        for half in range(2 * lo + 1):
            cells.append(_blank(half))
        line = "dashed" if step.reply else "solid"
        colour = "#d32f2f" if step.failed else "inherit"
        glyph_left, glyph_right = ("◀ ", "") if a > b else ("", " ▶")
        cells.append(
            f'<td colspan="{2 * (hi - lo)}" style="padding:1px 4px;text-align:center;'
            f'white-space:nowrap;border-bottom:1px {line} {_LINE};color:{colour}">'
            f"{glyph_left}{_esc(step.text)}{glyph_right}</td>"
        )
        for half in range(2 * hi + 1, 2 * n):
            cells.append(_blank(half))
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return f'<table style="border-collapse:collapse;{_FONT};{_TEXT}">' + "".join(rows) + "</table>"


def _blank(half: int) -> str:
    # The left half of each participant's pair carries its lifeline on its right edge.
    style = f"border-right:1px dotted {_LINE};" if half % 2 == 0 else ""
    return f'<td style="{style}min-width:3em"></td>'


def _summary_html(rows: list[dict[str, Any]]) -> str:
    if not rows:
        return ""

    def ms(value: float | None) -> str:
        return "–" if value is None else f"{value:.1f} ms"

    head = "".join(
        f'<th style="padding:2px 8px;text-align:left">{h}</th>'
        for h in ("route", "count", "errors", "p50", "p95")
    )
    body = "".join(
        "<tr>"
        + "".join(
            f'<td style="padding:2px 8px">{_esc(str(v))}</td>'
            for v in (r["route"], r["count"], r["errors"], ms(r["p50_ms"]), ms(r["p95_ms"]))
        )
        + "</tr>"
        for r in rows
    )
    return (
        f'<table style="border-collapse:collapse;margin-top:8px;{_FONT};{_TEXT}">'
        f"<tr>{head}</tr>{body}</table>"
    )
