"""Lambda-like imports for file handlers, without touching the notebook's ``sys.path``.

In Lambda a function's asset folder is its task root, first on ``sys.path``: a handler's
``import utils`` or ``import yaml`` finds ``utils.py``/``yaml.py`` next to it before any
installed package (AWS: "Working with .zip file archives for Python Lambda functions",
dependency search path). Each function is its own process, so two functions' ``utils`` are two
modules. Appending the folder to the kernel's ``sys.path`` got both wrong (an installed ``yaml``
won locally, and one API's ``utils`` was every API's).

Here each function gets a :class:`Scope`: a private package ``_wsnb_local_<tag>__folder`` whose
``__path__`` is the handler's folder. The handler module (and every module loaded from the
folder) runs with its own ``__builtins__`` whose ``__import__`` sends absolute imports of names
found in the folder to ``_wsnb_local_<tag>__folder.<name>``; every other import (and every relative
one) is Python's own. So the folder takes precedence only for its own modules, only for that
function's code, and nothing in ``sys.path`` or ``sys.modules['yaml']`` changes for the kernel.

While a server uses it, a scope's package and modules are in ``sys.modules`` (dataclasses,
pickling and ``typing`` look modules up there) and one finder is first on ``sys.meta_path``
(it answers ``_wsnb_local_*`` names only); :func:`release` takes them away when the last
server using a scope stops.

Limits (documented choices): ``importlib.import_module("utils")`` called by handler code is not
scoped (it resolves as in the kernel); a top-level handler (``"connect.main"``, shipped alone in
``wsnb_functions/connect/``) has no siblings in Lambda, so its folder is only a fallback
(Python's import first), as a convenience.
"""

from __future__ import annotations

import builtins
import contextlib
import importlib.machinery
import importlib.util
import sys
import threading
import types
from pathlib import Path
from typing import Any, ClassVar

_real_import = builtins.__import__
_PREFIX = "_wsnb_local_"


class Scope:
    """The import namespace of one function's handler folder."""

    def __init__(self, package: str, folder: Path, *, first: bool = True) -> None:
        self.package = package
        self.folder = str(folder)
        self.first = first  # the folder before Python's own path (Lambda's task root) or after
        self._found: dict[str, bool] = {}
        self._lock = threading.Lock()
        self.builtins: dict[str, Any] = dict(vars(builtins))
        self.builtins["__import__"] = self._import
        self.reset()

    def reset(self) -> None:
        """Forget modules loaded from the folder (the handler file changed: load them anew)."""
        with self._lock:
            for name in [n for n in sys.modules if n.startswith(self.package + ".")]:
                sys.modules.pop(name, None)
            package = types.ModuleType(self.package)
            package.__path__ = [self.folder]
            package.__package__ = self.package
            package.__spec__ = importlib.machinery.ModuleSpec(self.package, None, is_package=True)
            package.__spec__.submodule_search_locations = [self.folder]
            sys.modules[self.package] = package
            self._found.clear()

    def holds(self, name: str) -> bool:
        """Whether the folder has a top-level module or package ``name``."""
        found = self._found.get(name)
        if found is None:
            spec = importlib.machinery.PathFinder.find_spec(name, [self.folder])
            found = self._found[name] = spec is not None
        return found

    def _import(
        self,
        name: str,
        globals: Any = None,
        locals: Any = None,
        fromlist: Any = (),
        level: int = 0,
    ) -> Any:
        if level or not name:
            return _real_import(name, globals, locals, fromlist, level)
        top = name.partition(".")[0]
        if not self.holds(top):
            return _real_import(name, globals, locals, fromlist, level)
        if not self.first:
            try:
                return _real_import(name, globals, locals, fromlist, level)
            except ModuleNotFoundError as exc:
                if exc.name != top:
                    raise
        scoped = f"{self.package}.{name}"
        if fromlist:
            return _real_import(scoped, globals, locals, fromlist, 0)
        _real_import(scoped, None, None, (), 0)
        return sys.modules[f"{self.package}.{top}"]

    def load(self, module_name: str, path: Path) -> types.ModuleType:
        """Execute the handler file ``path`` as module ``module_name`` inside this scope."""
        spec = importlib.util.spec_from_file_location(
            module_name, path, loader=_ScopedLoader(module_name, str(path), self)
        )
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[module_name] = module
        try:
            spec.loader.exec_module(module)
        except BaseException:
            sys.modules.pop(module_name, None)
            raise
        return module


