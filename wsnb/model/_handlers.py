"""Handlers: ``"path/to/file.func"`` strings and plain Python functions (notebook or module)."""

from __future__ import annotations

import ast
import contextlib
import functools
import hashlib
import inspect
import math
import os
import re
import sys
import textwrap
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

from .. import _facts
from .._errors import HandlerError, HandlerFileWarning
from .._user_frames import warn
from ._sources import handler_candidates, resolve_handler_file

_HANDLER_PATTERN = re.compile(r"^(?P<file>[^\s:\\]+)\.(?P<func>[A-Za-z_][A-Za-z0-9_]*)\Z")
_SEGMENT_PATTERN = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*\Z")
#: the folder a handler string's file is looked for in while an API's builder runs (None: the
#: working directory); per thread and task, never process-wide
_HANDLER_ROOT: ContextVar[str | None] = ContextVar("wsnb_handler_root", default=None)


@contextlib.contextmanager
def handler_files_in(root: str | os.PathLike[str] | None) -> Iterator[None]:
    """Check handler files named while this block runs in ``root`` (None: the working
    directory), as the API that will read them does."""
    token = _HANDLER_ROOT.set(None if root is None else os.fspath(root))
    try:
        yield
    finally:
        _HANDLER_ROOT.reset(token)


@dataclass(frozen=True)
class FileHandler:
    """``"src/connect.main"``: function ``main`` of ``src/connect.py`` under a Python runtime, or
    the export ``main`` of the first of ``src/connect.ts``/``.tsx``/``.mts``/``.js``/``.mjs``/
    ``.cjs``/``.jsx`` that exists under a Node.js runtime (SST's resolution, SPEC §8)."""

    text: str

    @property
    def file(self) -> str:
        """The Python file (``src/connect.py``); :meth:`source_file` resolves by runtime."""
        return self.text.rsplit(".", 1)[0] + ".py"

    def candidates(self, runtime: str | None = None) -> tuple[str, ...]:
        """The files this handler may name under ``runtime`` (None: wsnb's default), in the
        order they are tried."""
        return handler_candidates(self, runtime)

    def source_file(
        self, root: str | os.PathLike[str] | None = None, runtime: str | None = None
    ) -> str | None:
        """The file this handler names under ``runtime``: the first candidate that exists in
        ``root`` (the working directory when None), relative to it; None when none exists."""
        return resolve_handler_file(self, runtime, root)

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
    """A plain Python function used as a handler (from a notebook cell or a ``.py`` file).

    Two callables are the same handler when their name and source text are the same, so
    re-running the cell that defines one is a no-op. ``func`` is the live object the emulator
    calls; ``source`` is what is shipped in the Lambda asset.
    """

    name: str
    source: str
    func: Callable[..., Any] | None = field(default=None, compare=False, hash=False, repr=False)
    is_async: bool = False
    origin: str | None = field(default=None, compare=False, hash=False, repr=False)

    @property
    def module_name(self) -> str:
        return f"{self.name}_handler"

    @property
    def text(self) -> str:
        """The Lambda handler string: ``<module>.<function Lambda calls>``."""
        return f"{self.module_name}.{lambda_entry_point(self)}"

    def to_json(self) -> dict[str, Any]:
        return {"python": {"name": self.name, "source": self.source}}

    def __str__(self) -> str:
        if self.origin == "notebook":
            return f"{self.name}() (notebook)"
        return (
            f"{self.name}() ({self.origin})" if self.origin else f"{self.name}() (Python function)"
        )


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
        return parse_callable(value, path)
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
            allowed='"path/to/file.func": function func of path/to/file.py (Python), or the '
            "export func of path/to/file.ts or .js (Node.js runtimes), relative to the working "
            "directory",
            fix='"src/connect.main" for def main(event, context) in src/connect.py',
            path=path,
        )
    handler = FileHandler(text)
    root = _HANDLER_ROOT.get()
    if check_file and not _any_source_exists(handler, root):
        where = "the working directory" if root is None else f"the API's root {root!r}"
        node = "/".join(_facts.NODE_HANDLER_EXTENSIONS)
        warn(
            f"{path}: handler file {handler.file!r} (Python) or {handler.module_path}{node} "
            f"(Node.js) does not exist (yet) relative to {where}; synth and serve will need one.",
            HandlerFileWarning,
        )
    return handler


