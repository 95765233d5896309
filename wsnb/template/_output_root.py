"""The folder ``synth()``/``export()``/``to_cdk()`` of an API read from a template read handler
files in.

Usually the API's root itself. When the reader made a private root that links to code folders
outside the template's folder (``CodeUri: ../src``, inline code), the output reads a copy with
the links' contents instead: synth and export ship only files that are really inside the root
(a link pointing out is refused, see :mod:`wsnb.plan`). One copy per private root, refreshed
for each call and held by that call alone (a lock per root), at a path that stays the same, so
synth's cache still answers an unchanged API. Nothing here changes the working directory.
"""

from __future__ import annotations

import atexit
import contextlib
import shutil
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

_GUARD = threading.Lock()
_COPIES: dict[Path, tuple[threading.Lock, Path]] = {}  # private root -> (its lock, its copy)


@contextlib.contextmanager
def output_root(root: Path) -> Iterator[Path]:
    """``root``, or a fresh copy of it with its links followed (see the module docstring)."""
    if not root.is_dir() or not any(p.is_symlink() for p in root.iterdir()):
        yield root
        return
    with _GUARD:
        if root not in _COPIES:
            folder = Path(tempfile.mkdtemp(prefix="wsnb-template-synth-"))
            atexit.register(shutil.rmtree, folder, True)  # private: gone with the process
            _COPIES[root] = (threading.Lock(), folder / "root")
        lock, copy = _COPIES[root]
    with lock:
        shutil.rmtree(copy, ignore_errors=True)
        shutil.copytree(root, copy, ignore=shutil.ignore_patterns("__pycache__"))
        yield copy
