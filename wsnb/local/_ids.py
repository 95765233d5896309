"""Identifiers and timestamps in the shapes API Gateway uses."""

from __future__ import annotations

import base64
import hashlib
import os
import time

ACCOUNT_ID = "123456789012"  # the account every local ARN uses (moto's default account)
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_ALNUM = "abcdefghijklmnopqrstuvwxyz0123456789"


def aws_id() -> str:
    """A 16-character id like API Gateway's connection/request ids (``L0SM9cOFvHcCIhw=``).

    Base64 of 11 random bytes (so it ends with ``=``), redrawn until it has no ``+`` or ``/``.
    """
    while True:
        text = base64.b64encode(os.urandom(11)).decode("ascii")
        if "+" not in text and "/" not in text:
            return text


def api_id(name: str) -> str:
    """A stable 10-character lowercase id for an API (the same name gives the same id)."""
    digest = hashlib.sha256(f"wsnb-local:{name}".encode()).digest()
    return "".join(_ALNUM[b % 36] for b in digest[:10])


def now_ms() -> int:
    return time.time_ns() // 1_000_000


def request_time(epoch_ms: int) -> str:
    """``24/Nov/2026:19:21:58 +0000`` (CLF, UTC, English month names whatever the locale)."""
    t = time.gmtime(epoch_ms / 1000)
    return f"{t.tm_mday:02d}/{_MONTHS[t.tm_mon - 1]}/{t.tm_year}:{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d} +0000"


def iso8601(epoch_ms: int) -> str:
    t = time.gmtime(epoch_ms / 1000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", t) + f".{epoch_ms % 1000:03d}Z"


def log_stream_name(epoch_ms: int) -> str:
    t = time.gmtime(epoch_ms / 1000)
    return f"{t.tm_year}/{t.tm_mon:02d}/{t.tm_mday:02d}/[$LATEST]{os.urandom(16).hex()}"