def _any_source_exists(handler: FileHandler, root: str | None) -> bool:
    """Whether a file of any runtime exists for ``handler`` in ``root`` (None: the working
    directory); the runtime is a prop that defaults may set later, so every candidate counts."""
    base = root or ""
    if os.path.isfile(os.path.join(base, handler.file)):
        return True
    return any(
        os.path.isfile(os.path.join(base, handler.module_path + ext))
        for ext in _facts.NODE_HANDLER_EXTENSIONS
    )


def parse_callable(func: Callable[..., Any], path: str) -> CallableHandler:
    name = getattr(func, "__name__", None)
    if not inspect.isfunction(func) or name is None:
        raise HandlerError(
            "A Python handler must be a function (defined with def, or a lambda), not a class "
            "or method.",
            given=func,
            allowed="def handler(event, context): ...  (sync or async), or lambda event, context: ...",
            fix="define it with def at the top level of a cell and pass the function",
            path=path,
        )
    if name == "<lambda>":
        return _parse_lambda(func, path)
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
    defined = _defined_name(source)
    if defined is None:
        raise HandlerError(
            f"The source of {name}() is not a def statement, so it cannot be shipped to Lambda.",
            given=source[:200],
            fix="pass a function defined with def at the top level of a cell or module",
            path=path,
        )
    # The shipped module defines the function under its def name, whatever __name__ says now.
    return CallableHandler(
        name=defined,
        source=source,
        func=func,
        is_async=inspect.iscoroutinefunction(func),
        origin=_origin(func),
    )


def _parse_lambda(func: Callable[..., Any], path: str) -> CallableHandler:
    """A lambda ships as the def it stands for: ``def lambda_<hash>(<its parameters>):
    return (<its body>)``, named after its text, so the same lambda in a re-run cell is the
    same handler and two different ones never share a name."""
    code = func.__code__
    node, text = _lambda_node(func)
    if node is None:
        raise HandlerError(
            "The source of this lambda cannot be read unambiguously, so it cannot be shipped "
            "to Lambda.",
            given=func,
            fix="define the handler with def at the top level of a cell and pass the function",
            path=path,
        )
    if code.co_freevars:
        raise HandlerError(
            f"This lambda is a closure over {', '.join(code.co_freevars)}; it cannot be shipped "
            "on its own.",
            given=ast.get_source_segment(text, node),
            fix="define it at the top level of a cell, and pass values through environment",
            path=path,
        )
    params = ast.unparse(node.args)
    body = ast.get_source_segment(text, node.body, padded=False) or ast.unparse(node.body)
    body = " ".join(line.strip() for line in body.splitlines())  # continuation lines, in ( )
    digest = hashlib.sha256(f"{params}\n{body}".encode()).hexdigest()[:8]
    name = f"lambda_{digest}"
    source = f"def {name}({params}):\n    return ({body})\n"
    positional = [*node.args.posonlyargs, *node.args.args]
    if len(positional) < 2 and node.args.vararg is None:
        raise HandlerError(
            "A lambda handler must take (event, context), like a Lambda handler.",
            given=f"lambda {params}: ...",
            allowed="lambda event, context: ...",
            fix="lambda event, context: ...",
            path=path,
        )
    return CallableHandler(
        name=name, source=source, func=func, is_async=False, origin=_origin(func)
    )


