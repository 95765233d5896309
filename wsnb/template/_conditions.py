"""The template's ``Conditions``: which conditions each one refers to, and the check that they
never come back to themselves (CloudFormation rejects a template whose conditions go round in a
circle, so wsnb does too, naming the circle).

A condition refers to another with ``{"Condition": Name}`` (in ``Fn::And``/``Fn::Or``/``Fn::Not``
or on its own) and, as the evaluator reads it, with the first argument of ``Fn::If``; the
references are found where the evaluator follows them (not inside a ``Ref``'s name).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from .._errors import TemplateError


def referenced_conditions(node: Any) -> Iterator[str]:
    """The condition names ``node`` refers to where the evaluator would follow them, in the
    order they are written (repeats kept)."""
    if isinstance(node, dict):
        if len(node) == 1:
            ((key, arg),) = node.items()
            if key == "Ref":  # its argument is a name, never evaluated
                return
            if key == "Condition":
                if isinstance(arg, str):
                    yield arg
                return
            if key == "Fn::If":
                if isinstance(arg, list) and len(arg) == 3:
                    if isinstance(arg[0], str):
                        yield arg[0]
                    yield from referenced_conditions(arg[1:])
                return
        for value in node.values():
            yield from referenced_conditions(value)
    elif isinstance(node, list):
        for value in node:
            yield from referenced_conditions(value)


def find_cycle(conditions: dict[str, Any]) -> list[str] | None:
    """The first circle of references among ``conditions`` (``[A, B, A]``; ``[A, A]`` for a
    condition that refers to itself), looking in the order they are declared; None if none."""
    edges = {
        name: [r for r in referenced_conditions(body) if r in conditions]
        for name, body in conditions.items()
    }
    done: set[str] = set()

    def visit(name: str, trail: list[str]) -> list[str] | None:
        """The circle through ``name`` given the conditions being followed (``trail``)."""
        if name in trail:
            return [*trail[trail.index(name) :], name]
        if name in done:
            return None
        trail.append(name)
        for nxt in edges[name]:
            found = visit(nxt, trail)
            if found is not None:
                return found
        trail.pop()
        done.add(name)
        return None

    for name in conditions:
        found = visit(name, [])
        if found is not None:
            return found
    return None


def check_conditions(conditions: dict[str, Any]) -> None:
    """Raise a ``TemplateError`` naming the circle if ``conditions`` refer to each other in one."""
    cycle = find_cycle(conditions)
    if cycle is None:
        return
    shown = " -> ".join(cycle)
    others = sorted(set(cycle))
    raise TemplateError(
        f"Conditions.{cycle[0]}: circular Conditions: {shown}.",
        given=shown,
        allowed="conditions that refer to other conditions (Condition, Fn::And/Or/Not, Fn::If) "
        "without coming back to themselves",
        fix=(
            f"write {cycle[0]} without referring to itself"
            if len(others) == 1
            else f"write one of {', '.join(others)} without referring to the others "
            "(e.g. repeat the Fn::Equals it needs)"
        ),
        path=f"Conditions.{cycle[0]}",
    )
