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


def test_binder_folder():
    binder = ROOT / "binder"
    assert binder.is_dir()
    names = {p.name for p in binder.iterdir()}
    assert names & {
        "requirements.txt",
        "environment.yml",
        "postBuild",
        "setup.py",
        "pyproject.toml",
    }


def test_nbval_sanitize_file():
    cfgs = list((ROOT / "notebooks").glob("*.cfg")) + list(ROOT.glob("*.cfg"))
    assert any("regex" in c.read_text() for c in cfgs)
