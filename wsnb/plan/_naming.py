"""The names a plan gives things: Python identifiers and construct ids, the SSM parameter of a
bound secret, a hosted zone's context key, a Lambda runtime's ``aws_lambda.Runtime`` member."""

from __future__ import annotations

import keyword
import re

from ..model import Secret, ssm_parameter_name


def secret_parameter_name(app: str, stage: str, name: str) -> str:
    """The SSM parameter holding a bound ``Secret``'s value: ``/wsnb/<app>/<stage>/Secret/<name>/value``."""
    return ssm_parameter_name(Secret(name), app=app, stage=stage)


def hosted_zone_context_key(account: str, zone: str, region: str) -> str:
    return f"hosted-zone:account={account}:domainName={zone}:region={region}"


def runtime_name(runtime: str) -> str:
    """The ``aws_lambda.Runtime`` member: ``"python3.12"`` → ``"PYTHON_3_12"``,
    ``"nodejs22.x"`` → ``"NODEJS_22_X"``."""
    return (
        runtime.upper().replace("PYTHON", "PYTHON_").replace("NODEJS", "NODEJS_").replace(".", "_")
    )


class Names:
    """Unique Python identifiers and construct ids, deterministic in model order."""

    def __init__(self) -> None:
        self.taken: set[str] = {"self", "stack", "app", "scope", "id"}
        self.ids: set[str] = set()

    def var(self, hint: str) -> str:
        snake = re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", hint)
        base = re.sub(r"[^a-z0-9_]+", "_", snake.lower()).strip("_") or "item"
        if base[0].isdigit() or keyword.iskeyword(base):
            base = "v_" + base
        name, n = base, 2
        while name in self.taken:
            name, n = f"{base}_{n}", n + 1
        self.taken.add(name)
        return name

    def cid(self, prefix: str, key: str = "") -> str:
        clean = re.sub(r"[^A-Za-z0-9]+", "", key)
        base = f"{prefix}_{clean}" if clean else prefix
        name, n = base, 2
        while name in self.ids:
            name, n = f"{base}{n}", n + 1
        self.ids.add(name)
        return name
