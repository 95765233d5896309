"""Reading a Lambda function (``AWS::Lambda::Function`` or ``AWS::Serverless::Function``) into
wsnb function props: runtime, handler, sizes, environment, layers (its permissions:
:mod:`._policies`; its code: :mod:`._code`)."""

from __future__ import annotations

import re
import sys
from typing import Any

from .. import _facts
from .._errors import TemplateError
from . import _shapes as shapes
from ._code import code_source
from ._context import ReadContext, reads
from ._intrinsics import NO_VALUE, markers, strip_markers
from ._kinds import SAM_FUNCTION, FunctionInfo
from ._policies import read_permissions
from ._references import attr_ref, placeholder_text
from ._resources import read_resource, resource_by_name

# Lambda's Python handler: a module (dotted, or a path with /) and a function name
_PYTHON_HANDLER = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_./-]*\.[A-Za-z_][A-Za-z0-9_]*$")
_LAYER_ARN = re.compile(r"^arn:aws[a-zA-Z-]*:lambda:[a-z0-9-]+:\d{12}:layer:[A-Za-z0-9_-]+:\d+$")
# the properties read_function reads (or its permissions and code readers do)
_READ_PROPERTIES = {
    "Handler",
    "Runtime",
    "Timeout",
    "MemorySize",
    "Description",
    "FunctionName",
    "Architectures",
    "Tracing",
    "TracingConfig",
    "EphemeralStorage",
    "ReservedConcurrentExecutions",
    "Environment",
    "Layers",
    "Policies",
    "Role",
    "Code",
    "CodeUri",
    "InlineCode",
    "PackageType",
    "ImageUri",
}


@reads
def read_function(context: ReadContext, lid: str) -> FunctionInfo:
    """A function a route or the authorizer uses (read once; plain Lambda or SAM)."""
    if lid in context.functions:
        return context.functions[lid]
    context.used.add(lid)
    template = context.template
    kind = template.type_of(lid)
    if not template.active(lid):
        raise TemplateError(
            f"{lid}.Condition: the function's Condition is false, but a route or authorizer uses it.",
            given=template.resources[lid].get("Condition"),
            path=f"{lid}.Condition",
        )
    p = template.props(lid)
    where = f"{lid}.Properties"
    runtime, handler = _runtime_and_handler(p, where)
    props: dict[str, Any] = {}
    notes = [f"Handler {handler}", f"Runtime {runtime or '?'}"]
    _read_runtime(context, lid, kind, runtime, props)
    for prop, name in (("Timeout", "timeout"), ("MemorySize", "memory_size")):
        if prop in p:
            props[name] = shapes.integer(p[prop], f"{where}.{prop}")
            notes.append(prop)
    props.setdefault("timeout", 3)  # Lambda's own defaults (not wsnb's SST defaults)
    props.setdefault("memory_size", 128)
    if isinstance(p.get("Description"), str):
        props["description"] = p["Description"][:256]
    if isinstance(p.get("FunctionName"), str) and "\x00" not in p["FunctionName"]:
        props["function_name"] = p["FunctionName"][:64]
    arch = shapes.items(p.get("Architectures"), f"{where}.Architectures")
    if arch:
        props["architecture"] = "arm_64" if arch[0] == "arm64" else "x86_64"
    if kind == SAM_FUNCTION:
        tracing = p.get("Tracing")
    else:
        tracing = shapes.mapping(p.get("TracingConfig"), f"{where}.TracingConfig").get("Mode")
    props["tracing"] = {"Active": "active", "PassThrough": "pass_through"}.get(
        str(tracing), "pass_through"
    )
    storage = shapes.mapping(p.get("EphemeralStorage"), f"{where}.EphemeralStorage")
    if "Size" in storage:
        props["ephemeral_storage_size"] = shapes.integer(
            storage["Size"], f"{where}.EphemeralStorage.Size"
        )
    if "ReservedConcurrentExecutions" in p:
        props["reserved_concurrent_executions"] = shapes.integer(
            p["ReservedConcurrentExecutions"], f"{where}.ReservedConcurrentExecutions"
        )
    info = FunctionInfo(lid, props, runtime)
    context.functions[lid] = info
    env = shapes.mapping(p.get("Environment"), f"{where}.Environment").get("Variables")
    env = shapes.mapping(env, f"{where}.Environment.Variables")
    if env:
        props["environment"] = {
            k: _environment_value(context, lid, kind, k, v) for k, v in env.items()
        }
        notes.append("Environment")
    layers = _layers(context, lid, kind, p.get("Layers"))
    if layers:
        props["layers"] = layers
        notes.append("Layers")
    perms = read_permissions(context, lid, kind, p)
    if perms:
        props["permissions"] = perms
    context.code[lid] = code_source(context, lid, kind, p, handler, runtime)
    info.props["handler"] = handler
    context.report.add(lid, kind, "read", ", ".join(notes))
    rest = sorted(set(p) - _READ_PROPERTIES)
    if rest:
        context.report.add(lid, kind, "ignored", "not read: " + ", ".join(rest))
    return info


