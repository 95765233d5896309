"""Back end 2: print a plan as a readable, formatted Python CDK app.

Every value that came from the user is printed as a Python literal (``repr``-based), never
spliced into code, so no route key, path or environment value can inject code.
"""

from __future__ import annotations

from typing import Any

from ..plan import (
    Asset,
    Assign,
    Attr,
    Call,
    Concat,
    DictE,
    Do,
    ListE,
    Lit,
    Plan,
    SetAttr,
    Sym,
    Var,
)

LINE = 99
CLASS_NAME = "WebSocketApiConstruct"


def py_str(text: str) -> str:
    """A Python string literal for ``text`` (double quotes when that needs no escaping)."""
    r = repr(text)
    if r.startswith("'") and '"' not in text:
        return '"' + r[1:-1] + '"'
    return r


def py_literal(value: Any) -> str:
    if isinstance(value, str):
        return py_str(value)
    if value is None or isinstance(value, (bool, int, float)):
        return repr(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(py_literal(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{py_str(str(k))}: {py_literal(v)}" for k, v in value.items()) + "}"
    raise TypeError(f"cannot print {value!r} as a literal")


def comment(text: str) -> str:
    """A one-line comment (anything that could end the line is escaped)."""
    safe = "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)
    return "# " + safe


def flat(e: Any) -> str:
    if isinstance(e, Lit):
        return py_literal(e.value)
    if isinstance(e, Var):
        return e.name
    if isinstance(e, Sym):
        return e.path
    if isinstance(e, Attr):
        return f"{flat(e.obj)}.{e.name}"
    if isinstance(e, Call):
        args = [flat(a) for a in e.args] + [f"{k}={flat(v)}" for k, v in e.kwargs]
        return f"{flat(e.func)}({', '.join(args)})"
    if isinstance(e, Concat):
        return " + ".join(flat(p) for p in e.parts)
    if isinstance(e, Asset):
        return f"str(APP_DIR / {py_str(e.relpath)})"
    if isinstance(e, ListE):
        return "[" + ", ".join(flat(i) for i in e.items) + "]"
    if isinstance(e, DictE):
        return "{" + ", ".join(f"{py_str(k)}: {flat(v)}" for k, v in e.items) + "}"
    raise TypeError(f"not a plan expression: {e!r}")


def fmt(e: Any, col: int, indent: int) -> str:
    """``e`` starting at column ``col``; broken over lines (black style) when too long."""
    text = flat(e)
    if col + len(text) <= LINE:
        return text
    inner = indent + 4
    pad = " " * inner
    items: list[str] | None = None
    opener = closer = ""
    if isinstance(e, Call):
        opener, closer = flat(e.func) + "(", ")"
        items = [fmt(a, inner, inner) for a in e.args]
        items += [f"{k}={fmt(v, inner + len(k) + 1, inner)}" for k, v in e.kwargs]
    elif isinstance(e, ListE) or (isinstance(e, Lit) and isinstance(e.value, list) and e.value):
        values = e.items if isinstance(e, ListE) else [Lit(v) for v in e.value]
        opener, closer = "[", "]"
        items = [fmt(v, inner, inner) for v in values]
    elif isinstance(e, DictE) or (isinstance(e, Lit) and isinstance(e.value, dict) and e.value):
        pairs = e.items if isinstance(e, DictE) else [(k, Lit(v)) for k, v in e.value.items()]
        opener, closer = "{", "}"
        items = []
        for k, v in pairs:
            key = py_str(str(k)) + ": "
            items.append(key + fmt(v, inner + len(key), inner))
    elif isinstance(e, Concat):
        opener, closer = "(", ")"
        parts = [fmt(p, inner + 2, inner) for p in e.parts]
        return "(\n" + pad + f"\n{pad}+ ".join(parts) + "\n" + " " * indent + ")"
    if items is None or not items:
        return text
    return opener + "\n" + "".join(f"{pad}{item},\n" for item in items) + " " * indent + closer


def render_step(step: Any, indent: int) -> list[str]:
    pad = " " * indent
    lines: list[str] = []
    if getattr(step, "comment", None):
        lines.append(pad + comment(step.comment))
    if isinstance(step, Assign):
        head = f"{step.var} = "
        lines.append(pad + head + fmt(step.expr, indent + len(head), indent))
    elif isinstance(step, Do):
        lines.append(pad + fmt(step.expr, indent, indent))
    elif isinstance(step, SetAttr):
        head = f"{flat(step.obj)}.{step.name} = "
        lines.append(pad + head + fmt(step.value, indent + len(head), indent))
    else:
        raise TypeError(f"not a plan step: {step!r}")
    return lines


def _symbols(node: Any, found: set[str]) -> None:
    if isinstance(node, Sym):
        found.add(node.path.split(".")[0])
    elif isinstance(node, (list, tuple)):
        for item in node:
            _symbols(item, found)
    elif hasattr(node, "__dataclass_fields__"):
        for name in node.__dataclass_fields__:
            _symbols(getattr(node, name), found)


def render_app(plan: Plan, *, api_id: str) -> str:
    """The whole ``app.py`` text for a plan."""
    used: set[str] = set()
    _symbols(plan.body, used)
    _symbols(plan.app_steps, used)
    names = sorted(used, key=lambda n: (not n[0].isupper(), n))
    out: list[str] = [
        "#!/usr/bin/env python3",
        f'"""A standalone AWS CDK app for the WebSocket API {api_id}, written by wsnb.',
        "",
        "It needs only aws-cdk-lib and constructs. In this folder run `cdk synth` to see the",
        "CloudFormation template, and `cdk deploy` to deploy it.",
        '"""',
        "",
        "from pathlib import Path",
        "",
        "from aws_cdk import (",
        *[f"    {n}," for n in names],
        ")",
        "from constructs import Construct",
        "",
        "# Handler code lives next to this file; asset paths are relative to it.",
        "APP_DIR = Path(__file__).resolve().parent",
        "",
        "",
        f"class {CLASS_NAME}(Construct):",
        '    """The WebSocket API with its stage, routes, functions and resources."""',
        "",
        "    def __init__(self, scope: Construct, id: str) -> None:",
        "        super().__init__(scope, id)",
    ]
    for step in plan.body:
        if getattr(step, "comment", None):
            out.append("")
        out.extend(render_step(step, 8))
    out.append("")
    out.append("        # What the construct exposes (the same names as wsnb's to_cdk construct)")
    outs = plan.outputs
    for name in (
        "web_socket_api",
        "web_socket_stage",
        "access_log_group",
        "domain_name",
        "certificate",
    ):
        out.append(f"        self.{name} = {outs[name] or 'None'}")
    for name in ("functions", "routes"):
        mapping = DictE(tuple((k, Var(v)) for k, v in outs[name].items()))
        head = f"        self.{name} = "
        out.append(head + fmt(mapping, len(head), 8))
    out += ["", ""]
    for step in plan.app_steps:
        out.extend(render_step(step, 0))
    out.append(f"{CLASS_NAME}(stack, {py_str(plan.construct_id)})")
    out.append("app.synth()")
    return "\n".join(out) + "\n"
