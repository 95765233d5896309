"""The synth spinner: drawn only on a terminal, erased afterwards."""

from __future__ import annotations

import io
import time

import pytest

from wsnb.cli import _progress


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_spinner_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    stream = Terminal()
    monkeypatch.setattr("sys.stderr", stream)
    with _progress.progress("working", interval=0.01):
        time.sleep(0.1)
    text = stream.getvalue()
    assert "\r| working" in text and "\r/ working" in text
    assert text.endswith("\r" + " " * len("| working") + "\r")


def test_no_spinner_when_not_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    stream = io.StringIO()
    monkeypatch.setattr("sys.stderr", stream)
    with _progress.progress("working", interval=0.01):
        time.sleep(0.05)
    assert stream.getvalue() == ""
