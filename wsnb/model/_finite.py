"""One rule for numbers JSON, CloudFormation and the CDK bridge cannot carry: NaN and ±Infinity.

``json.dumps`` writes them as ``NaN``/``Infinity`` (not JSON), CloudFormation refuses them and
the jsii bridge to Node dies on them, so every boundary that takes user numbers (the model's
builders, ``synth``/``export``'s ``context=``, the CLI's ``--context``) checks with
:func:`refuse_non_finite`.
"""

from __future__ import annotations

import math
from typing import Any

from .._errors import ValidationError, WsnbError

__all__ = ["non_finite_path", "refuse_non_finite"]

_MAX_DEPTH = 100


def non_finite_path(value: Any) -> str | None:
    """Where a NaN or infinite float sits in ``value`` (nested dicts, lists, tuples), as a
    subscript path such as ``"['x'][0]"`` (``""`` for ``value`` itself); None when every number
    is finite."""
    found = _find(value)
    return None if found is None else found[0]


def refuse_non_finite(
    value: Any,
    *,
    what: str,
    error: type[WsnbError] = ValidationError,
    fix: str | None = None,
    path: str | None = None,
) -> None:
    """Raise ``error`` when ``value`` holds NaN or ±Infinity; ``what`` names it (``"context"``)."""
    found = _find(value)
    if found is None:
        return
    where, bad = found
    raise error(
        f"{what}{where} is {bad!r}: numbers must be finite (NaN and Infinity are not JSON, and "
        "CloudFormation and the CDK cannot carry them).",
        given=value,
        allowed="finite numbers (write a very large limit as a number such as 1e9, or leave it out)",
        fix=fix or "use a finite number, or a string if you mean the text",
        path=path,
    )


def _find(value: Any) -> tuple[str, float] | None:
    stack: list[tuple[Any, str, int]] = [(value, "", 0)]
    seen: set[int] = set()
    while stack:
        item, where, depth = stack.pop()
        if isinstance(item, float):
            if not math.isfinite(item):
                return where, item
            continue
        if not isinstance(item, (dict, list, tuple)) or depth > _MAX_DEPTH or id(item) in seen:
            continue
        seen.add(id(item))
        pairs = list(item.items() if isinstance(item, dict) else enumerate(item))
        stack.extend((v, f"{where}[{k!r}]", depth + 1) for k, v in reversed(pairs))
    return None
