"""The seed project under the names these tests use (fixtures live in tests/seed_fixtures.py)."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def project(seed_project):
    return seed_project


@pytest.fixture
def in_project(in_seed_project):
    return in_seed_project


@pytest.fixture
def private_project(tmp_path, monkeypatch):
    """A fresh seed project of this test's own, for tests that add or edit handler files
    (the shared one must not change: other tests compare asset hashes across it)."""
    from seed_examples import make_project

    root = make_project(tmp_path / "project")
    monkeypatch.chdir(root)
    return root
