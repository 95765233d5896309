"""Handlers: ``"path/to/file.func"`` strings and plain Python functions from a notebook."""

from __future__ import annotations

import ast
import inspect
import os
import re
import textwrap
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

from .._errors import HandlerError, HandlerFileWarning

_HANDLER_PATTERN = re.compile(r"^(?P<file>[^\s:\\]+)\.(?P<func>[A-Za-z_][A-Za-z0-9_]*)\Z")
_SEGMENT_PATTERN = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*\Z")


@dataclass(frozen=True)
class FileHandler:
    """``"src/connect.main"``: function ``main`` in the Python file ``src/connect.py``."""

    text: str

    @property
    def file(self) -> str:
        return self.text.rsplit(".", 1)[0] + ".py"

    @property
    def module_path(self) -> str:
        return self.text.rsplit(".", 1)[0]

    @property
    def function_name(self) -> str:
        return self.text.rsplit(".", 1)[1]

    @property
    def directory(self) -> str:
        parent = str(PurePosixPath(self.file).parent)
        return "" if parent == "." else parent

    @property
    def name(self) -> str:
        return self.text

    def to_json(self) -> str:
        return self.text

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True)
class CallableHandler:
    """A plain Python function used as a handler.

    Two callables are the same handler when their name and source text are the same, so
    re-running the cell that defines one is a no-op. ``func`` is the live object the emulator
    calls; ``source`` is what is shipped in the Lambda asset.
    """

    name: str
    source: str
    func: Callable[..., Any] | None = field(default=None, compare=False, hash=False, repr=False)
    is_async: bool = False

    @property
    def module_name(self) -> str:
        return f"{self.name}_handler"

    @property
    def text(self) -> str:
        return f"{self.module_name}.{self.name}"

    def to_json(self) -> dict[str, Any]:
        return {"python": {"name": self.name, "source": self.source}}

    def __str__(self) -> str:
        return f"{self.name}() (notebook)"


Handler = FileHandler | CallableHandler


def parse_handler(value: Any, path: str, *, check_file: bool = True) -> Handler:
    """Validate a handler given as a string, a callable, or the JSON form of either."""
    if isinstance(value, (FileHandler, CallableHandler)):
        return value
    if isinstance(value, dict) and set(value) == {"python"}:
        return callable_from_json(value["python"], path)
    if isinstance(value, str):
        return _parse_handler_string(value, path, check_file)
    if callable(value):
        return _parse_callable(value, path)
    raise HandlerError(
        f"A handler must be a string or a Python function, not {type(value).__name__}.",
        given=value,
        allowed='"path/to/file.func" (function func in path/to/file.py), or a def-ined Python function',
        fix='api.route("sendMessage", "src/send.main")',
        path=path,
    )


def _parse_handler_string(value: str, path: str, check_file: bool) -> FileHandler:
    text = value.strip()
    match = _HANDLER_PATTERN.match(text)
    problem = None
    if not text:
        problem = "is empty"
    elif not match:
        problem = "is not of the form path/file.func"
    else:
        file_part = match["file"]
        segments = file_part.split("/")
        if file_part.startswith("/") or any(s in ("", ".", "..") for s in segments):
            problem = (
                "must be a relative path that stays inside the project (no '/', '..' at the start)"
            )
        elif not all(_SEGMENT_PATTERN.match(s) for s in segments):
            problem = "has a path segment with characters other than letters, digits, '_', '-', '.'"
    if problem:
        raise HandlerError(
            f"Handler {value!r} {problem}.",
            given=value,
            allowed='"path/to/file.func": function func in the Python file path/to/file.py, relative to the working directory',
            fix='"src/connect.main" for def main(event, context) in src/connect.py',
            path=path,
        )
    handler = FileHandler(text)
    if check_file and not os.path.isfile(handler.file):
        warnings.warn(
            f"{path}: handler file {handler.file!r} does not exist relative to {os.getcwd()!r} "
            "(yet); synth and serve will need it.",
            HandlerFileWarning,
            stacklevel=5,
        )
    return handler


def _parse_callable(func: Callable[..., Any], path: str) -> CallableHandler:
    name = getattr(func, "__name__", None)
    if not inspect.isfunction(func) or name is None or name == "<lambda>":
        raise HandlerError(
            "A Python handler must be a function defined with def (not a lambda, class or method).",
            given=func,
            allowed="def handler(event, context): ...  (sync or async)",
            fix="define it with def at the top level of a cell and pass the function",
            path=path,
        )
    params = [
        p
        for p in inspect.signature(func).parameters.values()
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
    ]
    has_varargs = any(
        p.kind == p.VAR_POSITIONAL for p in inspect.signature(func).parameters.values()
    )
    if len(params) < 2 and not has_varargs:
        raise HandlerError(
            f"Handler {name}() must take (event, context), like a Lambda handler.",
            given=f"{name}{inspect.signature(func)}",
            allowed="def handler(event, context)",
            fix=f"def {name}(event, context): ...",
            path=path,
        )
    try:
        source = textwrap.dedent(inspect.getsource(func))
    except (OSError, TypeError):
        raise HandlerError(
            f"The source of {name}() cannot be read, so it cannot be shipped to Lambda.",
            given=func,
            fix="define the function in a notebook cell or a .py file (not exec/eval)",
            path=path,
        ) from None
    if func.__code__.co_freevars:
        raise HandlerError(
            f"Handler {name}() is a closure over {', '.join(func.__code__.co_freevars)}; "
            "it cannot be shipped on its own.",
            given=name,
            fix="define it at the top level of a cell, and pass values through environment",
            path=path,
        )
    source = _strip_decorators(source)
    return CallableHandler(
        name=name, source=source, func=func, is_async=inspect.iscoroutinefunction(func)
    )


