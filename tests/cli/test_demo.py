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
    assert lines[0] == "The tutorial chat API, written to wsnb-demo/app.py (handlers in src/)"
    assert "WebSocketApi 'Chat': 4 routes" in done.stdout
    assert done.stderr == ""  # the access-log note is said once, in the lint section
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


def test_demo_app_py_is_the_readable_definition_of_the_tutorial_api(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from wsnb.cli.demo import APP_FILE
    from wsnb.examples import build_chat_api, copy_chat_example

    assert "build_chat_api" not in APP_FILE and 'WebSocketApi("Chat")' in APP_FILE
    copy_chat_example(tmp_path)
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    exec(compile(APP_FILE, "app.py", "exec"), namespace)
    assert namespace["api"] == build_chat_api(tmp_path)


def test_the_packaged_handlers_are_tutorial_06s() -> None:
    from wsnb.examples import CHAT_DIR

    tutorial = Path(__file__).resolve().parents[2] / "notebooks" / "src"
    if not tutorial.is_dir():
        pytest.skip("notebooks/ is not beside the tests")
    for packaged, original in [
        ("connect.py", "connect.py"),
        ("disconnect.py", "disconnect.py"),
        ("default.py", "default.py"),
        ("send_message.py", "sendMessage.py"),
    ]:
        assert (CHAT_DIR / "src" / packaged).read_text() == (tutorial / original).read_text()