def _runtime_and_handler(p: dict[str, Any], where: str) -> tuple[str, str]:
    """The declared runtime (``image`` for a container image) and handler, checked."""
    runtime = shapes.text(p.get("Runtime") or "", f"{where}.Runtime", literal=True)
    handler = p.get("Handler")
    if not runtime and (
        p.get("ImageUri")
        or p.get("PackageType") == "Image"
        or (isinstance(p.get("Code"), dict) and "ImageUri" in p["Code"])
    ):
        runtime = "image"
    if not isinstance(handler, str) or not handler:
        if runtime == "image":
            handler = "image.handler"
        else:
            raise TemplateError(
                f"{where}.Handler: the function has no Handler.",
                given=handler,
                path=f"{where}.Handler",
            )
    shapes.text(handler, f"{where}.Handler", literal=True)
    if runtime.startswith("python") and not _PYTHON_HANDLER.match(handler):
        raise TemplateError(
            f"{where}.Handler: {handler!r} is not a Python handler (module.function).",
            given=handler,
            allowed="module.function, e.g. app.handler or src/app.handler",
            fix="name the handler file (without .py) and its function: app.handler",
            path=f"{where}.Handler",
        )
    return runtime, handler


def _read_runtime(
    context: ReadContext, lid: str, kind: str, runtime: str, props: dict[str, Any]
) -> None:
    """A Python runtime wsnb synthesizes is kept; another one is reported."""
    if runtime.startswith("python"):
        if runtime in _facts.PYTHON_RUNTIMES:
            props["runtime"] = runtime
        else:
            context.report.add(
                lid,
                kind,
                "approximated",
                f"Runtime {runtime} becomes {_facts.DEFAULT_RUNTIME} in synth()/export() "
                f"(wsnb synthesizes {_facts.PYTHON_RUNTIMES[0]} to {_facts.PYTHON_RUNTIMES[-1]}); "
                "locally the handler runs on this interpreter",
                change="runtime",
            )
    else:
        context.report.add(
            lid,
            kind,
            "approximated",
            f"Runtime {runtime or '?'} is not Python: "
            + (
                "served locally by wsnb's Node.js runtime, but synth() refuses it"
                if runtime.startswith("nodejs")
                else "shown, but serve() and synth() refuse it"
            ),
            change=None,  # nothing is synthesized: synth() refuses the API
        )


def _layers(context: ReadContext, lid: str, kind: str, layers: Any) -> list[str]:
    out = []
    for i, layer in enumerate(shapes.items(layers, f"{lid}.Properties.Layers")):
        if isinstance(layer, str) and "\x00" not in layer and _LAYER_ARN.match(layer):
            out.append(layer)
        else:
            context.report.add(
                lid,
                kind,
                "ignored",
                f"Layers[{i}] is not a layer version ARN wsnb can keep (a layer built in the template); its code is not on the local path",
            )
    return out


def _environment_value(context: ReadContext, lid: str, kind: str, name: str, value: Any) -> Any:
    """An environment value: a string, or a wsnb reference to the table/bucket/parameter it
    names; a reference wsnb cannot make becomes a reported literal."""
    where = f"{lid}.Properties.Environment.Variables.{name}"
    if value is NO_VALUE or value is None:
        return ""
    if isinstance(value, (dict, list)):
        raise TemplateError(
            f"{where}: an environment value must be a string.", given=value, path=where
        )
    if not isinstance(value, str):
        return str(value).lower() if isinstance(value, bool) else str(value)
    found = markers(value)
    if not found:
        res = context.by_physical_name.get(value) or resource_by_name(context, value)
        if res is not None:
            return attr_ref(res, "Ref", value)
        return value
    whole = len(found) == 1 and value == f"\x00{found[0][0]}.{found[0][1]}\x00"
    if whole:
        lid2, attr = found[0]
        res = read_resource(context, lid2)
        if res is not None:
            return attr_ref(res, attr, value)

    def literal(lid2: str, attr: str) -> str:
        res = read_resource(context, lid2)
        if res is not None:
            return str(attr_ref(res, attr, ""))
        text = placeholder_text(context, lid2, attr)
        what = f"{lid2}.{attr}" if attr != "Ref" else f"!Ref {lid2}"
        context.report.add(
            lid,
            kind,
            "approximated",
            f"Environment.{name}: {what} ({context.template.type_of(lid2)}) has no "
            f"wsnb equivalent; the value is the literal {text!r} locally and in synth()/export()",
            change="value",
        )
        return text

    return strip_markers(value, literal)


def local_python() -> str:
    return f"python{sys.version_info.major}.{sys.version_info.minor}"
