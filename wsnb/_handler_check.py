"""Handler mistakes found before anything runs: files are read with ``ast``, never executed.

- :func:`check_file_handler` looks at ``"src/echo.main"``: the file exists and parses, it defines
  ``main`` at module level, and ``main`` can be called as ``main(event, context)``. Mistakes come
  with a suggestion: ``"src/echo.py"`` → ``"src/echo.main"``, ``"src/echo.mian"`` → ``main``, a
  misspelt file name → the file beside it. Only functions defined in the file are suggested,
  never names it imports.
- :func:`notebook_function_needs` lists what a notebook function reads from the notebook that
  cannot be written out with it (globals in its body, defaults and annotations). ``export`` and
  ``synth`` write the function's source into its own module, so these names must be carried
  over or defined inside the function. ``lint`` reports them as ``callable-globals``; export
  can call the same function to decide what to carry.
- :func:`handler_problems` runs both over a model; ``lint`` turns them into findings and the
  emulator warns with them at start-up (:func:`warn_at_serve`).
"""

from __future__ import annotations

import ast
import difflib
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .model import (
    CallableHandler,
    FileHandler,
    export_problems,
    parse_callable,
    unresolved_globals,
)

_LIKELY_NAMES = ("main", "handler", "lambda_handler", "handle")


@dataclass(frozen=True)
class HandlerProblem:
    """One thing wrong with a handler. ``level`` is lint's: "error" or "warning"."""

    level: str
    code: str
    message: str
    fix: str


# ---- file handlers -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _ModuleFacts:
    functions: dict[str, ast.FunctionDef | ast.AsyncFunctionDef]
    other_names: frozenset[
        str
    ]  # bound by assignment, from-import or class: cannot check statically
    modules: frozenset[str]  # bound by "import x": a module, never a handler
    syntax_error: SyntaxError | None
    # bound only to literal values (numbers, strings, containers): never callable
    values: frozenset[str] = frozenset()


#: Expressions whose value can never be called (a handler bound to one fails every invocation).
_NOT_CALLABLE = (
    ast.Constant,
    ast.JoinedStr,
    ast.List,
    ast.Tuple,
    ast.Dict,
    ast.Set,
    ast.ListComp,
    ast.SetComp,
    ast.DictComp,
    ast.GeneratorExp,
)


_FACTS_CACHE: dict[tuple[str, int, int], _ModuleFacts] = {}


def check_file_handler(
    handler: FileHandler, root: str | os.PathLike[str] = "."
) -> HandlerProblem | None:
    """What is wrong with ``handler`` relative to ``root``, or None when it looks callable."""
    path = Path(root) / handler.file
    name = handler.function_name
    if not path.is_file():
        return _missing_file(handler, Path(root))
    facts = _module_facts(path)
    if facts is None:
        return None  # unreadable right now: the runtime will say why
    if facts.syntax_error is not None:
        err = facts.syntax_error
        return HandlerProblem(
            "error",
            "handler-syntax-error",
            f"{handler.file} does not parse (line {err.lineno}: {err.msg}).",
            f"fix the syntax error in {handler.file} at line {err.lineno}",
        )
    if name in facts.functions:
        return _signature_problem(handler, facts.functions[name])
    if name in facts.values:
        return HandlerProblem(
            "error",
            "handler-not-callable",
            f"{name!r} in {handler.file} is a value (bound to a literal), not a function.",
            _missing_function(handler, facts).fix,
        )
    if name in facts.other_names:
        return None  # e.g. main = make_handler(): only running the file could tell
    if name in facts.modules:
        return HandlerProblem(
            "error",
            "handler-is-module",
            f"{name!r} in {handler.file} is an imported module, not a function.",
            _missing_function(handler, facts).fix,
        )
    return _missing_function(handler, facts)


def _missing_file(handler: FileHandler, root: Path) -> HandlerProblem:
    fix = f"create {handler.file} with def {handler.function_name}(event, context), or fix the path"
    module = handler.module_path
    if module.endswith(".py") and (root / module).is_file():  # "src/echo.py.main"
        fix = f'"{module[:-3]}.{handler.function_name}": the handler names the file without ".py"'
    else:
        folder = root / (handler.directory or ".")
        stems = sorted(p.stem for p in folder.glob("*.py")) if folder.is_dir() else []
        close = difflib.get_close_matches(Path(handler.file).stem, stems, n=1)
        if close:
            prefix = f"{handler.directory}/" if handler.directory else ""
            fix = f'did you mean "{prefix}{close[0]}.{handler.function_name}"?'
    return HandlerProblem(
        "warning",
        "handler-file-missing",
        f"handler file {handler.file!r} does not exist relative to the working directory.",
        fix,
    )


