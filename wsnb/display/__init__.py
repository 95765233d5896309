"""Seeing an API: text table, HTML table + SVG diagram, Mermaid and DOT. Pure Python."""

from __future__ import annotations

import traceback
from collections.abc import Callable

from .._lint import Finding, lint
from ..model import ApiSpec
from ._graphs import to_dot, to_mermaid
from ._html import lint_list, routes_table, to_html
from ._rows import route_columns, route_rows, summary
from ._svg import diagram, to_svg, to_text_diagram
from ._text import text_table


def mimebundle(
    spec: ApiSpec, findings_of: Callable[[], list[Finding]] | None = None
) -> dict[str, str]:
    """``text/plain`` + ``text/html`` for Jupyter; never raises (a repr must not break a cell).

    ``findings_of`` gives the lint findings to show (the API's own ``lint``; default
    ``lint(spec)``), called inside the guard."""
    try:
        findings = findings_of() if findings_of is not None else lint(spec)
        return {"text/plain": text_table(spec, findings), "text/html": to_html(spec, findings)}
    except Exception as exc:  # pragma: no cover - defensive
        traceback.print_exc()
        return {"text/plain": f"WebSocketApi({spec.id!r}) cannot be shown: {exc}"}


__all__ = [
    "diagram",
    "lint_list",
    "mimebundle",
    "route_columns",
    "route_rows",
    "routes_table",
    "summary",
    "text_table",
    "to_dot",
    "to_html",
    "to_mermaid",
    "to_svg",
    "to_text_diagram",
]
