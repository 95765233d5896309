"""Handler assets: which files each Lambda ships, laid out relative to an app root.

Both back ends use the same layout, so the asset hashes CDK computes are the same:
``synth`` stages it in a private directory keyed by content hash, ``export`` writes it next to
``app.py``. Layout rules:

- ``FileHandler("src/connect.main")`` ships the directory ``src/`` (as ``src/``), with Lambda
  handler ``connect.main`` — its data files, and the Python files the API's handlers in
  ``src/`` import (see :mod:`wsnb.model._handler_files` for the rule);
- a top-level file handler ``"connect.main"`` ships ``connect.py`` and the project's Python
  files it imports, in ``wsnb_functions/connect/``;
- a notebook function ``send`` ships ``callable_module_source(...)`` as
  ``wsnb_functions/send_handler/send_handler.py``;
- a Node.js handler file ``src/connect.ts`` ships as one esbuild bundle,
  ``wsnb_functions/src-connect/index.mjs`` (see :mod:`wsnb.plan._node_assets`), with Lambda
  handler ``index.main``; the bundling is the back end's ``bundler``.

One rule says which files an asset ships (:func:`is_shipped`, from :data:`EXCLUDE_GLOBS`):
hidden files and folders (``.DS_Store``, ``.git``…), ``__pycache__``, ``node_modules``,
``cdk.out``, ``*.pyc``/``*.pyo`` are left out. The collector applies it when it walks a
handler folder (so ``synth`` stages and ``export`` copies the same files), and the plan passes
the same globs to ``Code.from_asset(exclude=...)``, so CDK hashes the same files even when the
exported app's folders later gain such files. Nothing outside the root (the API's root, or
the working directory) is ever read: a symlink pointing out is an error.
"""

from __future__ import annotations

import fnmatch
import functools
import hashlib
import os
import shutil
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from .. import _facts
from .._errors import SynthError, WsnbError
from ..model import (
    CallableHandler,
    FileHandler,
    callable_module_source,
    handler_folder_files,
    handler_runtime,
    imported_python_files,
)
from ._node_assets import Bundler, NodeAsset, NodeFunction, plan_node_assets

GENERATED_DIR = "wsnb_functions"
#: names an asset never ships (a file or a folder with all it holds), as CDK exclude globs
EXCLUDE_GLOBS: tuple[str, ...] = (".*", "__pycache__", "node_modules", "cdk.out", "*.pyc", "*.pyo")


def is_shipped(name: str) -> bool:
    """Whether a file or folder called ``name`` goes into an asset (the one selection rule)."""
    return not any(fnmatch.fnmatchcase(name, glob) for glob in EXCLUDE_GLOBS)


@dataclass(frozen=True)
class AssetFile:
    path: str  # posix path relative to the app root
    source: str | None = None  # absolute path of the file to copy
    text: str | None = None  # or generated text

    def data(self) -> bytes:
        if self.text is not None:
            return self.text.encode()
        assert self.source is not None
        return Path(self.source).read_bytes()


#: ``(where, handler)`` (the handler's own runtime: a template's, else Python) or
#: ``(where, handler, runtime)`` (the function's merged ``runtime`` prop)
HandlerItem = (
    tuple[str, FileHandler | CallableHandler]
    | tuple[str, FileHandler | CallableHandler, str | None]
)


@dataclass
class AssetLayout:
    """Handlers → (asset directory, Lambda handler string), and every file of every asset.

    ``handlers`` is keyed by the handler (Python) or ``(handler, runtime)`` (Node.js: the file
    and the bundle depend on the runtime); :meth:`lambda_code` looks either up. ``node``: the
    Node.js bundles, whose ``sources`` the export copies beside them (not part of any asset).
    """

    handlers: dict[object, tuple[str, str]] = field(default_factory=dict)
    files: dict[str, AssetFile] = field(default_factory=dict)
    directories: list[str] = field(default_factory=list)
    node: list[NodeAsset] = field(default_factory=list)

    def lambda_code(self, handler: object, runtime: str) -> tuple[str, str]:
        """(asset directory, Lambda handler string) of ``handler`` under ``runtime`` (as
        :func:`shipped_runtime` gives it)."""
        found = self.handlers.get((handler, runtime))
        return found if found is not None else self.handlers[handler]

    def digest(self) -> str:
        h = hashlib.sha256()
        for rel in sorted(self.files):
            data = self.files[rel].data()
            h.update(rel.encode() + b"\0" + str(len(data)).encode() + b"\0" + data)
        return h.hexdigest()


