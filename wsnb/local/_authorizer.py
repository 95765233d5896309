"""Authorization on ``$connect``: the Lambda REQUEST authorizer's policy, and the local IAM rule."""

from __future__ import annotations

import json
from fnmatch import fnmatchcase
from typing import Any

from ._events import Connection

ALLOW, DENY, MALFORMED = "allow", "deny", "malformed"


def missing_identity(sources: tuple[str, ...], conn: Connection) -> str | None:
    """The first identity source absent or empty in the request (API Gateway then answers 401
    without calling the authorizer), or ``None`` when all are present."""
    headers = {k.lower(): v for k, v in conn.headers}
    query = dict(conn.query)
    for source in sources:
        parts = source.split(".", 3)
        if len(parts) == 4 and parts[2] == "header":
            if not headers.get(parts[3].lower()):
                return source
        elif len(parts) == 4 and parts[2] == "querystring" and not query.get(parts[3]):
            return source
    return None


def _as_list(value: Any) -> list[Any] | None:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return value
    return None


def evaluate_policy(result: Any, method_arn: str) -> str:
    """``allow`` / ``deny`` / ``malformed`` for an authorizer's return value.

    An explicit Deny on ``execute-api:Invoke`` for the method ARN wins; otherwise a matching
    Allow allows; no matching statement denies. Wildcards ``*`` and ``?`` work as in IAM.
    """
    if not isinstance(result, dict):
        return MALFORMED
    doc = result.get("policyDocument")
    if not isinstance(doc, dict):
        return MALFORMED
    statements = doc.get("Statement")
    if isinstance(statements, dict):
        statements = [statements]
    if not isinstance(statements, list) or not statements:
        return MALFORMED
    context = result.get("context")
    if context is not None and (
        not isinstance(context, dict)
        or not all(isinstance(v, (str, int, float, bool)) or v is None for v in context.values())
    ):
        return MALFORMED
    allowed = False
    for st in statements:
        if not isinstance(st, dict):
            return MALFORMED
        effect = st.get("Effect")
        actions = _as_list(st.get("Action"))
        resources = _as_list(st.get("Resource"))
        if effect not in ("Allow", "Deny") or actions is None or resources is None:
            return MALFORMED
        if not any(fnmatchcase("execute-api:invoke", a.lower()) for a in actions):
            continue
        if not any(fnmatchcase(method_arn, r) for r in resources):
            continue
        if effect == "Deny":
            return DENY
        allowed = True
    return ALLOW if allowed else DENY


#: "AWS Lambda authorizer result size: 8 KB" ("Quotas for configuring and running a WebSocket API
#: in API Gateway"; not adjustable).
RESULT_LIMIT_BYTES = 8 * 1024


def result_size(result: Any) -> int:
    """The authorizer response's size as JSON (compact, UTF-8), as the quota counts it."""
    try:
        return len(json.dumps(result, separators=(",", ":"), default=str).encode())
    except (TypeError, ValueError):
        return 0


def authorizer_context(result: dict[str, Any], latency_ms: int) -> dict[str, Any]:
    """What lands in ``requestContext.authorizer`` of every later event."""
    out: dict[str, Any] = dict(result.get("context") or {})
    out["principalId"] = result.get("principalId")
    out["integrationLatency"] = latency_ms
    return out


def principal_of(result: Any) -> str | None:
    """The ``principalId`` of an authorizer's answer, as text (``None`` when it has none)."""
    if isinstance(result, dict) and isinstance(result.get("principalId"), (str, int)):
        return str(result["principalId"])[:128]
    return None


def shape_of(result: Any) -> str:
    """What an authorizer returned, described without its values (they can carry secrets:
    tokens, e-mail addresses, ``context`` entries): its type and top-level keys."""
    if isinstance(result, dict):
        keys = ", ".join(sorted(str(k)[:40] for k in result)[:20])
        return f"a dict with keys [{keys}]"
    return f"a {type(result).__name__}"


def iam_signed(conn: Connection) -> bool:
    """The local IAM rule: the upgrade request carries a SigV4 signature.

    Either an ``Authorization: AWS4-HMAC-SHA256 ...`` header or a presigned URL
    (``X-Amz-Signature`` in the query). The signature is *not* verified locally.
    """
    for name, value in conn.headers:
        if name.lower() == "authorization" and value.startswith("AWS4-HMAC-SHA256"):
            return True
    return any(k == "X-Amz-Signature" and v for k, v in conn.query)
