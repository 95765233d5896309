"""binder/ follows repo2docker's rules and agrees with pyproject.toml."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BINDER = ROOT / "binder"

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    tomllib = pytest.importorskip("tomli")


def _requirements() -> list[str]:
    lines = (BINDER / "requirements.txt").read_text(encoding="utf-8").splitlines()
    return [line.split("#")[0].strip() for line in lines if line.split("#")[0].strip()]


def _extras_requirements() -> dict[str, list[str]]:
    """Base package name -> its version specifiers in pyproject's extras (cdk, local, notebook, templates)."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    out: dict[str, list[str]] = {}
    for extra in ("cdk", "local", "notebook", "templates"):
        for req in project["optional-dependencies"][extra]:
            match = re.match(r"^([A-Za-z0-9_.-]+)(?:\[[^\]]*\])?(.*)$", req)
            assert match, req
            out.setdefault(match[1].lower(), []).append(match[2].strip())
    return out


def test_root_package_is_installed_with_its_extras() -> None:
    # repo2docker ignores the root pyproject.toml when binder/ exists; a "." line installs wsnb.
    assert ".[all]" in _requirements()


def test_every_dependency_is_pinned_and_allowed_by_pyproject() -> None:
    from packaging.requirements import Requirement
    from packaging.specifiers import SpecifierSet

    pins = {}
    for line in _requirements():
        if line.startswith("."):
            continue
        req = Requirement(line)
        specs = list(req.specifier)
        assert len(specs) == 1 and specs[0].operator == "==", f"not pinned: {line}"
        pins[req.name.lower()] = specs[0].version
    wanted = _extras_requirements()
    missing = sorted(set(wanted) - set(pins))
    assert not missing, f"binder/requirements.txt does not pin {missing}"
    for name, specifiers in wanted.items():
        for spec in specifiers:
            assert pins[name] in SpecifierSet(spec), (
                f"{name}=={pins[name]} is outside pyproject's {spec!r}"
            )


def test_runtime_is_a_supported_python() -> None:
    text = (BINDER / "runtime.txt").read_text(encoding="utf-8").strip()
    match = re.fullmatch(r"python-(\d+)\.(\d+)", text)
    assert match, text
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    minimum = tuple(int(x) for x in project["requires-python"].lstrip(">=").split("."))
    assert (int(match[1]), int(match[2])) >= minimum


def test_start_script_hands_over_to_the_server() -> None:
    start = BINDER / "start"
    text = start.read_text(encoding="utf-8")
    assert text.startswith("#!/bin/bash\n")
    assert text.rstrip().splitlines()[-1] == 'exec "$@"'
    assert os.access(start, os.X_OK)


def test_post_build_fetches_the_node_toolchain() -> None:
    # repo2docker runs an executable binder/postBuild once at image build ("Configuration
    # files supported by repo2docker"): tutorial 08's Node handlers then need no download.
    post_build = BINDER / "postBuild"
    text = post_build.read_text(encoding="utf-8")
    assert text.startswith("#!/bin/bash\n") and "set -euo pipefail" in text
    assert os.access(post_build, os.X_OK)
    commands = [line for line in text.splitlines() if line and not line.startswith("#")]
    assert commands[-1] == "python -m wsnb.node fetch"
    from wsnb.node.__main__ import main

    assert main(["fetch"]) == 0  # the same command (.ci/setup has filled the cache: offline)
