"""The compact ``text/plain`` route table (what ``print(api)`` and ``repr(api)`` show)."""

from __future__ import annotations

import re
import textwrap

from .._lint import Finding, lint
from ..model import ApiSpec
from ._fit import TEXT_WIDTH, pack
from ._rows import (
    SOURCES,
    route_columns,
    rows_of,
    summary,
    target_heading,
)
from ._targets import short_reason

#: a value longer than this many characters goes on to further lines of its cell (whole, never
#: cut: the HTML table abbreviates, this one keeps the full text); route keys and handlers
#: break at 36, so the first table (route, handler) fits 80 characters whatever they are
CELL_CHARS = 40
CODE_CHARS = 36
_GAP = 2  # spaces between columns
_INDENT = "  "
_BREAKS = (re.compile(r"(?<=[/. ])"), re.compile(r"(?<=[_-])"))


def _lines(text: str, limit: int = CELL_CHARS) -> list[str]:
    """A cell's text as the lines it takes: a list breaks after its ", ", an item longer than a
    line after a separator ("/", ".", "_", "-", a space), or anywhere as a last resort."""
    if len(text) <= limit:
        return [text]
    lines: list[str] = []
    items = text.split(", ")
    for number, item in enumerate(items):
        piece = item + ("," if number < len(items) - 1 else "")
        if lines and len(lines[-1]) + 1 + len(piece) <= limit:
            lines[-1] += " " + piece
        else:
            lines += _pieces(piece, limit)
    return lines


def _pieces(text: str, limit: int, level: int = 0) -> list[str]:
    """One item over lines of at most ``limit``: broken after "/", "." or a space, a part still
    too long after "_" or "-", and the rest anywhere."""
    if len(text) <= limit:
        return [text]
    if level == len(_BREAKS):
        return [text[i : i + limit] for i in range(0, len(text), limit)]
    lines = [""]
    for part in _BREAKS[level].split(text):
        for piece in _pieces(part, limit, level + 1):
            if lines[-1] and len(lines[-1]) + len(piece.rstrip()) > limit:
                lines.append("")
            lines[-1] += piece
    return [line.strip() for line in lines if line.strip()]


def _cell(row: dict, col: dict, used: set[str]) -> str:
    name = col["name"]
    if name == "integration":
        return row["integration"]
    if name == "local":
        return short_reason(row["local"])  # the whole text: the HTML title, serve()'s log
    if name == "reply":
        return "yes" if row["return_response"] else ""
    if name == "auth":
        return row["authorization"] if row["authorization"] != "NONE" else ""
    names = col.get("props") or [name]
    parts = []
    for prop in names:
        value = row["props"].get(prop, "")
        if not value:
            continue
        source = row["provenance"].get(prop) or "route"
        used.add(source)
        text = f"{prop}={value}" if name == "other" else value
        parts.append(text + SOURCES.get(source, ("",))[0])
    return ", ".join(parts)


def _table(header: list[str], body: list[list[list[str]]]) -> list[str]:
    widths = [
        max(len(header[i]), *(len(line) for cells in body for line in cells[i]))
        for i in range(len(header))
    ]
    out = [_INDENT + "  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)).rstrip()]
    for cells in body:
        for n in range(max(len(c) for c in cells)):
            parts = [
                (c[n] if n < len(c) else "").ljust(w) for c, w in zip(cells, widths, strict=True)
            ]
            out.append(_INDENT + "  ".join(parts).rstrip())
    return out


def text_table(
    spec: ApiSpec,
    findings: list[Finding] | None = None,
    *,
    width: int = TEXT_WIDTH,
    lint_hint: str = "api.lint()",
) -> str:
    """``WebSocketApi 'Api'`` + settings + one line per route, within ``width`` characters
    where the values allow: columns that do not fit move, in order, to a second table that
    repeats the route. A mark after a value says where it came from (legend below); the lint
    summary names ``lint_hint`` as where the findings are (the CLI: its lint command)."""
    n = len(spec.routes)
    lines = [f"WebSocketApi {spec.id!r}: {n} route{'s' if n != 1 else ''}"]
    for key, value in summary(spec).items():
        lines += textwrap.wrap(
            f"{key}: {value}",
            width,
            initial_indent=_INDENT,
            subsequent_indent=_INDENT * 2,
            break_on_hyphens=False,
        )
    rows = rows_of(spec)
    if rows:
        used: set[str] = set()
        cols = route_columns(rows)
        keys = [_lines(row["key"], CODE_CHARS) for row in rows]
        handlers = [_lines(row["target"], CODE_CHARS) for row in rows]
        columns = [[_lines(_cell(row, col, used)) for row in rows] for col in cols]
        labels = [col["label"] for col in cols]

        def chars(header: str, cells: list[list[str]]) -> int:
            return max(len(header), *(len(line) for cell in cells for line in cell)) + _GAP

        heading = target_heading(rows)
        key_w, handler_w = chars("route", keys), chars(heading, handlers)
        groups = pack(
            [chars(label, cells) for label, cells in zip(labels, columns, strict=True)],
            width - len(_INDENT) + _GAP,
            key_w + handler_w,
            key_w,
        )
        for number, group in enumerate(groups):
            lead = [("route", keys), (heading, handlers)] if number == 0 else [("route", keys)]
            shown = lead + [(labels[i], columns[i]) for i in group]
            if number:
                lines.append("")
            lines += _table(
                [h for h, _ in shown],
                [[cells[r] for _, cells in shown] for r in range(len(rows))],
            )
        marks = [f"{SOURCES[s][0]} {SOURCES[s][1]}" for s in SOURCES if s in used and SOURCES[s][0]]
        if marks:
            lines.append(f"{_INDENT}({', '.join(marks)})")
    if findings is None:
        findings = lint(spec)
    if findings:
        counts: dict[str, int] = {}
        for f in findings:
            counts[f.level] = counts.get(f.level, 0) + 1
        parts = [f"{n} {lvl}{'s' if n != 1 else ''}" for lvl, n in counts.items()]
        lines.append(f"{_INDENT}lint: {', '.join(parts)} ({lint_hint})")
    return "\n".join(lines)
