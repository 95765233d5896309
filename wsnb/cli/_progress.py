"""A small spinner on stderr while something slow runs, only when stderr is a terminal."""

from __future__ import annotations

import contextlib
import sys
import threading
from collections.abc import Iterator

_FRAMES = "|/-\\"


@contextlib.contextmanager
def progress(label: str, *, interval: float = 0.1) -> Iterator[None]:
    """Show ``label`` with a spinner on stderr while the block runs (no output if not a TTY)."""
    stream = sys.stderr
    if not _is_tty(stream):
        yield
        return
    done = threading.Event()

    def spin() -> None:
        frame = 0
        while not done.wait(interval):
            stream.write(f"\r{_FRAMES[frame % len(_FRAMES)]} {label}")
            stream.flush()
            frame += 1

    thread = threading.Thread(target=spin, name="wsnb-progress", daemon=True)
    thread.start()
    try:
        yield
    finally:
        done.set()
        thread.join()
        stream.write("\r" + " " * (len(label) + 2) + "\r")
        stream.flush()


def _is_tty(stream: object) -> bool:
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty and isatty())
    except ValueError:  # closed stream
        return False
