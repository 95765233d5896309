"""A small, deterministic YAML emitter for CloudFormation templates (JSON data only).

Block style, keys in template order; a string is written plain only when YAML cannot read it
as anything else, and otherwise as a JSON string (valid YAML, since YAML 1.2 includes JSON).
"""

from __future__ import annotations

import json
import re
from typing import Any

_PLAIN = re.compile(r"^[A-Za-z_/$][A-Za-z0-9_./:$@\-]*$")
_RESERVED = {"true", "false", "null", "yes", "no", "on", "off", "y", "n", "~"}


def _scalar(value: Any) -> str:
    if isinstance(value, str):
        if _PLAIN.match(value) and not value.endswith(":") and value.lower() not in _RESERVED:
            return value
        return json.dumps(value, ensure_ascii=False)
    return json.dumps(value)


def _lines(value: Any, indent: int) -> list[str]:
    pad = " " * indent
    if isinstance(value, dict):
        if not value:
            return [pad + "{}"]
        out = []
        for key, item in value.items():
            head = f"{pad}{_scalar(str(key))}:"
            if isinstance(item, (dict, list)) and item:
                out.append(head)
                out.extend(_lines(item, indent + 2))
            else:
                out.append(f"{head} {_inline(item)}")
        return out
    if isinstance(value, list):
        if not value:
            return [pad + "[]"]
        out = []
        for item in value:
            if isinstance(item, (dict, list)) and item:
                nested = _lines(item, indent + 2)
                out.append(f"{pad}- {nested[0].lstrip()}")
                out.extend(nested[1:])
            else:
                out.append(f"{pad}- {_inline(item)}")
        return out
    return [pad + _scalar(value)]


def _inline(value: Any) -> str:
    if isinstance(value, dict):
        return "{}"
    if isinstance(value, list):
        return "[]"
    return _scalar(value)


def to_yaml(data: Any) -> str:
    """``data`` (JSON-compatible) as block-style YAML text ending with a newline."""
    return "\n".join(_lines(data, 0)) + "\n"
