"""A throwaway project with every kind of TARGET, shared by the CLI tests (session scope)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from wsnb.examples import copy_chat_example

SCRIPT = Path(sys.executable).with_name("wsnb")

FILES = {
    "app.py": """
        from wsnb import Table, WebSocketApi

        table = Table("Connections", fields={"id": "string"}, primary_index={"partition_key": "id"})
        api = (
            WebSocketApi("Chat")
            .defaults(environment={"TABLE_NAME": table.table_name}, permissions=[table])
            .route("$connect", "src/connect.main")
            .route("$disconnect", "src/disconnect.main")
            .route("sendMessage", "src/send_message.main")
        )
    """,
    "two.py": """
        from wsnb import WebSocketApi

        first = WebSocketApi("First").route("$default", "src/default.main")
        second = WebSocketApi("Second").route("$default", "src/default.main")
    """,
    "empty.py": """
        answer = 42
    """,
    "bad_route.py": """
        from wsnb import WebSocketApi

        api = WebSocketApi("Api").route("$conect", "src/connect.main")
    """,
    "broken.py": """
        from wsnb import WebSocketApi

        api = WebSocketApi("Api").route("$default", undefined_thing)
    """,
    "needs_flag.py": """
        import os

        from wsnb import WebSocketApi

        if os.environ.get("WSNB_CLI") == "1":
            api = WebSocketApi("Flagged").route("$default", "src/default.main")
    """,
    "no_connect.py": """
        from wsnb import WebSocketApi

        api = WebSocketApi("Api").route("$default", "src/default.main").authorizer("iam")
    """,
    "echo.py": """
        from wsnb import WebSocketApi


        def echo(event, context):
            return {"statusCode": 200, "body": "echo:" + (event.get("body") or "")}


        def boom(event, context):
            raise RuntimeError("kaboom")


        api = WebSocketApi("Echo").route("$default", echo, return_response=True).route("boom", boom)
    """,
    "chat_app.py": """
        from wsnb.examples import build_chat_api

        api = build_chat_api(".")
    """,
    "noisy.py": """
        from wsnb import WebSocketApi

        print("hello from noisy.py")
        api = WebSocketApi("Noisy").route("$default", "src/default.main")
    """,
    "chatpkg/__init__.py": "",
    "chatpkg/chat.py": """
        from wsnb import WebSocketApi

        api = WebSocketApi("FromModule").route("$default", "src/default.main")
    """,
}


def notebook_cells() -> list[tuple[str, str]]:
    """(cell_type, source) of the test notebook: magics, a notebook handler, and cells to skip."""
    return [
        ("markdown", "# A chat API"),
        ("code", "%load_ext autoreload\n!echo not run\nimport os\nfrom wsnb import WebSocketApi"),
        (
            "code",
            "def shout(event, context):\n    return {'statusCode': 200, 'body': (event.get('body') or '').upper()}",
        ),
        (
            "code",
            "nb_api = WebSocketApi('Notebook').route('$default', shout, return_response=True)\nnb_api",
        ),
        ("code", "server = nb_api.serve(port=1)  # would bind a port: the CLI skips this cell"),
        (
            "code",
            "import websockets\nasync with websockets.connect(server.url) as ws:\n    await ws.send('hi')",
        ),
        ("code", "nb_api.show()"),
        ("code", "server.stop()"),
        ("code", "nb_api.route('$conect', 'src/connect.main')  # shows the error"),
        ("code", "server = None\nflag = os.environ['WSNB_CLI']\nprint(server, flag)"),
    ]


NOTEBOOK_TAGS = {8: ["raises-exception"]}  # index in notebook_cells()


def write_notebook(
    path: Path, cells: list[tuple[str, str]], tags: dict[int, list[str]] | None = None
) -> Path:
    import nbformat

    nb = nbformat.v4.new_notebook()
    for index, (kind, source) in enumerate(cells):
        cell = (
            nbformat.v4.new_code_cell(source)
            if kind == "code"
            else nbformat.v4.new_markdown_cell(source)
        )
        if tags and index in tags:
            cell.metadata["tags"] = tags[index]
        nb.cells.append(cell)
    nbformat.write(nb, str(path))
    return path


@pytest.fixture(scope="session")
def cli_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("project")
    copy_chat_example(root)
    for name, text in FILES.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    write_notebook(root / "chat.ipynb", notebook_cells(), tags=NOTEBOOK_TAGS)
    write_notebook(
        root / "failing.ipynb",
        [("code", "from wsnb import WebSocketApi"), ("code", "x = 1\n1 / 0")],
    )
    return root


def run_cli(
    *args: str, cwd: Path, script: bool = False, timeout: float = 120, tty_stderr: bool = False
) -> subprocess.CompletedProcess[str]:
    """Run ``python -m wsnb ARGS`` (or the installed ``wsnb`` script) and capture its output.

    ``tty_stderr``: stderr is a pseudo-terminal (as in an interactive shell)."""
    command = [str(SCRIPT)] if script else [sys.executable, "-m", "wsnb"]
    env = {k: v for k, v in os.environ.items() if k != "WSNB_CLI"}
    if not tty_stderr:
        return subprocess.run(
            [*command, *args], cwd=cwd, capture_output=True, text=True, timeout=timeout, env=env
        )
    import pty
    import threading

    master, slave = pty.openpty()
    chunks: list[bytes] = []

    def drain() -> None:  # keep reading so the child never blocks on a full terminal buffer
        while True:
            try:
                data = os.read(master, 65536)
            except OSError:  # EIO once the child's side is closed
                return
            if not data:
                return
            chunks.append(data)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    try:
        proc = subprocess.Popen(
            [*command, *args], cwd=cwd, stdout=subprocess.PIPE, stderr=slave, text=True, env=env
        )
        os.close(slave)
        stdout, _ = proc.communicate(timeout=timeout)
        reader.join(timeout=10)
    finally:
        os.close(master)
    stderr = b"".join(chunks).decode("utf-8", "replace").replace("\r\n", "\n")
    return subprocess.CompletedProcess(proc.args, proc.returncode, stdout, stderr)
