"""Reading the stored wsnb outputs of the committed notebooks, and a GitHub-style sanitizer.

The allow-list is the one GitHub documented for user content (the html-pipeline
SanitizationFilter, used by github/markup): a fixed set of elements and attributes, no
``<style>``, no ``<svg>``, no scripts, no ``class``; we also let a few inline CSS properties
through, as the stricter renderers do. nh3 (ammonia) drops the *contents* of ``<script>`` and
``<style>`` only: text inside other removed elements (the SVG's labels) stays, as it does in
JupyterLab's own sanitizer.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
PATHS = sorted(NOTEBOOKS.glob("[0-9][0-9]-*.ipynb"))

GITHUB_TAGS = set(
    [
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "h7",
        "h8",
        "br",
        "b",
        "i",
        "strong",
        "em",
        "a",
        "pre",
        "code",
        "img",
        "tt",
        "div",
        "ins",
        "del",
        "sup",
        "sub",
        "p",
        "ol",
        "ul",
        "table",
        "thead",
        "tbody",
        "tfoot",
        "blockquote",
        "dl",
        "dt",
        "dd",
        "kbd",
        "q",
        "samp",
        "var",
        "hr",
        "ruby",
        "rt",
        "rp",
        "li",
        "tr",
        "td",
        "th",
        "s",
        "strike",
        "summary",
        "details",
        "caption",
        "figure",
        "figcaption",
        "abbr",
        "bdo",
        "cite",
        "dfn",
        "mark",
        "small",
        "span",
        "time",
        "wbr",
    ]
)
GITHUB_ATTRIBUTES = {
    "a": {"href"},
    "img": {"src", "longdesc"},
    "div": {"itemscope", "itemtype"},
    "blockquote": {"cite"},
    "del": {"cite"},
    "ins": {"cite"},
    "q": {"cite"},
    "*": set(
        [
            "abbr",
            "accept",
            "accept-charset",
            "accesskey",
            "action",
            "align",
            "alt",
            "aria-describedby",
            "aria-hidden",
            "aria-label",
            "aria-labelledby",
            "axis",
            "border",
            "cellpadding",
            "cellspacing",
            "char",
            "charoff",
            "charset",
            "checked",
            "clear",
            "cols",
            "colspan",
            "color",
            "compact",
            "coords",
            "datetime",
            "dir",
            "disabled",
            "enctype",
            "for",
            "frame",
            "headers",
            "height",
            "hreflang",
            "hspace",
            "ismap",
            "label",
            "lang",
            "maxlength",
            "media",
            "method",
            "multiple",
            "name",
            "nohref",
            "noshade",
            "nowrap",
            "open",
            "progress",
            "prompt",
            "readonly",
            "rel",
            "rev",
            "role",
            "rows",
            "rowspan",
            "rules",
            "scope",
            "selected",
            "shape",
            "size",
            "span",
            "start",
            "summary",
            "tabindex",
            "target",
            "title",
            "type",
            "usemap",
            "valign",
            "value",
            "vspace",
            "width",
            "itemprop",
            "style",
        ]
    ),
}
GITHUB_STYLE_PROPERTIES = {"color", "background-color", "text-align", "font-weight"}


def github_sanitize(html: str) -> str:
    import nh3

    return nh3.clean(
        html,
        tags=GITHUB_TAGS,
        attributes=GITHUB_ATTRIBUTES,
        clean_content_tags={"script", "style"},
        filter_style_properties=GITHUB_STYLE_PROPERTIES,
        link_rel=None,
    )


def wsnb_api_outputs(path: Path) -> list[tuple[str, str]]:
    """(cell id, text/html) of every stored ``WebSocketApi`` display in a notebook."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    found = []
    for cell in nb["cells"]:
        for output in cell.get("outputs", []):
            html = output.get("data", {}).get("text/html")
            if html is None:
                continue
            html = "".join(html) if isinstance(html, list) else html
            if 'class="wsnb-api' in html:
                found.append((cell["id"], html))
    return found


class Parsed(HTMLParser):
    """Table cells, ``<pre>`` texts, and any ``$`` that MathJax could see (outside code/pre)."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.cells: list[str] = []
        self.rows: list[list[str]] = []
        self.route_rows: list[list[str]] = []  # the rows of the route table (``data-route``)
        self.pres: list[str] = []
        self.bare_dollars: list[str] = []
        self.tags: set[str] = set()
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.tags.add(tag)
        if tag in ("br", "img", "hr", "wbr", "rect", "path"):
            return
        self.stack.append(tag)
        if tag == "tr":
            self.rows.append([])
            if any(name == "data-route" for name, _ in attrs):
                self.route_rows.append(self.rows[-1])
        elif tag in ("td", "th"):
            self.cells.append("")
            if self.rows:
                self.rows[-1].append("")
        elif tag == "pre":
            self.pres.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.stack:
            while self.stack and self.stack.pop() != tag:
                pass

    def handle_data(self, data: str) -> None:
        if "td" in self.stack or "th" in self.stack:
            self.cells[-1] += data
            if self.rows and self.rows[-1]:
                self.rows[-1][-1] += data
        if "pre" in self.stack:
            self.pres[-1] += data
        elif "$" in data and "code" not in self.stack:
            self.bare_dollars.append(data)


def original_routes(html: str) -> list[tuple[str, str]]:
    """(route key, handler) of the route table of an unsanitized display."""
    parsed = Parsed(html)
    keys = re.findall(r'<tr data-route="([^"]*)"', html)
    body = parsed.route_rows  # other tables (an imported API's source note) are not routes
    assert len(body) == len(keys)
    from html import unescape

    return [(unescape(k), row[1].strip()) for k, row in zip(keys, body, strict=True)]
