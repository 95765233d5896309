"""The options of ``serve()``, written down once: :class:`ServeOptions`.

``ServeOptions.parse(...)`` validates everything ``serve()`` is given (before anything starts)
and returns a frozen value; :class:`~wsnb.local.LocalServer` reads only that value.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import _facts
from .._errors import EmulatorError
from ._ids import ACCOUNT_ID
from ._secrets import SecretValues, check_secrets
from ._workers import ACCOUNT_CONCURRENCY

if TYPE_CHECKING:
    from ..model import ApiSpec

_NUMBER_OPTIONS = ("idle_timeout", "max_connection_seconds", "integration_timeout")


@dataclass(frozen=True)
class ServeOptions:
    """Everything ``serve(api, port=0, host="127.0.0.1", stage="dev", **options)`` takes.

    * ``port`` (0 = any free port), ``host`` (loopback unless ``allow_remote``), ``stage``;
    * ``idle_timeout`` (600 s), ``max_connection_seconds`` (7200), ``integration_timeout``
      (29 s): API Gateway's limits;
    * ``compression``: None, or ``"deflate"`` to negotiate permessage-deflate;
    * ``region`` ("us-east-1"), ``account`` ("123456789012": the account in the ARNs handlers
      see), ``app`` ("app": part of local resource names);
    * ``iam``: what an ``"iam"`` authorizer admits locally — ``"signed"`` (requests carrying a
      SigV4 signature), ``"allow"`` (all), ``"deny"`` (none);
    * ``root``: the folder handler paths are relative to (None: the working directory);
    * ``max_events`` (1000): event log size; ``max_workers`` (1000: the account's Lambda
      concurrency); ``management_port`` (0 = any free port);
    * ``secrets``: local values of the API's bound ``Secret``s, by name (never shown);
    * ``allow_remote``: other machines may connect (the HTTP management listener then requires
      SigV4 requests signed with the server's own credentials).
    """

    port: int = 0
    host: str = "127.0.0.1"
    stage: str = "dev"
    app: str = "app"
    region: str = "us-east-1"
    account: str = ACCOUNT_ID
    idle_timeout: float = _facts.IDLE_TIMEOUT_SECONDS
    max_connection_seconds: float = _facts.MAX_CONNECTION_SECONDS
    integration_timeout: float = _facts.INTEGRATION_TIMEOUT_SECONDS
    compression: str | None = None
    iam: str = "signed"
    max_events: int = 1000
    root: str | os.PathLike[str] | None = None
    max_workers: int = ACCOUNT_CONCURRENCY
    management_port: int = 0
    secrets: SecretValues = field(default_factory=SecretValues)
    allow_remote: bool = False

    @classmethod
    def names(cls) -> list[str]:
        """The keyword options of ``serve()`` (beyond ``port``, ``host`` and ``stage``)."""
        return [f.name for f in dataclasses.fields(cls) if f.name not in ("port", "host", "stage")]

    @classmethod
    def parse(
        cls,
        spec: ApiSpec,
        port: Any = 0,
        host: Any = "127.0.0.1",
        stage: Any = "dev",
        **options: Any,
    ) -> ServeOptions:
        """Validate ``serve()``'s arguments for the API ``spec``; a ``EmulatorError`` names the
        first bad one (what was given, what is allowed, how to fix it)."""
        _check_address(port, host, options.get("allow_remote", False))
        allow_remote = options.pop("allow_remote", False)
        if not isinstance(allow_remote, bool):
            raise EmulatorError(
                "allow_remote must be True or False.", given=allow_remote, fix="allow_remote=True"
            )
        if (
            not isinstance(stage, str)
            or not stage
            or not all(c.isalnum() or c in "-_" for c in stage)
        ):
            raise EmulatorError(
                "stage must be a name of letters, digits, '-' and '_'.",
                given=stage,
                fix='stage="dev"',
            )
        known = cls.names()
        unknown = set(options) - set(known)
        if unknown:
            raise EmulatorError(
                f"Unknown serve() option {sorted(unknown)[0]!r}.",
                given=sorted(unknown),
                allowed=", ".join(sorted(known)),
                fix="remove it",
            )
        _check_values(options)
        from .._selection import evaluator, expression_of
        from ._runtimes import check_runnable

        check_runnable(spec)  # functions no handler runtime runs: refused, by name
        evaluator(expression_of(spec))  # an expression the emulator cannot evaluate: refused
        secrets = check_secrets(options.pop("secrets", None), spec.resources())
        _check_names(options)
        given = {k: v for k, v in options.items() if v is not None or k in ("compression", "root")}
        return cls(
            port=port,
            host=host,
            stage=stage,
            allow_remote=allow_remote,
            secrets=secrets,
            **given,
        )

    @property
    def root_path(self) -> Path:
        """The folder handler paths are relative to, resolved now (the working directory at
        the time of the call when no ``root`` was given)."""
        return Path(self.root or os.getcwd()).resolve()


def _check_address(port: Any, host: Any, allow_remote: Any) -> None:
    if isinstance(port, bool) or not isinstance(port, int) or not 0 <= port <= 65535:
        raise EmulatorError(
            "port must be an integer from 0 to 65535.",
            given=port,
            allowed="0 (any free port) .. 65535",
            fix="api.serve(port=0)",
        )
    if not isinstance(host, str) or not host:
        raise EmulatorError("host must be an address string.", given=host, fix='host="127.0.0.1"')
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback and not allow_remote:
        raise EmulatorError(
            "The local emulator binds to loopback only unless you ask for more.",
            given=host,
            allowed="127.0.0.1, ::1, localhost; or another address together with allow_remote=True",
            fix=f"api.serve(host={host!r}, allow_remote=True)  # other machines can then reach your handlers",
        )


def _check_values(options: dict[str, Any]) -> None:
    for name in _NUMBER_OPTIONS:
        value = options.get(name)
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0
        ):
            raise EmulatorError(
                f"{name} must be a positive number of seconds.", given=value, fix=f"{name}=5"
            )
    if options.get("compression") not in (None, "deflate"):
        raise EmulatorError(
            "compression must be None or 'deflate'.",
            given=options["compression"],
            allowed="None, 'deflate'",
            fix="compression=None",
        )
    if options.get("iam", "signed") not in ("signed", "allow", "deny"):
        raise EmulatorError(
            "iam must be 'signed', 'allow' or 'deny'.",
            given=options["iam"],
            allowed="'signed', 'allow', 'deny'",
            fix='iam="allow"',
        )


def _check_names(options: dict[str, Any]) -> None:
    for name in ("app", "region"):
        value = options.get(name)
        if value is not None and (not isinstance(value, str) or not value):
            raise EmulatorError(
                f"{name} must be a non-empty string.",
                given=value,
                fix=f'{name}="{"app" if name == "app" else "us-east-1"}"',
            )
    account = options.get("account")
    if account is not None and (
        not isinstance(account, str) or len(account) != 12 or not account.isdigit()
    ):
        raise EmulatorError(
            "account must be a 12-digit AWS account id.",
            given=account,
            fix='account="123456789012"',
        )
    for name, low in (("max_events", 1), ("max_workers", 1), ("management_port", 0)):
        value = options.get(name)
        high = 65535 if name == "management_port" else None
        if value is not None and (
            isinstance(value, bool)
            or not isinstance(value, int)
            or value < low
            or (high is not None and value > high)
        ):
            raise EmulatorError(
                f"{name} must be an integer from {low}"
                + (f" to {high}." if high is not None else " up."),
                given=value,
                fix=f"{name}={ {'max_events': 1000, 'max_workers': 1000}.get(name, 0) }",
            )
    root = options.get("root")
    if root is not None and not isinstance(root, (str, os.PathLike)):
        raise EmulatorError(
            "root must be a folder path (a string or a pathlib.Path).",
            given=root,
            fix='root="path/to/handlers"',
        )
