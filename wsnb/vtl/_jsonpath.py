"""The JSONPath that ``$input.json(x)`` and ``$input.path(x)`` take.

API Gateway evaluates these with Jayway's "JSONPath for Java" (cited by AWS's "API Gateway
WebSocket API mapping template reference"). This module takes the part of it templates use:
``$`` (the whole payload), ``.name`` and ``['name']`` / ``["name"]`` children, ``[n]`` indexes
(negative from the end), ``[a:b]`` slices, ``*`` / ``[*]`` wildcards and ``..name`` deep scan.
As in Jayway, a path without a leading ``$`` is read under it (``pets`` is ``$.pets``), and a
path with a wildcard, slice or deep scan returns a list of its matches. Filters (``[?(...)]``)
and functions (``.length()``) are refused with a :class:`MappingTemplateError`.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from ._problems import MappingTemplateError

MISSING: Any = type("Missing", (), {"__repr__": lambda self: "MISSING"})()

# ("key", name) | ("index", n) | ("slice", (a, b)) | ("wild", None) | ("deep", name or None)
Step = tuple[str, Any]

_ALLOWED = (
    "$, $.a.b, $.a[0], $.a[-1], $['a'], $[\"a b\"], $.a[*], $.a.*, $.a[0:2], $..a "
    "(Jayway JSONPath without filters or functions)"
)
_NAME = re.compile(r"[^.\[\]\s()?@]+")
_QUOTED = re.compile(r"\[\s*(?:'((?:[^'\\]|\\.)*)'|\"((?:[^\"\\]|\\.)*)\")\s*\]")
_INDEX = re.compile(r"\[\s*(-?\d+)\s*\]")
_SLICE = re.compile(r"\[\s*(-?\d*)\s*:\s*(-?\d*)\s*\]")
_WILD = re.compile(r"\[\s*\*\s*\]")


def _refuse(path: str, at: int, what: str) -> MappingTemplateError:
    return MappingTemplateError(
        f"The JSONPath {path!r} has {what} at position {at} that the local emulator does not "
        "evaluate.",
        given=path,
        allowed=_ALLOWED,
        fix="select the value with dots, quoted names and indexes, and test it in the template "
        "(#if) instead of a filter",
    )


@functools.lru_cache(maxsize=512)
def compile_path(path: str) -> tuple[Step, ...]:
    """``path`` as steps; raises :class:`MappingTemplateError` for what is not supported."""
    text = path.strip()
    if not text:
        text = "$"
    if not text.startswith("$"):
        text = "$." + text if not text.startswith("[") else "$" + text
    steps: list[Step] = []
    i = 1
    while i < len(text):
        if text.startswith("..", i):
            i += 2
            if text.startswith("*", i):
                steps.append(("deep", None))
                i += 1
                continue
            match = _NAME.match(text, i) or _QUOTED.match(text, i)
            if match is None:
                raise _refuse(path, i, "a deep scan without a name")
            name = match.group(0) if match.re is _NAME else _unquote(match)
            steps.append(("deep", name))
            i = match.end()
            continue
        if text.startswith(".", i):
            i += 1
            if text.startswith("*", i):
                steps.append(("wild", None))
                i += 1
                continue
            match = _NAME.match(text, i)
            if match is None or text.startswith("(", match.end()):
                raise _refuse(path, i, "a function call or an empty name")
            steps.append(("key", match.group(0)))
            i = match.end()
            continue
        if text.startswith("[", i):
            for pattern in (_QUOTED, _INDEX, _SLICE, _WILD):
                match = pattern.match(text, i)
                if match is not None:
                    break
            else:
                raise _refuse(path, i, "a bracket expression (filter or union)")
            if pattern is _QUOTED:
                steps.append(("key", _unquote(match)))
            elif pattern is _INDEX:
                steps.append(("index", int(match.group(1))))
            elif pattern is _SLICE:
                a, b = (int(g) if g not in ("", "-") else None for g in match.groups())
                steps.append(("slice", (a, b)))
            else:
                steps.append(("wild", None))
            i = match.end()
            continue
        raise _refuse(path, i, f"the character {text[i]!r}")
    return tuple(steps)


def _unquote(match: re.Match[str]) -> str:
    raw = match.group(1) if match.group(1) is not None else match.group(2)
    return re.sub(r"\\(.)", r"\1", raw)


def is_definite(steps: tuple[Step, ...]) -> bool:
    """True when the path names one place (no wildcard, slice or deep scan)."""
    return all(kind in ("key", "index") for kind, _ in steps)


def query(data: Any, path: str) -> Any:
    """The value at ``path`` (``MISSING`` when absent), or the list of matches for an indefinite
    path."""
    steps = compile_path(path)
    if is_definite(steps):
        current = data
        for kind, arg in steps:
            current = _child(current, kind, arg)
            if current is MISSING:
                return MISSING
        return current
    nodes = [data]
    for kind, arg in steps:
        nodes = [found for node in nodes for found in _children(node, kind, arg)]
    return nodes


def _child(node: Any, kind: str, arg: Any) -> Any:
    if kind == "key":
        return node.get(arg, MISSING) if isinstance(node, dict) else MISSING
    if isinstance(node, list) and -len(node) <= arg < len(node):
        return node[arg]
    return MISSING


def _children(node: Any, kind: str, arg: Any) -> list[Any]:
    if kind in ("key", "index"):
        found = _child(node, kind, arg)
        return [] if found is MISSING else [found]
    if kind == "slice":
        return list(node[arg[0] : arg[1]]) if isinstance(node, list) else []
    if kind == "wild":
        if isinstance(node, dict):
            return list(dict.values(node))
        return list(node) if isinstance(node, list) else []
    # deep scan: this node and every descendant, in document order
    out: list[Any] = []
    stack = [node]
    while stack:
        current = stack.pop(0)
        if isinstance(current, dict):
            if arg is None:
                out.extend(dict.values(current))
            elif arg in current:
                out.append(current[arg])
            stack[0:0] = list(dict.values(current))
        elif isinstance(current, list):
            if arg is None:
                out.extend(current)
            stack[0:0] = list(current)
    return out
