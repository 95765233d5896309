"""Session-wide seed-example fixtures shared by the synth and export tests (registered once,
so every seed example is synthesized once per test session)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from seed_examples import SEED_EXAMPLES, make_project


@pytest.fixture(scope="session")
def seed_project(tmp_path_factory) -> Path:
    """A folder with every handler file the seed examples name."""
    return make_project(tmp_path_factory.mktemp("seed-project"))


@pytest.fixture
def in_seed_project(seed_project, monkeypatch) -> Path:
    monkeypatch.chdir(seed_project)
    return seed_project


@pytest.fixture(scope="session")
def seed_synths(seed_project):
    """name → (api, synth kwargs, SynthResult) for every seed example (synthesized once)."""
    old = os.getcwd()
    os.chdir(seed_project)
    try:
        out = {}
        for name, build in SEED_EXAMPLES.items():
            api, kwargs = build()
            out[name] = (api, kwargs, api.synth(**kwargs))
        return out
    finally:
        os.chdir(old)
