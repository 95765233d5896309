"""The ``text/html`` display: settings, route table with merged props, diagram, lint."""

from __future__ import annotations

import re
from functools import lru_cache
from html import escape

from .._lint import Finding, lint
from ..model import ApiSpec
from ._fit import TABLE_BUDGET_PX, abbreviate, abbreviate_middle, cell_px, pack
from ._rows import (
    SOURCES,
    route_columns,
    rows_of,
    summary,
    target_heading,
)
from ._svg import diagram
from ._targets import short_reason

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
.wsnb-api table.wsnb-routes th,.wsnb-api table.wsnb-routes td{border:1px solid var(--jp-border-color2,#ddd);padding:3px 7px;text-align:left;vertical-align:top;color:var(--jp-ui-font-color1,#222)}
.wsnb-api table.wsnb-routes td:first-child,.wsnb-api table.wsnb-routes td:nth-child(2),.wsnb-api table.wsnb-routes th{white-space:nowrap}
.wsnb-api table.wsnb-routes th{background:var(--jp-layout-color2,#f3f3f3);color:var(--jp-ui-font-color1,#222);font-weight:600}
.wsnb-api sup.wsnb-mark{font-size:10px;line-height:0;margin-left:1px}
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


#: a prop cell longer than this many characters is abbreviated (the full text in its title)
CELL_CHARS = 40
#: route keys and handlers longer than this lose their middle (the full text in the title)
CODE_CHARS = 44


class _Column:
    """One column of the route tables: its header, each row's cell, and the width it needs."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.cells: list[str] = []
        self.width = cell_px(label, bold=True)

    def add(self, html: str, width: float) -> None:
        self.cells.append(html)
        self.width = max(self.width, width)


def _source_attrs(source: str | None, full: str = "") -> str:
    """A value cell's class, inline colour and title (where it came from, and the full text
    when the cell shows it abbreviated)."""
    words = SOURCES[source][1] if source in SOURCES else ""
    title = f"{words}: {full}" if full and words else (full or words)
    attrs = ""
    if source and source != "route" and source in _CHIP_INLINE:
        attrs = f' class="wsnb-from-{source}" style="{_CHIP_INLINE[source]}"'
    return attrs + (f' title="{escape(title)}"' if title else "")


def _mark(source: str | None) -> str:
    mark = SOURCES[source][0] if source in SOURCES else ""
    return f'<sup class="wsnb-mark">{mark}</sup>' if mark else ""


def _value_cell(row: dict, name: str, used: set[str]) -> tuple[str, float]:
    value = row["props"].get(name, "")
    if not value:
        return "<td></td>", 0.0
    source = row["provenance"].get(name)
    used.add(source or "route")
    return _value_html(value, source)


@lru_cache(maxsize=2048)
def _value_html(value: str, source: str | None) -> tuple[str, float]:
    """A value cell's HTML and width (the same few values fill most rows: computed once)."""
    shown = abbreviate(value, CELL_CHARS)
    attrs = _source_attrs(source, value if shown != value else "")
    mark = SOURCES.get(source or "", ("",))[0]
    return f"<td{attrs}>{escape(shown)}{_mark(source)}</td>", cell_px(shown + mark)


def _other_cell(row: dict, names: list[str], used: set[str]) -> tuple[str, float]:
    """The props without a column of their own, ``name=value`` each with its source's mark."""
    items, texts = [], []
    for name in names:
        value = row["props"].get(name)
        if not value:
            continue
        source = row["provenance"].get(name)
        used.add(source or "route")
        full = f"{name}={value}"
        shown = abbreviate(full, CELL_CHARS)
        attrs = _source_attrs(source, full if shown != full else "")
        items.append(f"<span{attrs}>{escape(shown)}{_mark(source)}</span>")
        texts.append(shown + SOURCES.get(source or "", ("",))[0])
    return f"<td>{', '.join(items)}</td>", cell_px(", ".join(texts))


@lru_cache(maxsize=2048)
def _code_cell(text: str) -> tuple[str, float]:
    shown = abbreviate_middle(text, CODE_CHARS)
    title = f' title="{escape(text)}"' if shown != text else ""
    return f"<td{title}><code>{escape(shown)}</code></td>", cell_px(shown, code=True)


def _target_cell(row: dict) -> tuple[str, float]:
    """A URL or AWS service call as code; a mock's "API Gateway answers" as words."""
    text = row["target"]
    return _plain_cell(text) if row["integration"] == "MOCK" else _code_cell(text)


def _local_cell(problem: str) -> tuple[str, float]:
    """Why ``api.serve()`` cannot run the route: its first phrase, the whole text in the title."""
    shown = short_reason(problem)
    return f'<td title="{escape(problem)}">{escape(shown)}</td>', cell_px(shown)


@lru_cache(maxsize=2048)
def _plain_cell(text: str) -> tuple[str, float]:
    """A cell of plain text, abbreviated with the full text in its title."""
    shown = abbreviate(text, CELL_CHARS)
    title = f' title="{escape(text)}"' if shown != text else ""
    return f"<td{title}>{escape(shown)}</td>", cell_px(shown)


def routes_table(spec: ApiSpec) -> str:
    """The route table: one ``<table>`` when it fits the output's width (:data:`TABLE_BUDGET_PX`),
    else the columns that do not fit move, in order, to narrower tables that repeat the route.

    Long values are abbreviated with the full text in the cell's ``title`` (the text table
    shows them whole); a mark after each value says where it came from (see :func:`legend`)."""
    return _routes_tables(rows_of(spec), set())


def _routes_tables(rows: list[dict], used: set[str]) -> str:
    cols = route_columns(rows)  # the widget's Routes tab and the text table show the same ones
    keys, handlers = _Column("route"), _Column(target_heading(rows))
    for row in rows:
        keys.add(*_code_cell(row["key"]))
        handlers.add(*(_code_cell(row["handler"]) if row["handler"] else _target_cell(row)))
    columns: list[_Column] = []
    for col in cols:
        column = _Column(col["label"])
        name = col["name"]
        for row in rows:
            cell: tuple[str, float] | None
            if name == "integration":
                cell = _plain_cell(row["integration"])
            elif name == "local":
                cell = _local_cell(row["local"]) if row["local"] else None
            elif name == "reply":
                cell = ("<td>↩ body</td>", cell_px("↩ body")) if row["return_response"] else None
            elif name == "auth":
                auth = row["authorization"]
                cell = (f"<td>{escape(auth)}</td>", cell_px(auth)) if auth != "NONE" else None
            elif name == "other":
                cell = _other_cell(row, col["props"], used)
            else:
                cell = _value_cell(row, name, used)
            column.add(*(cell or ("<td></td>", 0.0)))
        columns.append(column)
    if not rows:
        return (
            '<table class="wsnb-routes"><thead><tr><th>route</th><th>handler</th></tr></thead>'
            '<tbody><tr><td colspan="2">no routes yet: api.route("$default", '
            '"src/default.main")</td></tr></tbody></table>'
        )
    groups = pack(
        [c.width for c in columns], TABLE_BUDGET_PX, keys.width + handlers.width, keys.width
    )
    tables = []
    for number, group in enumerate(groups):
        lead = [keys, handlers] if number == 0 else [keys]
        shown = lead + [columns[i] for i in group]
        head = "".join(f"<th>{c.label}</th>" for c in shown)
        attr = "data-route" if number == 0 else "data-route-more"
        body = "".join(
            f'<tr {attr}="{escape(row["key"])}">{"".join(c.cells[i] for c in shown)}</tr>'
            for i, row in enumerate(rows)
        )
        cls = "wsnb-routes" if number == 0 else "wsnb-routes wsnb-routes-more"
        tables.append(
            f'<table class="{cls}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'
        )
    return "".join(tables)


def legend(used: set[str]) -> str:
    """What the marks after the values mean, for the sources that occur, in words that read
    without colour (the chips carry the colours too where the viewer keeps them)."""
    marked = [src for src in ("defaults", "merged", "attached", "builtin") if src in used]
    if not marked:
        return ""
    chips = [
        f'<span class="wsnb-from-{src}" style="{_CHIP_INLINE[src]}">'
        f"{SOURCES[src][0]} {SOURCES[src][1]}</span>"
        for src in marked
    ]
    if "route" in used:
        chips.insert(0, "<span>unmarked: set on the route</span>")
    return f'<p class="wsnb-legend">Values: {" · ".join(chips)}</p>'


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
    used: set[str] = set()
    tables = _routes_tables(rows_of(spec), used)
    return (
        f'<div class="wsnb-api {MATH_IGNORE}" data-wsnb-api="{escape(spec.id)}" data-wsnb-digest="{spec.digest()[:16]}">'
        f"{STYLE}"
        f"<h4>WebSocketApi <code>{escape(spec.id)}</code> · {n} route{'s' if n != 1 else ''}</h4>"
        f'<ul class="wsnb-settings">{settings}</ul>'
        f"{tables}{legend(used)}"
        f'<div class="wsnb-diagram-box" hidden style="display:none">{svg}</div>'
        f'<pre class="wsnb-diagram-text">{escape(text, quote=False)}</pre>{_TEXT_NOTE}'
        f"{lint_list(spec, findings)}</div>"
    )
