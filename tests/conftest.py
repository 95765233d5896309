"""Shared fixtures: a throwaway project directory with handler files."""

from __future__ import annotations

import os
import queue
import re
from pathlib import Path
from typing import Any

import pytest

pytest_plugins = ["tests.seed_fixtures"]

HANDLER_SOURCE = "def main(event, context):\n    return {'statusCode': 200}\n"
SEED_HANDLERS = (
    "src/connect.py",
    "src/disconnect.py",
    "src/default.py",
    "src/sendMessage.py",
    "src/send.py",
    "src/authorizer.py",
    "test/lambda.py",
)


_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def execute_cell(client: Any, code: str, timeout: float = 60) -> dict[str, str]:
    """Run one cell in a real kernel (a jupyter_client client); return its ``stdout``,
    ``stderr`` and ``error`` (the traceback as the kernel shows it, without colours)."""
    msg_id = client.execute(code)
    out = {"stdout": "", "stderr": "", "error": ""}
    while True:
        try:
            msg = client.get_iopub_msg(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"no reply within {timeout} s for: {code}") from None
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        kind, content = msg["msg_type"], msg["content"]
        if kind == "stream":
            out[content["name"]] += content["text"]
        elif kind == "error":
            out["error"] += _ANSI.sub("", "\n".join(content["traceback"]))
        elif kind == "status" and content["execution_state"] == "idle":
            return out


def write_handlers(root: Path, files=SEED_HANDLERS, source: str = HANDLER_SOURCE) -> None:
    for rel in files:
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists():
            path.write_text(source)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A temp working directory holding the handler files the seed examples name."""
    write_handlers(tmp_path)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def pytest_configure(config: pytest.Config) -> None:
    os.environ.setdefault("WSNB_TESTING", "1")
    # nbval opens the sanitize file when each notebook runs: anchor it to the start directory,
    # so a test that changes the working directory cannot break the notebook checks.
    sanitize = getattr(config.option, "nbval_sanitize_with", None)
    if sanitize:
        config.option.nbval_sanitize_with = os.path.abspath(sanitize)