def shipped_runtime(handler: object, runtime: str | None) -> str:
    """The Lambda runtime a function ships with: a template's declared Node.js runtime, else
    the function's ``runtime`` prop (None: wsnb's default)."""
    declared = handler_runtime(handler, runtime)
    if _facts.runtime_family(declared) == "nodejs":
        return declared
    return runtime or _facts.DEFAULT_RUNTIME


def collect_assets(
    handlers: Iterable[HandlerItem],
    *,
    root: str | os.PathLike[str] | None = None,
    error: type[WsnbError] = SynthError,
    bundler: Bundler | None = None,
) -> AssetLayout:
    """The layout for ``(where, handler[, runtime])`` items; ``where`` names the route in errors.
    Handler paths are relative to ``root`` (None: the working directory now); Node.js handler
    files are bundled with ``bundler`` (needed only when there are some)."""
    base = Path(os.getcwd() if root is None else root).resolve()
    place = "the working directory" if root is None else "the API's root"
    layout = AssetLayout()
    generated: dict[str, object] = {}
    python: list[tuple[str, FileHandler | CallableHandler]] = []
    node: list[NodeFunction] = []
    for item in handlers:
        where, handler = item[0], item[1]
        runtime = shipped_runtime(handler, item[2] if len(item) > 2 else None)
        if isinstance(handler, FileHandler) and _facts.runtime_family(runtime) == "nodejs":
            node.append(NodeFunction(where, handler, runtime))
        else:
            python.append((where, handler))
    entries: dict[str, list[str]] = {}  # handler folder → the API's Python handler files in it
    for _, handler in python:
        if isinstance(handler, FileHandler) and handler.directory:
            entries.setdefault(handler.directory, []).append(PurePosixPath(handler.file).name)
    for where, handler in python:
        if handler in layout.handlers:
            continue
        if isinstance(handler, CallableHandler):
            rel = f"{GENERATED_DIR}/{handler.module_name}"
            if rel in generated and generated[rel] != handler:
                raise error(
                    f"{where}: two different notebook functions are both named {handler.name!r}.",
                    given=handler.name,
                    fix="give each handler function its own name",
                )
            generated[rel] = handler
            _add(
                layout,
                AssetFile(f"{rel}/{handler.module_name}.py", text=callable_module_source(handler)),
                error,
            )
            layout.handlers[handler] = (rel, handler.text)
            _add_dir(layout, rel)
            continue
        file_path = base / handler.file
        if not file_path.is_file():
            raise error(
                f"{where}: handler file {handler.file!r} was not found.",
                given=str(handler),
                allowed=f"a Python file at {file_path}",
                fix=f"create {handler.file} with def {handler.function_name}(event, context), "
                + (
                    "or run from the directory that holds it"
                    if root is None
                    else "or set the API's root to the folder that holds it (api.with_root(...))"
                ),
                path=where,
            )
        _inside(base, file_path, where, error, place)
        module = handler.module_path.rsplit("/", 1)[-1]
        lambda_handler = f"{module}.{handler.function_name}"
        if not handler.directory:
            rel = f"{GENERATED_DIR}/{module}"
            _add(layout, AssetFile(f"{rel}/{module}.py", source=str(file_path)), error)
            for name in _top_level_imports(base, f"{module}.py", where, error, place):
                _add(layout, AssetFile(f"{rel}/{name}", source=str((base / name).resolve())), error)
        else:
            rel = handler.directory
            if rel.split("/")[0] == GENERATED_DIR:
                raise error(
                    f"{where}: the folder name {GENERATED_DIR!r} is reserved for wsnb's generated assets.",
                    given=str(handler),
                    fix="rename the folder that holds the handler",
                    path=where,
                )
            if rel not in layout.directories:
                sources = dict(_walk(base, base / rel, where, error, place))
                shipped = handler_folder_files(
                    sources, entries[rel], functools.partial(_read_source, sources)
                )
                for name in shipped:
                    _add(layout, AssetFile(f"{rel}/{name}", source=sources[name]), error)
        _add_dir(layout, rel)
        layout.handlers[handler] = (rel, lambda_handler)
    _add_node(layout, node, base, bundler, error, place)
    return layout