def _lambda_node(func: Callable[..., Any]) -> tuple[ast.Lambda | None, str]:
    """The lambda's node in the text of its cell or file (via linecache, where IPython keeps
    cells), found by its line and parameters; (None, "") when it cannot be told apart."""
    import linecache

    code = func.__code__
    text = "".join(linecache.getlines(code.co_filename))
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return None, ""
    names = list(code.co_varnames[: code.co_argcount + code.co_kwonlyargcount])
    found = [
        n
        for n in ast.walk(tree)
        if isinstance(n, ast.Lambda)
        and n.lineno == code.co_firstlineno
        and [a.arg for a in (*n.args.posonlyargs, *n.args.args, *n.args.kwonlyargs)] == names
    ]
    if len(found) > 1:  # the same parameters twice on one line: tell them apart by their body
        if sys.version_info < (3, 11):  # no code positions (co_positions) before 3.11
            return None, ""
        body_lines = {pos[0] for pos in code.co_positions() if pos[0] is not None}
        found = [n for n in found if n.body.lineno in body_lines]
        starts = {
            (pos[0], pos[2])
            for pos in code.co_positions()
            if pos[0] is not None and pos[2] is not None
        }
        found = (
            [
                n
                for n in found
                if any(
                    (n.body.lineno, n.body.col_offset)
                    <= start
                    <= (n.body.end_lineno or 0, n.body.end_col_offset or 0)
                    for start in starts
                )
            ]
            if len(found) > 1
            else found
        )
    return (found[0], text) if len(found) == 1 else (None, "")


def _defined_name(source: str) -> str | None:
    """The name the source's (first) statement defines with def or async def."""
    try:
        node = ast.parse(source).body[0]
    except (SyntaxError, IndexError):
        return None
    return node.name if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) else None


def _origin(func: Callable[..., Any]) -> str:
    """``"notebook"`` for a function from a notebook cell, else its file's name (``app.py``)."""
    filename = func.__code__.co_filename
    if (filename.startswith("<") and filename.endswith(">")) or "ipykernel_" in filename:
        return "notebook"
    return os.path.basename(filename) or "notebook"


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
    """The self-contained Python module wsnb ships for a notebook function.

    It holds, in order: the imports and values the function reads from its module's globals
    (its body, its parameter defaults), the function's own source, and — for an ``async def`` —
    the synchronous entry point Lambda calls (see :func:`lambda_entry_point`). What can be
    carried over: modules (``import x``), names imported from installed modules (``from x import
    f``) and literal data (strings, numbers including ``float("inf")``, booleans, None, and
    lists/tuples/dicts of them). Anything else is left out and reported by
    :func:`export_problems` (``lint()`` shows it).
    """
    plan = _module_plan(handler.source, handler.name, handler.is_async)
    lines = [f'"""Handler {handler.name}(), written out by wsnb from a Python function."""', ""]
    if plan.future_annotations:
        lines += ["from __future__ import annotations", ""]
    needs = _resolve(handler, plan.names) if handler.func is not None else _Needs()
    imports = needs.imports + (["import asyncio as _wsnb_asyncio"] if handler.is_async else [])
    if imports:
        lines += [*sorted(imports, key=_import_order), ""]
    if needs.values:
        lines += [f"{name} = {code}" for name, code in needs.values] + [""]
    text = "\n".join(lines) + "\n" + handler.source.rstrip() + "\n"
    if handler.is_async:
        text += _async_entry(handler.name, plan.entry)
    return text


def _import_order(line: str) -> tuple[bool, str]:
    """``import x`` lines first, then ``from x import y``, each alphabetical (isort's order)."""
    return line.startswith("from "), line.split()[1]


def lambda_entry_point(handler: CallableHandler) -> str:
    """The name of the function Lambda calls in the shipped module.

    A plain ``def`` handler is called as it is. Lambda's Python runtime calls the handler and
    does not await what it returns, so an ``async def`` handler gets a small synchronous entry
    point (``lambda_handler``, or another free name) that runs the coroutine to completion on one
    event loop kept for the life of the execution environment — as the local emulator runs
    async handlers on one long-lived loop, so module-level clients bound to a loop keep working
    across warm invocations in both.
    """
    if not handler.is_async:
        return handler.name
    return _module_plan(handler.source, handler.name, True).entry


