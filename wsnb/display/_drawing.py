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


@dataclass(frozen=True)
class Route:
    """One route's row of the drawing: its key (with ``(↩ reply)``), its function's label and
    meta text (runtime, timeout, memory), and the resources the function uses."""

    text: str
    function: str
    meta: str
    resources: tuple[str, ...]

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
    heading = ""
    for i, (col, text) in enumerate(d.headings):
        last = i == len(d.headings) - 1
        heading += text if last else text.ljust(width[col]) + " " * arrow
    lead = ARROW.join(text.ljust(width[col]) for col, text in d.lead)
    lines = [heading]
    n = len(d.routes)
    for i, route in enumerate(d.routes):
        line = lead if i == 0 else " " * len(lead)
        branch = "─" if n == 1 else ("┬" if i == 0 else ("└" if i == n - 1 else "├"))
        line += (" ─" if i == 0 else "  ") + branch + "▶ " + route.text.ljust(width["route"])
        line += ARROW + route.function_text
        if route.resources:
            line = line.ljust(len(lead) + 5 + width["route"] + arrow + width["fn"])
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
    aligned = []
    for (branch, _), route in zip(branches, d.routes, strict=True):
        line = f" {branch}─▶ {route.text.ljust(key_w)}{ARROW}{route.function_text}"
        if route.resources:
            line = line.ljust(5 + key_w + len(ARROW) + fn_w) + ARROW + ", ".join(route.resources)
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
    one = head + route.text + ARROW + route.function_text
    if route.resources and len(one + ARROW + resources) <= width:
        return [one + ARROW + resources]
    if len(one) <= width:
        lines = [one]
    else:
        lines = [head + abbreviate_middle(route.text, width - len(head))]
        arrow = indent + "──▶ "
        if len(arrow + route.function_text) <= width:
            lines.append(arrow + route.function_text)
        else:
            lines.append(arrow + abbreviate_middle(route.function, width - len(arrow)))
            if route.meta:
                lines.append(
                    indent + "    " + abbreviate_middle(f"({route.meta})", width - len(arrow))
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
