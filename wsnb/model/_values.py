"""Plain data that may safely reach aws-cdk-lib: the one check for every string and number.

Everything a user gives ends up as a string or a number inside a CDK construct, and CDK reads
some values as its own references instead of as data:

- strings holding ``${Token[...]}`` (a string token) or ``#{Token[...]}`` (a list token) are
  swapped for whatever CDK value has that number, so a user value could silently become an
  unrelated ARN. wsnb refuses both markers, also with whitespace inside or in another case
  (``$ { token [``), so a value never depends on how closely it imitates a token;
- doubles whose top 16 bits are ``0xFBFF`` (about ``-1.888e+289``) are CDK *number* tokens;
- ``inf`` and ``nan`` are not JSON: the jsii bridge dies on them (every later synth in the
  kernel fails) and an exported ``app.py`` would not even run.

CloudFormation dynamic references (``{{resolve:ssm:...}}``, ``{{resolve:secretsmanager:...}}``)
are allowed on purpose in Lambda environment values only, where CloudFormation resolves them at
deploy time (``lint()`` reports each one as an info); anywhere else they are refused.

:func:`check_data` is the one function: the model runs it on every function's props, every
resource, and the whole API on each commit; ``synth``/``export`` and the CLI run it on
``context=`` values (:func:`check_context`).
"""

from __future__ import annotations

import math
import re
import struct
from collections.abc import Mapping
from typing import Any

from .._errors import ValidationError, WsnbError

# CDK's markers are exactly "${Token[" and "#{Token["; a looser pattern (whitespace, case)
# refuses near-misses too, so a value never depends on how closely it imitates a token.
CDK_TOKEN = re.compile(r"[$#]\s*\{\s*token\s*\[", re.IGNORECASE)
DYNAMIC_REFERENCE = re.compile(r"\{\{\s*resolve\s*:", re.IGNORECASE)
_NUMBER_TOKEN_HIGH_BITS = 0xFBFF  # aws-cdk-lib encodes number tokens in this double range
_MAX_JSON_INT = 2**53  # beyond this a JSON number loses precision in Node

ALLOWED_TEXT = "text without '${Token[' or '#{Token[' (aws-cdk-lib's reference markers)"


def is_cdk_number_token(value: float) -> bool:
    """Whether CDK would read this double as one of its encoded number tokens."""
    bits = struct.unpack("<Q", struct.pack("<d", value))[0]
    return bits >> 48 == _NUMBER_TOKEN_HIGH_BITS


def text_problem(text: str, *, dynamic_reference: bool = False) -> str | None:
    """Why this string cannot reach CDK as plain text (None when it can)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "is not valid Unicode text (it holds a lone surrogate)"
    if CDK_TOKEN.search(text):
        return "contains an aws-cdk-lib reference marker ('${Token[' or '#{Token[')"
    if not dynamic_reference and DYNAMIC_REFERENCE.search(text):
        return (
            "contains a CloudFormation dynamic reference '{{resolve:...}}', "
            "which wsnb allows only in environment values"
        )
    return None


def number_problem(value: float | int) -> str | None:
    """Why this number cannot reach CDK (None when it can)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        if abs(value) > _MAX_JSON_INT:
            return f"is larger than {_MAX_JSON_INT} (JSON numbers lose precision beyond it)"
        return None
    if not math.isfinite(value):
        return "is not a finite number (inf and nan are not JSON)"
    if is_cdk_number_token(value):
        return "is in the range aws-cdk-lib uses for its encoded number tokens"
    return None


def check_data(
    value: Any,
    path: str,
    *,
    error: type[WsnbError] = ValidationError,
    env_key: str | None = "environment",
) -> None:
    """Raise ``error`` at the first string or number (keys included) CDK would misread.

    Dict values under ``env_key`` are Lambda environment values, where ``{{resolve:...}}`` is
    allowed. A notebook handler's ``{"python": {"name", "source"}}`` is checked for its name
    only: the source is shipped as a file, never read by CDK.
    """
    _walk(value, path, error, env_key, dynamic=False)


def _walk(value, path, error, env_key, *, dynamic):
    if isinstance(value, str):
        problem = text_problem(value, dynamic_reference=dynamic)
        if problem:
            raise error(
                f"A value {problem}.",
                given=value,
                allowed=ALLOWED_TEXT
                + ("" if dynamic else "; '{{resolve:...}}' only in environment values"),
                fix="change the text (drop the braces around Token[...]), or pass the real value",
                path=path,
            )
    elif isinstance(value, (int, float)):
        problem = number_problem(value)
        if problem:
            raise error(
                f"A number {problem}.",
                given=value,
                allowed="a finite number (ints up to 2**53)",
                fix="pass a finite number",
                path=path,
            )
    elif isinstance(value, Mapping):
        for key, item in value.items():
            where = f"{path}[{key!r}]"
            if key == "python" and isinstance(item, Mapping) and set(item) == {"name", "source"}:
                item = {"name": item["name"]}
            _walk(key, where, error, env_key, dynamic=False)
            if key == env_key and isinstance(item, Mapping):
                for name, text in item.items():
                    _walk(name, f"{where}[{name!r}]", error, env_key, dynamic=False)
                    _walk(text, f"{where}[{name!r}]", error, env_key, dynamic=True)
            else:
                _walk(item, where, error, env_key, dynamic=False)
    elif isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            _walk(item, f"{path}[{i}]", error, env_key, dynamic=dynamic)


def check_context(
    context: Any, path: str = "context", *, error: type[WsnbError] = ValidationError
) -> dict[str, Any]:
    """Validate CDK ``context=`` values (synth, export, ``wsnb --context``); returns a plain copy.

    Keys are strings; values are JSON data with finite numbers and no CDK reference markers.
    """
    import json

    if context is None:
        return {}
    if not isinstance(context, Mapping) or not all(isinstance(k, str) for k in context):
        raise error(
            "context must be a dict of CDK context keys to JSON values.",
            given=context,
            fix='context={"hosted-zone:account=...:domainName=example.com:region=...": {...}}',
            path=path,
        )
    check_data(context, path, error=error, env_key=None)
    try:
        return json.loads(json.dumps(dict(context), allow_nan=False))
    except (TypeError, ValueError):
        raise error(
            "context values must be JSON data (dicts, lists, strings, finite numbers, bools, None).",
            given=context,
            path=path,
        ) from None
