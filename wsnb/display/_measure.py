"""Text width without a browser: a per-character advance table for a sans-serif UI font.

The advances are DejaVu Sans's (the widest of the common UI sans fonts: Arial, Helvetica,
Segoe UI, Roboto and system-ui are narrower), so a box sized with them never clips its text in
any of those. Values are in font units of a 2048-unit em.
"""

from __future__ import annotations

from functools import lru_cache

_EM = 2048
_ADVANCE = {
    **dict.fromkeys("il|!'.,:;", 620),
    **dict.fromkeys("jI`", 640),
    **dict.fromkeys("ft/\\()[]{}", 800),
    "r": 842,
    **dict.fromkeys('sz"-', 1090),
    **dict.fromkeys("ckvxy*^_", 1220),
    **dict.fromkeys("abdeghnopqu0123456789$#?+=<>~", 1305),
    **dict.fromkeys("ABCEFKLPRSTVXYZ&", 1440),
    **dict.fromkeys("DGHNOQU%", 1600),
    **dict.fromkeys("mw@", 2000),
    **dict.fromkeys("MW", 2080),
    " ": 651,
}
_DEFAULT = 1400  # anything else (letters with accents, λ, arrows): a wide letter
_WIDE = 2048  # CJK and emoji take a full em


def _advance(ch: str) -> int:
    found = _ADVANCE.get(ch)
    if found is not None:
        return found
    return _WIDE if ord(ch) >= 0x2E80 else _DEFAULT


@lru_cache(maxsize=4096)
def text_width(text: str, size: float) -> float:
    """The rendered width in px of ``text`` at font size ``size`` px (an upper bound)."""
    return sum(_advance(ch) for ch in text) * size / _EM


#: a monospace advance (Menlo, Consolas, DejaVu Sans Mono: 0.6 em and a little)
MONO_EM = 0.61


def mono_width(text: str, size: float) -> float:
    """The rendered width in px of ``text`` in a monospace font at ``size`` px (CJK and emoji
    take two cells)."""
    return text_cells(text) * MONO_EM * size


def text_cells(text: str) -> int:
    """How many monospace cells ``text`` takes (CJK and emoji take two)."""
    return sum(2 if ord(ch) >= 0x2E80 else 1 for ch in text)
