"""Pure functions from the model (and from synth/emulator results) to plain-JSON widget state.

Nothing here imports ipywidgets or anywidget, so it is tested without a kernel. Every section
is computed on its own: a section that fails reports its message and the others still show.
"""

from __future__ import annotations

import base64
import dataclasses
import json
import time
from collections import Counter
from typing import TYPE_CHECKING, Any

from .._errors import WsnbError

if TYPE_CHECKING:
    from .._api import WebSocketApi
    from ..model import ApiSpec

#: events kept in the widget's live log (older ones are dropped)
MAX_EVENTS = 200
_MAX_TEXT = 2000


def error_text(exc: BaseException) -> str:
    """A message for the user, never a traceback: wsnb errors as they print, others one line."""
    if isinstance(exc, WsnbError):
        return str(exc)
    text = str(exc).strip()
    lines = text.splitlines()
    first = lines[0] if lines else ""
    more = " …" if len(lines) > 1 else ""
    return f"{type(exc).__name__}: {first}{more}" if first else type(exc).__name__


def _section(compute: Any, *args: Any) -> tuple[Any, str]:
    try:
        return compute(*args), ""
    except Exception as exc:  # one broken section must not hide the others
        return None, error_text(exc)


# ---------------------------------------------------------------- routes


def route_rows(spec: ApiSpec) -> list[dict[str, Any]]:
    """The same rows the static HTML table shows (props merged, provenance kept, secrets masked)."""
    from ..display import route_rows as rows

    return rows(spec)