def _missing_function(handler: FileHandler, facts: _ModuleFacts) -> HandlerProblem:
    name = handler.function_name
    defined = sorted(
        n for n, node in facts.functions.items() if not _signature_problem(handler, node)
    )
    module = handler.module_path
    if name == "py":  # "src/echo.py": the file name was given, not the function
        best = _likely_handler(defined)
        fix = (
            f'"{module}.{best}": a handler is path/file.function, without ".py"'
            if best
            else f'define def main(event, context) in {handler.file} and use "{module}.main"'
        )
        return HandlerProblem(
            "error",
            "handler-names-file",
            f"handler {handler.text!r} names the file {handler.file!r} but no function in it.",
            fix,
        )
    close = difflib.get_close_matches(name, defined, n=1)
    if close:
        fix = f'did you mean "{module}.{close[0]}"?'
    elif defined:
        fix = f"use one of the functions {handler.file} defines: {', '.join(defined)}"
    else:
        fix = f"define def {name}(event, context) in {handler.file}"
    return HandlerProblem(
        "error",
        "handler-function-missing",
        f"{handler.file} defines no function {name!r}.",
        fix,
    )


def _likely_handler(defined: list[str]) -> str | None:
    for name in _LIKELY_NAMES:
        if name in defined:
            return name
    public = [n for n in defined if not n.startswith("_")]
    return public[0] if len(public) == 1 else None


def _signature_problem(
    handler: FileHandler, node: ast.FunctionDef | ast.AsyncFunctionDef
) -> HandlerProblem | None:
    """Lambda calls ``handler(event, context)``: two positional arguments, nothing else, and
    does not await what it returns."""
    if isinstance(node, ast.AsyncFunctionDef):
        return HandlerProblem(
            "error",
            "handler-async",
            f"{handler.file}:{node.lineno}: {node.name} is an async def; Lambda's Python runtime "
            "calls it without awaiting, so its body never runs and every invocation fails.",
            f"def {node.name}(event, context): return asyncio.run(handle(event, context)) "
            f"— with the async code in async def handle",
        )
    args = node.args
    positional = [*args.posonlyargs, *args.args]
    required = len(positional) - len(args.defaults)
    required_keywords = [
        a.arg for a, d in zip(args.kwonlyargs, args.kw_defaults, strict=True) if d is None
    ]
    takes_two = len(positional) >= 2 or args.vararg is not None
    if takes_two and required <= 2 and not required_keywords:
        return None
    shown = f"def {node.name}({ast.unparse(args)})"
    if not takes_two:
        problem = "takes fewer than the two arguments Lambda passes (event, context)"
    elif required > 2:
        problem = f"requires {required} positional arguments; Lambda passes two (event, context)"
    else:
        problem = f"requires keyword-only {', '.join(required_keywords)}, which Lambda never passes"
    return HandlerProblem(
        "error",
        "handler-signature",
        f"{handler.file}:{node.lineno}: {shown} {problem}.",
        f"def {node.name}(event, context): ...",
    )


def _module_facts(path: Path) -> _ModuleFacts | None:
    try:
        stat = path.stat()
        key = (str(path.resolve()), stat.st_mtime_ns, stat.st_size)
    except OSError:
        return None
    cached = _FACTS_CACHE.get(key)
    if cached is not None:
        return cached
    try:
        source = path.read_bytes()
    except OSError:
        return None
    try:
        tree = ast.parse(source, filename=str(path))
    except SyntaxError as exc:
        facts = _ModuleFacts({}, frozenset(), frozenset(), exc)
    else:
        functions: dict[str, ast.FunctionDef | ast.AsyncFunctionDef] = {}
        others: set[str] = set()
        modules: set[str] = set()
        literal: set[str] = set()  # names some assignment binds to a literal value
        nonliteral: set[str] = set()  # names bound some other way (a call, import, class…)
        for node in _module_level(tree.body):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                functions[node.name] = node
            elif isinstance(node, ast.Import):
                modules |= {(a.asname or a.name).split(".")[0] for a in node.names}
            else:
                bound = _bound_names(node)
                if (
                    isinstance(node, (ast.Assign, ast.AnnAssign))
                    and isinstance(node.value, _NOT_CALLABLE)
                    and all(isinstance(t, ast.Name) for t in _targets(node))
                ):
                    literal |= bound
                else:
                    nonliteral |= bound
                others |= bound
        # a name is surely a value only when every binding of it is a literal
        varied = nonliteral | _rebound(tree, literal)
        values = frozenset(literal - varied - set(functions) - modules)
        facts = _ModuleFacts(
            functions,
            frozenset(others - set(functions) - values),
            frozenset(modules - others),
            None,
            values,
        )
    if len(_FACTS_CACHE) > 512:
        _FACTS_CACHE.clear()
    _FACTS_CACHE[key] = facts
    return facts


