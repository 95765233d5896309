"""SPEC §6 — tutorials and binder (structure only; nbval itself runs the notebooks elsewhere)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def _code(nb: Path) -> str:
    data = json.loads(nb.read_text())
    return "\n".join("".join(c["source"]) for c in data["cells"] if c["cell_type"] == "code")


@pytest.fixture(scope="module")
def all_code() -> str:
    return "\n".join(_code(nb) for nb in NOTEBOOKS)


def test_notebooks_exist_with_outputs():
    assert NOTEBOOKS
    for nb in NOTEBOOKS:
        data = json.loads(nb.read_text())
        code = [c for c in data["cells"] if c["cell_type"] == "code"]
        assert code, nb
        assert any(c.get("outputs") for c in code), f"{nb.name} has no stored outputs for nbval"


@pytest.mark.parametrize(
    "needle",
    [
        "add_routes",  # lazily adding routes
        "defaults",  # function props for all routes
        "get_function",  # getting the function for a route
        "*.",  # wildcard domain
        "is_external_domain",  # externally hosted domain
        "certificate",  # importing a certificate
        "regional_domain_name",  # importing an existing domain
        '"iam"',  # IAM authorization
        "lambda",  # Lambda authorization
        "one_week",  # log retention
        "$context.identity.sourceIp",  # CSV access log format
        "attach_permissions(",  # permissions for the entire API
        "attach_permissions_to_route",  # permissions for one route
        "chat-app-api",  # configuring the WebSocket Api
        "bind",
        "get_route",
    ],
)
def test_every_seed_example_has_a_cell(all_code, needle):
    assert needle in all_code


def test_tutorial_runs_chat_locally_synths_and_exports(all_code):
    for needle in (".serve(", "websockets", ".synth(", ".export(", "Table("):
        assert needle in all_code, needle


def test_nbval_sanitize_file():
    """The sanitize file pytest passes to nbval turns the values that change run to run into
    placeholders (a folder of regex/replace sections, as nbval reads it)."""
    import configparser
    import re

    assert "--nbval-sanitize-with notebooks/nbval.cfg" in (ROOT / "pyproject.toml").read_text()
    cfg = configparser.ConfigParser(interpolation=None)
    assert cfg.read(ROOT / "notebooks" / "nbval.cfg")
    rules = [(re.compile(cfg[name]["regex"]), cfg[name]["replace"]) for name in cfg.sections()]

    def sanitize(text: str) -> str:
        for regex, replace in rules:
            text = regex.sub(replace, text)
        return text

    assert sanitize("ws://127.0.0.1:54321 <obj at 0x7f3a2b1c9d40>") == (
        "ws://127.0.0.1:PORT <obj at 0xADDR>"
    )
