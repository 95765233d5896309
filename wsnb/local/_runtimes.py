"""Which handler runtime runs a function: one registry line per runtime family.

``serve()`` refuses, by name, every function whose family has no runtime here (before anything
starts); a function added later with such a runtime fails its invocations with the same
explanation. See :mod:`._handler_runtime` for what a runtime is.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from .. import _facts
from .._errors import EmulatorError
from ..model import CallableHandler
from ._handler_runtime import HandlerRuntime, LocalFunction, ServerInfo, family_of
from ._node_runtime import NodeRuntime
from ._python_runtime import PythonRuntime

#: Runtime family (the leading letters of a Lambda runtime name) → the class that runs it.
REGISTRY: dict[str, type[HandlerRuntime]] = {
    "python": PythonRuntime,
    "nodejs": NodeRuntime,
}


def runtime_of(handler: Any, props: dict[str, Any]) -> str:
    """The Lambda runtime of a function: a notebook function is always Python; a handler read
    from a template carries the runtime it declares; else the ``runtime`` prop or the default."""
    if isinstance(handler, CallableHandler):
        runtime = str(props.get("runtime") or "")
        return runtime if runtime.startswith("python") else _facts.DEFAULT_RUNTIME
    return str(getattr(handler, "runtime", "") or props.get("runtime") or _facts.DEFAULT_RUNTIME)


def unrunnable(spec: Any) -> dict[str, str]:
    """``{function: runtime}`` of the functions of ``spec`` no registered runtime runs (a
    template's logical id names a function read from a template, else its route key)."""
    functions = [(fn.route_key, fn) for fn in spec.functions()]
    if spec.authorizer_function is not None:
        functions.append(("authorizer", spec.authorizer_function))
    out: dict[str, str] = {}
    for key, fn in functions:
        handler = fn.props["handler"]
        runtime = runtime_of(handler, fn.props)
        if family_of(runtime) not in REGISTRY:
            out[getattr(handler, "logical_id", "") or key] = runtime
    return dict(sorted(out.items()))


def refusal(functions: dict[str, str]) -> EmulatorError:
    """The error naming functions no registered runtime runs, and the runtimes that do."""
    names = ", ".join(f"{name} ({runtime})" for name, runtime in functions.items())
    languages = " and ".join(cls.language for cls in REGISTRY.values())
    hints = " or ".join(cls.hint for cls in REGISTRY.values())
    return EmulatorError(
        f"serve() runs {languages} handlers only; this API uses {names}.",
        given=functions,
        allowed=f"functions with a {hints} Runtime",
        fix=f"port those handlers to {' or '.join(c.language for c in REGISTRY.values())}, or "
        "serve the routes that use "
        f"{' or '.join(c.language for c in REGISTRY.values())} only "
        "(remove the others with a new WebSocketApi)",
    )


def check_runnable(spec: Any) -> None:
    """Raise an ``EmulatorError`` naming every function of ``spec`` no runtime runs."""
    functions = unrunnable(spec)
    if functions:
        raise refusal(functions)


class Runtimes:
    """One server's runtime instances, made on first use (``info()`` describes the server)."""

    def __init__(self, info: Callable[[], ServerInfo]) -> None:
        self._info = info
        self._made: dict[str, HandlerRuntime] = {}
        self._lock = threading.Lock()

    def for_function(self, function: LocalFunction) -> HandlerRuntime:
        """The runtime that runs ``function`` (raises ``EmulatorError`` when none does)."""
        runtime = self._made.get(function.family)
        if runtime is not None:
            return runtime
        cls = REGISTRY.get(function.family)
        if cls is None:
            raise refusal({function.key: function.runtime})
        with self._lock:
            runtime = self._made.get(function.family)
            if runtime is None:
                runtime = self._made[function.family] = cls(self._info())
        return runtime

    def close(self) -> None:
        """End every runtime's environments (idempotent)."""
        with self._lock:
            made, self._made = list(self._made.values()), {}
        for runtime in made:
            runtime.close()
