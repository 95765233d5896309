"""CloudFormation intrinsic functions, conditions, mappings and pseudo parameters, evaluated locally.

References to resources cannot resolve to real values before deploy, so ``Ref`` and
``Fn::GetAtt`` of a resource become *markers*: short strings ``\\x00LogicalId.Attr\\x00``
(``Attr`` is ``Ref`` for a ``Ref``) that survive ``Fn::Join``/``Fn::Sub`` concatenation. The
reader finds them again with :func:`markers` and maps them to wsnb objects (a function, a
Table's ``table_name``…). Everything else (parameters, pseudo parameters, ``Fn::If``,
``Fn::Select``, ``Fn::FindInMap``…) evaluates to plain values. Each function is one small
function in :data:`FUNCTIONS`, the dispatch table; an intrinsic it does not hold is a
:class:`TemplateError` naming the resource and property path.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable
from typing import Any

from .._errors import TemplateError
from ._conditions import check_conditions

PSEUDO_DEFAULTS = {
    "AWS::Region": "us-east-1",
    "AWS::AccountId": "123456789012",
    "AWS::StackName": "local",
    "AWS::Partition": "aws",
    "AWS::URLSuffix": "amazonaws.com",
    "AWS::NoValue": None,
}
_MARKER = re.compile(r"\x00([A-Za-z0-9]+)\.([A-Za-z0-9.]+)\x00")
_SUB_VAR = re.compile(r"\$\{([^}]*)\}")
NO_VALUE = object()


def marker(logical_id: str, attribute: str = "Ref") -> str:
    return f"\x00{logical_id}.{attribute}\x00"


def markers(value: Any) -> list[tuple[str, str]]:
    """Every ``(logical_id, attribute)`` marker inside a resolved string."""
    return _MARKER.findall(value) if isinstance(value, str) else []


def strip_markers(value: str, replace: Any) -> str:
    """``value`` with each marker replaced by ``replace(logical_id, attribute)``."""
    return _MARKER.sub(lambda m: replace(m[1], m[2]), value)


class Evaluator:
    """Evaluates intrinsics of one template with its parameters and pseudo parameters.

    Its ``Conditions`` are checked when it is made: conditions that depend on each other in a
    circle are a :class:`TemplateError` naming the circle (see :mod:`._conditions`)."""

    def __init__(
        self,
        template: dict[str, Any],
        *,
        parameters: dict[str, Any],
        region: str | None,
        account: str | None,
        stack_name: str | None = None,
    ) -> None:
        self.template = template
        self.resources = template.get("Resources") or {}
        self.mappings = template.get("Mappings") or {}
        self.pseudo = dict(PSEUDO_DEFAULTS)
        if region:
            self.pseudo["AWS::Region"] = region
            if region.startswith("cn-"):
                self.pseudo["AWS::Partition"] = "aws-cn"
                self.pseudo["AWS::URLSuffix"] = "amazonaws.com.cn"
            elif region.startswith("us-gov-"):
                self.pseudo["AWS::Partition"] = "aws-us-gov"
        if account:
            self.pseudo["AWS::AccountId"] = account
        if stack_name:
            self.pseudo["AWS::StackName"] = stack_name
        self.parameters = parameters
        self._conditions: dict[str, bool] = {}
        self._raw_conditions = template.get("Conditions") or {}
        check_conditions(self._raw_conditions)

    # ------------------------------------------------------------------ conditions

    def condition(self, name: Any, where: str) -> bool:
        if not isinstance(name, str) or name not in self._raw_conditions:
            raise TemplateError(
                f"{where}: condition {name!r} is not defined in Conditions.",
                given=name,
                allowed=", ".join(sorted(self._raw_conditions)) or "(no Conditions)",
                path=where,
            )
        if name not in self._conditions:  # no circle: checked when the evaluator was made
            self._conditions[name] = bool(
                self.value(self._raw_conditions[name], f"Conditions.{name}")
            )
        return self._conditions[name]

    # ------------------------------------------------------------------ values

    def value(self, node: Any, where: str) -> Any:
        """Evaluate ``node``; ``where`` is ``LogicalId.Properties.Path`` for errors."""
        if isinstance(node, dict):
            if len(node) == 1:
                ((key, arg),) = node.items()
                key = key if isinstance(key, str) else ""
                if key == "Ref":
                    return self.ref(arg, where)
                function = FUNCTIONS.get(key)
                if function is not None:
                    return function(self, arg, f"{where}.{key}")
                if key.startswith("Fn::"):
                    raise _unknown(key, arg, f"{where}.{key}")
            out = {}
            for k, v in node.items():
                val = self.value(v, f"{where}.{k}")
                if val is not NO_VALUE:
                    out[k] = val
            return out
        if isinstance(node, list):
            items = [self.value(v, f"{where}[{i}]") for i, v in enumerate(node)]
            return [v for v in items if v is not NO_VALUE]
        return node

    def ref(self, name: Any, where: str) -> Any:
        """``Ref``: a pseudo parameter's or parameter's value, or a resource's marker."""
        if not isinstance(name, str):
            raise TemplateError(
                f"{where}: Ref takes a name, not {type(name).__name__}.", given=name, path=where
            )
        if name in self.pseudo:
            value = self.pseudo[name]
            return NO_VALUE if value is None else value
        if name in self.parameters:
            return self.parameters[name]
        if name in self.resources:
            return marker(name)
        raise TemplateError(
            f"{where}: Ref {name!r} names no parameter, pseudo parameter or resource.",
            given=name,
            allowed="a Parameters name, a Resources logical id, or AWS::Region/AccountId/…",
            path=where,
        )


