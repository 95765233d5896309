"""Node.js functions' assets: one esbuild bundle per handler file and runtime, JavaScript only.

A Node.js handler ``"src/connect.main"`` (its file resolved SST's way, SPEC §8, e.g.
``src/connect.ts``) ships as the asset folder ``wsnb_functions/src-connect/`` holding one file:
``index.mjs`` for an ES module bundle or ``index.js`` for a CommonJS one (as aws-cdk-lib's
``NodejsFunction`` names them; Lambda loads ``.mjs`` as an ES module and, with no package.json
in the asset, ``.js`` as CommonJS), with the Lambda handler ``index.main``. The folder name is
the file's path without its extension, ``/`` written ``-``; when one file serves functions on
two Node.js runtimes, each gets its own bundle, ``-node20``/``-node22`` appended. Routes whose
handlers name the same file and runtime share one asset (``src/chat.connect``,
``src/chat.send``: one bundle, handlers ``index.connect`` and ``index.send``).

The bundling itself (esbuild, :mod:`wsnb.node`) is given by the back end as a
:data:`Bundler`, so this module stays pure Python. What the plan asks of each bundle before
anything is synthesized:

- the handler's export exists, as esbuild's metafile lists the exports (the exact check of
  SPEC §8); a CommonJS file, or one with ``export * from`` a package, lists none or not all of
  them, and is never refused for that;
- every file esbuild read is inside the root (an import leaving it is an error, as a symlink
  leaving it is for Python handlers).

Each :class:`NodeAsset` also records the sources the export copies next to the bundles (the
files esbuild read, outside ``node_modules``, and the ``package.json``/``tsconfig.json``/
``jsconfig.json`` files that shape how esbuild reads them), so the pinned rebuild command in
the exported README gives the same bytes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, Protocol

from .. import _facts
from .._errors import WsnbError
from .._node_exports import listed, missing_export_fix
from ..model import FileHandler, handler_candidates, resolve_handler_file

__all__ = ["BuiltBundle", "Bundler", "NodeAsset", "NodeFunction", "plan_node_assets"]

#: files that change how esbuild reads the sources next to them (copied with the sources)
CONFIG_FILES = ("package.json", "tsconfig.json", "jsconfig.json")


class BuiltBundle(Protocol):
    """What the plan reads of a bundle (:class:`wsnb.node.Bundle` has these and more)."""

    @property
    def entry(self) -> str: ...
    @property
    def format(self) -> str: ...
    @property
    def exports(self) -> tuple[str, ...] | None: ...
    @property
    def complete(self) -> bool: ...
    @property
    def inputs(self) -> tuple[str, ...]: ...
    @property
    def code(self) -> bytes: ...


#: ``bundler(entry, root, runtime)``: bundle ``entry`` (a posix path relative to ``root``) for
#: the Lambda ``runtime`` with esbuild running in ``root``; raises a ``WsnbError`` when it cannot
Bundler = Callable[[str, Path, str], BuiltBundle]


@dataclass(frozen=True)
class NodeFunction:
    """One Node.js function to ship: ``where`` names it in errors."""

    where: str
    handler: FileHandler
    runtime: str


@dataclass(frozen=True)
class NodeAsset:
    """One bundle: its asset ``folder`` (relative to the app root) holding ``filename``."""

    folder: str  # "wsnb_functions/src-connect"
    entry: str  # "src/connect.ts", relative to the root
    runtime: str  # "nodejs22.x"
    filename: str  # "index.mjs" (ES module) or "index.js" (CommonJS)
    bundle: Any  # the back end's bundle (a BuiltBundle; wsnb.node's Bundle for synth/export)
    sources: tuple[str, ...]  # what the export copies beside the bundles (relative to the root)

    @property
    def path(self) -> str:
        """The bundle's path relative to the app root: ``wsnb_functions/src-connect/index.mjs``."""
        return f"{self.folder}/{self.filename}"


