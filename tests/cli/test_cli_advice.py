"""CLI errors give command-line advice: flags (--overwrite, --port 0, --stage with what is
allowed), not the Python spelling of the same fix; Python advice about the user's own code
(a route, a prop) is left as it is."""

from __future__ import annotations

import socket
import subprocess
from pathlib import Path

import pytest

from wsnb.cli._errors import cli_fix

from .conftest import run_cli


@pytest.mark.parametrize(
    ("python", "cli"),
    [
        ("api.export('/x/out', overwrite=True)", "--overwrite"),
        ("api.serve(port=0)", "--port 0"),
        (
            "pick another port, or port=0 for a free one",
            "pick another port, or --port 0 for a free one",
        ),
        ('stage="dev"', "--stage dev"),
        ('app="my-app"', "--app my-app"),
        (
            "api.synth(account='123456789012', region='us-east-1', context={'hosted-zone:x=1': {\"Id\": \"Z\"}})",
            '--account 123456789012 --region us-east-1 --context \'hosted-zone:x=1={"Id": "Z"}\'',
        ),
        (  # a placeholder in the Python advice names the flag's form, never "{Ellipsis}"
            'api.synth(account="123456789012", region="us-east-1", context={...})',
            "--account 123456789012 --region us-east-1 --context KEY=VALUE",
        ),
        # about the user's code, or not a command-line option: unchanged
        ('api.route("x", "src/a.main", timeout=3)', 'api.route("x", "src/a.main", timeout=3)'),
        ('hosted_zone="example.com"', 'hosted_zone="example.com"'),
        (
            "api.serve(host='0.0.0.0', allow_remote=True)",
            "api.serve(host='0.0.0.0', allow_remote=True)",
        ),
    ],
)
def test_python_fixes_become_flags(python: str, cli: str) -> None:
    assert cli_fix(python) == cli


def error_line(done: subprocess.CompletedProcess[str]) -> str:
    lines = [line for line in done.stderr.splitlines() if line.startswith("error: ")]
    assert len(lines) == 1, done.stderr
    return lines[0]


def test_export_over_a_previous_export_advises_overwrite(cli_project: Path, tmp_path: Path) -> None:
    target = tmp_path / "out"
    assert run_cli("export", "app.py:api", str(target), cwd=cli_project).returncode == 0
    done = run_cli("export", "app.py:api", str(target), cwd=cli_project)
    assert done.returncode == 1
    line = error_line(done)
    assert "Fix: add --overwrite to replace the files that export wrote" in line
    assert "api.export" not in line and "overwrite=True" not in line


def test_export_into_an_unrelated_folder_advises_a_new_dir(
    cli_project: Path, tmp_path: Path
) -> None:
    # --overwrite only ever replaces a previous wsnb export, so it is not the advice here.
    target = tmp_path / "out"
    target.mkdir()
    (target / "keep.txt").write_text("mine")
    done = run_cli("export", "app.py:api", str(target), cwd=cli_project)
    assert done.returncode == 1
    line = error_line(done)
    assert "Fix: choose a new DIR" in line and "--overwrite" not in line
    assert "api.export" not in line and (target / "keep.txt").read_text() == "mine"


def test_a_bad_stage_says_what_is_allowed_and_the_flag(cli_project: Path) -> None:
    done = run_cli("synth", "app.py:api", "--stage", "bad stage", cwd=cli_project)
    line = error_line(done)
    assert "Allowed: a letter, then letters, digits, '-' or '_'" in line
    assert line.endswith("Fix: --stage dev")


def test_serve_on_a_busy_port_advises_port_0(cli_project: Path) -> None:
    pytest.importorskip("websockets")
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        done = run_cli("serve", "echo.py:api", "--port", str(port), cwd=cli_project, timeout=60)
    line = error_line(done)
    assert "--port 0" in line and "port=0" not in line


def test_a_serve_stage_error_uses_the_flag(cli_project: Path) -> None:
    done = run_cli("serve", "echo.py:api", "--stage", "bad stage", cwd=cli_project, timeout=60)
    line = error_line(done)
    assert line.endswith("Fix: --stage dev") and 'stage="dev"' not in line
