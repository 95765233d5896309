"""``wsnb routes TARGET``: the route table (or the model as JSON, Mermaid or Graphviz dot)."""

from __future__ import annotations

import argparse
import json

from ._target import TARGET_HELP, open_target

FORMATS = ("text", "json", "mermaid", "dot")


def add_parser(subparsers: argparse._SubParsersAction, parent: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser(
        "routes",
        parents=[parent],
        help="print the route table",
        description="Print the API's routes with their merged function props.",
    )
    parser.add_argument("target", metavar="TARGET", help=TARGET_HELP)
    parser.add_argument(
        "--format",
        "-f",
        choices=FORMATS,
        default="text",
        help="text (default), json (api.to_dict()), mermaid or dot",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    with open_target(args.target) as api:
        if args.format == "json":
            text = json.dumps(api.to_dict(), indent=2, ensure_ascii=False)
        elif args.format == "mermaid":
            text = api.to_mermaid()
        elif args.format == "dot":
            text = api.to_dot()
        else:
            text = repr(api)
    print(text.rstrip("\n"))
    return 0
