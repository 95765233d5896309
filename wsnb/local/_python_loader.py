"""Loading Python handlers: finding the callable behind a function's handler.

File handlers (``"src/send.main"``) are imported from ``<root>/src/send.py`` once per function
(each route is its own Lambda function, so module-level state is per route, as in AWS) and
re-imported when the file's modification time changes. Notebook functions are called directly;
a notebook function rebuilt from JSON (no live object) is run from its source.
"""

from __future__ import annotations

import hashlib
import inspect
import re
import sys
import threading
import types
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .._errors import EmulatorError
from ..model import CallableHandler, FileHandler, callable_module_source
from . import _imports
from ._handler_runtime import LocalFunction

_SLUG = re.compile(r"[^A-Za-z0-9_-]+")


@dataclass
class _Loaded:
    func: Callable[..., Any]
    is_async: bool
    mtime: int = 0
    path: Path | None = None
    module: Any = field(default=None, repr=False)


class HandlerLoader:
    """Finds the callable behind a handler, importing (and re-importing) handler files."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._cache: dict[tuple[str, str, str], _Loaded] = {}
        self._locks: dict[tuple[str, str, str], threading.Lock] = {}
        self._guard = threading.Lock()
        self._modules: dict[str, types.ModuleType] = {}  # what it put in sys.modules
        self._packages: set[str] = set()  # the import scopes it uses (see _imports)

    def _cache_key(self, rt: LocalFunction) -> tuple[str, str, str]:
        h = rt.handler
        ident = (
            h.text
            if isinstance(h, FileHandler)
            else f"{h.name}:{hashlib.sha256(h.source.encode()).hexdigest()[:16]}"
        )
        return (rt.key, ident, rt.env_digest)

    def cached(self, rt: LocalFunction) -> _Loaded | None:
        """The loaded handler if it is still fresh (a cheap check the event loop may make)."""
        h = rt.handler
        if isinstance(h, CallableHandler) and h.func is not None:
            return _Loaded(h.func, inspect.iscoroutinefunction(h.func))
        entry = self._cache.get(self._cache_key(rt))
        if entry is None:
            return None
        if entry.path is not None:
            try:
                if entry.path.stat().st_mtime_ns != entry.mtime:
                    return None
            except OSError:
                return None
        return entry

    def load(self, rt: LocalFunction) -> _Loaded:
        """Import (or re-import) the handler. Call it with the function's environment in place."""
        fresh = self.cached(rt)
        if fresh is not None:
            return fresh
        key = self._cache_key(rt)
        with self._guard:
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            fresh = self.cached(rt)
            if fresh is not None:
                return fresh
            h = rt.handler
            entry = (
                self._load_file(rt, h) if isinstance(h, FileHandler) else self._load_source(rt, h)
            )
            self._cache[key] = entry
            return entry

    def release(self) -> None:
        """Take what this loader put in ``sys.modules`` (and its import scopes) away again;
        a module another loader registered under the same name since stays."""
        with self._guard:
            modules, self._modules = self._modules, {}
            packages, self._packages = self._packages, set()
            self._cache.clear()
        for name, module in modules.items():
            if sys.modules.get(name) is module:
                del sys.modules[name]
        for package in packages:
            _imports.release(package)

    def _module_name(self, rt: LocalFunction, stem: str) -> str:
        tag = hashlib.sha256(repr(self._cache_key(rt)).encode()).hexdigest()[:10]
        return f"_wsnb_local_{tag}_{_SLUG.sub('_', stem)}"

    def _load_file(self, rt: LocalFunction, h: FileHandler) -> _Loaded:
        path = (self.root / h.file).resolve()
        try:
            mtime = path.stat().st_mtime_ns
        except OSError:
            raise EmulatorError(
                f"Handler file {h.file!r} of route {rt.key!r} does not exist.",
                given=str(path),
                fix=f"create {h.file} with def {h.function_name}(event, context), or serve from the folder it is relative to (root=...)",
            ) from None
        name = self._module_name(rt, path.stem)
        # The handler's folder is its Lambda task root: its modules first, for this function only
        # (see _imports). A top-level handler ships alone, so its folder is only a fallback.
        scope = _imports.scope_for(name, path.parent, first=bool(h.directory))
        with self._guard:
            if scope.package not in self._packages:
                self._packages.add(scope.package)
                _imports.acquire(scope.package)
        scope.reset()
        module = scope.load(name, path)
        with self._guard:
            self._modules[name] = module
        func = getattr(module, h.function_name, None)
        if not callable(func):
            raise EmulatorError(
                f"Handler file {h.file!r} has no function {h.function_name!r}.",
                given=sorted(n for n in vars(module) if not n.startswith("_")),
                fix=f"def {h.function_name}(event, context): ...",
            )
        if inspect.iscoroutinefunction(func):
            func = _as_lambda_calls_it(func, h)
        return _Loaded(func, False, mtime, path, module)

    def _load_source(self, rt: LocalFunction, h: CallableHandler) -> _Loaded:
        name = self._module_name(rt, h.name)
        module = types.ModuleType(name)
        module.__file__ = f"<wsnb {h.name}>"
        sys.modules[name] = module
        with self._guard:
            self._modules[name] = module
        code = compile(callable_module_source(h), module.__file__, "exec")
        exec(code, module.__dict__)
        func = module.__dict__[h.name]
        return _Loaded(func, inspect.iscoroutinefunction(func), module=module)


def _as_lambda_calls_it(func: Callable[..., Any], h: FileHandler) -> Callable[..., Any]:
    """An ``async def`` handler in a file, called as Lambda's Python runtime calls it: without
    awaiting, so its body never runs and the invocation fails to marshal the coroutine
    ("Define Lambda function handler in Python": the handler is a regular function). Notebook
    functions are different: wsnb ships them with a sync entry point that runs the coroutine."""

    def called_without_await(event: Any, context: Any) -> Any:
        func(event, context).close()  # never awaited, as on AWS (and no "never awaited" noise)
        raise RuntimeError(
            "Runtime.MarshalError: Unable to marshal response: Object of type coroutine is not "
            f"JSON serializable. {h.text} is an async def, which Lambda's Python runtime calls "
            "without awaiting. Fix: make it a plain def that runs the coroutine, e.g. "
            f"def {h.function_name}(event, context): return asyncio.run(handle(event, context))"
        )

    return called_without_await
