"""Checking the synth/export options (app, stage, region, account, context)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from .._errors import SynthError
from ..model import check_context

_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,63}$")
_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d{1,2}$")
_ACCOUNT = re.compile(r"^\d{12}$")


@dataclass(frozen=True)
class Options:
    app: str = "app"
    stage: str = "dev"
    region: str | None = None
    account: str | None = None
    context: dict[str, Any] = field(default_factory=dict)

    def key(self) -> str:
        return json.dumps(
            [self.app, self.stage, self.region, self.account, self.context],
            sort_keys=True,
            default=repr,
        )

    @property
    def stack_name(self) -> str:
        """CloudFormation stack name ``<stage>-<app>`` (``_`` becomes ``-``, as stack names need)."""
        return f"{self.stage}-{self.app}".replace("_", "-")


def check_options(
    app: Any = "app",
    stage: Any = "dev",
    region: Any = None,
    account: Any = None,
    context: Any = None,
) -> Options:
    """Validate the options shared by ``synth``, ``export`` and ``to_cdk``."""
    for name, value in (("app", app), ("stage", stage)):
        if not isinstance(value, str) or not _NAME.match(value):
            raise SynthError(
                f"{name} {value!r} cannot name a CloudFormation stack.",
                given=value,
                allowed="a letter, then letters, digits, '-' or '_' (at most 64 characters)",
                fix=f'{name}="{"my-app" if name == "app" else "dev"}"',
                path=name,
            )
    if region is not None and (not isinstance(region, str) or not _REGION.match(region)):
        raise SynthError(
            f"region {region!r} is not an AWS region name.",
            given=region,
            allowed="e.g. 'us-east-1', 'eu-west-3'",
            fix='region="us-east-1"',
            path="region",
        )
    if account is not None and (not isinstance(account, str) or not _ACCOUNT.match(account)):
        raise SynthError(
            f"account {account!r} is not a 12-digit AWS account id.",
            given=account,
            allowed="a string of 12 digits",
            fix='account="123456789012"',
            path="account",
        )
    context = check_context(context, error=SynthError)
    return Options(app=app, stage=stage, region=region, account=account, context=context)
