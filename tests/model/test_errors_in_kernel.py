"""How a WsnbError and a wsnb warning read in a real IPython kernel: the user's cell and line
plus the what/given/allowed/fix block, no wsnb-internal frames; ``%xmode Verbose`` and
``WSNB_TRACEBACK=full`` bring the full traceback back; plain scripts keep Python's."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import execute_cell, write_handlers

jupyter_client = pytest.importorskip("jupyter_client")

_WSNB_DIR = str(Path(__file__).resolve().parents[2] / "wsnb")


execute = execute_cell


@pytest.fixture
def kernel(tmp_path: Path):
    write_handlers(tmp_path)
    manager = jupyter_client.KernelManager(kernel_name="python3")
    manager.start_kernel(cwd=str(tmp_path), env={**os.environ, "WSNB_TRACEBACK": ""})
    client = manager.client()
    client.start_channels()
    client.wait_for_ready(timeout=60)
    try:
        execute(client, 'from wsnb import WebSocketApi\napi = WebSocketApi("chat")')
        yield client
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)


def test_a_wsnb_error_shows_the_users_line_and_the_fix_but_no_wsnb_frames(kernel):
    error = execute(kernel, 'x = 1\napi.route("typing", "src/default.main", timout=5)')["error"]
    assert 'api.route("typing", "src/default.main", timout=5)' in error
    assert re.search(r"Cell In\[\d+\], line 2", error)
    assert "PropError: 'timout' is not a function prop." in error
    assert "fix:     did you mean 'timeout'?" in error
    assert _WSNB_DIR not in error
    assert "_function.py" not in error and "_spec.py" not in error
    assert len(error.splitlines()) < 15


def test_xmode_verbose_shows_the_full_traceback(kernel):
    execute(kernel, "%xmode Verbose")
    error = execute(kernel, 'api.route("typing", "src/default.main", timout=5)')["error"]
    assert "_function.py" in error and "PropError" in error


def test_the_environment_switch_shows_the_full_traceback(kernel):
    execute(kernel, 'import os; os.environ["WSNB_TRACEBACK"] = "full"')
    error = execute(kernel, 'api.route("typing", "src/default.main", timout=5)')["error"]
    assert "_function.py" in error


def test_a_handler_file_warning_names_the_users_cell_not_wsnb_or_a_temp_path(kernel):
    stderr = execute(kernel, 'x = 1\napi.route("a", "src/not_written_yet.main")')["stderr"]
    assert re.match(r"Cell In\[\d+\]:2: HandlerFileWarning: ", stderr)
    assert "wsnb" not in stderr.split("HandlerFileWarning")[0]
    assert "/tmp" not in stderr and os.getcwd() not in stderr


def test_a_plain_script_keeps_the_normal_traceback_and_warns_at_its_line(tmp_path: Path):
    script = tmp_path / "app.py"
    script.write_text(
        "from wsnb import WebSocketApi\n"
        'api = WebSocketApi("chat")\n'
        'api.route("a", "src/missing.main")\n'
        'api.route("b", "src/missing.main", timout=3)\n'
    )
    env = {**os.environ, "PYTHONPATH": str(Path(_WSNB_DIR).parent)}
    done = subprocess.run(
        [sys.executable, str(script)], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert f"{script}:3: HandlerFileWarning" in done.stderr
    assert "Traceback (most recent call last)" in done.stderr
    assert "_function.py" in done.stderr  # scripts are not filtered


def test_a_lambda_from_a_notebook_cell_is_a_handler(kernel):
    # IPython keeps each cell's text where the lambda's source is read from
    out = execute(
        kernel,
        'api.route("shout", lambda event, context: {"statusCode": 200,\n'
        '                                          "body": event["body"].upper()},\n'
        "          return_response=True)\n"
        'print(api.get_function("shout").handler.source)',
    )
    assert out["error"] == ""
    assert 'return ({"statusCode": 200, "body": event["body"].upper()})' in out["stdout"]
    again = execute(
        kernel,
        'api.route("shout", lambda event, context: {"statusCode": 200,\n'
        '                                          "body": event["body"].upper()},\n'
        "          return_response=True)\n"
        "print(api.routes)",
    )
    assert again["error"] == "" and "['shout']" in again["stdout"]  # a re-run: no-op
