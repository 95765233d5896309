"""``wsnb demo``: the tutorial chat API end to end, from any working directory."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .conftest import run_cli

pytestmark = pytest.mark.cdk


def test_demo_builds_lints_and_writes_the_template(tmp_path: Path) -> None:
    done = run_cli("demo", cwd=tmp_path, script=True)
    assert done.returncode == 0, done.stderr
    out = tmp_path / "wsnb-demo"
    lines = done.stdout.splitlines()
    assert lines[0] == f"The tutorial chat API, copied to {out}"
    assert "WebSocketApi 'Api': 4 routes" in done.stdout
    assert "Lint:" in done.stdout
    assert "handler-file-missing" not in done.stdout  # handlers were copied next to the app
    assert f"wrote the CloudFormation template to {out / 'template.json'}" in done.stdout
    assert "notebooks/" in done.stdout
    template = json.loads((out / "template.json").read_text())
    types = [r["Type"] for r in template["Resources"].values()]
    assert types.count("AWS::ApiGatewayV2::Route") == 4
    assert types.count("AWS::Lambda::Function") == 4
    # the copied app is itself a TARGET for the other commands
    routes = run_cli("routes", str(out / "app.py"), cwd=tmp_path)
    assert routes.returncode == 0, routes.stderr
    assert "src/send_message.main" in routes.stdout
