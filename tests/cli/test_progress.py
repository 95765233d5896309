"""The synth spinner: drawn only on a terminal, erased afterwards."""

from __future__ import annotations

import io
import threading

import pytest

from tests.waiting import wait_until
from wsnb.cli import _progress


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _spinners() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "wsnb-progress"]


def test_spinner_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    stream = Terminal()
    monkeypatch.setattr("sys.stderr", stream)
    with _progress.progress("working", interval=0.01):
        wait_until(lambda: "\r/ working" in stream.getvalue(), timeout=30)
    text = stream.getvalue()
    assert text.startswith("\r| working\r/ working")
    assert text.endswith("\r" + " " * len("| working") + "\r")
    assert _spinners() == []  # stopped with the block


def test_no_spinner_when_not_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    stream = io.StringIO()
    monkeypatch.setattr("sys.stderr", stream)
    with _progress.progress("working", interval=0.01):
        assert _spinners() == []  # nothing that could draw later
    assert stream.getvalue() == ""