def export_problems(handler: CallableHandler) -> list[str]:
    """Why the shipped module of a notebook function would not run as the function does here:
    one sentence per global name it reads that wsnb cannot carry over (empty when it can be
    exported as it is). Needs the live function; a handler rebuilt from JSON has none."""
    if handler.func is None:
        return []
    plan = _module_plan(handler.source, handler.name, handler.is_async)
    return [reason for _, reason in _resolve(handler, plan.names).missing]


def unresolved_globals(handler: CallableHandler) -> list[str]:
    """Global names a notebook function reads that wsnb cannot carry into its asset."""
    if handler.func is None:
        return []
    plan = _module_plan(handler.source, handler.name, handler.is_async)
    return [name for name, _ in _resolve(handler, plan.names).missing]


# --------------------------------------------------------------------------- module building


@dataclass(frozen=True)
class _ModulePlan:
    names: tuple[str, ...]  # global names the def statement and the function body read, sorted
    future_annotations: bool  # annotations present: keep them unevaluated in the shipped module
    entry: str  # the synchronous entry point's name (async handlers)


@dataclass
class _Needs:
    imports: list[str] = field(default_factory=list)
    values: list[tuple[str, str]] = field(default_factory=list)
    missing: list[tuple[str, str]] = field(default_factory=list)


@functools.lru_cache(maxsize=256)
def _module_plan(source: str, name: str, is_async: bool) -> _ModulePlan:
    import __future__

    tree = ast.parse(source)
    func = next(
        (
            n
            for n in tree.body
            if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.name == name
        ),
        None,
    )
    annotated = func is not None and (
        func.returns is not None
        or any(
            a.annotation is not None
            for a in (
                *func.args.posonlyargs,
                *func.args.args,
                *func.args.kwonlyargs,
                *(x for x in (func.args.vararg, func.args.kwarg) if x is not None),
            )
        )
    )
    flags = __future__.annotations.compiler_flag if annotated else 0
    code = compile(source, f"<{name}>", "exec", flags=flags, dont_inherit=True)
    names = _code_globals(code) - {name}
    taken = names | {name}
    entry = next(
        (n for n in ("lambda_handler", f"{name}_sync", f"_wsnb_{name}_sync") if n not in taken),
        f"_wsnb_entry_{len(taken)}",
    )
    return _ModulePlan(tuple(sorted(names)), annotated, entry)


def _async_entry(name: str, entry: str) -> str:
    return (
        "\n\n"
        f"# Lambda's Python runtime calls the handler and does not await a coroutine, so it calls\n"
        f"# {entry}(), which runs {name}() to completion on one event loop kept for the life of\n"
        "# the execution environment (as wsnb's local emulator does).\n"
        "_wsnb_loop = None\n"
        "\n\n"
        f"def {entry}(event, context):\n"
        "    global _wsnb_loop\n"
        "    if _wsnb_loop is None or _wsnb_loop.is_closed():\n"
        "        _wsnb_loop = _wsnb_asyncio.new_event_loop()\n"
        "        _wsnb_asyncio.set_event_loop(_wsnb_loop)\n"
        f"    return _wsnb_loop.run_until_complete({name}(event, context))\n"
    )


