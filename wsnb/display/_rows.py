"""The route table as plain data: one row per route, props merged, provenance kept."""

from __future__ import annotations

import weakref
from typing import Any

from .._lint import looks_secret
from ..model import (
    TOKEN_PATTERN,
    ApiSpec,
    CallableHandler,
    FileHandler,
    LambdaAuthorizer,
    Ref,
    Resource,
    permission_label,
    thaw,
)

MASK = "••••••"


def display_value(name: str, value: Any) -> str:
    """A short, safe text for a prop value (secrets masked, Refs named)."""
    if isinstance(value, (FileHandler, CallableHandler)):
        return str(value)
    if name == "environment":
        return ", ".join(f"{k}={env_value(k, v)}" for k, v in value.items())
    if name == "permissions":
        return ", ".join(permission_label(p) for p in value)
    if name == "bind":
        return ", ".join(f"{r.kind} {r.id}" for r in value)
    if name == "layers":
        return ", ".join(v.rsplit(":", 2)[-2] for v in value)
    if name == "timeout":
        return f"{value} s"
    if name in ("memory_size", "ephemeral_storage_size"):
        return f"{value} MB"
    return str(value)


def env_value(name: str, value: str) -> str:
    if isinstance(value, Ref):
        return f"{value.resource.id}.{value.attribute}"
    if looks_secret(name):
        return MASK
    return TOKEN_PATTERN.sub(lambda m: f"{{{m[2]}.{m[3]}}}", value)


def authorization(spec: ApiSpec, key: str) -> str:
    if key != "$connect" or spec.authorizer == "none":
        return "NONE"
    return "AWS_IAM" if spec.authorizer == "iam" else "CUSTOM"


def route_rows(spec: ApiSpec) -> list[dict[str, Any]]:
    """One dict per route: ``key``, ``handler``, ``props`` (display strings), ``provenance``,
    ``return_response``, ``authorization``, ``resources``. Plain JSON, deterministic."""
    cached = _ROWS.get(spec)
    if cached is None:
        cached = _ROWS[spec] = _route_rows(spec)
    return thaw(cached)  # every caller gets its own plain copy (a deep one, cheaper than deepcopy)


_ROWS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _route_rows(spec: ApiSpec) -> list[dict[str, Any]]:
    rows = []
    by_key = {r.key: r for r in spec.routes}  # spec.route() is a linear scan
    for fn in spec.functions():
        route = by_key[fn.route_key]
        props = {
            name: display_value(name, value)
            for name, value in fn.props.items()
            if name != "handler"
        }
        if getattr(fn.handler, "runtime", None):  # a non-Python function read from a template
            props["runtime"] = fn.handler.runtime
        resources: list[str] = []
        for name in ("permissions", "bind"):
            for item in fn.props.get(name, ()):
                if isinstance(item, Resource) and f"{item.kind} {item.id}" not in resources:
                    resources.append(f"{item.kind} {item.id}")
        rows.append(
            {
                "key": fn.route_key,
                "handler": str(fn.handler),
                "handler_kind": "python" if isinstance(fn.handler, CallableHandler) else "file",
                "props": props,
                "provenance": {k: v for k, v in fn.provenance.items() if k != "handler"},
                "return_response": route.return_response,
                "final": route.final,
                "authorization": authorization(spec, fn.route_key),
                "resources": resources,
            }
        )
    return rows


#: the props with a column of their own in the route tables, and the column headers
PROP_COLUMNS = (
    ("runtime", "runtime"),
    ("timeout", "timeout"),
    ("memory_size", "memory"),
    ("environment", "environment"),
    ("permissions", "permissions"),
    ("bind", "bind"),
    ("layers", "layers"),
)


def route_columns(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The route table's columns after ``route`` and ``handler``, for every view that draws
    it (the static HTML and the widget), so they show the same ones: a column appears only if
    some route has something in it. ``{"name", "label"}`` each, plain JSON:

    - the props of :data:`PROP_COLUMNS` that some route has a value for;
    - ``reply`` if some route returns its response, ``auth`` if some route is authorized;
    - ``other`` if some route sets a prop without a column of its own (``description``,
      ``architecture="arm_64"``...; wsnb's built-in values alone do not count): its
      ``"props"`` names those props, in the order they first appear.
    """
    cols: list[dict[str, Any]] = [
        {"name": name, "label": label}
        for name, label in PROP_COLUMNS
        if any(r["props"].get(name) for r in rows)
    ]
    if any(r["return_response"] for r in rows):
        cols.append({"name": "reply", "label": "reply"})
    if any(r["authorization"] != "NONE" for r in rows):
        cols.append({"name": "auth", "label": "auth"})
    named = {name for name, _ in PROP_COLUMNS}
    other: list[str] = []
    for row in rows:
        for name, value in row["props"].items():
            source = row["provenance"].get(name)
            if value and source != "builtin" and name not in named and name not in other:
                other.append(name)
    if other:
        cols.append({"name": "other", "label": "other", "props": other})
    return cols


def summary(spec: ApiSpec) -> dict[str, str]:
    """The API-level settings, as short display strings."""
    auth = spec.authorizer
    if isinstance(auth, LambdaAuthorizer):
        auth_text = (
            f"lambda {auth.name} ({auth.function.handler}; {', '.join(auth.identity_source)})"
        )
    else:
        auth_text = auth
    log = spec.access_log
    if (spec.cdk.imports_stage and not log.explicit) or not log.enabled:
        log_text = "off"
    elif log.destination_arn:
        log_text = f"to {log.destination_arn}"
    else:
        log_text = (
            "custom format" if log.format else "JSON"
        ) + f", retention {log.retention or 'infinite'}"
    out = {"authorizer": auth_text, "access log": log_text}
    if spec.custom_domain:
        out["domain"] = spec.custom_domain.url
    if spec.cdk.imports_api:
        out["api"] = f"imported {spec.cdk.web_socket_api}"
    if spec.cdk.imports_stage:
        out["stage"] = f"imported {spec.cdk.web_socket_stage}"
    if spec.cdk.id:
        out["cdk id"] = spec.cdk.id
    return out