def _add_node(
    layout: AssetLayout,
    functions: list[NodeFunction],
    base: Path,
    bundler: Bundler | None,
    error: type[WsnbError],
    place: str,
) -> None:
    """The Node.js functions' bundles, each in an asset folder of its own."""
    if not functions:
        return
    placed, assets = plan_node_assets(functions, base, GENERATED_DIR, bundler, error, place)
    for asset in assets:
        if asset.folder in layout.directories:
            raise error(
                f"The Node.js handler file {asset.entry!r} would be bundled into "
                f"{asset.folder!r}, which a Python handler's asset already uses.",
                given=asset.entry,
                fix="rename the Node.js file (or the Python one)",
            )
        _add(layout, AssetFile(asset.path, text=asset.bundle.code.decode()), error)
        _add_dir(layout, asset.folder)
        layout.node.append(asset)
    for fn, (asset, lambda_handler) in placed.items():
        layout.handlers[(fn.handler, fn.runtime)] = (asset.folder, lambda_handler)


def _top_level_imports(
    base: Path, entry: str, where: str, error: type[WsnbError], place: str
) -> list[str]:
    """The project files a top-level handler file imports (besides itself), checked to stay
    inside the project."""

    def is_file(rel: str) -> bool:
        return (base / rel).is_file()

    def is_dir(rel: str) -> bool:
        return (base / rel).is_dir()

    found = imported_python_files(entry, is_file, is_dir, lambda rel: (base / rel).read_bytes())
    names = [name for name in found or [] if name != entry]
    for name in names:
        _inside(base, base / name, where, error, place)
    return names


def _add(layout: AssetLayout, item: AssetFile, error: type[WsnbError]) -> None:
    old = layout.files.get(item.path)
    if old is not None and old.data() != item.data():
        raise error(
            f"Two assets want the file {item.path!r} with different contents.", given=item.path
        )
    layout.files[item.path] = item


def _add_dir(layout: AssetLayout, rel: str) -> None:
    if rel not in layout.directories:
        layout.directories.append(rel)


def _inside(base: Path, path: Path, where: str, error: type[WsnbError], place: str) -> Path:
    real = path.resolve()
    if real != base and base not in real.parents:
        raise error(
            f"{where}: {path} resolves to {real}, outside {place} {base}.",
            given=str(path),
            allowed=f"files inside {base}",
            fix="copy the file into the project instead of linking to it",
            path=where,
        )
    return real


def _read_source(sources: Mapping[str, str], name: str) -> bytes:
    """The bytes of the file ``name`` of a handler folder (``sources``: name to absolute path)."""
    return Path(sources[name]).read_bytes()


def _walk(
    base: Path, top: Path, where: str, error: type[WsnbError], place: str, depth: int = 0
) -> list[tuple[str, str]]:
    """(relative name, absolute source) of every file under ``top``, sorted, links checked."""
    if depth > 32:
        raise error(f"{where}: {top} is nested too deeply (a symlink loop?).", given=str(top))
    real_top = _inside(base, top, where, error, place)
    found: list[tuple[str, str]] = []
    for entry in sorted(os.scandir(real_top), key=lambda e: e.name):
        if not is_shipped(entry.name):
            continue
        path = Path(entry.path)
        if entry.is_symlink():
            _inside(base, path, where, error, place)
        if path.is_dir():
            for name, src in _walk(base, path, where, error, place, depth + 1):
                found.append((f"{entry.name}/{name}", src))
        elif path.is_file():
            found.append((entry.name, str(path.resolve())))
    return found


def write_layout(layout: AssetLayout, root: Path) -> None:
    """Write every asset file under ``root`` (which must already exist)."""
    for rel in sorted(layout.files):
        item = layout.files[rel]
        target = root.joinpath(*rel.split("/"))
        target.parent.mkdir(parents=True, exist_ok=True)
        if item.text is not None:
            target.write_bytes(item.text.encode())
        else:
            assert item.source is not None
            shutil.copyfile(item.source, target)