def route_columns(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The Routes tab's columns after route and handler: the static HTML table's, decided here
    once (``[{"name", "label"}, ...]``; ``other`` also names its ``props``)."""
    from ..display import route_columns as columns

    return columns(rows)


def overview(spec: ApiSpec) -> dict[str, Any]:
    """The API-level settings shown above the sections, as display strings."""
    from ..display import summary

    return {"id": spec.id, **summary(spec)}


# ---------------------------------------------------------------- lint


def finding_json(item: Any) -> dict[str, str]:
    """A lint finding as plain JSON (``level``, ``code``, ``message``, ``fix``)."""
    return {
        "level": str(getattr(item, "level", "info")),
        "code": str(getattr(item, "code", "")),
        "message": str(getattr(item, "message", item)),
        "fix": str(getattr(item, "fix", "") or ""),
    }


_LEVEL_ORDER = {"error": 0, "warning": 1, "info": 2}


def lint_findings(api: WebSocketApi) -> list[dict[str, str]]:
    """``api.lint()`` as JSON, most severe first (stable within a level)."""
    items = [finding_json(f) for f in api.lint()]
    return sorted(items, key=lambda f: _LEVEL_ORDER.get(f["level"], 3))


# ---------------------------------------------------------------- the whole model


def _svg(spec: ApiSpec) -> str:
    from ..display import to_svg

    return to_svg(spec)


def model_state(api: WebSocketApi) -> dict[str, Any]:
    """All model-derived traits of the widget, each section with its own error text."""
    spec = api.spec
    state: dict[str, Any] = {"api_id": spec.id, "digest": spec.digest()}
    _checked, err_model = _section(spec.check)
    state["overview"], err_overview = _section(overview, spec)
    state["routes"], state["routes_error"] = _section(route_rows, spec)
    state["route_columns"], columns_error = _section(route_columns, state["routes"] or [])
    state["routes_error"] = state["routes_error"] or columns_error
    state["svg"], state["svg_error"] = _section(_svg, spec)
    state["findings"], state["lint_error"] = _section(lint_findings, api)
    state["overview"] = state["overview"] or {}
    state["routes"] = state["routes"] or []
    state["route_columns"] = state["route_columns"] or []
    state["svg"] = state["svg"] or ""
    state["findings"] = state["findings"] or []
    state["error"] = err_model or err_overview
    return state


# ---------------------------------------------------------------- CloudFormation


def template_text(template: dict[str, Any]) -> str:
    """The template as the viewer, the copy button and the download link carry it."""
    return json.dumps(template, indent=2, ensure_ascii=False) + "\n"


def resource_counts(template: dict[str, Any]) -> list[list[Any]]:
    """``[[type, count], ...]`` sorted by type, plus nothing else (plain JSON)."""
    types = Counter(
        str(res.get("Type", "?"))
        for res in (template.get("Resources") or {}).values()
        if isinstance(res, dict)
    )
    return [[name, types[name]] for name in sorted(types)]


def data_uri(text: str, mime: str = "application/json") -> str:
    """A ``data:`` URI for a download link that needs no server file access."""
    return f"data:{mime};base64," + base64.b64encode(text.encode("utf-8")).decode("ascii")


def synth_state(
    template: dict[str, Any],
    *,
    digest: str,
    filename: str,
    warnings: Any = (),
    stack_name: str = "",
    options: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The CloudFormation section after a successful synth: the template, its counts, what
    it was synthesized for (stack, app, stage, region, account) and the synth warnings, each
    at its level ("info" for a note such as the access-log role, else "warning")."""
    text = template_text(template)
    opts = options or {}
    return {
        "template_json": text,
        "template_digest": digest,
        "template_filename": filename,
        "template_data_uri": data_uri(text),
        "resource_counts": resource_counts(template),
        "synth_target": {
            "stack": stack_name,
            "app": str(opts.get("app") or "app"),
            "stage": str(opts.get("stage") or "dev"),
            "region": str(opts.get("region") or ""),
            "account": str(opts.get("account") or ""),
        },
        "synth_warnings": [
            {
                "level": str(getattr(w, "level", "warning")),
                "code": str(getattr(w, "code", "") or ""),
                "text": str(w),
            }
            for w in warnings
        ],
    }


# ---------------------------------------------------------------- emulator


def jsonable(value: Any, depth: int = 0) -> Any:
    """Any emulator value (dataclass, object, bytes...) as plain, bounded JSON."""
    if depth > 6:
        return _clip(repr(value))
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, str):
        return _clip(value)
    if isinstance(value, bytes):
        return _clip(value.decode("utf-8", "replace"))
    if isinstance(value, dict):
        return {str(k): jsonable(v, depth + 1) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        items = sorted(value, key=repr) if isinstance(value, (set, frozenset)) else value
        return [jsonable(v, depth + 1) for v in items]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
        return jsonable(fields, depth + 1)
    to_dict = getattr(value, "to_dict", None)
    if callable(to_dict):
        try:
            return jsonable(to_dict(), depth + 1)
        except Exception:
            pass
    if hasattr(value, "isoformat"):
        return value.isoformat()
    public = {k: v for k, v in getattr(value, "__dict__", {}).items() if not k.startswith("_")}
    if public:
        return jsonable(public, depth + 1)
    return _clip(str(value))


def _clip(text: str) -> str:
    return text if len(text) <= _MAX_TEXT else text[: _MAX_TEXT - 1] + "…"


_KIND_KEYS = ("kind", "type", "event", "event_type", "eventType", "name")
_ROUTE_KEYS = ("route", "route_key", "routeKey")
_CONN_KEYS = ("connection_id", "connectionId", "connection", "id")
_TEXT_KEYS = ("message", "text", "body", "data", "detail", "log", "error")


def _first(data: dict[str, Any], keys: tuple[str, ...]) -> str:
    for key in keys:
        value = data.get(key)
        if value not in (None, ""):
            return (
                value if isinstance(value, str) else json.dumps(value, sort_keys=True, default=str)
            )
    return ""


def event_row(event: Any) -> dict[str, Any]:
    """One emulator event as a log row: ``kind``, ``route``, ``connection``, ``text``, ``level``."""
    data = jsonable(event)
    if not isinstance(data, dict):
        data = {"text": data}
    kind = _first(data, _KIND_KEYS)
    text = _first(data, _TEXT_KEYS)
    level = str(data.get("level", ""))
    if not level:
        level = "error" if "error" in kind.lower() or data.get("error") else "info"
    stamp = data.get("time", data.get("timestamp", ""))
    if isinstance(stamp, (int, float)) and not isinstance(stamp, bool):
        stamp = time.strftime("%H:%M:%S", time.localtime(stamp))
    return {
        "kind": kind,
        "route": _first(data, _ROUTE_KEYS),
        "connection": _first(data, _CONN_KEYS) if kind != "connection" else "",
        "status": str(data.get("status", "") or ""),
        "text": _clip(text),
        "level": level,
        "time": str(stamp),
    }


#: arrows kept in the widget's traffic picture (the latest ones)
MAX_TRAFFIC_STEPS = 120


def traffic_state(handle: Any) -> dict[str, Any]:
    """The handle's ``traffic()`` as plain JSON for the Local tab (``{}`` without one)."""
    make = getattr(handle, "traffic", None)
    if not callable(make):
        return {}
    picture = make()
    steps = [
        {
            "source": s.source,
            "target": s.target,
            "text": s.text,
            "reply": s.reply,
            "failed": s.failed,
        }
        for s in picture.steps
    ]
    first = max(0, len(steps) - MAX_TRAFFIC_STEPS)
    return {
        "participants": picture.participants,
        "steps": steps[first:],
        "first": first + 1,
        "summary": jsonable(picture.summary()),
    }


def connection_rows(connections: Any) -> list[dict[str, Any]]:
    """The handle's open connections (a dict by id or a list) as ``[{"id": ..., ...}]``."""
    if connections is None:
        return []
    if callable(connections):
        connections = connections()
    if isinstance(connections, dict):
        items = []
        for cid, info in connections.items():
            data = jsonable(info)
            row = dict(data) if isinstance(data, dict) else {"info": data}
            row.setdefault("id", str(cid))
            items.append(row)
    else:
        items = []
        for info in connections:
            data = jsonable(info)
            row = dict(data) if isinstance(data, dict) else {"id": str(data)}
            if "id" not in row:
                row["id"] = _first(row, _CONN_KEYS) or ""
            items.append(row)
    return [_connection_summary(r) for r in items]


def _connection_summary(row: dict[str, Any]) -> dict[str, Any]:
    keep = (
        "id",
        "connected_at",
        "connectedAt",
        "source_ip",
        "sourceIp",
        "messagesIn",
        "messagesOut",
    )
    out = {k: row[k] for k in keep if k in row}
    out["id"] = str(row.get("id", ""))
    return out
