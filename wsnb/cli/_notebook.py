"""Running a notebook TARGET: only what builds the model, quietly.

The code cells run in order in one namespace, top-level statement by top-level statement
(IPython magics translated first; line magics and ``!cmd`` lines do nothing). A statement is
**skipped** when:

1. its cell is tagged ``wsnb-skip``;
2. it uses top-level ``await`` (a live client session);
3. it calls ``serve``, ``show``, ``synth``, ``export`` or ``to_cdk`` on a ``WebSocketApi`` — the
   receiver is looked up when the statement is reached, so ``plt.show()`` or ``df.export()``
   run; a chain such as ``WebSocketApi("A").route(...).show()`` counts as a WebSocketApi;
4. it calls a method of another wsnb run-time object (a local server, a widget, a synth result);
5. it starts a process: a function of ``subprocess`` (or ``asyncio.subprocess``), ``os.system``,
   ``os.popen``, ``os.exec*``, ``os.spawn*``, ``os.fork``;
6. it uses the AWS CDK: it reads a name imported from ``aws_cdk`` or ``constructs`` (that is
   synthesis, which the command does itself);
7. it reads a name that only skipped statements bound, or a variable a skipped statement read
   (it may have changed it, or what it names: the folder given to ``export``) — except
   modules, classes, functions, the ``WebSocketApi`` and other wsnb model objects.

Import statements run lazily, just before the first statement that reads a name they bind, so an
import only skipped statements need (``import aws_cdk``, ``import websockets``) never runs.
A cell saved with an error output (or tagged ``raises-exception``) may raise; the rest of that
cell is then skipped, as in Jupyter. What the cells print is not shown, and neither is the list
of skipped statements; ``-v`` shows both (on stderr).
"""

from __future__ import annotations

import ast
import builtins
import contextlib
import contextvars
import io
import linecache
import os
import sys
import types
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from .._api import WebSocketApi

SKIP_TAG = "wsnb-skip"
API_ACTIONS = frozenset({"serve", "show", "synth", "export", "to_cdk"})
_RUNTIME_MODULES = ("wsnb.local", "wsnb.widget", "wsnb.synth")
_CDK_MODULES = ("aws_cdk", "constructs", "jsii")
_PROCESS_MODULES = ("subprocess", "asyncio.subprocess")
_OS_PROCESS = ("system", "popen", "fork", "forkpty", "posix_spawn", "posix_spawnp")
_OS_PROCESS_PREFIXES = ("exec", "spawn")

verbose_loading: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "wsnb_verbose_loading", default=False
)


@dataclass(frozen=True)
class Cell:
    number: int  # 1-based among code cells, as a reader counts them
    source: str
    tagged_skip: bool
    expect_error: bool  # tagged raises-exception, or saved with an error output


class CellError(Exception):
    """A statement of a cell raised (and the cell was not saved with an error)."""

    def __init__(self, cell: Cell, error: BaseException) -> None:
        super().__init__(str(error))
        self.cell = cell
        self.error = error


def run_cells(
    cells: list[Cell],
    namespace: dict[str, Any],
    name: str,
    transform: Callable[[str], str],
) -> None:
    """Run what builds the model (see the module docstring); raises :class:`CellError`."""
    run = _Run(namespace, name, verbose_loading.get())
    with run.quiet():
        for cell in cells:
            run.cell(cell, transform(cell.source))
    run.replay_warnings()