# ---------------------------------------------------------------------- the functions
# Each takes the evaluator, the function's argument (not evaluated yet) and the path of the
# call (``LogicalId.Properties.Path.Fn::Name``), and returns the value.


def _get_att(ev: Evaluator, arg: Any, here: str) -> str:
    if isinstance(arg, str):
        arg = arg.split(".", 1)
    arg = ev.value(arg, here)
    if not (isinstance(arg, list) and len(arg) == 2 and all(isinstance(a, str) for a in arg)):
        raise TemplateError(
            f"{here}: Fn::GetAtt takes [LogicalId, Attribute].", given=arg, path=here
        )
    if arg[0] not in ev.resources:
        raise TemplateError(
            f"{here}: Fn::GetAtt names resource {arg[0]!r}, which the template does not define.",
            given=arg,
            path=here,
        )
    return marker(arg[0], arg[1])


def _sub(ev: Evaluator, arg: Any, here: str) -> str:
    if isinstance(arg, list) and len(arg) == 2 and isinstance(arg[1], dict):
        text, variables = arg[0], {k: ev.value(v, f"{here}.{k}") for k, v in arg[1].items()}
    else:
        text, variables = arg, {}
    if not isinstance(text, str):
        raise TemplateError(
            f"{here}: Fn::Sub takes a string or [string, {{variables}}].", given=arg, path=here
        )

    def one(m: re.Match[str]) -> str:
        name = m[1].strip()
        if name.startswith("!"):
            return "${" + name[1:] + "}"
        if name in variables:
            return _text(variables[name], here)
        if name in ev.pseudo or name in ev.parameters:
            return _text(ev.ref(name, here), here)
        if name in ev.resources:
            return marker(name)
        if "." in name:
            logical, attr = name.split(".", 1)
            if logical in ev.resources:
                return marker(logical, attr)
        raise TemplateError(
            f"{here}: Fn::Sub variable ${{{name}}} names nothing the template defines.",
            given=text,
            path=here,
        )

    return _SUB_VAR.sub(one, text)


def _join(ev: Evaluator, arg: Any, here: str) -> str:
    arg = ev.value(arg, here)
    if not (isinstance(arg, list) and len(arg) == 2 and isinstance(arg[1], list)):
        raise TemplateError(f"{here}: Fn::Join takes [delimiter, [values]].", given=arg, path=here)
    return str(arg[0]).join(_text(v, here) for v in arg[1])


def _select(ev: Evaluator, arg: Any, here: str) -> Any:
    arg = ev.value(arg, here)
    try:
        if not isinstance(arg[1], list) or int(arg[0]) < 0:
            raise TypeError
        return arg[1][int(arg[0])]
    except (TypeError, ValueError, IndexError, KeyError, OverflowError):
        raise TemplateError(
            f"{here}: Fn::Select takes [index, [values]] with the index in range.",
            given=arg,
            path=here,
        ) from None


def _split(ev: Evaluator, arg: Any, here: str) -> list[str]:
    arg = ev.value(arg, here)
    if not (isinstance(arg, list) and len(arg) == 2 and isinstance(arg[1], str) and str(arg[0])):
        raise TemplateError(
            f"{here}: Fn::Split takes [delimiter, string] (a non-empty delimiter).",
            given=arg,
            path=here,
        )
    return arg[1].split(str(arg[0]))


def _find_in_map(ev: Evaluator, arg: Any, here: str) -> Any:
    arg = ev.value(arg, here)
    try:
        return ev.mappings[arg[0]][arg[1]][arg[2]]
    except (TypeError, KeyError, IndexError):
        raise TemplateError(
            f"{here}: Fn::FindInMap {arg!r} finds nothing in Mappings.",
            given=arg,
            allowed=", ".join(sorted(ev.mappings)) or "(no Mappings)",
            path=here,
        ) from None


