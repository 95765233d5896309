"""Shared fixtures: a throwaway project directory with handler files."""

from __future__ import annotations

import os
from pathlib import Path

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
