"""``wsnb lint TARGET``: what would fail or surprise at deploy; exit 1 on errors."""

from __future__ import annotations

import argparse
from collections import Counter
from typing import Any

from ._errors import finding_fix
from ._options import add_report_option, template_report
from ._target import TARGET_HELP, open_target


def add_parser(subparsers: argparse._SubParsersAction, parent: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser(
        "lint",
        parents=[parent],
        help="print lint findings; exit 1 on errors",
        description="Print api.lint() findings. Exit status 1 when any finding is an error "
        "(with --strict, also when any is a warning).",
    )
    parser.add_argument("target", metavar="TARGET", help=TARGET_HELP)
    parser.add_argument("--strict", action="store_true", help="also exit 1 on warnings")
    add_report_option(parser)
    parser.set_defaults(run=run)


def level_name(finding: Any) -> str:
    """``"error"``, ``"warning"``, ``"info"``… whatever the level's type (str or enum)."""
    level = getattr(finding, "level", "info")
    level = getattr(level, "value", level)
    text = str(level).lower()
    return {"warn": "warning", "err": "error"}.get(text, text)


def format_findings(
    findings: list[Any], target: str | None = None, *, template: bool = False
) -> str:
    """One block per finding: ``level  CODE  message`` then an indented ``fix:`` line, the
    advice in the command line's words (``template``: TARGET is a template, whose user edits
    the template; ``target``: the TARGET the advice names)."""
    if not findings:
        return "no findings"
    width = max(7, *(len(level_name(f)) for f in findings))  # "warning" keeps columns steady
    lines = []
    for finding in findings:
        lines.append(f"{level_name(finding):<{width}}  {finding.code}  {finding.message}")
        fix = finding_fix(finding, target, template=template)
        if fix:
            lines.append(f"{'':<{width}}  fix: {fix}")
    counts = Counter(level_name(f) for f in findings)
    summary = ", ".join(f"{n} {name}{'s' if n != 1 else ''}" for name, n in sorted(counts.items()))
    lines.append(f"{len(findings)} finding{'s' if len(findings) != 1 else ''}: {summary}")
    return "\n".join(lines)


def failing(findings: list[Any], *, strict: bool) -> bool:
    levels = {level_name(f) for f in findings}
    return "error" in levels or (strict and "warning" in levels)


def run(args: argparse.Namespace) -> int:
    with open_target(args.target) as api:
        findings = list(api.lint())
        report = template_report(api, args.target) if args.report else None
    print(format_findings(findings, args.target, template=api.origin is not None))
    if report is not None:
        print(f"\n{report}")
    return 1 if failing(findings, strict=args.strict) else 0
