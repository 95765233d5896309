"""The route table as plain data: one row per route, props merged, provenance kept."""

from __future__ import annotations

import threading
import weakref
from typing import Any

from .. import _facts
from .._lint import looks_secret
from ..model import (
    TOKEN_PATTERN,
    ApiSpec,
    CallableHandler,
    DeclaredRuntimeHandler,
    FileHandler,
    LambdaAuthorizer,
    Ref,
    Resource,
    permission_label,
)
from ._targets import NOT_LOCAL, PROXY, integration_type, target, target_text

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
    """One dict per route, every route of the API in order: ``key``, ``target`` (the handler,
    or what a route without a function goes to, as the tables show it: ``https://… (PUT)``,
    ``sqs {account}/jobs``, ``API Gateway answers (statusCode 200)``), ``target_label`` and
    ``target_meta`` (the same in the diagram's box: its label, and a URL's method or a mock's
    status; ``""`` for a function, whose props say more), ``integration`` (:func:`integration_type`),
    ``local`` (why ``api.serve()`` cannot run it, or ``""``), ``handler`` (``""`` without a
    function), ``handler_kind``, ``props`` (display strings), ``provenance``,
    ``return_response``, ``authorization``, ``resources``. Plain JSON, deterministic; every
    caller gets its own copy."""
    return [
        {
            **row,
            "props": dict(row["props"]),
            "provenance": dict(row["provenance"]),
            "resources": list(row["resources"]),
        }
        for row in rows_of(spec)
    ]


def rows_of(spec: ApiSpec) -> list[dict[str, Any]]:
    """The rows of :func:`route_rows`, computed once per spec and shared: the display's own
    renderers read them and never change them (no copy per render)."""
    cached = _ROWS.get(spec)
    if cached is None:
        with _ROWS_LOCK:
            cached = _ROWS.get(spec)
            if cached is None:
                cached = _ROWS[spec] = _route_rows(spec)
    return cached


_ROWS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_ROWS_LOCK = threading.Lock()


def _route_rows(spec: ApiSpec) -> list[dict[str, Any]]:
    functions = {fn.route_key: fn for fn in spec.functions()}
    rows = []
    for route in spec.routes:
        integration = route.integration
        fn = functions.get(route.key)
        if fn is None:  # a route without a function: mock, HTTP, AWS service
            assert integration is not None
            label, meta = target(integration)
            text, handler, kind = target_text(label, meta), "", ""
            props: dict[str, str] = {}
            provenance: dict[str, str] = {}
            resources = [f"{r.kind} {r.id}" for r in integration.resources()]
        else:
            props = {
                name: display_value(name, value)
                for name, value in fn.props.items()
                if name != "handler"
            }
            provenance = {k: v for k, v in fn.provenance.items() if k != "handler"}
            if isinstance(fn.handler, DeclaredRuntimeHandler) and fn.handler.runtime:
                props["runtime"] = fn.handler.runtime  # a runtime read from a template
                provenance["runtime"] = "route"  # the template's, not wsnb's default
            resources = []
            for name in ("permissions", "bind"):
                for item in fn.props.get(name, ()):
                    if isinstance(item, Resource) and f"{item.kind} {item.id}" not in resources:
                        resources.append(f"{item.kind} {item.id}")
            text = label = handler = str(fn.handler)
            meta = ""
            kind = "python" if isinstance(fn.handler, CallableHandler) else "file"
        rows.append(
            {
                "key": route.key,
                "target": text,
                "target_label": label,
                "target_meta": meta,
                "integration": PROXY if integration is None else integration_type(integration),
                "local": "" if integration is None else integration.local_problem() or "",
                "handler": handler,
                "handler_kind": kind,
                "props": props,
                "provenance": provenance,
                "return_response": route.return_response,
                "final": route.final,
                "authorization": authorization(spec, route.key),
                "resources": resources,
            }
        )
    return rows


def target_heading(rows: list[dict[str, Any]]) -> str:
    """The header of the route tables' second column: ``handler`` while every route has a
    function, ``target`` once some route goes to a URL, an AWS service or a mock."""
    return "handler" if all(row["handler"] for row in rows) else "target"


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

#: where a value came from (a row's ``provenance``): the mark the tables put after it (text
#: and HTML alike, so it reads without colour) and the words that explain the mark
SOURCES = {
    "route": ("", "set on the route"),
    "defaults": ("*", "from defaults"),
    "merged": ("+", "route and defaults merged"),
    "attached": ("^", "added by bind / attach_permissions"),
    "builtin": ("°", "wsnb's default"),
}


def differs_from_default(name: str, value: str) -> bool:
    """Whether a prop's display value is worth a column of its own: the runtime only when it
    is not wsnb's default (``python3.12``), any other prop when it has a value."""
    if name == "runtime":
        return bool(value) and value != _facts.DEFAULT_RUNTIME
    return bool(value)


def route_columns(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The route table's columns after ``route`` and ``handler``, for every view that draws
    it (the static HTML, the text table and the widget), so they show the same ones: a column
    appears only if some route has something in it. ``{"name", "label"}`` each, plain JSON:

    - ``integration`` if some route is not a Lambda proxy (:func:`integration_type`), and
      ``not run locally`` if some route cannot run in ``api.serve()`` (its cell says why);
    - ``reply`` if some route returns its response, ``auth`` if some route is authorized;
    - ``runtime`` if some function's runtime is not wsnb's default (``python3.12``);
    - the other props of :data:`PROP_COLUMNS` that some route has a value for;
    - ``other`` if some route sets a prop without a column of its own (``description``,
      ``architecture="arm_64"``...; wsnb's built-in values alone do not count): its
      ``"props"`` names those props, in the order they first appear.
    """
    cols: list[dict[str, Any]] = []
    if any(r["integration"] != PROXY for r in rows):
        cols.append({"name": "integration", "label": "integration"})
    if any(r["local"] for r in rows):
        cols.append({"name": "local", "label": NOT_LOCAL})
    if any(r["return_response"] for r in rows):
        cols.append({"name": "reply", "label": "reply"})
    if any(r["authorization"] != "NONE" for r in rows):
        cols.append({"name": "auth", "label": "auth"})
    cols += [
        {"name": name, "label": label}
        for name, label in PROP_COLUMNS
        if any(differs_from_default(name, r["props"].get(name, "")) for r in rows)
    ]
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
