"""Local SSM parameters for ``Secret`` and ``Parameter`` resources, and the ``secrets=`` option.

A bound ``Secret`` is read, as in AWS, from the SSM parameter synth names
``/wsnb/<app>/<stage>/Secret/<name>/value`` (its name is in
``WSNB_Secret_<name>_parameter_name``). Locally it lives in moto's in-process SSM as a
``SecureString`` holding the value given with ``api.serve(secrets={name: value})``; a Secret
with no value given has no parameter (a stale one from an earlier server is deleted), so
``get_parameter`` raises ``ParameterNotFound`` as it would in AWS, and the server logs a
one-line hint. A ``Parameter``'s value is injected as an environment variable and also stored
as a ``String`` at ``/wsnb/<app>/<stage>/Parameter/<name>/value``.

Secret values never appear in logs, ``server.events``, the monitor or reprs:
:class:`SecretValues` hides them.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator, Mapping
from typing import Any

from .._errors import EmulatorError
from ..model import Parameter, Resource, Secret
from ._moto import local_client
from ._tables import ssm_parameter_name

log = logging.getLogger("wsnb.local")


class SecretValues(Mapping[str, str]):
    """Secret values by Secret name; its repr shows names only."""

    def __init__(self, values: Mapping[str, str] | None = None) -> None:
        self._values = dict(values or {})

    def __getitem__(self, name: str) -> str:
        return self._values[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __repr__(self) -> str:
        return "SecretValues(" + ", ".join(f"{n}=***" for n in sorted(self._values)) + ")"

    __str__ = __repr__


def check_secrets(secrets: Any, resources: list[Resource]) -> SecretValues:
    """Validate the ``secrets=`` option against the API's Secrets (never echoing a value)."""
    names = sorted(r.id for r in resources if isinstance(r, Secret))
    allowed = ", ".join(names) if names else "none: this API binds no Secret"
    if secrets is None:
        return SecretValues()
    if not isinstance(secrets, Mapping):
        raise EmulatorError(
            "secrets must be a dict of Secret name to value.",
            given=type(secrets).__name__,
            allowed=f"Secret names: {allowed}",
            fix='api.serve(secrets={"STRIPE_KEY": "sk_test_..."})',
        )
    unknown = sorted(str(k) for k in secrets if k not in names)
    if unknown:
        raise EmulatorError(
            f"secrets names {unknown[0]!r}, which is not a Secret this API uses.",
            given=unknown,
            allowed=allowed,
            fix=f"bind Secret({unknown[0]!r}) to a function, or remove it from secrets=",
        )
    for name, value in secrets.items():
        if not isinstance(value, str) or not value:
            raise EmulatorError(
                f"The value of secret {name!r} must be a non-empty string.",
                given=type(value).__name__ if not isinstance(value, str) else "''",
                fix=f'secrets={{"{name}": "..."}}',
            )
    return SecretValues(secrets)


def ensure_parameters(
    resources: list[Resource], secrets: SecretValues, *, stage: str, app: str, region: str
) -> list[str]:
    """Store Secrets that have a value (SecureString) and Parameters (String) in local SSM;
    remove the parameter of a Secret without one. Returns the names of Secrets left unset."""
    wanted = [r for r in resources if isinstance(r, (Secret, Parameter))]
    if not wanted:
        return []
    client = local_client("ssm", region)
    unset = []
    for res in wanted:
        name = ssm_parameter_name(res, stage, app)
        if isinstance(res, Parameter):
            if res.value:  # SSM holds no empty values; the environment variable still has it
                client.put_parameter(Name=name, Value=res.value, Type="String", Overwrite=True)
        elif res.id in secrets:
            client.put_parameter(
                Name=name, Value=secrets[res.id], Type="SecureString", Overwrite=True
            )
        else:
            unset.append(res.id)
            with contextlib.suppress(client.exceptions.ParameterNotFound):
                client.delete_parameter(Name=name)
            log.warning(
                "Secret %r has no local value, so reading %s raises ParameterNotFound; "
                "give one with api.serve(secrets={%r: ...})",
                res.id,
                name,
                res.id,
            )
    return unset
