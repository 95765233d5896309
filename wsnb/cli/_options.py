"""Options shared by ``synth``, ``export`` and ``demo``: app, stage, region, account, context."""

from __future__ import annotations

import argparse
import json
import os
import re
import shlex
from pathlib import Path
from typing import Any

from .._errors import WsnbError
from ..model import refuse_non_finite

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


class ContextValueError(WsnbError, argparse.ArgumentTypeError):
    """A ``--context`` value that looks like JSON but is not valid JSON, or holds NaN/Infinity.

    A :class:`WsnbError` that argparse also reports as a usage error (exit status 2), on one
    line: ``error: argument --context/-c: <message> Fix: <fix>``."""

    def __str__(self) -> str:
        return f"{self.message} Fix: {self.fix}" if self.fix else self.message


# A value starting like this is meant as JSON (an object, array, string, number, true/false/null
# or NaN/Infinity); anything else is kept as a plain string.
_JSON_START = re.compile(
    r"^\s*([{\[\"\d]|-\s*[\d.I]|\.\d|(true|false|null|NaN|-?Infinity)\s*$)", re.ASCII
)


def context_item(text: str) -> tuple[str, Any]:
    """``key=value`` → ``(key, json-or-string)``.

    CDK lookup keys contain ``=`` themselves (``hosted-zone:account=1:domainName=x:region=y``), so
    the value starts at the first ``=`` followed by a JSON object or array; otherwise a lookup-style
    key (``provider:...``) ends at the last ``=`` and any other key at the first one.

    A value that looks like JSON (it starts with ``{``, ``[``, ``"``, a digit or ``-`` and a
    digit, or is ``true``/``false``/``null``) must parse as JSON, and numbers must be finite;
    otherwise :class:`ContextValueError`. Other values are kept as strings (``-c stage=dev``);
    quote a string that looks like JSON: ``-c 'version="1.2.3"'``."""
    if "=" not in text:
        raise argparse.ArgumentTypeError(f"{text!r} is not KEY=VALUE")
    positions = [i for i, ch in enumerate(text) if ch == "="]
    for pos in positions:  # prefer the earliest split whose value is a JSON object or array
        value = text[pos + 1 :].strip()
        if value[:1] in "{[" and value:
            try:
                parsed = json.loads(value)
            except ValueError:
                continue
            key = _key(text[:pos], text)
            _check_finite(key, parsed)
            return key, parsed
    pos = positions[-1] if _LOOKUP_KEY.match(text) else positions[0]
    key, value = _key(text[:pos], text), text[pos + 1 :]
    if not _JSON_START.match(value):
        return key, value
    try:
        parsed = json.loads(value)
    except ValueError as exc:
        detail = exc.msg if isinstance(exc, json.JSONDecodeError) else str(exc)
        column = f" at column {exc.colno}" if isinstance(exc, json.JSONDecodeError) else ""
        raise ContextValueError(
            f"{key}={value} looks like JSON but does not parse ({detail}{column}).",
            given=value,
            allowed="valid JSON (an object, array, number, quoted string, true, false, null), "
            "or text that does not start like JSON",
            fix="correct the JSON, or pass the text as a JSON string: "
            f"-c {shlex.quote(key + '=' + json.dumps(value))}",
            path=f"--context {key}",
        ) from None
    _check_finite(key, parsed)
    return key, parsed


def _check_finite(key: str, value: Any) -> None:
    refuse_non_finite(
        value,
        what=key,
        error=ContextValueError,
        fix="use a finite number (e.g. 1e9 for a very large limit), or pass text as a JSON "
        f"string: -c {shlex.quote(key + '=' + json.dumps('NaN'))}",
        path=f"--context {key}",
    )


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
    """Make a path argument absolute against the directory the command was started in (TARGET
    loading changes the working directory later). Symlinks are kept, not resolved, so the
    command sees the path the user typed — the same one ``api.export(...)`` would get."""
    return Path(os.path.abspath(Path(text).expanduser()))


def add_parameter_option(parser: argparse.ArgumentParser, dest: str = "parameter") -> None:
    """``--parameter NAME=VALUE`` (repeatable): template Parameters for a template TARGET."""
    parser.add_argument(
        "--parameter",
        dest=dest,
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


def add_report_option(parser: argparse.ArgumentParser) -> None:
    """``--report``: also print what ``from_template`` read, approximated and ignored."""
    parser.add_argument(
        "--report",
        action="store_true",
        help="also print the template report (what was read, approximated and ignored, "
        "resource by resource): a template or cdk.out TARGET",
    )


def template_report(api: Any, target: str) -> str:
    """The report of an API read from a template TARGET (``--report``), as text."""
    from ._errors import TargetError

    if getattr(api, "origin", None) is None:
        raise TargetError(
            "--report applies to a template TARGET (a .yaml/.json template or a cdk.out folder).",
            given=target,
            fix="remove --report, or point TARGET at a template",
        )
    return str(api.template_report)
