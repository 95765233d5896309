"""``wsnb demo``: the tutorial chat API end to end in the terminal.

Copies the packaged chat app into ``--out`` (default ``./wsnb-demo``), prints its route table
and lint findings, synthesizes it and writes ``template.json`` there.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ._options import absolute_path, add_synth_options, synth_kwargs
from ._target import working_directory
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


APP_FILE = '''"""The wsnb tutorial chat API (written by `wsnb demo`)."""

from wsnb.examples import build_chat_api

api = build_chat_api(".")
'''


def run(args: argparse.Namespace) -> int:
    from ..examples import build_chat_api, copy_chat_example

    out = args.out or absolute_path("wsnb-demo")
    copy_chat_example(out)
    (out / "app.py").write_text(APP_FILE, encoding="utf-8")
    with working_directory(out):
        api = build_chat_api(out)
        print(f"The tutorial chat API, copied to {out}\n")
        print(repr(api).rstrip("\n"))
        print("\nLint:")
        print(_indent(format_findings(list(api.lint()))))
        result = synthesize(api, synth_kwargs(args))
        text = result.to_json()
    template = out / "template.json"
    template.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
    print(f"\nSynthesized {describe(result)}; wrote the CloudFormation template to {template}")
    print()
    print(
        TUTORIALS.format(
            target=_shell_path(out / "app.py") + ":api", export_dir=_shell_path(out / "cdk-app")
        )
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