class _Run:
    def __init__(self, namespace: dict[str, Any], name: str, verbose: bool) -> None:
        self.ns = namespace
        self.name = name
        self.verbose = verbose
        self.skipped: set[str] = set()  # names bound by skipped statements, not rebound since
        self.pending: dict[str, tuple[ast.stmt, str]] = {}  # lazy imports: name → (stmt, file)
        self.cdk_names: set[str] = set()
        self.caught: list[warnings.WarningMessage] = []

    @contextlib.contextmanager
    def quiet(self) -> Iterator[None]:
        """Cell output goes nowhere (stderr with -v); warnings are kept to show once at the end."""
        sink = sys.stderr if self.verbose else io.StringIO()
        with (
            warnings.catch_warnings(record=True) as caught,
            contextlib.redirect_stdout(sink),
            contextlib.redirect_stderr(sink),
        ):
            try:
                yield
            finally:
                self.caught = list(caught)

    def replay_warnings(self) -> None:
        seen = set()
        for w in self.caught:
            key = (str(w.message), w.category)
            if key not in seen:
                seen.add(key)
                warnings.showwarning(w.message, w.category, w.filename, w.lineno)

    def note(self, text: str) -> None:
        if self.verbose:
            print(f"wsnb: {text}", file=sys.__stderr__ if sys.stderr is None else sys.stderr)

    # ---------------------------------------------------------------- one cell

    def cell(self, cell: Cell, source: str) -> None:
        where = f"{self.name} cell {cell.number}"
        filename = f"<{where}>"
        linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
        if cell.tagged_skip:
            self.skip_all(source, f"{where}: tagged {SKIP_TAG}")
            return
        try:
            tree = _parse(source)
        except SyntaxError as exc:
            if cell.expect_error:
                return
            raise CellError(cell, exc) from exc
        for stmt in tree.body:
            try:
                self.statement(stmt, filename, where)
            except (Exception, SystemExit) as exc:
                if not cell.expect_error:
                    raise CellError(cell, exc) from exc
                self.note(f"{where} raised {type(exc).__name__}, as saved")
                return

    def skip_all(self, source: str, why: str) -> None:
        with contextlib.suppress(SyntaxError):
            for stmt in _parse(source).body:
                self.skipped |= bound_names(stmt)
        self.note(f"skipped {why}")

    def statement(self, stmt: ast.stmt, filename: str, where: str) -> None:
        bound, read = bound_names(stmt), read_now(stmt)
        if _is_lazy_import(stmt):
            for name in bound:
                self.pending[name] = (stmt, filename)
                self.skipped.discard(name)
                if _imports_from(stmt, _CDK_MODULES):
                    self.cdk_names.add(name)
                else:
                    self.cdk_names.discard(name)
            return
        reason = self.static_reason(stmt, read)
        if reason is None:
            self.import_needed(read_names(stmt) - (self.cdk_names - read))
            reason = self.runtime_reason(stmt)
        if reason is not None:
            self.skipped |= bound | self.inputs(read)
            self.note(f"skipped {where}, line {stmt.lineno} ({reason})")
            return
        self.skipped -= bound
        for name in bound:
            self.pending.pop(name, None)
            self.cdk_names.discard(name)
        module = ast.Module(body=[stmt], type_ignores=[])
        exec(compile(module, filename, "exec", dont_inherit=True), self.ns)

    def static_reason(self, stmt: ast.stmt, read: set[str]) -> str | None:
        if _awaits_at_top_level(stmt):
            return "top-level await"
        if read & self.cdk_names:
            return f"it uses the AWS CDK ({', '.join(sorted(read & self.cdk_names))})"
        if read & self.skipped:
            return f"it uses {', '.join(sorted(read & self.skipped))} from a skipped statement"
        return None

    def inputs(self, read: set[str]) -> set[str]:
        """The variables a skipped statement was given that it may have changed (or changed
        what they name, such as a folder): plain values, not modules, classes, functions, the
        API or other wsnb model objects."""
        return {n for n in read if n in self.ns and not _kept_through_skips(self.ns[n])}

    def import_needed(self, read: set[str]) -> None:
        todo = {id(self.pending[n][0]): self.pending[n] for n in read if n in self.pending}
        for stmt, filename in todo.values():
            for name in bound_names(stmt):
                self.pending.pop(name, None)
            module = ast.Module(body=[stmt], type_ignores=[])
            exec(compile(module, filename, "exec", dont_inherit=True), self.ns)

    def runtime_reason(self, stmt: ast.stmt) -> str | None:
        for call in calls_run_now(stmt):
            func = call.func
            if isinstance(func, ast.Attribute):
                receiver = self.root_value(func.value)
                if _is_api(receiver) and func.attr in API_ACTIONS:
                    return f"it calls .{func.attr}() on a WebSocketApi"
                if _is_wsnb_runtime(receiver):
                    return f"it calls .{func.attr}() on a {type(receiver).__name__}"
            callee = self.resolve(func)
            if callee is not _UNKNOWN and _starts_a_process(callee):
                return "it starts a process"
        return None

    def resolve(self, node: ast.expr) -> Any:
        """The value of a ``name`` or ``name.attr.attr`` expression, without calling anything."""
        if isinstance(node, ast.Name):
            if node.id in self.ns:
                return self.ns[node.id]
            return getattr(builtins, node.id, _UNKNOWN)
        if isinstance(node, ast.Attribute):
            base = self.resolve(node.value)
            if base is _UNKNOWN or not isinstance(base, (types.ModuleType, type)):
                return _UNKNOWN  # only modules and classes: no property of a user object runs
            return getattr(base, node.attr, _UNKNOWN)
        return _UNKNOWN

    def root_value(self, node: ast.expr) -> Any:
        """The receiver of a method call: a name's value, or the class/API a call chain starts at
        (``WebSocketApi("A").route(...)`` → the ``WebSocketApi`` class)."""
        while isinstance(node, (ast.Call, ast.Attribute, ast.Subscript)):
            if isinstance(node, ast.Attribute) and not isinstance(node.value, ast.Call):
                value = self.resolve(node)
                if value is not _UNKNOWN:
                    return value
            node = node.func if isinstance(node, ast.Call) else node.value
        return self.resolve(node)


