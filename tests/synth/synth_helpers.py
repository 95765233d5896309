"""Small readers over a CloudFormation template."""

from __future__ import annotations

from typing import Any


def of_type(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in template["Resources"].items() if v["Type"] == kind}


def one(template: dict[str, Any], kind: str) -> dict[str, Any]:
    found = of_type(template, kind)
    assert len(found) == 1, (kind, list(found))
    return next(iter(found.values()))["Properties"]


def route(template: dict[str, Any], key: str) -> dict[str, Any]:
    for res in of_type(template, "AWS::ApiGatewayV2::Route").values():
        if res["Properties"]["RouteKey"] == key:
            return res["Properties"]
    raise AssertionError(f"no route {key!r}")


def function_for(template: dict[str, Any], key: str) -> dict[str, Any]:
    """The Lambda function behind route ``key`` (via its integration)."""
    target = route(template, key)["Target"]["Fn::Join"][1][1]["Ref"]
    uri = template["Resources"][target]["Properties"]["IntegrationUri"]["Fn::Join"][1]
    fn_id = next(p["Fn::GetAtt"][0] for p in uri if isinstance(p, dict) and "Fn::GetAtt" in p)
    return template["Resources"][fn_id]["Properties"]


def policy_for(template: dict[str, Any], fn: dict[str, Any]) -> list[dict[str, Any]]:
    role = fn["Role"]["Fn::GetAtt"][0]
    out = []
    for res in of_type(template, "AWS::IAM::Policy").values():
        if {"Ref": role} in res["Properties"]["Roles"]:
            out.extend(res["Properties"]["PolicyDocument"]["Statement"])
    return out


def actions(statements: list[dict[str, Any]]) -> list[str]:
    found: list[str] = []
    for s in statements:
        a = s["Action"]
        found.extend([a] if isinstance(a, str) else a)
    return found
