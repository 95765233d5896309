"""The compact ``text/plain`` route table."""

from __future__ import annotations

from .._lint import Finding, lint
from ..model import ApiSpec
from ._rows import route_rows, summary

_COLUMNS = ("runtime", "timeout", "memory_size", "permissions", "bind")
_HEADERS = {"memory_size": "memory"}
_MARK = {"route": "", "builtin": "", "defaults": "*", "merged": "+", "attached": "^"}


def _clip(text: str, width: int = 40) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def text_table(spec: ApiSpec, findings: list[Finding] | None = None) -> str:
    """``WebSocketApi 'Api'`` + settings + one line per route; * from defaults, + merged."""
    lines = [
        f"WebSocketApi {spec.id!r}: {len(spec.routes)} route{'s' if len(spec.routes) != 1 else ''}"
    ]
    lines += [f"  {k}: {v}" for k, v in summary(spec).items()]
    rows = route_rows(spec)
    if rows:
        columns = [c for c in _COLUMNS if any(r["props"].get(c) for r in rows)]
        reply = any(r["return_response"] for r in rows)
        header = ["route", "handler", *(_HEADERS.get(c, c) for c in columns)]
        header += ["reply"] if reply else []
        body = []
        for row in rows:
            cells = [row["key"], row["handler"]]
            for col in columns:
                value = row["props"].get(col, "")
                mark = _MARK.get(row["provenance"].get(col, ""), "") if value else ""
                cells.append(_clip(value) + mark)
            if reply:
                cells.append("yes" if row["return_response"] else "")
            body.append([_clip(c, 48) for c in cells])
        widths = [max(len(r[i]) for r in [header, *body]) for i in range(len(header))]
        for cells in [header, *body]:
            lines.append(
                "  " + "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()
            )
        lines.append("  (* from defaults, + merged with defaults, ^ attached)")
    if findings is None:
        findings = lint(spec)
    if findings:
        counts = {}
        for f in findings:
            counts[f.level] = counts.get(f.level, 0) + 1
        parts = [f"{n} {lvl}{'s' if n != 1 else ''}" for lvl, n in counts.items()]
        lines.append(f"  lint: {', '.join(parts)} (api.lint())")
    return "\n".join(lines)