def _module_level(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """Statements that run at import, looking into if/try/with blocks but not into defs."""
    for node in body:
        yield node
        if isinstance(node, (ast.If, ast.For, ast.While)):
            yield from _module_level(node.body)
            yield from _module_level(node.orelse)
        elif isinstance(node, ast.Try):
            for block in (node.body, node.orelse, node.finalbody):
                yield from _module_level(block)
            for handler in node.handlers:
                yield from _module_level(handler.body)
        elif isinstance(node, ast.With):
            yield from _module_level(node.body)


def _targets(node: ast.Assign | ast.AnnAssign) -> list[ast.expr]:
    return node.targets if isinstance(node, ast.Assign) else [node.target]


def _rebound(tree: ast.Module, names: set[str]) -> set[str]:
    """Which of ``names`` are also bound some other way at module level (a non-literal
    assignment, ``global`` in a function, a for/with/walrus target): then only running the file
    could tell what they hold."""
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Global):
            out |= names & set(node.names)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)) and not isinstance(
            node.value, _NOT_CALLABLE
        ):
            out |= names & {
                n.id for t in _targets(node) for n in ast.walk(t) if isinstance(n, ast.Name)
            }
        elif isinstance(node, (ast.For, ast.AsyncFor, ast.comprehension)):
            out |= names & {n.id for n in ast.walk(node.target) if isinstance(n, ast.Name)}
        elif isinstance(node, ast.NamedExpr):
            out |= names & {node.target.id}
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            for item in node.items:
                if item.optional_vars is not None:
                    out |= names & {
                        n.id for n in ast.walk(item.optional_vars) if isinstance(n, ast.Name)
                    }
        elif isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name):
            out |= names & {node.target.id}
    return out


def _bound_names(node: ast.stmt) -> set[str]:
    if isinstance(node, ast.ClassDef):
        return {node.name}
    if isinstance(node, ast.ImportFrom):
        return {a.asname or a.name for a in node.names}
    if isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        return {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}
    return set()


# ---- notebook functions ------------------------------------------------------------------------


def notebook_function_needs(func: Callable[..., Any]) -> list[str]:
    """Names a notebook function reads from the notebook that cannot be written out with it.

    The same rule export follows when it writes the function's module
    (:func:`wsnb.model.unresolved_globals`): builtins, the function itself, modules
    and names imported from the standard library or installed packages, and literal data are
    carried; anything else the body, the default values or (when evaluated) the annotations
    read is listed here.
    """
    return unresolved_globals(parse_callable(func, "handler"))


def check_notebook_function(handler: CallableHandler) -> HandlerProblem | None:
    """The ``callable-globals`` finding for a notebook function, or None."""
    if handler.func is None:
        return None
    reasons = export_problems(handler)
    if not reasons:
        return None
    return HandlerProblem(
        "warning",
        "callable-globals",
        f"{handler.name}() reads names that cannot be shipped with it to Lambda: "
        + "; ".join(reasons)
        + ".",
        "import or define them inside the function, or pass values through environment",
    )


# ---- a whole model -----------------------------------------------------------------------------


def model_handlers(spec: Any) -> list[tuple[str, Any]]:
    """``(where, handler)`` of every route function and the Lambda authorizer, in the order
    :func:`handler_problems` reports them."""
    return [(fn.route_key, fn.handler) for _, fn in spec.all_functions()]


def handler_problems(
    spec: Any,
    root: str | os.PathLike[str] = ".",
    *,
    notebook_functions: bool = True,
    file_handlers: bool = True,
) -> list[tuple[str, HandlerProblem]]:
    """``(where, problem)`` for every route function and the Lambda authorizer of ``spec``
    (file handlers only when ``file_handlers``, notebook functions only when
    ``notebook_functions``). File handlers are checked under their function's runtime (Python
    or Node.js: :mod:`wsnb._node_check`)."""
    from ._node_check import check_handler_file

    memo: dict[Any, HandlerProblem | None] = {}  # routes sharing a handler share its check
    found = []
    for _, fn in spec.all_functions():
        where, handler = fn.route_key, fn.handler
        if isinstance(handler, FileHandler):
            if not file_handlers:
                continue
            problem = check_handler_file(
                handler, fn.runtime, root, where=where, final=fn.final, memo=memo
            )
        elif isinstance(handler, CallableHandler) and notebook_functions:
            problem = check_notebook_function(handler)
        else:
            problem = None
        if problem is not None:
            found.append((where, problem))
    return found


def warn_at_serve(spec: Any, root: str | os.PathLike[str]) -> None:
    """The emulator's start-up check: one ``HandlerFileWarning`` per broken file handler.

    A warning, not an error: the emulator reloads a handler file when it changes, so a server
    started before the file is written or fixed starts working once it is; until then the
    route answers ``Internal server error``, as AWS would, and this warning has said why.
    """
    from ._errors import HandlerFileWarning
    from ._user_frames import warn

    # notebook functions run live in the emulator: what export needs does not matter here
    for where, problem in handler_problems(spec, root, notebook_functions=False):
        warn(
            f"route {where!r} will answer 'Internal server error': {problem.message} "
            f"Fix: {problem.fix}",
            HandlerFileWarning,
        )
