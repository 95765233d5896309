"""Helpers to read a CloudFormation template (no wsnb internals)."""

from __future__ import annotations

import json
from typing import Any


def of_type(template: dict, type_: str) -> dict[str, dict]:
    return {k: v for k, v in template["Resources"].items() if v["Type"] == type_}


def props(template: dict, type_: str) -> list[dict]:
    return [v.get("Properties", {}) for v in of_type(template, type_).values()]


def one(template: dict, type_: str) -> dict:
    found = props(template, type_)
    assert len(found) == 1, f"expected one {type_}, found {len(found)}"
    return found[0]


def route(template: dict, key: str) -> tuple[str, dict]:
    for lid, res in of_type(template, "AWS::ApiGatewayV2::Route").items():
        if res["Properties"]["RouteKey"] == key:
            return lid, res["Properties"]
    raise AssertionError(f"no route {key!r}")


def _mentions(value: Any, logical_ids: set[str]) -> set[str]:
    text = json.dumps(value)
    return {lid for lid in logical_ids if f'"{lid}"' in text}


def route_function(template: dict, key: str) -> tuple[str, dict]:
    """The Lambda function (logical id, resource) behind a route."""
    _, rprops = route(template, key)
    integrations = set(of_type(template, "AWS::ApiGatewayV2::Integration"))
    (integ,) = _mentions(rprops["Target"], integrations)
    fns = of_type(template, "AWS::Lambda::Function")
    (fn,) = _mentions(template["Resources"][integ]["Properties"], set(fns))
    return fn, fns[fn]


def function_statements(template: dict, fn_id: str) -> list[dict]:
    fn = template["Resources"][fn_id]["Properties"]
    roles = _mentions(fn["Role"], set(of_type(template, "AWS::IAM::Role")))
    out: list[dict] = []
    for pol in props(template, "AWS::IAM::Policy"):
        if _mentions(pol.get("Roles", []), roles):
            out.extend(pol["PolicyDocument"]["Statement"])
    for role in roles:
        for inline in template["Resources"][role]["Properties"].get("Policies", []):
            out.extend(inline["PolicyDocument"]["Statement"])
    return out


def route_statements(template: dict, key: str) -> list[dict]:
    return function_statements(template, route_function(template, key)[0])


def actions(statements: list[dict]) -> list[str]:
    out: list[str] = []
    for st in statements:
        act = st.get("Action", [])
        out.extend([act] if isinstance(act, str) else act)
    return out


def env(template: dict, key: str) -> dict:
    _, fn = route_function(template, key)
    return fn["Properties"].get("Environment", {}).get("Variables", {})
