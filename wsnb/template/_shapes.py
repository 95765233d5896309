"""Type checks for what the reader takes out of a template.

Every value the reader uses as a mapping, a list, a string or a number goes through one of
these first, so a malformed template is one :class:`TemplateError` that names the property
path, what was found and what is expected (never a ``TypeError`` from deep inside the reader).
"""

from __future__ import annotations

import math
from typing import Any

from .._errors import TemplateError
from ._intrinsics import NO_VALUE, strip_markers


def shown(value: Any) -> Any:
    """``value`` for a message: reference markers written back as ``${Logical.Attr}``."""
    if isinstance(value, str):
        return strip_markers(
            value, lambda lid, attr: f"${{{lid if attr == 'Ref' else lid + '.' + attr}}}"
        )
    if isinstance(value, dict):
        return {k: shown(v) for k, v in value.items()}
    if isinstance(value, list):
        return [shown(v) for v in value]
    return value


def describe(value: Any) -> str:
    """A few words for a found value: ``the string 'oops'``, ``a list of 2 items``."""
    if value is None or value is NO_VALUE:
        return "nothing (null)"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, (int, float)):
        return f"the number {value}"
    if isinstance(value, str):
        text = shown(value)
        return f"the string {text[:60] + '…' if len(text) > 60 else text!r}"
    if isinstance(value, dict):
        keys = ", ".join(str(k) for k in list(value)[:4]) + (", …" if len(value) > 4 else "")
        return f"a mapping with keys {keys}" if value else "an empty mapping"
    if isinstance(value, list):
        return f"a list of {len(value)} item{'s' if len(value) != 1 else ''}"
    return f"a {type(value).__name__}"


def shape_error(where: str, value: Any, expected: str, fix: str | None = None) -> TemplateError:
    return TemplateError(
        f"{where}: expected {expected}, found {describe(value)}.",
        given=shown(value),
        allowed=expected,
        fix=fix or f"make {where} {expected}",
        path=where,
    )


def mapping(value: Any, where: str, *, optional: bool = True) -> dict[str, Any]:
    """A mapping (``{}`` for an absent value when ``optional``)."""
    if value is None and optional:
        return {}
    if not isinstance(value, dict):
        raise shape_error(where, value, "a mapping")
    return value


def items(value: Any, where: str, *, of: str = "a list", optional: bool = True) -> list[Any]:
    """A list (``[]`` for an absent value when ``optional``)."""
    if value is None and optional:
        return []
    if not isinstance(value, list):
        raise shape_error(where, value, of)
    return value


def mappings(value: Any, where: str) -> list[dict[str, Any]]:
    """A list of mappings (``[]`` when absent)."""
    out = items(value, where, of="a list of mappings")
    for i, item in enumerate(out):
        mapping(item, f"{where}[{i}]", optional=False)
    return out


def text(value: Any, where: str, *, literal: bool = False) -> str:
    """A string; with ``literal``, one that is not built from a reference to a resource."""
    if not isinstance(value, str):
        raise shape_error(where, value, "a string")
    if literal and "\x00" in value:
        raise shape_error(
            where,
            value,
            "a literal string (not a reference to another resource)",
            fix=f"write {where} out as a plain string",
        )
    return value


def texts(value: Any, where: str) -> list[str]:
    """A list of strings (``[]`` when absent)."""
    out = items(value, where, of="a list of strings")
    for i, item in enumerate(out):
        text(item, f"{where}[{i}]")
    return out


def integer(value: Any, where: str) -> int:
    """A whole number (CloudFormation also accepts one written as a string: ``"30"``)."""
    if isinstance(value, bool):
        raise shape_error(where, value, "a whole number")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            pass
    raise shape_error(where, value, "a whole number")


def number(value: Any, where: str) -> float:
    """A finite number (or one written as a string)."""
    if not isinstance(value, bool) and isinstance(value, (int, float, str)):
        try:
            out = float(value)
        except ValueError:
            out = math.nan
        if math.isfinite(out):
            return out
    raise shape_error(where, value, "a number")


# Properties of IAM resources (and SAM functions' inline policies) that the reader walks
# into: their containers are checked when the properties are evaluated (Template.props).
_IAM_DOCUMENTS = {"AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"}


def check_properties(kind: str, props: dict[str, Any], where: str) -> None:
    """The shapes of ``props`` (a resource of type ``kind``) that the reader relies on."""
    if kind == "AWS::IAM::Role":
        for i, policy in enumerate(mappings(props.get("Policies"), f"{where}.Policies")):
            here = f"{where}.Policies[{i}].PolicyDocument"
            _policy_document(mapping(policy.get("PolicyDocument"), here), here)
        items(props.get("ManagedPolicyArns"), f"{where}.ManagedPolicyArns")
    elif kind in _IAM_DOCUMENTS:
        items(props.get("Roles"), f"{where}.Roles")
        here = f"{where}.PolicyDocument"
        _policy_document(mapping(props.get("PolicyDocument"), here), here)
    elif kind == "AWS::Serverless::Function":
        policies = props.get("Policies")
        for i, policy in enumerate(policies if isinstance(policies, list) else [policies]):
            if isinstance(policy, dict) and "Statement" in policy:
                _policy_document(policy, f"{where}.Policies[{i}]")


def _policy_document(document: dict[str, Any], where: str) -> None:
    statements = document.get("Statement")
    if isinstance(statements, dict):
        statements = [statements]
    for i, statement in enumerate(items(statements, f"{where}.Statement", of="a list")):
        if not isinstance(statement, dict):
            continue  # reported by the reader, not granted
        for key in ("Action", "Resource"):
            value = statement.get(key)
            if value is not None and not isinstance(value, str):
                texts(value, f"{where}.Statement[{i}].{key}")
