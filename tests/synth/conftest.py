"""Shared, session-scoped setup for the synth tests: one seed project, one CDK runtime."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from seed_examples import SEED_EXAMPLES, make_project


@pytest.fixture(scope="session")
def project(tmp_path_factory) -> Path:
    return make_project(tmp_path_factory.mktemp("seed-project"))


@pytest.fixture
def in_project(project, monkeypatch) -> Path:
    monkeypatch.chdir(project)
    return project


@pytest.fixture(scope="session")
def seed_synths(project):
    """name → (api, synth kwargs, SynthResult) for every seed example (synthesized once)."""
    old = os.getcwd()
    os.chdir(project)
    try:
        out = {}
        for name, build in SEED_EXAMPLES.items():
            api, kwargs = build()
            out[name] = (api, kwargs, api.synth(**kwargs))
        return out
    finally:
        os.chdir(old)