def plan_node_assets(
    functions: list[NodeFunction],
    base: Path,
    generated_dir: str,
    bundler: Bundler | None,
    error: type[WsnbError],
    place: str,
) -> tuple[dict[NodeFunction, tuple[NodeAsset, str]], list[NodeAsset]]:
    """Bundle every Node.js function's file (once per file and runtime), check its export and
    its inputs: ``({function: (asset, Lambda handler)}, assets in first-use order)``."""
    entries: dict[NodeFunction, str] = {}
    for fn in functions:
        entries[fn] = _entry(fn, base, generated_dir, error, place)
    runtimes: dict[str, set[str]] = {}
    for fn, entry in entries.items():
        runtimes.setdefault(entry, set()).add(fn.runtime)
    if functions and bundler is None:
        raise error(
            f"{functions[0].where}: a Node.js function needs a bundler, and none was given.",
            given=str(functions[0].handler),
            fix="synthesize with api.synth(), api.to_cdk() or api.export()",
        )
    built: dict[tuple[str, str], NodeAsset] = {}
    owners: dict[str, tuple[str, str]] = {}
    out: dict[NodeFunction, tuple[NodeAsset, str]] = {}
    for fn, entry in entries.items():
        key = (entry, fn.runtime)
        asset = built.get(key)
        if asset is None:
            assert bundler is not None
            made = bundler(entry, base, fn.runtime)
            folder = _folder(entry, fn.runtime, len(runtimes[entry]) > 1, generated_dir)
            if folder in owners:
                other = owners[folder][0]
                raise error(
                    f"{fn.where}: Node.js handler files {other!r} and {entry!r} would both be "
                    f"bundled into {folder!r}.",
                    given=[other, entry],
                    fix="rename one of the files",
                    path=fn.where,
                )
            owners[folder] = key
            sources = _sources(fn.where, made, base, error, place)
            name = "index.mjs" if made.format == "esm" else "index.js"
            asset = built[key] = NodeAsset(folder, entry, fn.runtime, name, made, sources)
        _check_export(fn, asset, error)
        out[fn] = (asset, f"index.{fn.handler.function_name}")
    return out, list(built.values())


def _entry(
    fn: NodeFunction, base: Path, generated_dir: str, error: type[WsnbError], place: str
) -> str:
    """The handler's file (relative to the root), checked to exist and to stay inside it."""
    found = resolve_handler_file(fn.handler, fn.runtime, base)
    if found is None:
        tried = ", ".join(handler_candidates(fn.handler, fn.runtime))
        raise error(
            f"{fn.where}: no handler file for {fn.handler.text!r} (runtime {fn.runtime}) exists "
            f"in {place} {base}.",
            given=str(fn.handler),
            allowed=f"one of {tried}",
            fix=f"create {fn.handler.module_path}.ts exporting {fn.handler.function_name}, "
            "or fix the handler's path",
            path=fn.where,
        )
    real = (base / found).resolve()
    if real != base and base not in real.parents:
        raise error(
            f"{fn.where}: {found} resolves to {real}, outside {place} {base}.",
            given=found,
            allowed=f"files inside {base}",
            fix="copy the file into the project instead of linking to it",
            path=fn.where,
        )
    if found.split("/")[0] == generated_dir:
        raise error(
            f"{fn.where}: the folder name {generated_dir!r} is reserved for wsnb's generated assets.",
            given=str(fn.handler),
            fix="rename the folder that holds the handler",
            path=fn.where,
        )
    return found


def _folder(entry: str, runtime: str, several: bool, generated_dir: str) -> str:
    stem = entry.rsplit(".", 1)[0].replace("/", "-")
    if several:
        stem += f"-node{_facts.node_major(runtime)}"
    return f"{generated_dir}/{stem}"


def _sources(
    where: str, made: BuiltBundle, base: Path, error: type[WsnbError], place: str
) -> tuple[str, ...]:
    """The files esbuild read outside ``node_modules`` and the config files beside them up to the
    root; an input outside the root is an error."""
    found: set[str] = set()
    for rel in made.inputs:
        if rel.startswith(("<", "(")):  # esbuild's virtual inputs: nothing on disk
            continue
        parts = PurePosixPath(rel).parts
        if PurePosixPath(rel).is_absolute() or ".." in parts:
            raise error(
                f"{where}: {made.entry} imports {rel}, which is outside {place} {base}.",
                given=rel,
                allowed=f"files inside {base}",
                fix="move the imported file into the project (or set the API's root to a "
                "folder that holds both)",
                path=where,
            )
        if "node_modules" in parts:
            continue
        found.add(rel)
        for folder in PurePosixPath(rel).parents:
            for name in CONFIG_FILES:
                candidate = name if str(folder) == "." else f"{folder}/{name}"
                if (base / candidate).is_file():
                    found.add(candidate)
    return tuple(sorted(found))


def _check_export(fn: NodeFunction, asset: NodeAsset, error: type[WsnbError]) -> None:
    """The exact export check: refuse a handler whose export esbuild's list says is missing."""
    made = asset.bundle
    name = fn.handler.function_name
    if made.exports is None or not made.complete or name in made.exports:
        return  # exported, or only running it could tell (CommonJS, export * from a package)
    names = sorted(made.exports)
    fix = missing_export_fix(name, fn.handler.module_path, asset.entry, names)
    exported = f"it exports {listed(names)}" if names else "it exports nothing"
    raise error(
        f"{fn.where}: {asset.entry} does not export {name!r} ({exported}); Lambda would answer "
        "every call with Runtime.HandlerNotFound.",
        given=fn.handler.text,
        allowed=f"an export of {asset.entry}: {listed(names)}" if names else None,
        fix=fix,
        path=fn.where,
    )
