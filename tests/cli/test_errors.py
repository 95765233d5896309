"""Bad input: a non-zero exit and exactly one ``error: ...`` line on stderr."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from wsnb import RouteKeyError, WebSocketApi
from wsnb.cli._errors import one_line

from .conftest import run_cli


def single_error_line(done: subprocess.CompletedProcess[str]) -> str:
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("error: ")
    assert done.stdout == ""
    return lines[0]


def test_missing_target_file(cli_project: Path) -> None:
    done = run_cli("routes", "missing.py:api", cwd=cli_project)
    assert done.returncode == 2
    assert single_error_line(done) == (
        f"error: TARGET file 'missing.py' does not exist (looked in {str(cli_project)!r}). "
        "Fix: check the path; it is relative to the current directory"
    )


def test_unknown_variable_suggests_the_close_one(cli_project: Path) -> None:
    done = run_cli("routes", "app.py:apx", cwd=cli_project)
    assert done.returncode == 2
    assert (
        single_error_line(done)
        == "error: app.py defines no variable 'apx'. Fix: did you mean app.py:api?"
    )


def test_variable_that_is_not_an_api(cli_project: Path) -> None:
    done = run_cli("routes", "app.py:table", cwd=cli_project)
    assert done.returncode == 2
    assert single_error_line(done) == (
        "error: app.py:table is a Table, not a WebSocketApi. Fix: use app.py:api"
    )


def test_bad_variable_syntax(cli_project: Path) -> None:
    done = run_cli("routes", "app.py:1api", cwd=cli_project)
    assert done.returncode == 2
    assert "has a bad variable name '1api'" in single_error_line(done)


def test_file_without_an_api(cli_project: Path) -> None:
    done = run_cli("routes", "empty.py", cwd=cli_project)
    assert done.returncode == 2
    assert single_error_line(done) == (
        "error: empty.py defines no WebSocketApi. "
        'Fix: define one at top level, e.g. api = WebSocketApi("Api"), then use empty.py:api'
    )


def test_two_apis_need_a_name(cli_project: Path) -> None:
    done = run_cli("routes", "two.py", cwd=cli_project)
    assert done.returncode == 2
    assert single_error_line(done) == (
        "error: two.py defines 2 WebSocketApi objects (first, second); say which one. "
        "Fix: use two.py:first or two.py:second"
    )
    assert run_cli("routes", "two.py:second", cwd=cli_project).returncode == 0


def test_unknown_module(cli_project: Path) -> None:
    done = run_cli("routes", "no_such_pkg.api:api", cwd=cli_project)
    assert done.returncode == 2
    assert "No Python module named 'no_such_pkg.api'" in single_error_line(done)


def test_not_a_target_at_all(cli_project: Path) -> None:
    done = run_cli("routes", "not a target!", cwd=cli_project)
    assert done.returncode == 2
    assert "is neither a Python module name nor a .py or .ipynb path" in single_error_line(done)


def test_invalid_route_in_module_is_the_model_error_in_one_line(cli_project: Path) -> None:
    with pytest.raises(RouteKeyError) as caught:
        WebSocketApi("Api").route("$conect", "src/connect.main")
    expected = f"error: {one_line(caught.value)}"
    assert "Fix: " in expected
    done = run_cli("lint", "bad_route.py", cwd=cli_project)
    assert done.returncode == 1
    assert single_error_line(done) == expected


def test_traceback_flag_shows_the_whole_traceback(cli_project: Path) -> None:
    for args in (
        ("--traceback", "routes", "bad_route.py"),
        ("routes", "bad_route.py", "--traceback"),
    ):
        done = run_cli(*args, cwd=cli_project)
        assert done.returncode == 1
        assert "Traceback (most recent call last)" in done.stderr
        assert "RouteKeyError" in done.stderr
        assert done.stderr.splitlines()[-1].startswith("error: ")


def test_exception_in_user_code_names_the_line(cli_project: Path) -> None:
    done = run_cli("routes", "broken.py", cwd=cli_project)
    assert done.returncode == 1
    assert single_error_line(done) == (
        "error: Loading broken.py failed at line 3: NameError: name 'undefined_thing' is not defined "
        "Fix: fix the error in broken.py, or rerun with --traceback for the full traceback"
    )


@pytest.mark.parametrize(
    "args, message",
    [
        ((), "the following arguments are required: COMMAND. Fix: see 'wsnb --help'"),
        (
            ("routes",),
            "the following arguments are required: TARGET. Fix: see 'wsnb routes --help'",
        ),
        (("nosuchcommand",), "argument COMMAND: invalid choice: 'nosuchcommand'"),
        (("serve", "app.py", "--port", "99999"), "argument --port: '99999' is not a port number"),
        (
            ("synth", "app.py", "--context", "novalue"),
            "argument --context/-c: 'novalue' is not KEY=VALUE",
        ),
    ],
)
def test_usage_errors_are_one_line_and_exit_2(
    cli_project: Path, args: tuple[str, ...], message: str
) -> None:
    done = run_cli(*args, cwd=cli_project)
    assert done.returncode == 2
    assert single_error_line(done).startswith(f"error: {message}")


@pytest.mark.parametrize("command", ["routes", "lint", "synth", "export", "serve", "demo"])
def test_every_command_has_help(cli_project: Path, command: str) -> None:
    done = run_cli(command, "--help", cwd=cli_project)
    assert done.returncode == 0
    assert done.stdout.startswith(f"usage: wsnb {command}")


def test_broken_pipe_is_quiet(cli_project: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "wsnb", "routes", "chat.ipynb", "--format", "json"],
        cwd=cli_project,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # the reader goes away before anything is written
    stderr = proc.stderr.read()
    assert proc.wait(timeout=60) == 1
    assert "Traceback" not in stderr
    assert "BrokenPipeError" not in stderr
