"""Values a mapping template sees, with the Java methods API Gateway's Velocity offers on them.

API Gateway runs Velocity on the JVM: a string from ``$input.path``, ``$context`` or ``$util``
is a ``java.lang.String`` (``$s.length()``, ``$s.toUpperCase()``, ``$s.replaceAll(re, r)``…), an
object is a ``Map`` (``$m.size()``, ``$m.keySet()``, ``$m.get(k)``…), an array a ``List``
(``$l.size()``, ``$l.get(i)``…). These subclasses of ``str``, ``dict`` and ``list`` carry those
methods, so the engine calls them like any Python method; data keys win over method names
(``$m.size`` with a ``size`` key is the key's value), as in templates written for AWS.

Rendering (``str()``), as API Gateway prints them: a map as Java's ``{key=value, ...}``; a list
from the payload as compact JSON (``[{"c":5}]``); ``true``/``false``; a missing value as nothing.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any


def to_vtl(value: Any) -> Any:
    """``value`` (JSON-like Python data) with Java-style wrappers, copied (the input is left as is)."""
    if isinstance(value, dict):
        return VtlMap({str(k): to_vtl(v) for k, v in value.items()})
    if isinstance(value, (list, tuple)):
        return VtlList(to_vtl(v) for v in value)
    if isinstance(value, str) and not isinstance(value, VtlString):
        return VtlString(value)
    return value


def to_plain(value: Any) -> Any:
    """The JSON-serializable Python value of a wrapped one."""
    if isinstance(value, dict):
        return {str(k): to_plain(v) for k, v in dict.items(value)}
    if isinstance(value, (list, tuple)):
        return [to_plain(v) for v in value]
    if isinstance(value, str):
        return str.__str__(value)
    return value


def java_str(value: Any) -> str:
    """How Java's ``String.valueOf`` prints ``value`` (``null``, ``true``, ``{a=1}``…)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (VtlMap, VtlList)):
        return str(value)
    if isinstance(value, dict):
        return _map_text(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(java_str(v) for v in value) + "]"
    if isinstance(value, str):
        return str.__str__(value)
    return str(value)


def compact_json(value: Any) -> str:
    """Compact JSON, non-ASCII kept as is (what ``$input.json`` returns)."""
    return json.dumps(to_plain(value), separators=(",", ":"), ensure_ascii=False)


def _map_text(mapping: dict) -> str:
    return "{" + ", ".join(f"{k}={java_str(v)}" for k, v in dict.items(mapping)) + "}"


# Java regular-expression replacement strings: $1 / ${name} are groups, \x is a literal x.
_REPLACEMENT_TOKEN = re.compile(r"\\(.)|\$(\d+)|\$\{([A-Za-z][A-Za-z0-9]*)\}", re.S)


def _java_replacement(replacement: str) -> Callable[[re.Match[str]], str]:
    pieces: list[str | tuple[int | str]] = []  # literal text, or (group number or name,)
    last = 0
    for token in _REPLACEMENT_TOKEN.finditer(replacement):
        pieces.append(replacement[last : token.start()])
        literal, number, name = token.groups()
        if literal is not None:
            pieces.append(literal)
        else:
            pieces.append((int(number),) if number is not None else (name,))
        last = token.end()
    pieces.append(replacement[last:])

    def expand(match: re.Match[str]) -> str:
        return "".join(
            piece if isinstance(piece, str) else (match.group(piece[0]) or "") for piece in pieces
        )

    return expand


def _text(value: Any) -> str:
    return java_str(value) if not isinstance(value, str) else str.__str__(value)


class VtlString(str):
    """A ``java.lang.String``: Java's method names, regex methods with Java's semantics."""

    __slots__ = ()

    def length(self) -> int:
        return len(self)

    def isEmpty(self) -> bool:
        return len(self) == 0

    def toUpperCase(self) -> VtlString:
        return VtlString(str.upper(self))

    def toLowerCase(self) -> VtlString:
        return VtlString(str.lower(self))

    def trim(self) -> VtlString:
        return VtlString(str.strip(self, "".join(chr(c) for c in range(33))))

    def toString(self) -> VtlString:
        return self

    def charAt(self, index: int) -> VtlString:
        return VtlString(str.__getitem__(self, index))

    def concat(self, other: Any) -> VtlString:
        return VtlString(str.__str__(self) + _text(other))

    def substring(self, begin: int, end: int | None = None) -> VtlString:
        return VtlString(str.__getitem__(self, slice(begin, end)))

    def indexOf(self, part: Any, start: int = 0) -> int:
        return str.find(self, _text(part), start)

    def lastIndexOf(self, part: Any) -> int:
        return str.rfind(self, _text(part))

    def contains(self, part: Any) -> bool:
        return _text(part) in str.__str__(self)

    def startsWith(self, prefix: Any) -> bool:
        return str.startswith(self, _text(prefix))

    def endsWith(self, suffix: Any) -> bool:
        return str.endswith(self, _text(suffix))

    def equals(self, other: Any) -> bool:
        return isinstance(other, str) and str.__eq__(self, other)

    def equalsIgnoreCase(self, other: Any) -> bool:
        return isinstance(other, str) and str.lower(self) == str.lower(other)

    def replace(self, old: Any, new: Any, count: int = -1) -> VtlString:  # type: ignore[override]
        return VtlString(str.replace(self, _text(old), _text(new), count))

    def replaceAll(self, regex: Any, replacement: Any) -> VtlString:
        return VtlString(re.sub(_text(regex), _java_replacement(_text(replacement)), self))

    def replaceFirst(self, regex: Any, replacement: Any) -> VtlString:
        return VtlString(re.sub(_text(regex), _java_replacement(_text(replacement)), self, count=1))

    def matches(self, regex: Any) -> bool:
        return re.fullmatch(_text(regex), self, re.S) is not None

    def split(self, regex: Any = " ", limit: int = 0) -> VtlList:  # type: ignore[override]
        """Java's ``String.split``: a regex; with ``limit`` 0 trailing empty strings are dropped;
        a zero-width match at the start gives no leading empty string."""
        pattern = re.compile(_text(regex))
        parts = pattern.split(str.__str__(self), maxsplit=max(limit - 1, 0))
        first = pattern.match(self)
        if len(parts) > 1 and parts[0] == "" and first is not None and first.end() == 0:
            parts = parts[1:]
        if limit == 0:
            while len(parts) > 1 and parts[-1] == "":
                parts.pop()
        return VtlList(VtlString(p) for p in parts)


class VtlMap(dict):
    """A ``java.util.Map`` (insertion-ordered, as API Gateway's JSON objects)."""

    def size(self) -> int:
        return len(self)

    def count(self) -> int:
        """The number of entries (AWS's WebSocket mapping reference shows ``.count()``)."""
        return len(self)

    def isEmpty(self) -> bool:
        return len(self) == 0

    def containsKey(self, key: Any) -> bool:
        return _text(key) in self

    def containsValue(self, value: Any) -> bool:
        return value in dict.values(self)

    def keySet(self) -> VtlList:
        return VtlList(VtlString(k) for k in dict.keys(self))

    def values(self) -> VtlList:  # type: ignore[override]
        return VtlList(dict.values(self))

    def entrySet(self) -> VtlList:
        return VtlList(VtlMap(key=VtlString(k), value=v) for k, v in dict.items(self))

    def put(self, key: Any, value: Any) -> Any:
        key = _text(key)
        previous = dict.get(self, key)
        self[key] = to_vtl(value)
        return previous

    def putAll(self, other: Any) -> None:
        for key, value in dict.items(other):
            self[_text(key)] = to_vtl(value)

    def remove(self, key: Any) -> Any:
        return dict.pop(self, _text(key), None)

    def toString(self) -> VtlString:
        return VtlString(str(self))

    def __str__(self) -> str:
        return _map_text(self)


class VtlList(list):
    """A ``java.util.List``; printed as compact JSON, as API Gateway prints a payload's array."""

    def size(self) -> int:
        return len(self)

    def count(self, *value: Any) -> int:
        """``count()`` is the size (AWS's WebSocket mapping reference); ``count(x)`` is Python's."""
        return len(self) if not value else list.count(self, *value)

    def isEmpty(self) -> bool:
        return len(self) == 0

    def get(self, index: int) -> Any:
        return self[index]

    def contains(self, value: Any) -> bool:
        return value in self

    def indexOf(self, value: Any) -> int:
        return self.index(value) if value in self else -1

    def add(self, value: Any) -> bool:
        self.append(to_vtl(value))
        return True

    def set(self, index: int, value: Any) -> Any:
        previous = self[index]
        self[index] = to_vtl(value)
        return previous

    def toString(self) -> VtlString:
        return VtlString(str(self))

    def __str__(self) -> str:
        try:
            return compact_json(self)
        except (TypeError, ValueError):
            return "[" + ", ".join(java_str(v) for v in self) + "]"
