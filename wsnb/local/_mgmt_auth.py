"""Authentication of the plain-HTTP management listener when other machines may reach it.

On loopback (the default) the listener is open, like the in-process endpoint: only this
machine can reach it. With ``serve(host=..., allow_remote=True)`` it binds where the WebSocket
endpoint does, so it then requires what AWS requires of @connections callers — a SigV4-signed
request (``Authorization: AWS4-HMAC-SHA256 Credential=<key>/...``) — made with the server's own
credentials, ``server.management_credentials`` (generated per server from the OS's CSPRNG;
``server.client()`` uses them). The access key must match and the signature is verified
(botocore's SigV4 canonical request, the server's secret); the ``X-Amz-Date`` must be within 15
minutes, as AWS checks. Failures answer 403 with AWS's error types: no signature →
``MissingAuthenticationTokenException``, an unknown key → ``UnrecognizedClientException``, a
wrong signature or stale date → ``InvalidSignatureException``. In-process calls (handlers and
the notebook, answered without a socket) need no credentials: that code already runs here.
"""

from __future__ import annotations

import calendar
import hmac
import json
import re
import secrets
import string
import time
from typing import Any

Result = tuple[int, dict[str, str], bytes, Any]

_AUTH = re.compile(
    r"^AWS4-HMAC-SHA256\s+Credential=(?P<cred>[^,\s]+),\s*SignedHeaders=(?P<signed>[^,\s]+),"
    r"\s*Signature=(?P<sig>[0-9a-f]{64})\s*$"
)
_KEY_ALPHABET = string.ascii_uppercase + string.digits
_MAX_SKEW_SECONDS = 15 * 60


def new_credentials() -> dict[str, str]:
    """A fresh access key id / secret pair (CSPRNG), shaped like AWS's."""
    key = "AKWSNB" + "".join(secrets.choice(_KEY_ALPHABET) for _ in range(14))
    return {"aws_access_key_id": key, "aws_secret_access_key": secrets.token_urlsafe(30)}


def _deny(kind: str, message: str) -> Result:
    body = json.dumps({"message": message}).encode()
    return 403, {"x-amzn-ErrorType": kind, "Content-Type": "application/json"}, body, None


def check(
    credentials: dict[str, str] | None,
    method: str,
    target: str,
    headers: dict[str, str],
    body: bytes,
) -> Result | None:
    """``None`` when the request may proceed, else the 403 answer to send. ``credentials``:
    the server's key pair when it allows remote clients (None: any request may proceed)."""
    if credentials is None:
        return None
    creds = credentials
    match = _AUTH.match(headers.get("authorization", ""))
    if match is None:
        return _deny(
            "MissingAuthenticationTokenException",
            "Missing Authentication Token (this server allows remote clients: sign requests "
            "with server.management_credentials)",
        )
    scope = match["cred"].split("/")
    if len(scope) != 5 or scope[4] != "aws4_request":
        return _deny("IncompleteSignatureException", "Malformed Credential scope")
    key, day, region, service, _ = scope
    if not hmac.compare_digest(key, creds["aws_access_key_id"]):
        return _deny(
            "UnrecognizedClientException", "The security token included in the request is invalid."
        )
    amz_date = headers.get("x-amz-date", "")
    try:
        signed_at = calendar.timegm(time.strptime(amz_date, "%Y%m%dT%H%M%SZ"))
    except ValueError:
        return _deny("IncompleteSignatureException", "X-Amz-Date is missing or malformed")
    if abs(time.time() - signed_at) > _MAX_SKEW_SECONDS or not amz_date.startswith(day):
        return _deny("InvalidSignatureException", "Signature expired or dated outside its scope")
    expected = _signature(
        method, target, headers, body, match["signed"].split(";"), creds, amz_date, region, service
    )
    if expected is None or not hmac.compare_digest(expected, match["sig"]):
        return _deny(
            "InvalidSignatureException",
            "The request signature we calculated does not match the signature you provided.",
        )
    return None


def _signature(
    method: str,
    target: str,
    headers: dict[str, str],
    body: bytes,
    signed: list[str],
    creds: dict[str, str],
    amz_date: str,
    region: str,
    service: str,
) -> str | None:
    """The SigV4 signature of the request as received, recomputed with botocore's signer."""
    try:
        from botocore.auth import SigV4Auth
        from botocore.awsrequest import AWSRequest
        from botocore.credentials import Credentials
    except ImportError:  # pragma: no cover - boto3 comes with the 'local' extra
        return None
    if "host" not in signed or any(name not in headers for name in signed):
        return None
    request = AWSRequest(
        method=method,
        url=f"http://{headers['host']}{target}",
        data=body,
        headers={name: headers[name] for name in signed},
    )
    request.context["timestamp"] = amz_date
    signer = SigV4Auth(
        Credentials(creds["aws_access_key_id"], creds["aws_secret_access_key"]), service, region
    )
    canonical = signer.canonical_request(request)
    return str(signer.signature(signer.string_to_sign(request, canonical), request))
