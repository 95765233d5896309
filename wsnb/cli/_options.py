"""Options shared by ``synth``, ``export`` and ``demo``: app, stage, region, account, context."""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path
from typing import Any

_LOOKUP_KEY = re.compile(r"^[A-Za-z0-9-]+:")


def add_synth_options(parser: argparse.ArgumentParser) -> None:
    """``--app --stage --region --account --context k=v``, the arguments of ``api.synth()``."""
    group = parser.add_argument_group("synth options (the arguments of api.synth())")
    group.add_argument(
        "--app", default="app", help="app name, part of resource names (default: app)"
    )
    group.add_argument("--stage", default="dev", help="stage name (default: dev)")
    group.add_argument(
        "--region", default=None, help="AWS region, e.g. us-east-1 (needed for lookups)"
    )
    group.add_argument("--account", default=None, help="AWS account id (needed for lookups)")
    group.add_argument(
        "--context",
        "-c",
        metavar="KEY=VALUE",
        action="append",
        type=context_item,
        default=[],
        help="a CDK context value; VALUE is parsed as JSON when it parses, else kept as a string "
        "(e.g. 'hosted-zone:account=123456789012:domainName=example.com:region=us-east-1="
        '{"Id": "/hostedzone/Z123", "Name": "example.com."}\'). Repeatable.',
    )


def context_item(text: str) -> tuple[str, Any]:
    """``key=value`` → ``(key, json-or-string)``.

    CDK lookup keys contain ``=`` themselves (``hosted-zone:account=1:domainName=x:region=y``), so
    the value starts at the first ``=`` followed by a JSON object or array; otherwise a lookup-style
    key (``provider:...``) ends at the last ``=`` and any other key at the first one."""
    if "=" not in text:
        raise argparse.ArgumentTypeError(f"{text!r} is not KEY=VALUE")
    positions = [i for i, ch in enumerate(text) if ch == "="]
    for pos in positions:  # prefer the earliest split whose value is a JSON object or array
        value = text[pos + 1 :].strip()
        if value[:1] in "{[" and value:
            try:
                return _key(text[:pos], text), json.loads(value)
            except ValueError:
                continue
    pos = positions[-1] if _LOOKUP_KEY.match(text) else positions[0]
    key, value = text[:pos], text[pos + 1 :]
    try:
        parsed: Any = json.loads(value)
    except ValueError:
        parsed = value
    return _key(key, text), parsed


def _key(key: str, text: str) -> str:
    key = key.strip()
    if not key:
        raise argparse.ArgumentTypeError(f"{text!r} has an empty KEY")
    return key


def synth_kwargs(args: argparse.Namespace) -> dict[str, Any]:
    """The keyword arguments for ``api.synth()`` / ``api.export()`` from parsed options."""
    return {
        "app": args.app,
        "stage": args.stage,
        "region": args.region,
        "account": args.account,
        "context": dict(args.context) or None,
    }


def absolute_path(text: str) -> Path:
    """Resolve a path argument against the directory the command was started in (TARGET loading
    changes the working directory later)."""
    return Path(text).expanduser().resolve()


def add_parameter_option(parser: argparse.ArgumentParser) -> None:
    """``--parameter NAME=VALUE`` (repeatable): template Parameters for a template TARGET."""
    parser.add_argument(
        "--parameter",
        metavar="NAME=VALUE",
        action="append",
        type=parameter_item,
        default=[],
        help="a template Parameter's value, for a template or cdk.out TARGET. Repeatable.",
    )


def parameter_item(text: str) -> tuple[str, str]:
    """``NAME=VALUE`` → ``(NAME, VALUE)`` (the value is kept as a string, as CloudFormation does)."""
    name, sep, value = text.partition("=")
    if not sep or not name.strip():
        raise argparse.ArgumentTypeError(f"{text!r} is not NAME=VALUE")
    return name.strip(), value
