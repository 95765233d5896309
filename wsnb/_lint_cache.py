"""``lint()`` results kept per model, root and handler-file state (a small, thread-safe LRU).

Every display of an API lints it (the table's summary and the findings list), and a notebook
displays the same model many times: ``api``, ``print(api)``, ``api.lint()``, the widget. The
checks that read handler files from disk are most of lint's time (a 500-route API: ~25 ms), so
their results are kept while nothing they read can have changed:

- the model (the same ``ApiSpec`` object: builders make a new one per change),
- the root the handler paths are relative to (resolved to an absolute path at each call, so a
  changed working directory is a different root),
- the state of every file and folder the handler checks read: each handler's folder and the
  folders between it and the root (an entry added, removed or renamed changes a folder's
  mtime), and every file in the handler's folder whose name starts with its file name
  (``echo.py``, and ``echo.ts``/``echo.js`` for a Node handler) — size, mtime and inode;
  a file or folder changed in the last two seconds always counts as changed.

Findings that depend on live Python objects (what a notebook function reads from the
notebook's globals) are never kept: :func:`wsnb._lint.lint` computes them at every call.
"""

from __future__ import annotations

import os
import threading
import time
import weakref
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, TypeVar

_T = TypeVar("_T")

_SIZE = 32


#: a file changed less than this long ago is not trusted to look changed when it is changed
#: again (a file system's clock may tick only every few ms, so two quick edits of the same
#: size can leave the same mtime): its state never equals a kept one, as git does for
#: "racily clean" files
_RACY_NS = 2_000_000_000


def _stat(path: str, now: int) -> Any:
    try:
        st = os.stat(path)
    except OSError:
        return None
    if st.st_mtime_ns > now - _RACY_NS:
        return object()  # equal to nothing: recheck
    return (st.st_mtime_ns, st.st_size, st.st_ino)


def handler_files_state(files: list[str], root: str) -> tuple[Any, ...]:
    """What the handler checks of ``files`` (paths relative to ``root``) could read, as one
    comparable value (see the module docstring)."""
    now = time.time_ns()
    folders: dict[str, set[str]] = {}
    for file in files:
        folder, _, name = os.path.normpath(os.path.join(root, file)).rpartition(os.sep)
        folders.setdefault(folder, set()).add(name.split(".", 1)[0])
    state: list[Any] = []
    above: set[str] = set()
    for folder in sorted(folders):
        parent = os.path.dirname(folder)
        while len(parent) > len(root) and parent not in above:  # up to the root
            above.add(parent)
            parent = os.path.dirname(parent)
        stems = folders[folder]
        try:
            with os.scandir(folder) as entries:
                names = sorted(e.name for e in entries if e.name.split(".", 1)[0] in stems)
        except OSError:
            names = []
        state.append(
            (
                folder,
                _stat(folder, now),
                tuple((n, _stat(os.path.join(folder, n), now)) for n in names),
            )
        )
    state.append(tuple((d, _stat(d, now)) for d in sorted(above)))
    return tuple(state)


class LintCache:
    """``(model, root) → (file state, result)``, at most ``size`` entries, least recently
    used dropped first. Safe to use from several threads (the result is computed outside the
    lock; two threads may compute the same entry once each)."""

    def __init__(self, size: int = _SIZE) -> None:
        self._size = size
        self._lock = threading.Lock()
        self._entries: OrderedDict[tuple[int, str], tuple[Any, Any, Any]] = OrderedDict()

    def get(
        self,
        spec: Any,
        root: str | os.PathLike[str],
        files: list[str],
        compute: Callable[[], _T],
    ) -> _T:
        """``compute()``'s result for this model and root, computed again only when the
        handler files' state differs from when it was kept."""
        where = os.path.abspath(root)
        state = handler_files_state(files, where)
        key = (id(spec), where)
        with self._lock:
            found = self._entries.get(key)
            if found is not None and found[0]() is spec and found[1] == state:
                self._entries.move_to_end(key)
                return found[2]
        result = compute()
        with self._lock:
            self._entries[key] = (weakref.ref(spec), state, result)
            self._entries.move_to_end(key)
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)
        return result

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


__all__ = ["LintCache", "handler_files_state"]