_UNKNOWN = object()


def _kept_through_skips(value: Any) -> bool:
    if isinstance(value, (types.ModuleType, type, types.FunctionType, types.BuiltinFunctionType)):
        return True
    module = getattr(type(value), "__module__", "") or ""
    return isinstance(value, WebSocketApi) or module.startswith("wsnb.model")


def _is_api(value: Any) -> bool:
    return isinstance(value, WebSocketApi) or value is WebSocketApi


def _is_wsnb_runtime(value: Any) -> bool:
    module = getattr(type(value), "__module__", "") or ""
    return module.startswith(_RUNTIME_MODULES)


def _starts_a_process(func: Any) -> bool:
    module = getattr(func, "__module__", None) or ""
    if module in _PROCESS_MODULES:
        return True
    name = getattr(func, "__name__", "")
    if module in ("os", "posix", "nt") and (
        name in _OS_PROCESS or name.startswith(_OS_PROCESS_PREFIXES)
    ):
        return getattr(os, name, None) is func
    return False


# -------------------------------------------------------------------- syntax helpers


def _parse(source: str) -> ast.Module:
    """``ast.parse`` that also accepts top-level ``await`` (as IPython does)."""
    flags = ast.PyCF_ONLY_AST | ast.PyCF_ALLOW_TOP_LEVEL_AWAIT
    return compile(source, "<cell>", "exec", flags=flags, dont_inherit=True)


def _is_lazy_import(stmt: ast.stmt) -> bool:
    if isinstance(stmt, ast.ImportFrom):
        return stmt.module != "__future__" and all(a.name != "*" for a in stmt.names)
    return isinstance(stmt, ast.Import)


def _imports_from(stmt: ast.stmt, roots: tuple[str, ...]) -> bool:
    if isinstance(stmt, ast.ImportFrom):
        modules = [stmt.module or ""]
    else:
        modules = [a.name for a in stmt.names]  # type: ignore[attr-defined]
    return any(m.split(".")[0] in roots for m in modules)


def _runs_now(node: ast.AST) -> Iterator[ast.AST]:
    """The nodes evaluated when a statement runs (not the bodies of defs, lambdas, classes)."""
    yield node
    for child in ast.iter_child_nodes(node):
        if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            for part in (*child.args.defaults, *child.args.kw_defaults):
                if part is not None:
                    yield from _runs_now(part)
            if not isinstance(child, ast.Lambda):
                for decorator in child.decorator_list:
                    yield from _runs_now(decorator)
            continue
        yield from _runs_now(child)


def calls_run_now(stmt: ast.stmt) -> list[ast.Call]:
    return [n for n in _runs_now(stmt) if isinstance(n, ast.Call)]


def _awaits_at_top_level(stmt: ast.stmt) -> bool:
    return any(isinstance(n, (ast.Await, ast.AsyncWith, ast.AsyncFor)) for n in _runs_now(stmt))


def bound_names(stmt: ast.AST) -> set[str]:
    """Names a statement binds at module level."""
    found: set[str] = set()
    for node in _runs_now(stmt):
        if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
            found.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            found.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            found |= {(a.asname or a.name).split(".")[0] for a in node.names if a.name != "*"}
    if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        found.add(stmt.name)
    return found


def read_now(stmt: ast.AST) -> set[str]:
    """Names a statement reads when it runs (not inside the bodies of functions it defines)."""
    return {
        n.id for n in _runs_now(stmt) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)
    }


def read_names(stmt: ast.AST) -> set[str]:
    """Names a statement reads, including inside the functions it defines (they run later)."""
    return {n.id for n in ast.walk(stmt) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
