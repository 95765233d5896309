"""``wsnb synth TARGET [-o FILE]``: the CloudFormation template as JSON."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from ._errors import with_target
from ._options import absolute_path, add_synth_options, synth_kwargs
from ._progress import progress
from ._target import TARGET_HELP, open_target, template_environment


def add_parser(subparsers: argparse._SubParsersAction, parent: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser(
        "synth",
        parents=[parent],
        help="print or write the CloudFormation template",
        description="Synthesize the API with aws-cdk-lib and print the template JSON "
        "(or write it with -o).",
    )
    parser.add_argument("target", metavar="TARGET", help=TARGET_HELP)
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


def synthesize(
    api: Any, kwargs: dict[str, Any], *, said: set[str] | None = None, target: str | None = None
) -> Any:
    """``api.synth(**kwargs)`` with a spinner on a terminal, warnings on stderr (except those
    whose lint code is in ``said``: already shown; ``target``: the TARGET their command-line
    advice names)."""
    with progress(f"synthesizing {api.id} with aws-cdk-lib ..."):
        result = api.synth(**kwargs)
    for warning in getattr(result, "warnings", None) or []:
        if getattr(warning, "code", None) in (said or ()):
            continue
        text = warning_text(warning, target)
        print(f"{getattr(warning, 'level', 'warning')}: {text}", file=sys.stderr)
    return result


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
    with template_environment(args.region, args.account), open_target(args.target) as api:
        result = synthesize(api, synth_kwargs(args), target=args.target)
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


def warning_text(warning: Any, target: str | None = None) -> str:
    """One synth/export warning as the CLI prints it: ``[code] text`` (its command-line
    wording when it has one, ``TARGET`` there naming ``target``)."""
    cli_text = getattr(warning, "cli_text", None)
    if isinstance(cli_text, str):
        code = getattr(warning, "code", None)
        text = with_target(cli_text, target)
        return f"[{code}] {text}" if code else text
    message = getattr(warning, "message", None)
    if isinstance(message, str):
        code = getattr(warning, "code", None)
        return f"[{code}] {message}" if code else message
    text = str(warning).strip()
    code = getattr(warning, "code", None)
    if code and text:
        return f"[{code}] {text}"
    return text.splitlines()[0] if text else repr(warning)
