"""``wsnb demo``: the tutorial chat API end to end in the terminal.

Writes tutorial 06's chat app into ``--out`` (default ``./wsnb-demo``): ``app.py`` with the
``WebSocketApi(...)`` definition to read and copy, and the handlers in ``src/``; then loads
``app.py:api`` as any TARGET, prints its route table and lint findings, synthesizes it and writes
``template.json`` there.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ._options import absolute_path, add_synth_options, synth_kwargs
from ._target import open_target
from .lint import format_findings
from .synth import describe, synthesize

TUTORIALS = """\
Next:
  run it locally:        wsnb serve {target} --port 8080
  a standalone CDK app:  wsnb export {target} {export_dir}
  the tutorials:         jupyter lab notebooks/   (in the wsnb repository; binder/ opens them online)
  from Python:           from wsnb.examples import build_chat_api, copy_chat_example"""


def add_parser(subparsers: argparse._SubParsersAction, parent: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser(
        "demo",
        parents=[parent],
        help="build, lint and synthesize the tutorial chat API",
        description="Build the tutorial chat API (wsnb.examples), print its routes and lint "
        "findings, synthesize it and write the template. Works from any directory.",
    )
    parser.add_argument(
        "--out",
        metavar="DIR",
        type=absolute_path,
        default=None,
        help="where to put the app and template.json (default: ./wsnb-demo)",
    )
    add_synth_options(parser)
    parser.set_defaults(run=run)


APP_FILE = '''"""The wsnb tutorial chat API (notebooks/06-chat-app.ipynb), written by `wsnb demo`.

    wsnb routes app.py:api                  # the route table
    wsnb serve app.py:api --port 8080       # run it locally (Ctrl-C stops)
    wsnb synth app.py:api -o template.json  # CloudFormation
    wsnb export app.py:api cdk-app/         # a standalone CDK app

Handler paths are relative to this folder: "src/connect.main" is main() in src/connect.py.
"""

from wsnb import Table, WebSocketApi

# One DynamoDB table remembers who is connected.
connections = Table("Connections", fields={"id": "string"}, primary_index={"partition_key": "id"})

api = (
    WebSocketApi("Chat")
    # every function gets the table's name, and may read and write the table
    .defaults(environment={"TABLE_NAME": connections.table_name}, permissions=[connections])
    .route("$connect", "src/connect.main")  # remember the new connection
    .route("$disconnect", "src/disconnect.main")  # forget it
    .route("sendMessage", "src/send_message.main")  # {"action": "sendMessage", "data": "hi"}: hi to all
    .route("$default", "src/default.main")  # anything else: how to chat
)
'''


def run(args: argparse.Namespace) -> int:
    from ..examples import copy_chat_example

    out = args.out or absolute_path("wsnb-demo")
    copy_chat_example(out)
    app = out / "app.py"
    app.write_text(APP_FILE, encoding="utf-8")
    shown = _shell_path(app)
    with open_target(f"{app}:api") as api:  # what is printed is what app.py defines
        print(f"The tutorial chat API, written to {shown} (handlers in src/)\n")
        print(repr(api).rstrip("\n"))
        print("\nLint:")
        findings = list(api.lint())
        print(_indent(format_findings(findings)))
        result = synthesize(api, synth_kwargs(args), said={f.code for f in findings})
        text = result.to_json()
    template = out / "template.json"
    template.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
    print(f"\nSynthesized {describe(result)}; wrote the CloudFormation template to {template}")
    print()
    print(
        TUTORIALS.format(target=_shell_path(app) + ":api", export_dir=_shell_path(out / "cdk-app"))
    )
    sys.stdout.flush()
    return 0


def _indent(text: str) -> str:
    return "\n".join("  " + line for line in text.splitlines())


def _shell_path(path: Path) -> str:
    """``path`` relative to the current directory when it is below it, quoted for a shell."""
    import os
    import shlex

    relative = os.path.relpath(path)
    return shlex.quote(relative if not relative.startswith("..") else str(path))
