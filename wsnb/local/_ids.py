"""Identifiers and timestamps in the shapes API Gateway uses."""

from __future__ import annotations

import base64
import hashlib
import os
import time

ACCOUNT_ID = "123456789012"  # the account every local ARN uses (moto's default account)
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_ALNUM = "abcdefghijklmnopqrstuvwxyz0123456789"


# Connection ids are the only key to a connection's @connections endpoint (and the management
# listener may be reachable from other machines with ``allow_remote=True``), so every id comes
# from the OS's CSPRNG. It costs ~0.2 µs more per id than a seeded PRNG (measured with timeit):
# nothing next to a message's emulator overhead, so there is no "fast but guessable" mode.
_urandom = os.urandom


def aws_id() -> str:
    """A 16-character id like API Gateway's connection/request ids (``L0SM9cOFvHcCIhw=``).

    Base64 of 11 random bytes from the OS's CSPRNG (so it ends with ``=``), with ``A``/``B`` in
    place of ``+``/``/``.
    """
    return base64.b64encode(_urandom(11), b"AB").decode("ascii")


def request_uuid() -> str:
    """A random (version 4) UUID string, like Lambda's ``context.aws_request_id``."""
    h = _urandom(16).hex()
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{'89ab'[int(h[16], 16) & 3]}{h[17:20]}-{h[20:]}"


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
