"""``wsnb export TARGET DIR``: a standalone CDK app (no wsnb dependency)."""

from __future__ import annotations

import argparse
import sys

from ._options import absolute_path, add_synth_options, synth_kwargs
from ._progress import progress
from ._target import TARGET_HELP, open_target, template_environment
from .synth import warning_text


def add_parser(subparsers: argparse._SubParsersAction, parent: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser(
        "export",
        parents=[parent],
        help="write a standalone CDK app",
        description="Write a CDK app (app.py, cdk.json, requirements.txt, handler sources) that "
        "depends on aws-cdk-lib and constructs only, and synthesizes to the same template.",
    )
    parser.add_argument("target", metavar="TARGET", help=TARGET_HELP)
    parser.add_argument(
        "directory", metavar="DIR", type=absolute_path, help="where to write the app"
    )
    parser.add_argument(
        "--overwrite", action="store_true", help="replace an existing export in DIR"
    )
    add_synth_options(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    with (
        template_environment(args.region, args.account),
        open_target(args.target) as api,
        progress(f"exporting {api.id} ..."),
    ):
        result = api.export(args.directory, overwrite=args.overwrite, **synth_kwargs(args))
    for warning in getattr(result, "warnings", None) or ():  # e.g. where it differs from a template
        text = warning_text(warning, args.target)
        print(f"{getattr(warning, 'level', 'warning')}: {text}", file=sys.stderr)
    print(f"exported {api.id} as a CDK app to {args.directory}")
    print(f"next: cd {args.directory} && pip install -r requirements.txt && cdk synth")
    return 0
