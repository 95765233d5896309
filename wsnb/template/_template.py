"""``Template``: one parsed template with its parameter values, the intrinsic evaluator, and
its resources by type (the shape of cfn-lint's ``Template``: ``resources_of(type)`` is the one
scan by ``Type``)."""

from __future__ import annotations

import copy
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from .._errors import TemplateError
from . import _shapes as shapes
from ._intrinsics import Evaluator
from ._kinds import SAM_FUNCTION
from ._load import Loaded
from ._parameters import template_parameters


def of_type(resources: dict[str, Any], types: str | Iterable[str]) -> dict[str, dict[str, Any]]:
    """The resources of ``resources`` (a template's ``Resources``) whose ``Type`` is ``types``
    (one type or several), by logical id, in template order."""
    wanted = {types} if isinstance(types, str) else set(types)
    return {
        logical: res
        for logical, res in resources.items()
        if isinstance(res, dict) and res.get("Type") in wanted
    }


class Template:
    """One template read with its parameter values (``given`` over each ``Default``).

    ``resources`` is the raw ``Resources`` section, :meth:`props` a resource's evaluated
    ``Properties`` (SAM ``Globals`` merged for functions), :meth:`active` its ``Condition``,
    ``evaluator`` the intrinsics evaluator (``evaluator.pseudo``: region, account…)."""

    def __init__(
        self,
        loaded: Loaded,
        *,
        parameters: dict[str, Any] | None,
        region: str | None,
        account: str | None,
    ) -> None:
        self.loaded = loaded
        self.sections = loaded.template
        self.resources: dict[str, Any] = self.sections["Resources"]
        self.parameters = template_parameters(self.sections, parameters)
        self.evaluator = Evaluator(
            self.sections,
            parameters=self.parameters,
            region=region,
            account=account,
            stack_name=loaded.stack_name,
        )
        # SAM's Globals.Function (checked at load)
        self.sam_globals: dict[str, Any] = (self.sections.get("Globals") or {}).get(
            "Function"
        ) or {}
        self._props: dict[str, dict[str, Any]] = {}

    # ------------------------------------------------------------------ where it came from

    @property
    def origin(self) -> str:
        return self.loaded.origin

    @property
    def base_dir(self) -> Path:
        """Where relative code paths resolve."""
        return self.loaded.base_dir

    @property
    def pseudo(self) -> dict[str, Any]:
        """The pseudo parameters (``AWS::Region``, ``AWS::AccountId``…) as evaluated."""
        return self.evaluator.pseudo

    # ------------------------------------------------------------------ resources

    def resources_of(self, types: str | Iterable[str]) -> dict[str, dict[str, Any]]:
        """The resources of one type or several, by logical id, in template order."""
        return of_type(self.resources, types)

    def type_of(self, logical: str) -> str:
        res = self.resources.get(logical)
        return res.get("Type", "?") if isinstance(res, dict) else "?"

    def active(self, logical: str) -> bool:
        """Whether the resource's ``Condition`` (if any) is true."""
        res = self.resources.get(logical) or {}
        cond = res.get("Condition")
        return True if cond is None else self.evaluator.condition(cond, f"{logical}.Condition")

    def surely_active(self, logical: str) -> bool:
        """``active``, for a resource the API does not use: a Condition that cannot be
        evaluated counts as true (the resource is reported, not an error)."""
        try:
            return self.active(logical)
        except TemplateError:
            return True

    def props(self, logical: str) -> dict[str, Any]:
        """The evaluated Properties of a resource (SAM Globals merged for functions)."""
        if logical not in self._props:
            res = self.resources.get(logical)
            if not isinstance(res, dict):
                raise TemplateError(
                    f"Resources.{logical} is not a mapping.", given=res, path=f"Resources.{logical}"
                )
            kind = self.type_of(logical)
            raw = res.get("Properties") or {}
            if kind == SAM_FUNCTION and self.sam_globals:
                raw = _merge_globals(self.sam_globals, raw)
            where = f"{logical}.Properties"
            self._props[logical] = shapes.mapping(self.evaluator.value(raw, where), where)
            shapes.check_properties(kind, self._props[logical], where)
        return self._props[logical]

    def with_placeholders(self, logical: str, prop: str) -> Any:
        """One property evaluated with ``{region}``/``{account}`` standing for ``AWS::Region``
        and ``AWS::AccountId`` (how wsnb's model writes an integration URI or role ARN that
        follows the stack); the evaluated value when that is not possible (a ``FindInMap``
        keyed by the region). Conditions are those of the template as read."""
        raw = (self.resources.get(logical, {}).get("Properties") or {}).get(prop)
        plain = self.props(logical).get(prop)
        if raw is None:
            return plain
        placeholders = copy.copy(self.evaluator)
        placeholders.pseudo = {
            **self.evaluator.pseudo,
            "AWS::Region": "{region}",
            "AWS::AccountId": "{account}",
        }
        placeholders.condition = self.evaluator.condition  # type: ignore[method-assign]
        try:
            return placeholders.value(raw, f"{logical}.Properties.{prop}")
        except TemplateError:
            return plain

    def function_name(self, logical: str) -> str | None:
        """A function's literal ``FunctionName`` as written (not evaluated), if any."""
        name = (self.resources.get(logical, {}).get("Properties") or {}).get("FunctionName")
        return name if isinstance(name, str) else None


def _merge_globals(globals_: dict[str, Any], props: dict[str, Any]) -> dict[str, Any]:
    """SAM's Globals rules: maps merge (the function wins), lists and scalars are replaced."""
    out = dict(globals_)
    for key, value in props.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge_globals(out[key], value)
        else:
            out[key] = value
    return out
