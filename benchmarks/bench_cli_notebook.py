"""CLI on a notebook TARGET: ``wsnb lint notebooks/06-chat-app.ipynb:api``.

Run: python benchmarks/bench_cli_notebook.py
Baseline measured in the same run: ``wsnb routes`` on a three-line ``app.py`` that defines the
same API (a process that imports wsnb and builds the model, nothing else), so the ratio shows
what running the notebook's cells costs on top. Before the notebook runner skipped synth,
export, the CDK and processes (issue 11) the lint took ~7 s and printed 73 lines; the aim is a
ratio near 1 and the three lines of the answer.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "06-chat-app.ipynb"
APP = """\
from wsnb import Table, WebSocketApi
connections = Table("Connections", fields={"id": "string"}, primary_index={"partition_key": "id"})
api = (
    WebSocketApi("Chat")
    .defaults(environment={"TABLE_NAME": connections.table_name}, permissions=[connections])
    .route("$connect", "src/connect.main")
    .route("$disconnect", "src/disconnect.main")
    .route("sendMessage", "src/sendMessage.main")
    .route("$default", "src/default.main")
)
"""


def run(*args: str) -> tuple[float, int]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "wsnb", *args], capture_output=True, text=True, env=env, check=True
    )
    return time.perf_counter() - started, len((done.stdout + done.stderr).splitlines())


def main(repeat: int = 5) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        app = Path(tmp) / "app.py"
        app.write_text(APP)
        base, notebook, lines = [], [], 0
        for _ in range(repeat):
            base.append(run("routes", f"{app}:api")[0])
            seconds, lines = run("lint", f"{NOTEBOOK}:api")
            notebook.append(seconds)
    b, n = statistics.median(base), statistics.median(notebook)
    print(f"baseline (wsnb routes app.py):      {b:.2f} s")
    print(f"wsnb lint 06-chat-app.ipynb:api:     {n:.2f} s, {lines} lines of output")
    print(f"ratio: {n / b:.2f}x")


if __name__ == "__main__":
    main()
