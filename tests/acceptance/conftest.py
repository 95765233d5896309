"""Acceptance tests: black-box checks of /work/shared/SPEC.md, using only the public names it fixes.

Every test runs inside one throwaway project directory holding the handler files it names.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import pytest

PLAIN = "def main(event, context):\n    return {'statusCode': 200}\n"
FILES = (
    "src/connect.py",
    "src/disconnect.py",
    "src/default.py",
    "src/send.py",
    "src/sendMessage.py",
    "src/authorizer.py",
    "test/lambda.py",
)


@pytest.fixture(scope="package", autouse=True)  # cwd is restored when this package ends
def acceptance_project(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("acceptance_project")
    for rel in FILES:
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(PLAIN)
    old = os.getcwd()
    os.chdir(root)
    warnings.filterwarnings("ignore", message=".*handler file.*")
    try:
        yield Path(root)
    finally:
        os.chdir(old)


def resources(template: dict, type_: str) -> dict[str, dict]:
    return {k: v for k, v in template["Resources"].items() if v["Type"] == type_}


def props_of(template: dict, type_: str) -> list[dict]:
    return [v.get("Properties", {}) for v in resources(template, type_).values()]
