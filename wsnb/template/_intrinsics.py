"""CloudFormation intrinsic functions, conditions, mappings and pseudo parameters, evaluated locally.

References to resources cannot resolve to real values before deploy, so ``Ref`` and
``Fn::GetAtt`` of a resource become *markers*: short strings ``\\x00LogicalId.Attr\\x00``
(``Attr`` is ``Ref`` for a ``Ref``) that survive ``Fn::Join``/``Fn::Sub`` concatenation. The
reader finds them again with :func:`markers` and maps them to wsnb objects (a function, a
Table's ``table_name``…). Everything else (parameters, pseudo parameters, ``Fn::If``,
``Fn::Select``, ``Fn::FindInMap``…) evaluates to plain values. An intrinsic this module does not
know is a :class:`TemplateError` naming the resource and property path.
"""

from __future__ import annotations

import base64
import json
import re
from typing import Any

from .._errors import TemplateError

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
    """Evaluates intrinsics of one template with its parameters and pseudo parameters."""

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

    # ------------------------------------------------------------------ conditions

    def condition(self, name: Any, where: str) -> bool:
        if not isinstance(name, str) or name not in self._raw_conditions:
            raise TemplateError(
                f"{where}: condition {name!r} is not defined in Conditions.",
                given=name,
                allowed=", ".join(sorted(self._raw_conditions)) or "(no Conditions)",
                path=where,
            )
        if name not in self._conditions:
            self._conditions[name] = False  # guards against a cycle
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
                    return self._ref(arg, where)
                if key.startswith("Fn::") or key == "Condition":
                    return self._fn(key, arg, where)
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

    def _ref(self, name: Any, where: str) -> Any:
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

    def _fn(self, key: str, arg: Any, where: str) -> Any:
        here = f"{where}.{key}"
        if key == "Fn::GetAtt":
            if isinstance(arg, str):
                arg = arg.split(".", 1)
            arg = self.value(arg, here)
            if not (
                isinstance(arg, list) and len(arg) == 2 and all(isinstance(a, str) for a in arg)
            ):
                raise TemplateError(
                    f"{here}: Fn::GetAtt takes [LogicalId, Attribute].", given=arg, path=here
                )
            if arg[0] not in self.resources:
                raise TemplateError(
                    f"{here}: Fn::GetAtt names resource {arg[0]!r}, which the template does not define.",
                    given=arg,
                    path=here,
                )
            return marker(arg[0], arg[1])
        if key == "Fn::Sub":
            return self._sub(arg, here)
        if key == "Fn::Join":
            arg = self.value(arg, here)
            if not (isinstance(arg, list) and len(arg) == 2 and isinstance(arg[1], list)):
                raise TemplateError(
                    f"{here}: Fn::Join takes [delimiter, [values]].", given=arg, path=here
                )
            return str(arg[0]).join(_text(v, here) for v in arg[1])
        if key == "Fn::Select":
            arg = self.value(arg, here)
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
        if key == "Fn::Split":
            arg = self.value(arg, here)
            if not (
                isinstance(arg, list) and len(arg) == 2 and isinstance(arg[1], str) and str(arg[0])
            ):
                raise TemplateError(
                    f"{here}: Fn::Split takes [delimiter, string] (a non-empty delimiter).",
                    given=arg,
                    path=here,
                )
            return arg[1].split(str(arg[0]))
        if key == "Fn::FindInMap":
            arg = self.value(arg, here)
            try:
                return self.mappings[arg[0]][arg[1]][arg[2]]
            except (TypeError, KeyError, IndexError):
                raise TemplateError(
                    f"{here}: Fn::FindInMap {arg!r} finds nothing in Mappings.",
                    given=arg,
                    allowed=", ".join(sorted(self.mappings)) or "(no Mappings)",
                    path=here,
                ) from None
        if key == "Fn::If":
            if not (isinstance(arg, list) and len(arg) == 3):
                raise TemplateError(
                    f"{here}: Fn::If takes [condition, value_if_true, value_if_false].",
                    given=arg,
                    path=here,
                )
            branch = arg[1] if self.condition(arg[0], here) else arg[2]
            return self.value(branch, here)
        if key == "Fn::Equals":
            values = self.value(arg, here)
            if not (isinstance(values, list) and len(values) == 2):
                raise TemplateError(
                    f"{here}: Fn::Equals takes [value_1, value_2].", given=arg, path=here
                )
            return str(values[0]) == str(values[1])
        if key in ("Fn::And", "Fn::Or"):
            if not isinstance(arg, list):
                raise TemplateError(
                    f"{here}: {key} takes a list of conditions.", given=arg, path=here
                )
            results = [bool(self.value(c, f"{here}[{i}]")) for i, c in enumerate(arg)]
            return all(results) if key == "Fn::And" else any(results)
        if key == "Fn::Not":
            if isinstance(arg, list) and len(arg) != 1:
                raise TemplateError(f"{here}: Fn::Not takes [condition].", given=arg, path=here)
            return not bool(self.value(arg[0] if isinstance(arg, list) else arg, here))
        if key == "Condition":
            return self.condition(arg, here)
        if key == "Fn::Base64":
            return base64.b64encode(_text(self.value(arg, here), here).encode()).decode()
        if key == "Fn::GetAZs":
            region = _text(self.value(arg, here), here) or self.pseudo["AWS::Region"]
            return [f"{region}{z}" for z in "abc"]
        if key == "Fn::ImportValue":
            name = _text(self.value(arg, here), here)
            return marker("ImportValue", re.sub(r"[^A-Za-z0-9.]", "", name) or "value")
        if key == "Fn::ToJsonString":
            value = self.value(arg, here)
            if not isinstance(value, (dict, list)):
                raise TemplateError(
                    f"{here}: Fn::ToJsonString takes a mapping or a list.", given=value, path=here
                )
            return json.dumps(value, separators=(",", ":"), default=str)
        if key == "Fn::Length":
            value = self.value(arg, here)
            if not isinstance(value, list):
                raise TemplateError(f"{here}: Fn::Length takes a list.", given=value, path=here)
            return len(value)
        raise TemplateError(
            f"{here}: unknown intrinsic function {key!r}.",
            given={key: arg},
            allowed="Ref, Fn::Sub, Fn::GetAtt, Fn::Join, Fn::If, Fn::Select, Fn::Split, "
            "Fn::FindInMap, Fn::Equals/And/Or/Not, Fn::Base64, Fn::GetAZs, Fn::ImportValue",
            path=here,
        )

    def _sub(self, arg: Any, where: str) -> str:
        if isinstance(arg, list) and len(arg) == 2 and isinstance(arg[1], dict):
            text, variables = arg[0], {k: self.value(v, f"{where}.{k}") for k, v in arg[1].items()}
        else:
            text, variables = arg, {}
        if not isinstance(text, str):
            raise TemplateError(
                f"{where}: Fn::Sub takes a string or [string, {{variables}}].",
                given=arg,
                path=where,
            )

        def one(m: re.Match[str]) -> str:
            name = m[1].strip()
            if name.startswith("!"):
                return "${" + name[1:] + "}"
            if name in variables:
                return _text(variables[name], where)
            if name in self.pseudo or name in self.parameters:
                return _text(self._ref(name, where), where)
            if name in self.resources:
                return marker(name)
            if "." in name:
                logical, attr = name.split(".", 1)
                if logical in self.resources:
                    return marker(logical, attr)
            raise TemplateError(
                f"{where}: Fn::Sub variable ${{{name}}} names nothing the template defines.",
                given=text,
                path=where,
            )

        return _SUB_VAR.sub(one, text)


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
