"""The seed project under the names these tests use (fixtures live in tests/seed_fixtures.py)."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def project(seed_project):
    return seed_project


@pytest.fixture
def in_project(in_seed_project):
    return in_seed_project
