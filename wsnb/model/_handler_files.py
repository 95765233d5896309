"""Which files of a handler folder a Lambda function ships: the rule, and why.

A file handler ``"src/connect.main"`` runs with ``src/`` as Lambda's task root, so ``connect.py``
can import its siblings (``import helpers``, ``from lib import util``, ``from . import x`` inside
packages) and read data files next to it. The asset for a folder holds:

- every file that is not Python source (data, ``requirements.txt``, templates, ``.so``, ...);
- the Python files the API's handlers in that folder import, directly or through each other,
  found by reading their ``import`` statements (``ast``; nothing is executed);
- all Python files when one of those modules imports in a way reading cannot follow
  (``importlib``, ``__import__``, ``pkgutil``, ``runpy``, ``exec``/``eval``, ``sys.path``,
  ``import *`` from a package) or does not parse — correct before minimal.

A handler file at the top of the project (``"connect.main"``) ships in a folder of its own
with the Python files it imports (probed one by one, the project is never listed; no data
files). So a folder shared by several notebooks (tutorial ``src/`` with an ``authorizer.py`` that only
one API uses) ships, for each API, only what that API's handlers can reach. Synth and export
use the same selection, so the exported app's asset hashes equal ``api.synth()``'s.
"""

from __future__ import annotations

import ast
import functools
from collections.abc import Callable, Iterable

__all__ = ["handler_folder_files", "imported_python_files"]

_DYNAMIC_MODULES = {"importlib", "pkgutil", "runpy", "imp", "zipimport", "pkg_resources"}
_DYNAMIC_CALLS = {"__import__", "exec", "eval", "execfile", "import_module"}


def handler_folder_files(
    files: Iterable[str], entries: Iterable[str], read: Callable[[str], bytes]
) -> list[str]:
    """The files of a handler folder to ship, in the order given.

    ``files``: candidate posix paths relative to the folder; ``entries``: the handler files
    (``"connect.py"``) of the API in that folder; ``read``: a file's bytes by relative path.
    """
    files = list(files)
    python = {f for f in files if f.endswith(".py")}
    reached = _reachable(python, [e for e in entries if e in python], read)
    keep = python if reached is None else reached
    return [f for f in files if not f.endswith(".py") or f in keep]


def imported_python_files(
    entry: str,
    is_file: Callable[[str], bool],
    is_dir: Callable[[str], bool],
    read: Callable[[str], bytes],
) -> list[str] | None:
    """``entry`` and the Python files it imports from its folder, sorted, found by probing
    (for a handler file at the top of a project, whose folder is not shipped whole); None when
    reading cannot tell what it imports."""
    reached = _reachable(_Probe(is_file, is_dir), [entry], read)
    return None if reached is None else sorted(reached)


class _Probe:
    """The folder's Python files, asked one path at a time (the folder is never listed)."""

    def __init__(self, is_file: Callable[[str], bool], is_dir: Callable[[str], bool]) -> None:
        self.is_file = is_file
        self.is_dir = is_dir

    def __contains__(self, rel: object) -> bool:
        return isinstance(rel, str) and self.is_file(rel)


def _reachable(
    python: set[str] | _Probe, entries: list[str], read: Callable[[str], bytes]
) -> set[str] | None:
    """The Python files reachable by import from ``entries``; None when reading cannot tell."""
    seen: set[str] = set()
    todo = list(entries)
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        try:
            statements = _import_statements(read(path), path)
        except OSError:
            return None
        if statements is None:
            return None
        targets = _resolve(statements, python)
        if targets is None:
            return None
        todo.extend(t for t in targets if t not in seen)
    return seen


_Statement = tuple[tuple[str, ...], tuple[str, ...]]  # (module parts, names imported from it)


def _resolve(statements: tuple[_Statement, ...], python: set[str] | _Probe) -> set[str] | None:
    """The folder's Python files those imports load (None: ``import *`` from a package)."""
    found: set[str] = set()
    for module, names in statements:
        found |= _module_files(list(module), python)
        for name in names:
            if name == "*":
                if module and _is_namespace(list(module), python):
                    return None
                continue
            found |= _module_files([*module, name], python, parents=False)
    return found


@functools.lru_cache(maxsize=4096)
def _import_statements(data: bytes, path: str) -> tuple[_Statement, ...] | None:
    """What ``path``'s import statements name, relative imports made absolute within the
    folder (cached by content); None for a dynamic import or a file that does not parse."""
    try:
        tree = ast.parse(data, filename=path)
    except (SyntaxError, ValueError):
        return None
    package = path[: -len(".py")].split("/")[:-1]  # where a relative import starts
    found: list[_Statement] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] in _DYNAMIC_MODULES:
                    return None
                found.append((tuple(alias.name.split(".")), ()))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                up = node.level - 1
                if up > len(package):
                    continue  # beyond the task root: fails in Lambda too
                base = package[: len(package) - up] if up else package
            else:
                base = []
                if (node.module or "").split(".")[0] in _DYNAMIC_MODULES:
                    return None
            module = tuple(base + (node.module.split(".") if node.module else []))
            found.append((module, tuple(alias.name for alias in node.names)))
        elif isinstance(node, ast.Call):
            func = node.func
            name = (
                func.id
                if isinstance(func, ast.Name)
                else func.attr
                if isinstance(func, ast.Attribute)
                else None
            )
            if name in _DYNAMIC_CALLS:
                return None
        elif (
            isinstance(node, ast.Attribute)
            and node.attr in ("path", "meta_path", "path_hooks")
            and isinstance(node.value, ast.Name)
            and node.value.id == "sys"
        ):
            return None  # sys.path changes: imports may come from anywhere in the folder
    return tuple(found)


def _module_files(module: list[str], python: set[str] | _Probe, parents: bool = True) -> set[str]:
    """The folder's files that importing the dotted ``module`` runs (packages' ``__init__``)."""
    if not module or not all(module):
        return set()
    found: set[str] = set()
    prefixes = range(1, len(module) + 1) if parents else [len(module)]
    for n in prefixes:
        stem = "/".join(module[:n])
        for candidate in (f"{stem}/__init__.py", f"{stem}.py"):
            if candidate in python:
                found.add(candidate)
                break
    return found


def _is_namespace(module: list[str], python: set[str] | _Probe) -> bool:
    """``module`` is a folder of modules (``from pkg import *`` may load any of them)."""
    stem = "/".join(module)
    if isinstance(python, _Probe):
        return python.is_dir(stem)
    return any(f.startswith(stem + "/") for f in python)
