"""Which file a handler string names, by runtime: ``src/connect.py`` for Python, SST's first of
``src/connect.ts``, ``.tsx``, ``.mts``, ``.js``, ``.mjs``, ``.cjs``, ``.jsx`` for Node.js (SPEC §8).

The runtime is a function prop merged with the API's defaults, so a handler string alone does
not say which file it is: resolution takes the merged function's runtime and a root folder (the
working directory at call time when none is given). Files are looked at, never read.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from .. import _facts

__all__ = ["handler_candidates", "handler_runtime", "resolve_handler_file"]


def handler_runtime(handler: Any, runtime: str | None) -> str:
    """The runtime ``handler`` runs on: the one a template declared for it (a
    ``DeclaredRuntimeHandler``), else the function's ``runtime`` prop, else wsnb's default."""
    declared = getattr(handler, "runtime", "")
    if isinstance(declared, str) and declared:
        return declared
    return runtime or _facts.DEFAULT_RUNTIME


def handler_candidates(handler: Any, runtime: str | None = None) -> tuple[str, ...]:
    """The files ``"path/to/file.func"`` may name under ``runtime``, in the order tried
    (posix paths relative to the root): one ``.py`` for Python, SST's seven for Node.js, none
    for a notebook function or another language."""
    module = getattr(handler, "module_path", None)
    if not isinstance(module, str):
        return ()
    family = _facts.runtime_family(handler_runtime(handler, runtime))
    if family == "python":
        return (module + ".py",)
    if family == "nodejs":
        return tuple(module + ext for ext in _facts.NODE_HANDLER_EXTENSIONS)
    return ()


def resolve_handler_file(
    handler: Any, runtime: str | None = None, root: str | os.PathLike[str] | None = None
) -> str | None:
    """The handler's source file under ``runtime``: the first candidate that exists in ``root``
    (the working directory when None), as a posix path relative to ``root``; None when none
    exists or the handler is a notebook function."""
    base = Path(root) if root is not None else Path()
    for candidate in handler_candidates(handler, runtime):
        if (base / candidate).is_file():
            return candidate
    return None
