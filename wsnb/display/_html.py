"""The ``text/html`` display: settings, route table with merged props, diagram, lint."""

from __future__ import annotations

from html import escape

from .._lint import Finding, lint
from ..model._spec import ApiSpec
from ._rows import route_rows, summary
from ._svg import to_svg

_PROP_COLUMNS = (
    ("runtime", "runtime"),
    ("timeout", "timeout"),
    ("memory_size", "memory"),
    ("environment", "environment"),
    ("permissions", "permissions"),
    ("bind", "bind"),
    ("layers", "layers"),
)
_PROVENANCE_TITLE = {
    "route": "set on the route",
    "defaults": "from defaults",
    "merged": "route and defaults merged",
    "attached": "from attach_permissions / bind",
    "builtin": "wsnb default",
}

STYLE = """<style>
.wsnb-api{font-family:var(--jp-ui-font-family,system-ui,sans-serif);font-size:13px;color:var(--jp-ui-font-color1,#222);background:var(--jp-layout-color0,transparent);max-width:100%;overflow-x:auto}
.wsnb-api h4{margin:4px 0 6px;font-size:14px;color:var(--jp-ui-font-color0,#111)}
.wsnb-api .wsnb-settings{margin:0 0 8px;padding:0;list-style:none;display:flex;flex-wrap:wrap;gap:4px 14px;color:var(--jp-ui-font-color2,#555)}
.wsnb-api .wsnb-settings b{color:var(--jp-ui-font-color1,#222);font-weight:600}
.wsnb-api table.wsnb-routes{border-collapse:collapse;margin:0 0 10px}
.wsnb-api table.wsnb-routes th,.wsnb-api table.wsnb-routes td{border:1px solid var(--jp-border-color2,#ddd);padding:3px 7px;text-align:left;vertical-align:top;color:var(--jp-ui-font-color1,#222);white-space:nowrap;max-width:28em;overflow:hidden;text-overflow:ellipsis}
.wsnb-api table.wsnb-routes th{background:var(--jp-layout-color2,#f3f3f3);color:var(--jp-ui-font-color1,#222);font-weight:600}
.wsnb-api td code{font-family:var(--jp-code-font-family,monospace);font-size:12px;color:var(--jp-content-font-color1,#222);background:none}
.wsnb-api .wsnb-from-defaults{background:#e3f2fd;background:color-mix(in srgb,var(--jp-info-color1,#0288d1) 20%,transparent);color:var(--jp-ui-font-color1,#222)}
.wsnb-api .wsnb-from-merged{background:#e8f5e9;background:color-mix(in srgb,var(--jp-success-color1,#388e3c) 20%,transparent);color:var(--jp-ui-font-color1,#222)}
.wsnb-api .wsnb-from-attached{background:#fff3e0;background:color-mix(in srgb,var(--jp-warn-color1,#f57c00) 22%,transparent);color:var(--jp-ui-font-color1,#222)}
.wsnb-api table.wsnb-routes td.wsnb-from-builtin{color:var(--jp-ui-font-color3,#888)}
.wsnb-api .wsnb-legend span{display:inline-block;padding:0 6px;margin-right:6px;border-radius:3px}
.wsnb-api .wsnb-legend{font-size:11px;color:var(--jp-ui-font-color2,#555);margin-bottom:8px}
.wsnb-api ul.wsnb-lint{margin:6px 0;padding-left:18px}
.wsnb-api ul.wsnb-lint li{margin:2px 0}
.wsnb-api .wsnb-level-error{color:var(--jp-error-color1,#c62828);font-weight:600}
.wsnb-api .wsnb-level-warning{color:var(--jp-warn-color1,#e65100);font-weight:600}
.wsnb-api .wsnb-level-info{color:var(--jp-info-color1,#1565c0);font-weight:600}
.wsnb-api .wsnb-fix{color:var(--jp-ui-font-color2,#555)}
</style>"""


def _cell(row: dict, name: str) -> str:
    value = row["props"].get(name, "")
    source = row["provenance"].get(name)
    if not value:
        return "<td></td>"
    cls = f' class="wsnb-from-{source}"' if source and source != "route" else ""
    title = f' title="{_PROVENANCE_TITLE.get(source or "", "")}"' if source else ""
    return f"<td{cls}{title}>{escape(value)}</td>"


def routes_table(spec: ApiSpec) -> str:
    rows = route_rows(spec)
    head = "".join(
        f"<th>{label}</th>"
        for label in ("route", "handler", *(c[1] for c in _PROP_COLUMNS), "reply", "auth")
    )
    body = []
    for row in rows:
        cells = [
            f"<td><code>{escape(row['key'])}</code></td>",
            f"<td><code>{escape(row['handler'])}</code></td>",
            *(_cell(row, name) for name, _ in _PROP_COLUMNS),
            "<td>↩ body</td>" if row["return_response"] else "<td></td>",
            f"<td>{escape(row['authorization'])}</td>"
            if row["authorization"] != "NONE"
            else "<td></td>",
        ]
        body.append(f'<tr data-route="{escape(row["key"])}">{"".join(cells)}</tr>')
    if not body:
        body.append(
            f'<tr><td colspan="{len(_PROP_COLUMNS) + 4}">no routes yet: api.route("$default", "src/default.main")</td></tr>'
        )
    return f'<table class="wsnb-routes"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'


def lint_list(spec: ApiSpec, findings: list[Finding] | None = None) -> str:
    if findings is None:
        findings = lint(spec)
    if not findings:
        return '<p class="wsnb-lint-ok">lint: no findings</p>'
    items = "".join(
        f'<li><span class="wsnb-level-{f.level}">{f.level}</span> <code>{escape(f.code)}</code> '
        f'{escape(f.message)} <span class="wsnb-fix">Fix: {escape(f.fix)}</span></li>'
        for f in findings
    )
    return f'<ul class="wsnb-lint">{items}</ul>'


def to_html(spec: ApiSpec, findings: list[Finding] | None = None) -> str:
    """The whole static display (deterministic bytes for the same model)."""
    settings = "".join(
        f"<li>{escape(k)}: <b>{escape(v)}</b></li>" for k, v in summary(spec).items()
    )
    legend = (
        '<div class="wsnb-legend">'
        '<span class="wsnb-from-defaults">from defaults</span>'
        '<span class="wsnb-from-merged">merged</span>'
        '<span class="wsnb-from-attached">attached</span>'
        '<span style="color:var(--jp-ui-font-color3,#888)">wsnb default</span></div>'
    )
    n = len(spec.routes)
    return (
        f'<div class="wsnb-api" data-wsnb-api="{escape(spec.id)}" data-wsnb-digest="{spec.digest()[:16]}">'
        f"{STYLE}"
        f"<h4>WebSocketApi <code>{escape(spec.id)}</code> · {n} route{'s' if n != 1 else ''}</h4>"
        f'<ul class="wsnb-settings">{settings}</ul>'
        f"{routes_table(spec)}{legend}"
        f'<div class="wsnb-diagram-box">{to_svg(spec)}</div>'
        f"{lint_list(spec, findings)}</div>"
    )
