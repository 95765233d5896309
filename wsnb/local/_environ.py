"""A per-invocation ``os.environ``: each Lambda function sees its own variables.

While a local server runs, ``os.environ`` is replaced by :class:`ScopedEnviron`, a mapping over
the real environment plus an *overlay* held in a :mod:`contextvars` variable. The emulator sets
the overlay (the function's ``environment``, ``bind`` variables, the ``AWS_LAMBDA_*`` variables
Lambda sets, region, local endpoints) around each invocation, so two functions running at the
same time in different threads each read their own values. Writes inside an invocation go to
that function's overlay (like a write in its own Lambda process); writes outside go to the real
environment. Code that captured the original object (``from os import environ``) and threads a
handler starts itself see the process environment only. The original object is put back when
the last server stops.
"""

from __future__ import annotations

import contextvars
import os
import threading
from collections.abc import Iterator
from typing import Any

_DELETED = object()
OVERLAY: contextvars.ContextVar[dict[str, Any] | None] = contextvars.ContextVar(
    "wsnb_local_environ", default=None
)
_lock = threading.Lock()
_users = 0
_original: Any = None


class ScopedEnviron(os._Environ):
    """``os.environ`` with a context-local overlay (see the module docstring)."""

    def __init__(self, base: Any) -> None:
        super().__init__(
            base._data, base.encodekey, base.decodekey, base.encodevalue, base.decodevalue
        )
        self._base = base

    def __getitem__(self, key: str) -> str:
        overlay = OVERLAY.get()
        if overlay is not None and key in overlay:
            value = overlay[key]
            if value is _DELETED:
                raise KeyError(key)
            return value
        return self._base[key]

    def __setitem__(self, key: str, value: str) -> None:
        overlay = OVERLAY.get()
        if overlay is None:
            self._base[key] = value
        else:
            if not isinstance(value, str):
                raise TypeError(f"str expected, not {type(value).__name__}")
            overlay[key] = value

    def __delitem__(self, key: str) -> None:
        overlay = OVERLAY.get()
        if overlay is None:
            del self._base[key]
            return
        if key not in self:
            raise KeyError(key)
        overlay[key] = _DELETED

    def __contains__(self, key: object) -> bool:
        overlay = OVERLAY.get()
        if overlay is not None and key in overlay:
            return overlay[key] is not _DELETED
        return key in self._base

    def __iter__(self) -> Iterator[str]:
        overlay = OVERLAY.get()
        if overlay is None:
            yield from list(self._base)
            return
        for key in list(self._base):
            if overlay.get(key) is not _DELETED:
                yield key
        for key, value in list(overlay.items()):
            if key not in self._base and value is not _DELETED:
                yield key

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def get(self, key: str, default: Any = None) -> Any:
        try:
            return self[key]
        except KeyError:
            return default

    def copy(self) -> dict[str, str]:
        return {k: self[k] for k in self}

    def __repr__(self) -> str:
        return f"environ({self.copy()!r})"


def install() -> None:
    """Put the scoped mapping in place of ``os.environ`` (counted; see :func:`uninstall`)."""
    global _users, _original
    with _lock:
        if _users == 0 and not isinstance(os.environ, ScopedEnviron):
            _original = os.environ
            os.environ = ScopedEnviron(os.environ)  # noqa: B003 - deliberate replacement
        _users += 1


def uninstall() -> None:
    global _users, _original
    with _lock:
        _users = max(0, _users - 1)
        if _users == 0 and _original is not None and isinstance(os.environ, ScopedEnviron):
            os.environ = _original  # noqa: B003 - put the original back
            _original = None


def base_environ() -> Any:
    """The real process environment (never the overlay)."""
    env = os.environ
    return env._base if isinstance(env, ScopedEnviron) else env
