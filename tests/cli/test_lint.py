"""``wsnb lint``: findings on stdout; exit 1 on errors, and on warnings with --strict."""

from __future__ import annotations

from pathlib import Path

from .conftest import run_cli


def test_info_only_exits_zero(cli_project: Path) -> None:
    done = run_cli("lint", "app.py", cwd=cli_project)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    finding_lines = [line for line in lines[:-1] if not line.startswith(" ")]
    assert finding_lines and all(line.startswith("info     ") for line in finding_lines)
    assert any(line.startswith("info     access-log-role  Access logging is on") for line in lines)
    assert all(line.startswith("         fix: ") for line in lines[:-1] if line.startswith(" "))
    n = len(finding_lines)
    assert lines[-1] == f"{n} finding{'s' if n > 1 else ''}: {n} info{'s' if n > 1 else ''}"


def test_error_finding_exits_one(cli_project: Path) -> None:
    done = run_cli("lint", "no_connect.py", cwd=cli_project)
    assert done.returncode == 1
    assert "error    authorizer-without-connect" in done.stdout


def test_strict_fails_on_warnings(tmp_path: Path) -> None:
    (tmp_path / "warn.py").write_text(
        "from wsnb import WebSocketApi\napi = WebSocketApi('Api').route('$default', 'src/nowhere.main')\n"
    )
    relaxed = run_cli("lint", "warn.py", cwd=tmp_path)
    strict = run_cli("lint", "warn.py", "--strict", cwd=tmp_path)
    assert relaxed.returncode == 0
    assert strict.returncode == 1
    assert "handler-file-missing" in strict.stdout
    assert relaxed.stdout == strict.stdout
    # the model's own warning at build time goes to stderr as one line
    assert strict.stderr.startswith("warning: routes['$default'].function.handler: handler file")
