"""``wsnb lint`` on an app with TypeScript handlers: the runtime fix is advice about the app's own
code (there is no command-line flag for a route's runtime), so it prints as written for Python."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

APP = """\
from wsnb import WebSocketApi

api = WebSocketApi("Chat").route("$connect", "src/connect.main").route("send", "src/send.mian", runtime="nodejs22.x")
"""


def test_wsnb_lint_prints_the_runtime_fix_and_the_typo(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "connect.ts").write_text("export const main = async () => ({});\n")
    (tmp_path / "src" / "send.ts").write_text("export async function main(event) {}\n")
    (tmp_path / "app.py").write_text(APP)
    env = {k: v for k, v in os.environ.items() if k != "WSNB_CLI"}
    done = subprocess.run(
        [sys.executable, "-m", "wsnb", "lint", "app.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert done.returncode == 1, done.stderr
    lines = done.stdout.splitlines()
    at = lines.index(
        "error    handler-needs-node-runtime  $connect: handler file 'src/connect.py' does not "
        "exist, but src/connect.ts does: a Node.js handler needs a Node.js runtime, and this "
        "function's runtime is python3.12."
    )
    assert lines[at + 1] == (
        '         fix: api.route("$connect", "src/connect.main", runtime="nodejs22.x"), or '
        'api.defaults(runtime="nodejs22.x") for every route'
    )
    at = next(i for i, line in enumerate(lines) if "handler-export-missing  send:" in line)
    assert lines[at + 1] == '         fix: did you mean "src/send.main"?'
    assert done.stderr == ""  # both files exist: no build-time HandlerFileWarning
