"""A template's ``Parameters``: the values given over each ``Default``, as CloudFormation passes
them (strings; lists for ``CommaDelimitedList`` and ``List<…>``), checked against their type and
``AllowedValues``."""

from __future__ import annotations

from typing import Any

from .._errors import TemplateError
from . import _shapes as shapes


def _parameter_text(value: Any, where: str, kind: str) -> str:
    """A parameter value as CloudFormation passes it: a string (numbers and booleans written
    out)."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (str, int, float)):
        return str(value)
    raise shapes.shape_error(where, value, f"a value for a {kind} parameter (a string or number)")


def template_parameters(template: dict[str, Any], given: dict[str, Any] | None) -> dict[str, Any]:
    """Parameter values: ``given`` over ``Default``; a parameter with neither is an error."""
    declared = template.get("Parameters") or {}
    given = dict(given or {})
    unknown = sorted(set(given) - set(declared))
    if unknown:
        raise TemplateError(
            f"parameters: the template has no parameter {unknown[0]!r}.",
            given=unknown,
            allowed=", ".join(declared) or "(the template declares no Parameters)",
            path=f"Parameters.{unknown[0]}",
        )
    out: dict[str, Any] = {}
    for name, decl in declared.items():
        where = f"Parameters.{name}"
        if name in given:
            value = given[name]
        elif "Default" in decl:
            value = decl["Default"]
            where = f"{where}.Default"
        else:
            raise TemplateError(
                f"Parameters.{name}: the parameter has no Default and no value was given.",
                given=name,
                fix=f"WebSocketApi.from_template(..., parameters={{{name!r}: '...'}})  or  --parameter {name}=...",
                path=f"Parameters.{name}",
            )
        kind = shapes.text(decl.get("Type", "String"), f"Parameters.{name}.Type")
        if kind == "CommaDelimitedList" or kind.startswith("List<"):
            if not isinstance(value, list):
                value = _parameter_text(value, where, kind).split(",")
            value = [_parameter_text(v, f"{where}[{i}]", kind).strip() for i, v in enumerate(value)]
        else:
            value = _parameter_text(value, where, kind)
            if kind == "Number":
                shapes.number(value, where)
        allowed = decl.get("AllowedValues")
        if (
            isinstance(allowed, list)
            and not isinstance(value, list)
            and allowed
            and value not in [str(a) for a in allowed]
        ):
            raise TemplateError(
                f"Parameters.{name}: {value!r} is not one of its AllowedValues.",
                given=value,
                allowed=", ".join(str(a) for a in allowed),
                path=f"Parameters.{name}",
            )
        out[name] = value
    return out
