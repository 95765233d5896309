"""Fitting the display into the width a notebook output really has.

A 1280 px JupyterLab window with its file browser open gives an output area of about 800 px
(measured: 848 px in JupyterLab 4.6); Notebook 7 and nbconvert's HTML give more. Untrusted
outputs lose wsnb's CSS, so widths are estimated with JupyterLab's own look for sanitized
HTML, the widest of the views: 13 px sans-serif cells padded 6.5 px, ``<code>`` in 13 px
monospace padded 5 px, and ``<pre>`` text in 14 px monospace.
"""

from __future__ import annotations

from collections.abc import Sequence

from ._measure import mono_width, text_width

#: the HTML tables are packed to stay under this many px
TABLE_BUDGET_PX = 760.0
#: text drawings and text tables stay within this many characters per line (80 characters of
#: 14 px monospace are 680 px; terminals and logs have 80 columns too)
TEXT_WIDTH = 80

_CELL_PAD = 13 + 1  # a cell's left + right padding, and its border
_CODE_PAD = 10  # <code>'s own padding in JupyterLab


def cell_px(text: str, *, code: bool = False, bold: bool = False) -> float:
    """The width a table cell needs to show ``text`` on one line, in the sanitized view."""
    if code:
        return mono_width(text, 13) + _CODE_PAD + _CELL_PAD
    width = text_width(text, 13)
    return (width * 1.1 if bold else width) + _CELL_PAD


def pack(widths: Sequence[float], budget: float, first: float, later: float) -> list[list[int]]:
    """Columns (their indexes, in order) for each of one or more tables, so each table is at
    most ``budget`` wide where it can be: the first table starts with columns ``first`` wide
    (route and handler), every later one with ``later`` (the route again). A column starts a
    new table when it would not fit in the current one; order is kept."""
    tables: list[list[int]] = [[]]
    used = first
    for index, width in enumerate(widths):
        if tables[-1] and used + width > budget:
            tables.append([])
            used = later
        tables[-1].append(index)
        used += width
    return tables


def abbreviate(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters with a trailing ``…`` (as it is when it fits)."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def abbreviate_middle(text: str, limit: int) -> str:
    """``text`` with its middle replaced by ``…`` to fit ``limit`` characters: the start and
    the end of a path or handler say the most."""
    if len(text) <= limit:
        return text
    head = (limit - 1) * 2 // 5
    tail = limit - 1 - head
    return text[:head] + "…" + text[len(text) - tail :]
