"""The ``text/html`` display: settings, route table with merged props, diagram, lint."""

from __future__ import annotations

import re
from html import escape

from .._lint import Finding, lint
from ..model import ApiSpec
from ._rows import route_columns, route_rows, summary
from ._svg import diagram

_PROVENANCE_TITLE = {
    "route": "set on the route",
    "defaults": "from defaults",
    "merged": "route and defaults merged",
    "attached": "from attach_permissions / bind",
    "builtin": "wsnb default",
}

# Chip colours for renderers that drop <style> but keep a few inline properties (untrusted
# JupyterLab / Notebook 7): light backgrounds with dark text read in light and dark themes.
# With the <style> below (trusted, nbconvert), the theme-aware class rules win (!important).
_CHIP_INLINE = {
    "defaults": "background-color:#e3f2fd;color:#222",
    "merged": "background-color:#e8f5e9;color:#222",
    "attached": "background-color:#fff3e0;color:#222",
    "builtin": "color:#888",
}

# Classes MathJax leaves alone (MathJax 3 reads ``tex2jax_ignore``, MathJax 4 ``mathjax_ignore``):
# route keys like $connect must never be typeset as math. Route keys also sit in <code>/<pre>,
# which MathJax skips in every version.
MATH_IGNORE = "tex2jax_ignore mathjax_ignore"

STYLE = """<style>
.wsnb-api{font-family:var(--jp-ui-font-family,system-ui,sans-serif);font-size:13px;color:var(--jp-ui-font-color1,#222);background:var(--jp-layout-color0,transparent);max-width:100%;overflow-x:auto}
.wsnb-api h4{margin:4px 0 6px;font-size:14px;color:var(--jp-ui-font-color0,#111)}
.wsnb-api .wsnb-settings{margin:0 0 8px;padding:0;list-style:none;display:flex;flex-wrap:wrap;gap:4px 14px;color:var(--jp-ui-font-color2,#555)}
.wsnb-api .wsnb-settings b{color:var(--jp-ui-font-color1,#222);font-weight:600}
.wsnb-api table.wsnb-routes{border-collapse:collapse;margin:0 0 10px;table-layout:auto}
.wsnb-api table.wsnb-routes th,.wsnb-api table.wsnb-routes td{border:1px solid var(--jp-border-color2,#ddd);padding:3px 7px;text-align:left;vertical-align:top;color:var(--jp-ui-font-color1,#222);max-width:28em;overflow-wrap:anywhere}
.wsnb-api table.wsnb-routes td:first-child,.wsnb-api table.wsnb-routes td:nth-child(2),.wsnb-api table.wsnb-routes th{white-space:nowrap}
.wsnb-api table.wsnb-routes th{background:var(--jp-layout-color2,#f3f3f3);color:var(--jp-ui-font-color1,#222);font-weight:600}
.wsnb-api td code{font-family:var(--jp-code-font-family,monospace);font-size:12px;color:var(--jp-content-font-color1,#222);background:none}
.wsnb-api .wsnb-from-defaults{background:#e3f2fd!important;background:color-mix(in srgb,var(--jp-info-color1,#0288d1) 20%,transparent)!important;color:var(--jp-ui-font-color1,#222)!important}
.wsnb-api .wsnb-from-merged{background:#e8f5e9!important;background:color-mix(in srgb,var(--jp-success-color1,#388e3c) 20%,transparent)!important;color:var(--jp-ui-font-color1,#222)!important}
.wsnb-api .wsnb-from-attached{background:#fff3e0!important;background:color-mix(in srgb,var(--jp-warn-color1,#f57c00) 22%,transparent)!important;color:var(--jp-ui-font-color1,#222)!important}
.wsnb-api table.wsnb-routes td.wsnb-from-builtin,.wsnb-api .wsnb-legend .wsnb-from-builtin{color:var(--jp-ui-font-color3,#888)!important}
.wsnb-api .wsnb-legend span{display:inline-block;padding:0 6px;margin-right:6px;border-radius:3px}
.wsnb-api .wsnb-legend{font-size:11px;color:var(--jp-ui-font-color2,#555);margin:0 0 8px}
.wsnb-api .wsnb-diagram-box{display:block!important;margin:0 0 6px}
.wsnb-api .wsnb-diagram-box svg{display:block}
.wsnb-api .wsnb-diagram-text,.wsnb-api .wsnb-text-note{display:none}
.wsnb-api ul.wsnb-lint{margin:6px 0;padding-left:18px}
.wsnb-api ul.wsnb-lint li{margin:2px 0}
.wsnb-api .wsnb-level-error{color:var(--jp-error-color1,#c62828);font-weight:600}
.wsnb-api .wsnb-level-warning{color:var(--jp-warn-color1,#e65100);font-weight:600}
.wsnb-api .wsnb-level-info{color:var(--jp-info-color1,#1565c0);font-weight:600}
.wsnb-api .wsnb-fix{color:var(--jp-ui-font-color2,#555)}
</style>"""

_TEXT_NOTE = (
    '<p class="wsnb-text-note"><small>The diagram is shown as text because this viewer removed '
    "its drawing; in JupyterLab, run the cell or use File &gt; Trust Notebook to see it drawn."
    "</small></p>"
)


def _cell(row: dict, name: str) -> str:
    value = row["props"].get(name, "")
    source = row["provenance"].get(name)
    if not value:
        return "<td></td>"
    attrs = ""
    if source and source != "route":
        attrs = f' class="wsnb-from-{source}" style="{_CHIP_INLINE[source]}"'
    if source:
        attrs += f' title="{_PROVENANCE_TITLE.get(source, "")}"'
    return f"<td{attrs}>{escape(value)}</td>"


