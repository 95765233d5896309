"""``wsnb serve``: a real subprocess, real websockets clients, SIGINT/SIGTERM stop it cleanly."""

from __future__ import annotations

import json
import queue
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

STARTUP_SECONDS = 60


class Served:
    def __init__(self, proc: subprocess.Popen[str], url: str, first_line: str) -> None:
        self.proc = proc
        self.url = url
        self.first_line = first_line
        self.stderr = ""

    def stop(self, sig: int = signal.SIGINT) -> int:
        self.proc.send_signal(sig)
        _, self.stderr = self.proc.communicate(timeout=30)
        return self.proc.returncode


@contextmanager
def serve(target: str, cwd: Path, *extra: str) -> Iterator[Served]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "wsnb", "serve", target, "--port", "0", *extra],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: lines.put(proc.stdout.readline()), daemon=True).start()
    try:
        try:
            first = lines.get(timeout=STARTUP_SECONDS)
        except queue.Empty:
            pytest.fail("wsnb serve printed no URL")
        if not first:
            _, err = proc.communicate(timeout=30)
            pytest.fail(f"wsnb serve exited {proc.returncode}: {err}")
        url = first.split(" at ", 1)[1].split()[0]
        yield Served(proc, url, first)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate(timeout=30)


def test_serve_echoes_logs_and_stops_on_sigint(cli_project: Path) -> None:
    from websockets.sync.client import connect

    with serve("echo.py", cli_project, "--stage", "test") as served:
        assert served.first_line.startswith("serving Echo at ws://127.0.0.1:")
        assert served.url.startswith("ws://127.0.0.1:")
        with connect(served.url) as ws:
            ws.send(json.dumps({"action": "other", "data": 1}))
            assert ws.recv(timeout=10) == 'echo:{"action": "other", "data": 1}'
            ws.send(json.dumps({"action": "boom"}))
            reply = json.loads(ws.recv(timeout=10))
            assert reply["message"] == "Internal server error"
        assert served.stop(signal.SIGINT) == 0
    log = served.stderr
    assert " INFO connect " in log
    assert "-> $default" in log
    assert "kaboom" in log  # the handler's error, with its traceback, is in the log
    assert " INFO disconnect " in log
    assert log.rstrip().endswith("stopped")
    assert "Traceback" not in log.split("kaboom")[-1]  # nothing after the handler error but logs


def test_chat_example_broadcasts_and_stops_on_sigterm(cli_project: Path) -> None:
    from websockets.sync.client import connect

    with (
        serve("chat_app.py", cli_project) as served,
        connect(served.url) as alice,
        connect(served.url) as bob,
    ):
        alice.send(json.dumps({"action": "sendMessage", "data": "hello"}))
        assert alice.recv(timeout=10) == "hello"  # as in tutorial 06: the text, to everyone
        assert bob.recv(timeout=10) == "hello"
        bob.send("not json")
        assert "sendMessage" in bob.recv(timeout=10)
        alice.close()
        bob.close()
        assert served.stop(signal.SIGTERM) == 0
    assert "-> sendMessage" in served.stderr


def test_serve_port_in_use_is_one_error_line(cli_project: Path) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run(
            [sys.executable, "-m", "wsnb", "serve", "echo.py", "--port", str(port)],
            cwd=cli_project,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert done.returncode == 1
    errors = [line for line in done.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1, done.stderr
    assert str(port) in errors[0]


def test_serve_a_notebook_defined_handler(cli_project: Path) -> None:
    from websockets.sync.client import connect

    with serve("chat.ipynb:nb_api", cli_project) as served:
        with connect(served.url) as ws:
            ws.send("hello")
            assert ws.recv(timeout=10) == "HELLO"
        assert served.stop() == 0


SECRET_APP = """
import os

import boto3

from wsnb import Secret, WebSocketApi

STRIPE_KEY = Secret("STRIPE_KEY")


def reveal(event, context):
    ssm = boto3.client("ssm")
    name = os.environ["WSNB_Secret_STRIPE_KEY_parameter_name"]
    value = ssm.get_parameter(Name=name, WithDecryption=True)["Parameter"]["Value"]
    return {"statusCode": 200, "body": "len=" + str(len(value)) + " ok=" + str(value == "sk_test_123")}


api = WebSocketApi("Secrets").route("$default", reveal, return_response=True).bind([STRIPE_KEY])
"""


@pytest.mark.parametrize("form", ["inline", "from-env"])
def test_serve_passes_secret_values_without_logging_them(
    cli_project: Path, form: str, monkeypatch
) -> None:
    from websockets.sync.client import connect

    (cli_project / "secret_app.py").write_text(SECRET_APP)
    if form == "inline":
        extra = ("--secret", "STRIPE_KEY=sk_test_123")
    else:
        monkeypatch.setenv("STRIPE_KEY", "sk_test_123")
        extra = ("--secret", "STRIPE_KEY")
    with serve("secret_app.py", cli_project, *extra) as served:
        with connect(served.url) as ws:
            ws.send("hi")
            assert ws.recv(timeout=10) == "len=11 ok=True"
        assert served.stop(signal.SIGINT) == 0
    assert "sk_test_123" not in served.stderr


def test_serve_secret_from_unset_environment_variable_is_a_usage_error(cli_project: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "wsnb", "serve", "echo.py", "--secret", "WSNB_SURELY_UNSET_VAR"],
        cwd=cli_project,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "WSNB_SURELY_UNSET_VAR" in proc.stderr