def _resolve(handler: CallableHandler, names: tuple[str, ...]) -> _Needs:
    """How each global name the function reads is carried into its module (or why not)."""
    import builtins
    import types

    assert handler.func is not None
    g = handler.func.__globals__
    needs = _Needs()
    for name in names:
        if name not in g:
            if not hasattr(builtins, name):
                needs.missing.append((name, f"{name}: not defined where {handler.name}() is"))
            continue
        value = g[name]
        if isinstance(value, types.ModuleType):
            problem = _unshippable_module(value)
            if problem:
                needs.missing.append((name, f"{name}: the module {value.__name__} {problem}"))
            else:
                mod = value.__name__
                needs.imports.append(f"import {mod}" if mod == name else f"import {mod} as {name}")
            continue
        literal = _literal_code(value)
        if literal is not None:
            needs.values.append((name, literal))
            continue
        home = handler.origin or "its module"
        origin = _import_origin(name, value)
        if origin is not None and origin[0] != handler.func.__module__:
            mod, attr = origin
            problem = _unshippable_module(sys.modules[mod])
            if problem:
                needs.missing.append((name, f"{name}: imported from {mod}, which {problem}"))
            else:
                clause = attr if attr == name else f"{attr} as {name}"
                needs.imports.append(f"from {mod} import {clause}")
            continue
        if inspect.isfunction(value) or inspect.isclass(value):
            what = f"a {'function' if inspect.isfunction(value) else 'class'} defined in {home}"
        else:
            what = f"a {type(value).__name__} object"
        needs.missing.append(
            (name, f"{name}: {what} (only modules, imported names and literal data ship)")
        )
    return needs


def _import_origin(name: str, value: Any) -> tuple[str, str] | None:
    """``(module, attribute)`` when ``value`` is importable by name from an installed module."""
    mod = getattr(value, "__module__", None)
    if not isinstance(mod, str) or mod in ("__main__", "builtins") or mod not in sys.modules:
        return None
    if not hasattr(value, "__qualname__") and not hasattr(value, "__name__"):
        return None  # an instance: its class's module does not define it
    module = sys.modules[mod]
    for attr in (name, getattr(value, "__name__", None)):
        if isinstance(attr, str) and attr.isidentifier() and getattr(module, attr, None) is value:
            return mod, attr
    return None


def _unshippable_module(module: Any) -> str | None:
    """Why ``import module`` would fail in the shipped handler (None when it works): only the
    standard library and installed packages are importable there, not a module of the
    project folder, a notebook or ``__main__``."""
    name = module.__name__
    top = name.split(".")[0]
    if name == "__main__":
        return "is the running script or notebook, not an installed module"
    if top in sys.builtin_module_names or top in _stdlib_names():
        return None
    file = getattr(module, "__file__", None)
    if not file:
        return "was made at run time (it has no file)"
    real = os.path.realpath(file)
    if any(real.startswith(base + os.sep) for base in _installed_roots()):
        return None
    return "is a file of your project, not an installed package (wsnb does not ship it)"


def _installed_roots() -> set[str]:
    import sysconfig

    paths = sysconfig.get_paths()
    roots = {paths[k] for k in ("purelib", "platlib", "stdlib", "platstdlib") if paths.get(k)}
    roots |= {
        p for p in sys.path if p and os.path.basename(p) in ("site-packages", "dist-packages")
    }
    return {os.path.realpath(p) for p in roots}


def _stdlib_names() -> frozenset[str]:
    return frozenset(getattr(sys, "stdlib_module_names", ()))


def _literal_code(value: Any, depth: int = 0) -> str | None:
    """Python source for literal data (None when ``value`` is not literal data)."""
    if depth > 32:
        return None
    kind = type(value)
    if kind is float and not math.isfinite(value):
        return f'float("{value}")' if value == value else 'float("nan")'
    if kind in (bool, int, float, str, type(None)):
        return repr(value)
    if kind in (list, tuple):
        items = [_literal_code(v, depth + 1) for v in value]
        if any(i is None for i in items):
            return None
        if kind is tuple:
            return "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"  # type: ignore[arg-type]
        return "[" + ", ".join(items) + "]"  # type: ignore[arg-type]
    if kind is dict:
        pairs = []
        for k, v in value.items():
            key, val = _literal_code(k, depth + 1), _literal_code(v, depth + 1)
            if key is None or val is None or type(k) not in (str, int, float, bool):
                return None
            pairs.append(f"{key}: {val}")
        return "{" + ", ".join(pairs) + "}"
    return None


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