def _other_cell(row: dict, names: list[str]) -> str:
    """The props without a column of their own, ``name=value`` each in its provenance colour."""
    items = []
    for name in names:
        value = row["props"].get(name)
        if not value:
            continue
        source = row["provenance"].get(name)
        attrs = f' title="{_PROVENANCE_TITLE.get(source, "")}"' if source else ""
        if source and source != "route":
            attrs = f' class="wsnb-from-{source}" style="{_CHIP_INLINE[source]}"' + attrs
        items.append(f"<span{attrs}>{escape(name)}={escape(value)}</span>")
    return f"<td>{', '.join(items)}</td>"


def routes_table(spec: ApiSpec) -> str:
    rows = route_rows(spec)
    cols = route_columns(rows)  # the widget's Routes tab draws the same ones
    head = "".join(
        f"<th>{label}</th>" for label in ("route", "handler", *(c["label"] for c in cols))
    )
    body = []
    for row in rows:
        cells = [
            f"<td><code>{escape(row['key'])}</code></td>",
            f"<td><code>{escape(row['handler'])}</code></td>",
        ]
        for col in cols:
            name = col["name"]
            if name == "reply":
                cells.append("<td>↩ body</td>" if row["return_response"] else "<td></td>")
            elif name == "auth":
                auth = row["authorization"]
                cells.append(f"<td>{escape(auth)}</td>" if auth != "NONE" else "<td></td>")
            elif name == "other":
                cells.append(_other_cell(row, col["props"]))
            else:
                cells.append(_cell(row, name))
        body.append(f'<tr data-route="{escape(row["key"])}">{"".join(cells)}</tr>')
    if not body:
        body.append(
            f'<tr><td colspan="{len(cols) + 2}">no routes yet: api.route("$default", "src/default.main")</td></tr>'
        )
    return f'<table class="wsnb-routes"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'


def legend(spec: ApiSpec) -> str:
    """What the cell colours mean, for the sources that occur in this API."""
    used = {src for row in route_rows(spec) for src in row["provenance"].values()}
    labels = (
        ("defaults", "from defaults"),
        ("merged", "merged with defaults"),
        ("attached", "attached by bind / permissions"),
        ("builtin", "wsnb default"),
    )
    chips = " · ".join(
        f'<span class="wsnb-from-{src}" style="{_CHIP_INLINE[src]}">{text}</span>'
        for src, text in labels
        if src in used
    )
    if not chips:
        return ""
    return f'<div class="wsnb-legend">Cell colours: {chips}</div>'


_DOLLAR_WORD = re.compile(r"\$[^\s,;:()'\"]*")


def _code_words(text: str) -> str:
    """Escaped text with every ``$word`` (route keys, ``$request.body.action``) in ``<code>``,
    where MathJax never looks. Words are found in the raw text and each piece is escaped on
    its own, so a word never swallows part of an entity (``"$default"`` stays valid code)."""
    out: list[str] = []
    pos = 0
    for match in _DOLLAR_WORD.finditer(text):
        out.append(escape(text[pos : match.start()]))
        out.append(f"<code>{escape(match[0])}</code>")
        pos = match.end()
    out.append(escape(text[pos:]))
    return "".join(out)


def lint_list(spec: ApiSpec, findings: list[Finding] | None = None) -> str:
    if findings is None:
        findings = lint(spec)
    if not findings:
        return '<p class="wsnb-lint-ok">lint: no findings</p>'
    items = "".join(
        f'<li><span class="wsnb-level-{f.level}">{f.level}</span> <code>{escape(f.code)}</code> '
        f'{_code_words(f.message)} <span class="wsnb-fix">Fix: {_code_words(f.fix)}</span></li>'
        for f in findings
    )
    return f'<ul class="wsnb-lint">{items}</ul>'


def to_html(spec: ApiSpec, findings: list[Finding] | None = None) -> str:
    """The whole static display (deterministic bytes for the same model).

    Readable with and without its ``<style>`` and ``<svg>`` (untrusted JupyterLab and Notebook
    7, GitHub-style sanitizers): the table needs no CSS; the drawn diagram sits in a ``hidden``
    box that only the ``<style>`` reveals, and a ``<pre>`` text drawing of the same graph (which
    that ``<style>`` hides) stands in for it where the style or the SVG was removed. Every ``$``
    is inside ``<code>``/``<pre>`` and the block carries MathJax's ignore classes, so route keys
    are never typeset as math.
    """
    settings = "".join(
        f"<li>{escape(k)}: <b>{escape(v)}</b></li>" for k, v in summary(spec).items()
    )
    n = len(spec.routes)
    svg, text = diagram(spec)
    return (
        f'<div class="wsnb-api {MATH_IGNORE}" data-wsnb-api="{escape(spec.id)}" data-wsnb-digest="{spec.digest()[:16]}">'
        f"{STYLE}"
        f"<h4>WebSocketApi <code>{escape(spec.id)}</code> · {n} route{'s' if n != 1 else ''}</h4>"
        f'<ul class="wsnb-settings">{settings}</ul>'
        f"{routes_table(spec)}{legend(spec)}"
        f'<div class="wsnb-diagram-box" hidden style="display:none">{svg}</div>'
        f'<pre class="wsnb-diagram-text">{escape(text, quote=False)}</pre>{_TEXT_NOTE}'
        f"{lint_list(spec, findings)}</div>"
    )