def _strip_decorators(source: str) -> str:
    """The function's source from its ``def`` line on (notebook decorators cannot ship)."""
    node = ast.parse(source).body[0]
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.decorator_list:
        return "".join(source.splitlines(keepends=True)[node.lineno - 1 :])
    return source


def callable_from_json(data: Any, path: str) -> CallableHandler:
    """Rebuild a callable handler from its ``{"name", "source"}`` form."""
    if (
        not isinstance(data, dict)
        or not isinstance(data.get("name"), str)
        or not isinstance(data.get("source"), str)
    ):
        raise HandlerError(
            "A Python handler in dict form needs 'name' and 'source' strings.",
            given=data,
            fix='{"python": {"name": "send", "source": "def send(event, context): ..."}}',
            path=path,
        )
    try:
        tree = ast.parse(data["source"])
    except SyntaxError as exc:
        raise HandlerError(
            f"The source of handler {data['name']!r} does not parse: {exc.msg}.",
            given=data["source"][:200],
            path=path,
        ) from None
    defs = [n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
    if not any(d.name == data["name"] for d in defs):
        raise HandlerError(
            f"The source does not define a function named {data['name']!r}.",
            given=data["name"],
            path=path,
        )
    is_async = any(isinstance(d, ast.AsyncFunctionDef) and d.name == data["name"] for d in defs)
    return CallableHandler(name=data["name"], source=data["source"], func=None, is_async=is_async)


def callable_module_source(handler: CallableHandler) -> str:
    """A self-contained Python module for a notebook function: its imports, then its source.

    Module globals the function reads are carried over when they are modules (``import x``) or
    simple literals (strings, numbers, booleans, None, and lists/dicts of them); anything else
    is left for the function to define itself (``lint()`` reports it).
    """
    header = [f'"""Handler {handler.name}(), written out by wsnb from a notebook."""', ""]
    lines: list[str] = []
    func = handler.func
    if func is not None:
        imports, literals, _ = _global_needs(func)
        lines.extend(imports)
        if imports:
            lines.append("")
        for name, value in literals:
            lines.append(f"{name} = {value!r}")
        if literals:
            lines.append("")
    body = handler.source.rstrip() + "\n"
    return "\n".join(header + lines) + ("\n" if lines else "") + body


def unresolved_globals(handler: CallableHandler) -> list[str]:
    """Global names a notebook function reads that wsnb cannot carry into its asset."""
    if handler.func is None:
        return []
    return _global_needs(handler.func)[2]


def _global_needs(func: Callable[..., Any]) -> tuple[list[str], list[tuple[str, Any]], list[str]]:
    import builtins
    import types

    names = sorted(_code_globals(func.__code__))
    imports: list[str] = []
    literals: list[tuple[str, Any]] = []
    missing: list[str] = []
    g = func.__globals__
    for name in names:
        if name in g:
            value = g[name]
            if isinstance(value, types.ModuleType):
                mod = value.__name__
                imports.append(f"import {mod}" if mod == name else f"import {mod} as {name}")
            elif _is_literal(value):
                literals.append((name, value))
            elif name == func.__name__:
                continue
            else:
                missing.append(name)
        elif not hasattr(builtins, name):
            missing.append(name)
    return imports, literals, missing


def _code_globals(code) -> set[str]:
    import dis

    found: set[str] = set()
    for ins in dis.get_instructions(code):
        if ins.opname in ("LOAD_GLOBAL", "LOAD_NAME"):
            found.add(ins.argval)
    for const in code.co_consts:
        if hasattr(const, "co_code"):
            found |= _code_globals(const)
    return found


def _is_literal(value: Any, depth: int = 0) -> bool:
    if depth > 4:
        return False
    if value is None or isinstance(value, (bool, int, float, str)):
        return type(value) in (bool, int, float, str, type(None))
    if isinstance(value, (list, tuple)):
        return type(value) in (list, tuple) and all(_is_literal(v, depth + 1) for v in value)
    if isinstance(value, dict):
        return type(value) is dict and all(
            isinstance(k, str) and _is_literal(v, depth + 1) for k, v in value.items()
        )
    return False
