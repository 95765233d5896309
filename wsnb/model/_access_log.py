"""``access_log=``: on/off, a format, a retention, or an existing log group."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from .. import _facts
from .._errors import AccessLogError

_LOG_GROUP_ARN = re.compile(
    r"^arn:aws[a-zA-Z-]*:logs:[a-z0-9-]+:\d{12}:log-group:[\w/.#-]+(:\*)?\Z"
)


@dataclass(frozen=True)
class AccessLogSpec:
    enabled: bool = True
    format: str | None = None
    retention: str | None = None
    destination_arn: str | None = None
    explicit: bool = False  # whether the user set access_log at all

    @property
    def effective_format(self) -> str:
        return self.format or _facts.default_access_log_format()

    @property
    def retention_days(self) -> int | None:
        return _facts.RETENTION_DAYS[self.retention or "infinite"]

    def to_json(self) -> Any:
        if not self.explicit:
            return None
        if not self.enabled:
            return False
        if self.retention is None and self.destination_arn is None:
            return self.format if self.format else True
        out: dict[str, Any] = {}
        if self.format:
            out["format"] = self.format
        if self.retention:
            out["retention"] = self.retention
        if self.destination_arn:
            out["destination_arn"] = self.destination_arn
        return out


def normalize_access_log(value: Any) -> AccessLogSpec:
    if value is None:
        return AccessLogSpec()
    if isinstance(value, AccessLogSpec):
        return value
    if value is True:
        return AccessLogSpec(explicit=True)
    if value is False:
        return AccessLogSpec(enabled=False, explicit=True)
    if isinstance(value, str):
        return AccessLogSpec(format=_check_format(value), explicit=True)
    if isinstance(value, dict):
        data: dict[Any, Any] = {
            {"destinationArn": "destination_arn"}.get(k, k): v for k, v in value.items()
        }
        unknown = set(data) - {"format", "retention", "destination_arn"}
        if unknown:
            raise AccessLogError(
                f"access_log has unknown key(s) {sorted(unknown)}.",
                given=value,
                allowed="format, retention, destination_arn",
                path="access_log",
            )
        retention = data.get("retention")
        if retention is not None:
            norm = str(retention).strip().lower().replace("-", "_").replace(" ", "_")
            if norm not in _facts.RETENTION_DAYS:
                import difflib

                close = difflib.get_close_matches(norm, list(_facts.RETENTION_DAYS), n=1)
                raise AccessLogError(
                    f"Retention {retention!r} is not a CloudWatch retention period.",
                    given=retention,
                    allowed=", ".join(_facts.RETENTION_DAYS),
                    fix=f"retention={close[0]!r}" if close else 'retention="one_week"',
                    path="access_log.retention",
                )
            retention = norm
        dest = data.get("destination_arn")
        if dest is not None and (not isinstance(dest, str) or not _LOG_GROUP_ARN.match(dest)):
            raise AccessLogError(
                "destination_arn must be a CloudWatch log group ARN.",
                given=dest,
                allowed="arn:aws:logs:<region>:<account>:log-group:<name>",
                path="access_log.destination_arn",
            )
        if dest and retention:
            raise AccessLogError(
                "retention applies to the log group wsnb creates; with destination_arn none is created.",
                given=value,
                fix="set the retention on the existing log group, and drop retention here",
                path="access_log",
            )
        fmt = data.get("format")
        return AccessLogSpec(
            format=_check_format(fmt) if fmt is not None else None,
            retention=retention,
            destination_arn=dest,
            explicit=True,
        )
    raise AccessLogError(
        f"access_log must be a bool, a format string or a dict, not {type(value).__name__}.",
        given=value,
        allowed='True, False, "$context.requestId ...", {"retention": "one_week", "format": ..., "destination_arn": ...}',
        path="access_log",
    )


def _check_format(value: Any) -> str:
    # "Customizing API Gateway WebSocket API access logs" / "Set up CloudWatch logging for
    # WebSocket APIs": the format must include $context.requestId or $context.extendedRequestId.
    if (
        not isinstance(value, str)
        or not any(v in value for v in ("$context.requestId", "$context.extendedRequestId"))
        or "\n" in value
        or len(value) > 10000
    ):
        raise AccessLogError(
            "An access-log format must be one line that includes $context.requestId or "
            "$context.extendedRequestId (API Gateway requires one of them).",
            given=value,
            fix='"$context.identity.sourceIp,$context.requestTime,$context.routeKey,$context.status,$context.requestId"',
            path="access_log.format",
        )
    return value
