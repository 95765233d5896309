"""Identifiers and timestamps in the shapes API Gateway uses."""

from __future__ import annotations

import base64
import hashlib
import os
import random
import time

ACCOUNT_ID = "123456789012"  # the account every local ARN uses (moto's default account)
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_ALNUM = "abcdefghijklmnopqrstuvwxyz0123456789"


# Ids only need to be unique, not secret (the management API is loopback-only and open), so
# they come from a PRNG seeded from the OS: no system call per id. Reseeded in forked children.
_rng = random.Random(os.urandom(32))
os.register_at_fork(after_in_child=lambda: _rng.seed(os.urandom(32)))
_UUID_CLEAR = ~((0xF000 << 64) | (0xC000 << 48))
_UUID_SET = (0x4000 << 64) | (0x8000 << 48)


def aws_id() -> str:
    """A 16-character id like API Gateway's connection/request ids (``L0SM9cOFvHcCIhw=``).

    Base64 of 11 random bytes (so it ends with ``=``), with ``A``/``B`` in place of ``+``/``/``.
    """
    return base64.b64encode(_rng.randbytes(11), b"AB").decode("ascii")


def request_uuid() -> str:
    """A random (version 4) UUID string, like Lambda's ``context.aws_request_id``."""
    h = f"{_rng.getrandbits(128) & _UUID_CLEAR | _UUID_SET:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def api_id(name: str) -> str:
    """A stable 10-character lowercase id for an API (the same name gives the same id)."""
    digest = hashlib.sha256(f"wsnb-local:{name}".encode()).digest()
    return "".join(_ALNUM[b % 36] for b in digest[:10])


def now_ms() -> int:
    return time.time_ns() // 1_000_000


_request_time: tuple[int, str] = (-1, "")


def request_time(epoch_ms: int) -> str:
    """``24/Nov/2026:19:21:58 +0000`` (CLF, UTC, English month names whatever the locale)."""
    global _request_time
    second = epoch_ms // 1000
    cached = _request_time
    if cached[0] == second:
        return cached[1]
    t = time.gmtime(second)
    text = f"{t.tm_mday:02d}/{_MONTHS[t.tm_mon - 1]}/{t.tm_year}:{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d} +0000"
    _request_time = (second, text)
    return text


def iso8601(epoch_ms: int) -> str:
    t = time.gmtime(epoch_ms / 1000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", t) + f".{epoch_ms % 1000:03d}Z"


def log_stream_name(epoch_ms: int) -> str:
    t = time.gmtime(epoch_ms / 1000)
    return f"{t.tm_year}/{t.tm_mon:02d}/{t.tm_mday:02d}/[$LATEST]{os.urandom(16).hex()}"