def _if(ev: Evaluator, arg: Any, here: str) -> Any:
    if not (isinstance(arg, list) and len(arg) == 3):
        raise TemplateError(
            f"{here}: Fn::If takes [condition, value_if_true, value_if_false].",
            given=arg,
            path=here,
        )
    branch = arg[1] if ev.condition(arg[0], here) else arg[2]
    return ev.value(branch, here)


def _equals(ev: Evaluator, arg: Any, here: str) -> bool:
    values = ev.value(arg, here)
    if not (isinstance(values, list) and len(values) == 2):
        raise TemplateError(f"{here}: Fn::Equals takes [value_1, value_2].", given=arg, path=here)
    return str(values[0]) == str(values[1])


def _all_or_any(name: str, combine: Callable[[list[bool]], bool]) -> Callable[..., bool]:
    """``Fn::And`` (``all``) or ``Fn::Or`` (``any``) of a list of conditions."""

    def evaluate(ev: Evaluator, arg: Any, here: str) -> bool:
        if not isinstance(arg, list):
            raise TemplateError(f"{here}: {name} takes a list of conditions.", given=arg, path=here)
        return combine([bool(ev.value(c, f"{here}[{i}]")) for i, c in enumerate(arg)])

    return evaluate


def _not(ev: Evaluator, arg: Any, here: str) -> bool:
    if isinstance(arg, list) and len(arg) != 1:
        raise TemplateError(f"{here}: Fn::Not takes [condition].", given=arg, path=here)
    return not bool(ev.value(arg[0] if isinstance(arg, list) else arg, here))


def _condition(ev: Evaluator, arg: Any, here: str) -> bool:
    return ev.condition(arg, here)


def _base64(ev: Evaluator, arg: Any, here: str) -> str:
    return base64.b64encode(_text(ev.value(arg, here), here).encode()).decode()


def _get_azs(ev: Evaluator, arg: Any, here: str) -> list[str]:
    region = _text(ev.value(arg, here), here) or ev.pseudo["AWS::Region"]
    return [f"{region}{z}" for z in "abc"]


def _import_value(ev: Evaluator, arg: Any, here: str) -> str:
    name = _text(ev.value(arg, here), here)
    return marker("ImportValue", re.sub(r"[^A-Za-z0-9.]", "", name) or "value")


def _to_json_string(ev: Evaluator, arg: Any, here: str) -> str:
    value = ev.value(arg, here)
    if not isinstance(value, (dict, list)):
        raise TemplateError(
            f"{here}: Fn::ToJsonString takes a mapping or a list.", given=value, path=here
        )
    return json.dumps(value, separators=(",", ":"), default=str)


def _length(ev: Evaluator, arg: Any, here: str) -> int:
    value = ev.value(arg, here)
    if not isinstance(value, list):
        raise TemplateError(f"{here}: Fn::Length takes a list.", given=value, path=here)
    return len(value)


#: The intrinsic functions (and the ``Condition`` reference of condition functions) the
#: evaluator knows, by name. ``Ref`` is :meth:`Evaluator.ref`.
FUNCTIONS: dict[str, Callable[[Evaluator, Any, str], Any]] = {
    "Fn::GetAtt": _get_att,
    "Fn::Sub": _sub,
    "Fn::Join": _join,
    "Fn::Select": _select,
    "Fn::Split": _split,
    "Fn::FindInMap": _find_in_map,
    "Fn::If": _if,
    "Fn::Equals": _equals,
    "Fn::And": _all_or_any("Fn::And", all),
    "Fn::Or": _all_or_any("Fn::Or", any),
    "Fn::Not": _not,
    "Condition": _condition,
    "Fn::Base64": _base64,
    "Fn::GetAZs": _get_azs,
    "Fn::ImportValue": _import_value,
    "Fn::ToJsonString": _to_json_string,
    "Fn::Length": _length,
}


def _unknown(key: str, arg: Any, here: str) -> TemplateError:
    return TemplateError(
        f"{here}: unknown intrinsic function {key!r}.",
        given={key: arg},
        allowed="Ref, Fn::Sub, Fn::GetAtt, Fn::Join, Fn::If, Fn::Select, Fn::Split, "
        "Fn::FindInMap, Fn::Equals/And/Or/Not, Fn::Base64, Fn::GetAZs, Fn::ImportValue",
        path=here,
    )


def _text(value: Any, where: str) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, int, float)):
        return str(value)
    if value is NO_VALUE:
        return ""
    raise TemplateError(
        f"{where}: expected a string here, got {type(value).__name__}.", given=value, path=where
    )
