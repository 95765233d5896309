"""The diagram as a plain-text drawing that fits a width (monospace, no colours).

Where the SVG is removed (untrusted notebooks, GitHub-style sanitizers) this drawing stands in
for it, so it reads on its own and the browser never has to wrap it: every line stays within
``width`` characters (:data:`~wsnb.display._fit.TEXT_WIDTH` by default). The first of three
layouts that fits is used:

1. columns, like the SVG: headings, then ``client ──▶ API ─┬▶ route ──▶ function ──▶
   resources``, one line per route;
2. a tree: the ``client ──▶ API`` chain on a line of its own, then one aligned line per route;
3. one block per route, wrapped by design: the route on its line, its function and its
   resources on indented lines below. A label longer than a whole line loses its middle to
   ``…`` (the route table and ``print(api)`` show it whole).
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass

from ._fit import abbreviate_middle

ARROW = " ──▶ "
AUTH_EDGE = " ┄┄▶ authorizes $connect"
NO_ROUTES = "(no routes yet)"


def connector(label: str, width: int = -1) -> str:
    """The arrow from a route to its target with the integration type on it (``── MOCK ──▶``),
    drawn for labels ``width`` characters long so the targets line up (``-1``: this label's own
    length); ``──▶`` alone when no route of the drawing has a label (``width`` 0)."""
    width = len(label) if width < 0 else width
    if not width:
        return ARROW
    if not label:
        return " ──" + "─" * (width + 2) + "──▶ "
    return " ── " + label + " " + "─" * (width - len(label)) + "──▶ "


@dataclass(frozen=True)
class Route:
    """One route's row of the drawing: its key (with ``(↩ reply)``), its target's label and
    meta text (a function's runtime, timeout, memory; a URL's method…), the resources the
    target uses, and the integration type written on the arrow (``""``: a Lambda proxy)."""

    text: str
    function: str
    meta: str
    resources: tuple[str, ...]
    label: str = ""

    @property
    def function_text(self) -> str:
        return f"{self.function} ({self.meta})" if self.meta else self.function


@dataclass(frozen=True)
class Drawing:
    """What the text drawing shows; ``lead`` is ``(column, text)`` of client, domain, API."""

    headings: tuple[tuple[str, str], ...]  # (column, heading) of the columns layout
    lead: tuple[tuple[str, str], ...]
    routes: tuple[Route, ...]
    auth: str | None
    legend: str


def text_drawing(d: Drawing, width: int) -> str:
    """The drawing within ``width`` characters per line where its labels allow."""
    lines = _columns(d)
    if max(len(line) for line in lines) > width:
        lines = _tree(d, width)
    lines += ["", *textwrap.wrap(d.legend, width)]
    return "\n".join(line.rstrip() for line in lines)


def _columns(d: Drawing) -> list[str]:
    """Layout 1: a column per kind of box, as the SVG draws them."""
    items: dict[str, list[str]] = {col: [text] for col, text in d.lead}
    items["route"] = [r.text for r in d.routes] or [NO_ROUTES]
    items["fn"] = [r.function_text for r in d.routes]
    items["res"] = [res for r in d.routes for res in r.resources]
    width = {col: max([len(h), *map(len, items.get(col, []))]) for col, h in d.headings}
    arrow = len(ARROW)
    label_w = max((len(r.label) for r in d.routes), default=0)
    to_target = len(connector("", label_w))  # the route → target arrows, labels included
    heading = ""
    for i, (col, text) in enumerate(d.headings):
        last = i == len(d.headings) - 1
        gap = to_target if col == "route" else arrow
        heading += text if last else text.ljust(width[col]) + " " * gap
    lead = ARROW.join(text.ljust(width[col]) for col, text in d.lead)
    lines = [heading]
    n = len(d.routes)
    for i, route in enumerate(d.routes):
        line = lead if i == 0 else " " * len(lead)
        branch = "─" if n == 1 else ("┬" if i == 0 else ("└" if i == n - 1 else "├"))
        line += (" ─" if i == 0 else "  ") + branch + "▶ " + route.text.ljust(width["route"])
        line += connector(route.label, label_w) + route.function_text
        if route.resources:
            line = line.ljust(len(lead) + 5 + width["route"] + to_target + width["fn"])
            line += ARROW + ", ".join(route.resources)
        lines.append(line)
    if not d.routes:
        lines.append(lead + ARROW + NO_ROUTES)
    if d.auth is not None:
        api_width = width[d.lead[-1][0]]
        lines.append(" " * (len(lead) - api_width) + d.auth + AUTH_EDGE)
    return lines


def _chain(texts: list[str], width: int) -> list[str]:
    """``a ──▶ b ──▶ c`` on one line, or one box a line when that is too long."""
    line = ARROW.join(texts)
    if len(line) <= width:
        return [line]
    first, *rest = texts
    return [abbreviate_middle(first, width)] + [
        "  ──▶ " + abbreviate_middle(text, width - 6) for text in rest
    ]


def _tree(d: Drawing, width: int) -> list[str]:
    """Layouts 2 and 3: the chain to the API, then a branch per route."""
    lines = _chain([text for _, text in d.lead], width)
    if not d.routes:
        lines[-1] += ARROW + NO_ROUTES
        if len(lines[-1]) > width:
            lines[-1:] = [lines[-1][: -len(ARROW + NO_ROUTES)], "  ──▶ " + NO_ROUTES]
    n = len(d.routes)
    branches = [("└" if i == n - 1 else "├", " " if i == n - 1 else "│") for i in range(n)]
    key_w = max((len(r.text) for r in d.routes), default=0)
    fn_w = max((len(r.function_text) for r in d.routes if r.resources), default=0)
    label_w = max((len(r.label) for r in d.routes), default=0)
    to_target = len(connector("", label_w))
    aligned = []
    for (branch, _), route in zip(branches, d.routes, strict=True):
        arrow = connector(route.label, label_w)
        line = f" {branch}─▶ {route.text.ljust(key_w)}{arrow}{route.function_text}"
        if route.resources:
            line = line.ljust(5 + key_w + to_target + fn_w) + ARROW + ", ".join(route.resources)
        aligned.append(line)
    if all(len(line) <= width for line in aligned):
        lines += aligned
    else:
        for (branch, down), route in zip(branches, d.routes, strict=True):
            lines += _block(route, f" {branch}─▶ ", f" {down}     ", width)
    if d.auth is not None:
        lines.append(abbreviate_middle(d.auth, width - len(AUTH_EDGE)) + AUTH_EDGE)
    return lines


def _block(route: Route, head: str, indent: str, width: int) -> list[str]:
    """Layout 3 for one route: as few lines as fit, each within ``width``."""
    resources = ", ".join(route.resources)
    one = head + route.text + connector(route.label) + route.function_text
    if route.resources and len(one + ARROW + resources) <= width:
        return [one + ARROW + resources]
    if len(one) <= width:
        lines = [one]
    else:
        lines = [head + abbreviate_middle(route.text, width - len(head))]
        arrow = indent + connector(route.label).lstrip()
        below = indent + "    "  # where the target's text goes on when the arrow is long
        if len(arrow + route.function_text) <= width:
            lines.append(arrow + route.function_text)
        else:
            if route.label and len(arrow + route.function) > width:
                lines += [
                    arrow.rstrip(),
                    below + abbreviate_middle(route.function, width - len(below)),
                ]
            else:
                lines.append(arrow + abbreviate_middle(route.function, width - len(arrow)))
            if route.meta:
                lines += textwrap.wrap(
                    f"({route.meta})",
                    width,
                    initial_indent=below,
                    subsequent_indent=below,
                    break_on_hyphens=False,
                )
    if route.resources:
        lines += _wrapped(list(route.resources), indent + "──▶ ", indent + "    ", width)
    return lines


def _wrapped(items: list[str], first: str, rest: str, width: int) -> list[str]:
    """``items`` joined by ", " over lines that start with ``first``, then ``rest``."""
    lines = [first]
    for number, item in enumerate(items):
        piece = item + ("," if number < len(items) - 1 else "")
        start = lines[-1] == first or lines[-1] == rest
        if start or len(lines[-1]) + 1 + len(piece) <= width:
            lines[-1] += ("" if start else " ") + abbreviate_middle(piece, width - len(rest))
        else:
            lines.append(rest + abbreviate_middle(piece, width - len(rest)))
    return lines
