"""The plan: a tiny, pure-data program that both back ends read.

``synth`` interprets it with aws-cdk-lib; ``export`` prints it as Python source. Because both
read the same steps, the exported app cannot drift from the in-notebook template.

Expressions: :class:`Lit` (JSON-like literal), :class:`Var` (an earlier step's value),
:class:`Sym` (a name in ``aws_cdk``, e.g. ``"aws_lambda.Runtime.PYTHON_3_12"``), :class:`Attr`,
:class:`Call`, :class:`Concat` (string concatenation, e.g. a token inside a name),
:class:`Asset` (a directory relative to the app root), :class:`ListE`/:class:`DictE`
(containers holding expressions). Steps: :class:`Assign`, :class:`Do`, :class:`SetAttr`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Lit:
    value: Any


@dataclass(frozen=True)
class Var:
    name: str


@dataclass(frozen=True)
class Sym:
    path: str


@dataclass(frozen=True)
class Attr:
    obj: Expr
    name: str


@dataclass(frozen=True)
class Call:
    func: Expr
    args: tuple[Expr, ...] = ()
    kwargs: tuple[tuple[str, Expr], ...] = ()


@dataclass(frozen=True)
class Concat:
    parts: tuple[Expr, ...]


@dataclass(frozen=True)
class Asset:
    relpath: str


@dataclass(frozen=True)
class ListE:
    items: tuple[Expr, ...]


@dataclass(frozen=True)
class DictE:
    items: tuple[tuple[str, Expr], ...]


Expr = Lit | Var | Sym | Attr | Call | Concat | Asset | ListE | DictE


@dataclass(frozen=True)
class Assign:
    var: str
    expr: Expr
    comment: str | None = None


@dataclass(frozen=True)
class Do:
    expr: Expr
    comment: str | None = None


@dataclass(frozen=True)
class SetAttr:
    obj: Expr
    name: str
    value: Expr
    comment: str | None = None


Step = Assign | Do | SetAttr


def call(func: str | Expr, *args: Any, **kwargs: Any) -> Call:
    """``call("aws_lambda.Function", Var("self"), "Fn", timeout=...)``; plain values become literals."""
    f = Sym(func) if isinstance(func, str) else func
    return Call(
        f,
        tuple(expr(a) for a in args),
        tuple((k, expr(v)) for k, v in kwargs.items() if v is not None),
    )


def method(obj: Expr | str, name: str, *args: Any, **kwargs: Any) -> Call:
    target = Var(obj) if isinstance(obj, str) else obj
    return call(Attr(target, name), *args, **kwargs)


def expr(value: Any) -> Expr:
    """Wrap a plain value as an expression (containers holding expressions become ListE/DictE)."""
    if isinstance(value, (Lit, Var, Sym, Attr, Call, Concat, Asset, ListE, DictE)):
        return value
    if isinstance(value, (list, tuple)):
        items = tuple(expr(v) for v in value)
        literals = [i for i in items if isinstance(i, Lit)]
        if len(literals) == len(items):
            return Lit([i.value for i in literals])
        return ListE(items)
    if isinstance(value, dict):
        pairs = tuple((str(k), expr(v)) for k, v in value.items())
        literals = [v for _, v in pairs if isinstance(v, Lit)]
        if len(literals) == len(pairs):
            return Lit({k: v.value for (k, _), v in zip(pairs, literals, strict=True)})
        return DictE(pairs)
    if value is None or isinstance(value, (str, int, float, bool)):
        return Lit(str(value) if isinstance(value, str) else value)
    raise TypeError(f"not a plan value: {value!r}")


@dataclass
class Plan:
    """Everything one API needs: the construct body, the app around it, and its assets.

    ``outputs`` maps the construct's public attributes (``web_socket_api``, ``functions``…)
    to the plan variables holding them.
    """

    construct_id: str
    body: list[Step] = field(default_factory=list)
    app_steps: list[Step] = field(default_factory=list)
    outputs: dict[str, Any] = field(default_factory=dict)
    stack_name: str = ""
    context: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
