"""Point errors and warnings at the user's own line, not at wsnb's internals.

Two jobs, one rule ("a frame is internal when its file lies inside the wsnb package"):

- :func:`warn` issues a warning whose ``stacklevel`` is computed by walking out of the wsnb
  package, so ``HandlerFileWarning`` and friends name the user's cell and line. Every wsnb
  warning goes through it; nobody hand-counts stack levels.
- :func:`render_for_ipython` is what IPython/Jupyter shows for a :class:`~wsnb.WsnbError`
  (through the exception's ``_render_traceback_`` hook): the user's own frames (cell and line)
  and the error's ``what / at / given / allowed / fix`` block, without wsnb-internal frames.
  ``%xmode Verbose`` or the environment variable ``WSNB_TRACEBACK=full`` restore IPython's full
  traceback. Plain ``python`` scripts never call the hook and keep Python's normal traceback.
"""

from __future__ import annotations

import functools
import linecache
import os
import sys
import threading
import warnings
from collections.abc import Callable
from types import FrameType, TracebackType
from typing import Any, TypeVar

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep
_IPYTHON_MARKERS = (f"{os.sep}IPython{os.sep}", f"{os.sep}ipykernel{os.sep}")
TRACEBACK_ENV = "WSNB_TRACEBACK"
_F = TypeVar("_F", bound=Callable[..., Any])
_RED = "\x1b[31m"
_GREEN = "\x1b[32m"
_RESET = "\x1b[0m"


def is_internal(filename: str) -> bool:
    """True when ``filename`` is a module of the wsnb package itself."""
    return os.path.abspath(filename).startswith(_PACKAGE_DIR)


def user_stacklevel() -> int:
    """The ``stacklevel`` that makes :func:`warnings.warn`, called by the caller of this
    function, name the first frame outside the wsnb package."""
    frame: FrameType | None = sys._getframe(1)  # the wsnb function that wants to warn
    level = 1
    while frame is not None and is_internal(frame.f_code.co_filename):
        frame = frame.f_back
        level += 1
    return level


class _Pending(threading.local):
    """Warnings held back while a builder call runs (per thread; None: not inside one)."""

    held: list[tuple[str, type[Warning]]] | None = None


_pending = _Pending()


def warnings_if_committed(method: _F) -> _F:
    """Builder methods: the warnings a call raises are issued only when it succeeds.

    A refused call (it raises a :class:`~wsnb.WsnbError` and changes nothing) shows its error
    alone, not also a warning about an input it did not keep. Nested calls defer to the
    outermost one.
    """

    @functools.wraps(method)
    def held_back(*args: Any, **kwargs: Any) -> Any:
        if _pending.held is not None:
            return method(*args, **kwargs)
        _pending.held = []
        try:
            result = method(*args, **kwargs)
        except BaseException:
            _pending.held = None
            raise
        held, _pending.held = _pending.held, None
        for message, category in held:
            warn(message, category)
        return result

    return held_back  # type: ignore[return-value]


def warn(message: str, category: type[Warning]) -> None:
    """``warnings.warn`` at the user's line (the first frame outside wsnb).

    In a notebook cell the warning is filed under IPython's name for the cell (``Cell In[3]``),
    not under the kernel's temporary file, so stored outputs hold no absolute path. Inside a
    builder call (:func:`warnings_if_committed`) it waits until the call succeeds.
    """
    if _pending.held is not None:
        if (message, category) not in _pending.held:
            _pending.held.append((message, category))
        return
    level = user_stacklevel()  # counted from this function: the user's frame
    frame = sys._getframe(level - 1)
    cell = _cell_name(frame.f_code.co_filename)
    if cell is None:
        warnings.warn(message, category, stacklevel=level)
        return
    warnings.warn_explicit(
        message,
        category,
        cell,
        frame.f_lineno,
        module=frame.f_globals.get("__name__"),
        registry=frame.f_globals.setdefault("__warningregistry__", {}),
    )


def full_traceback_wanted() -> bool:
    """``WSNB_TRACEBACK=full`` or IPython's ``%xmode Verbose`` ask for the whole traceback."""
    if os.environ.get(TRACEBACK_ENV, "").strip().lower() == "full":
        return True
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    mode = getattr(getattr(shell, "InteractiveTB", None), "mode", None)
    return mode == "Verbose"


def render_for_ipython(exc: BaseException) -> list[str]:
    """IPython's structured traceback for ``exc``: the user's frames, then the message block."""
    lines = [_RED + "-" * 75 + _RESET]
    for filename, lineno, last in _user_frames(exc.__traceback__):
        lines.append(_frame_text(filename, lineno, last))
    lines.append(f"{_RED}{type(exc).__name__}{_RESET}: {exc}")
    lines.append(
        f"(wsnb hid its own frames; %xmode Verbose or {TRACEBACK_ENV}=full shows the full traceback)"
    )
    return lines


def _user_frames(tb: TracebackType | None) -> list[tuple[str, int, int]]:
    """(file, first line, last line) of each frame outside wsnb and IPython's own machinery."""
    frames = []
    while tb is not None:
        code = tb.tb_frame.f_code
        if not is_internal(code.co_filename) and not any(
            m in code.co_filename for m in _IPYTHON_MARKERS
        ):
            frames.append((code.co_filename, tb.tb_lineno, _last_line(tb)))
        tb = tb.tb_next
    return frames


def _last_line(tb: TracebackType) -> int:
    """The last line of the failing expression (a call spread over lines), where known."""
    positions = getattr(tb.tb_frame.f_code, "co_positions", None)  # Python 3.11+
    if positions is not None and tb.tb_lasti >= 0:
        for index, (start, end, _, _) in enumerate(positions()):
            if index == tb.tb_lasti // 2:
                if start == tb.tb_lineno and end is not None:
                    return min(end, tb.tb_lineno + 8)
                break
    return tb.tb_lineno


def _frame_text(filename: str, lineno: int, last: int, context: int = 2) -> str:
    head = f"{_display_name(filename)}, line {lineno}"
    body = []
    for number in range(max(1, lineno - context), last + 1):
        source = linecache.getline(filename, number).rstrip()
        if not source and number < lineno:
            continue
        marker = f"{_GREEN}---> {number}{_RESET}" if number == lineno else f"     {number}"
        body.append(f"{marker} {source}")
    return "\n".join([head, *body]) + "\n"


def _cell_name(filename: str) -> str | None:
    """``Cell In[3]`` when ``filename`` is an IPython cell (as IPython names it), else None."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    format_code_name = getattr(getattr(shell, "compile", None), "format_code_name", None)
    if format_code_name is None:
        return None
    try:
        name = format_code_name(filename)
    except Exception:
        return None
    return " ".join(name) if name else None


def _display_name(filename: str) -> str:
    """``Cell In[3]`` for notebook cells, else ``File`` and a cwd-relative path."""
    cell = _cell_name(filename)
    if cell:
        return cell
    try:
        relative = os.path.relpath(filename)
    except ValueError:
        relative = filename
    return f"File {filename if relative.startswith('..') else relative}"