class _ScopedLoader(importlib.machinery.SourceFileLoader):
    """A source loader that runs the module with its scope's ``__import__``."""

    def __init__(self, fullname: str, path: str, scope: Scope) -> None:
        super().__init__(fullname, path)
        self.scope = scope

    def exec_module(self, module: types.ModuleType) -> None:
        module.__dict__["__builtins__"] = self.scope.builtins
        super().exec_module(module)


class _ScopeFinder:
    """Finds ``_wsnb_local_<tag>__folder.<name>`` in the scope's folder and loads it scoped."""

    scopes: ClassVar[dict[str, Scope]] = {}

    @classmethod
    def find_spec(cls, fullname: str, path: Any = None, target: Any = None) -> Any:
        if not fullname.startswith(_PREFIX) or "." not in fullname:
            return None
        scope = cls.scopes.get(fullname.partition(".")[0])
        if scope is None:
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is not None and isinstance(spec.loader, importlib.machinery.SourceFileLoader):
            assert spec.origin is not None
            spec.loader = _ScopedLoader(fullname, spec.origin, scope)
        return spec


_users: dict[str, int] = {}  # scope package -> loaders using it (under _scopes_lock)
_scopes_lock = threading.Lock()


def scope_for(handler_module: str, folder: Path, *, first: bool = True) -> Scope:
    """The (new or existing) scope of the handler module ``handler_module`` (``_wsnb_local_*``)
    for ``folder``; the folder's modules load as ``<handler_module>__folder.<name>``. A loader
    that asks for a scope acquires its package once (:func:`acquire`), and releases it after."""
    assert handler_module.startswith(_PREFIX)
    package = package_of(handler_module)
    with _scopes_lock:
        scope = _ScopeFinder.scopes.get(package)
        if scope is None or scope.folder != str(folder) or scope.first != first:
            scope = Scope(package, folder, first=first)
            _ScopeFinder.scopes[package] = scope
        if _ScopeFinder not in sys.meta_path:
            sys.meta_path.insert(0, _ScopeFinder)
    return scope


def package_of(handler_module: str) -> str:
    """The package a handler module's folder modules load in."""
    return f"{handler_module}__folder"


def acquire(package: str) -> None:
    """One more loader uses the scope ``package``."""
    with _scopes_lock:
        _users[package] = _users.get(package, 0) + 1


def release(package: str) -> None:
    """A loader is done with the scope ``package``: when none uses it any more, its modules
    leave ``sys.modules``, and the finder leaves ``sys.meta_path`` with the last scope."""
    with _scopes_lock:
        left = _users.get(package, 0) - 1
        if left > 0:
            _users[package] = left
            return
        _users.pop(package, None)
        _ScopeFinder.scopes.pop(package, None)
        for name in [n for n in sys.modules if n == package or n.startswith(package + ".")]:
            sys.modules.pop(name, None)
        if not _users and not _ScopeFinder.scopes:
            with contextlib.suppress(ValueError):
                sys.meta_path.remove(_ScopeFinder)


def shadowing(folder: Path) -> list[str]:
    """Top-level modules in ``folder`` that share a name with a standard-library or installed
    module (the handler gets the folder's; on Lambda a module the runtime already imported
    may win instead, e.g. ``json``: rename it)."""
    names = set()
    for entry in folder.iterdir():
        if entry.suffix == ".py" and entry.stem.isidentifier():
            names.add(entry.stem)
        elif entry.is_dir() and (entry / "__init__.py").is_file() and entry.name.isidentifier():
            names.add(entry.name)
    out = []
    for name in sorted(names):
        if name in sys.stdlib_module_names:
            out.append(name)
            continue
        try:
            spec = importlib.machinery.PathFinder.find_spec(
                name, [p for p in sys.path if p and Path(p).resolve() != folder.resolve()]
            )
        except (ImportError, ValueError, OSError):
            spec = None
        if spec is not None and spec.origin not in (None, "namespace"):
            out.append(name)  # a bare folder (namespace package) never wins over a module
    return out
