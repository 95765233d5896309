"""``wsnb routes TARGET``: the route table (or the model as JSON, Mermaid or Graphviz dot)."""

from __future__ import annotations

import argparse
import json
from typing import Any

from ._options import add_report_option, template_report
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
    add_report_option(parser)
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
            text = routes_text(api, args.target, report_below=args.report)
        report = template_report(api, args.target) if args.report else None
    print(text.rstrip("\n"))
    if report is not None:
        print(f"\n{report}")
    return 0


def routes_text(api: Any, target: str, *, report_below: bool = False) -> str:
    """``repr(api)``; for a template TARGET in the command line's words: where the lint
    findings and the template report are, as commands."""
    from ..display import text_table
    from ._errors import with_target

    if api.origin is None:  # a Python TARGET: its user has the variable (api.lint())
        return repr(api)
    from ..template import note_text

    lint_hint = with_target("wsnb lint TARGET", target)
    text = text_table(api.spec, api.lint(), lint_hint=lint_hint).rstrip("\n")

    hint = "the template report below" if report_below else "wsnb routes TARGET --report"
    return text + "\n" + note_text(api.origin, report_hint=with_target(hint, target))
