"""Back end 1: run a plan with aws-cdk-lib."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

from ..plan import Asset, Assign, Attr, Call, Concat, DictE, Do, ListE, Lit, SetAttr, Sym, Var

_MODULES: dict[str, Any] = {}


def resolve_symbol(path: str) -> Any:
    """``"aws_lambda.Runtime.PYTHON_3_12"`` → the object in aws_cdk."""
    head, *rest = path.split(".")
    if head.startswith("aws_"):
        obj = _MODULES.get(head)
        if obj is None:
            obj = _MODULES[head] = importlib.import_module(f"aws_cdk.{head}")
    else:
        cdk = _MODULES.get("") or _MODULES.setdefault("", importlib.import_module("aws_cdk"))
        obj = getattr(cdk, head)
    for name in rest:
        obj = getattr(obj, name)
    return obj


class Interpreter:
    def __init__(self, env: dict[str, Any], asset_root: Path | None) -> None:
        self.env = env
        self.asset_root = asset_root

    def value(self, e: Any) -> Any:
        if isinstance(e, Lit):
            return _copy(e.value)
        if isinstance(e, Var):
            return self.env[e.name]
        if isinstance(e, Sym):
            return resolve_symbol(e.path)
        if isinstance(e, Attr):
            return getattr(self.value(e.obj), e.name)
        if isinstance(e, Call):
            func = self.value(e.func)
            return func(*(self.value(a) for a in e.args), **{k: self.value(v) for k, v in e.kwargs})
        if isinstance(e, Concat):
            return "".join(str(self.value(p)) for p in e.parts)
        if isinstance(e, Asset):
            assert self.asset_root is not None
            return str(self.asset_root.joinpath(*e.relpath.split("/")))
        if isinstance(e, ListE):
            return [self.value(i) for i in e.items]
        if isinstance(e, DictE):
            return {k: self.value(v) for k, v in e.items}
        raise TypeError(f"not a plan expression: {e!r}")

    def run(
        self, steps: list[Any], extra: dict[str, dict[str, Any]] | None = None
    ) -> dict[str, Any]:
        """Run the steps; ``extra[var]`` adds keyword arguments to the call assigned to ``var``."""
        for step in steps:
            if isinstance(step, Assign):
                if extra and step.var in extra and isinstance(step.expr, Call):
                    e = step.expr
                    func = self.value(e.func)
                    kwargs = {k: self.value(v) for k, v in e.kwargs}
                    kwargs.update(extra[step.var])
                    self.env[step.var] = func(*(self.value(a) for a in e.args), **kwargs)
                else:
                    self.env[step.var] = self.value(step.expr)
            elif isinstance(step, Do):
                self.value(step.expr)
            elif isinstance(step, SetAttr):
                setattr(self.value(step.obj), step.name, self.value(step.value))
            else:
                raise TypeError(f"not a plan step: {step!r}")
        return self.env


def _copy(value: Any) -> Any:
    if isinstance(value, list):
        return [_copy(v) for v in value]
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    return value
