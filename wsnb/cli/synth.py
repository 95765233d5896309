"""``wsnb synth TARGET [-o FILE]``: the CloudFormation template as JSON."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from .._errors import WsnbError
from ._options import absolute_path, add_synth_options, synth_kwargs
from ._progress import progress
from ._target import open_target

CLI_HINT = "(on the command line: --account ACCOUNT --region REGION --context 'KEY=JSON')"


def add_parser(subparsers: argparse._SubParsersAction, parent: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser(
        "synth",
        parents=[parent],
        help="print or write the CloudFormation template",
        description="Synthesize the API with aws-cdk-lib and print the template JSON "
        "(or write it with -o).",
    )
    parser.add_argument(
        "target", metavar="TARGET", help="module:var, file.py:var or notebook.ipynb:var"
    )
    parser.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        type=absolute_path,
        default=None,
        help="write the template here instead of stdout",
    )
    add_synth_options(parser)
    parser.set_defaults(run=run)


def synthesize(api: Any, kwargs: dict[str, Any]) -> Any:
    """``api.synth(**kwargs)`` with a spinner on a terminal, warnings on stderr."""
    with progress(f"synthesizing {api.id} with aws-cdk-lib ..."), cli_hints():
        result = api.synth(**kwargs)
    for warning in getattr(result, "warnings", None) or []:
        print(f"warning: {_text(warning)}", file=sys.stderr)
    return result


@contextmanager
def cli_hints() -> Iterator[None]:
    """Errors whose fix is written as ``api.synth(...)`` also get the command-line spelling."""
    try:
        yield
    except WsnbError as exc:
        if exc.fix and "api.synth(" in exc.fix and CLI_HINT not in exc.fix:
            exc.fix = f"{exc.fix} {CLI_HINT}"
        raise


def describe(result: Any) -> str:
    """``"23 resources"`` from the result's resource counts, when it has them."""
    counts = getattr(result, "resource_counts", None)
    if isinstance(counts, dict) and counts:
        total = sum(v for v in counts.values() if isinstance(v, int))
        return f"{total} resources"
    template = getattr(result, "template", None)
    if isinstance(template, dict):
        return f"{len(template.get('Resources', {}))} resources"
    return "template"


def run(args: argparse.Namespace) -> int:
    with open_target(args.target) as api:
        result = synthesize(api, synth_kwargs(args))
        text = result.to_json()
    if not text.endswith("\n"):
        text += "\n"
    if args.output is None:
        sys.stdout.write(text)
        sys.stdout.flush()
    else:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(text, encoding="utf-8")
        print(f"wrote {args.output} ({describe(result)})", file=sys.stderr)
    return 0


def _text(warning: Any) -> str:
    message = getattr(warning, "message", None)
    if isinstance(message, str):
        code = getattr(warning, "code", None)
        return f"{code}: {message}" if code else message
    return str(warning).strip().splitlines()[0] if str(warning).strip() else repr(warning)
