"""Permissions in SST's forms: ``"*"``, a service, an action, an IAM statement, or a resource;
and (**beyond** SST) an IAM managed policy ARN, attached to the function's role."""

from __future__ import annotations

import json
import re
from typing import Any

from .._errors import PermissionsError
from ._frozen import freeze, thaw
from ._resources import TOKEN_PATTERN, Bucket, Ref, Resource, Table
from ._values import check_data

_SERVICE = re.compile(r"^[a-z0-9][a-z0-9-]*\Z")
_ACTION = re.compile(r"^[a-z0-9][a-z0-9-]*:[A-Za-z0-9*]+\Z")
_SID = re.compile(r"^[A-Za-z0-9]+\Z")
# An IAM managed policy: AWS's (account "aws") or the customer's (a 12-digit account), any path.
_MANAGED_POLICY = re.compile(
    r"^arn:aws[a-z-]*:iam::(aws|\d{12}):policy/((?:[A-Za-z0-9+=,.@_-]+/)*[A-Za-z0-9+=,.@_-]{1,128})\Z"
)
_STATEMENT_ACTION = re.compile(r"^(\*|[A-Za-z0-9-]+:[A-Za-z0-9*]+)\Z")
_STATEMENT_RESOURCE = re.compile(r"^(\*|arn:[^:\s]+:[^:\s]*:[^:\s]*:[^:\s]*:\S.*)\Z")
_STATEMENT_KEYS = {"Effect", "Action", "NotAction", "Resource", "NotResource", "Condition", "Sid"}
_SNAKE_STATEMENT_KEYS = {
    "effect": "Effect",
    "actions": "Action",
    "resources": "Resource",
    "conditions": "Condition",
    "sid": "Sid",
}

ALLOWED = (
    '"*", a service such as "s3", an action such as "s3:GetObject", a managed policy ARN such '
    'as "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess", an IAM statement dict '
    '{"Effect": "Allow", "Action": [...], "Resource": [...]} (a Resource may be a wsnb '
    "placeholder such as table.table_arn), or a wsnb Table/Bucket"
)


def managed_policy(item: Any) -> tuple[str, str] | None:
    """``(account, name with its path)`` of a managed policy ARN permission, else None:
    ``("aws", "service-role/AWSLambdaVPCAccessExecutionRole")``."""
    if not isinstance(item, str):
        return None
    m = _MANAGED_POLICY.match(item)
    return (m[1], m[2]) if m else None


def normalize_permissions(value: Any, path: str) -> tuple[Any, ...]:
    """A tuple of permission items, each ``"*"``, a service/action string, a statement, or a resource."""
    if value is None:
        return ()
    if isinstance(value, (str, Resource, dict)):
        value = [value]
    if not isinstance(value, (list, tuple)):
        raise PermissionsError(
            f'Permissions must be a list (or "*"), not {type(value).__name__}.',
            given=value,
            allowed=ALLOWED,
            fix='permissions=["s3", table]',
            path=path,
        )
    items = tuple(freeze(_normalize_item(item, f"{path}[{i}]")) for i, item in enumerate(value))
    for i, item in enumerate(items):
        if isinstance(item, dict):
            check_data(item, f"{path}[{i}]", error=PermissionsError, env_key=None)
    return items


def _normalize_item(item: Any, path: str) -> Any:
    if isinstance(item, str):
        text = item.strip()
        if text == "*" or _SERVICE.match(text) or _ACTION.match(text) or managed_policy(text):
            return text
        raise PermissionsError(
            f"Permission {item!r} is not a service name or an IAM action.",
            given=item,
            allowed=ALLOWED,
            fix='"s3" for all of S3, "s3:GetObject" for one action, or a managed policy ARN '
            '"arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"',
            path=path,
        )
    if isinstance(item, (Table, Bucket)):
        return item
    if isinstance(item, Resource):
        raise PermissionsError(
            f"{item.kind} {item.id!r} cannot be granted as a permission; bind it instead.",
            given=item,
            allowed=ALLOWED,
            fix=f"api.bind([{item!r}])",
            path=path,
        )
    if isinstance(item, dict):
        return _normalize_statement(item, path)
    raise PermissionsError(
        f"Permission of type {type(item).__name__} is not understood.",
        given=item,
        allowed=ALLOWED,
        path=path,
    )


def _normalize_statement(item: dict[str, Any], path: str) -> dict[str, Any]:
    statement: dict[str, Any] = {}
    for key, val in item.items():
        key = _SNAKE_STATEMENT_KEYS.get(key, key)
        if key not in _STATEMENT_KEYS:
            raise PermissionsError(
                f"IAM statement key {key!r} is not valid.",
                given=item,
                allowed=", ".join(sorted(_STATEMENT_KEYS)),
                path=path,
            )
        statement[key] = val
    statement.setdefault("Effect", "Allow")
    if statement["Effect"] not in ("Allow", "Deny"):
        raise PermissionsError(
            "IAM statement Effect must be 'Allow' or 'Deny'.",
            given=statement["Effect"],
            allowed="'Allow', 'Deny'",
            fix='{"Effect": "Allow", ...}',
            path=f"{path}.Effect",
        )
    sid = statement.get("Sid")
    if sid is not None and (not isinstance(sid, str) or not _SID.match(sid)):
        # "IAM JSON policy elements: Sid" (and aws-cdk-lib) allow only ASCII letters and digits.
        raise PermissionsError(
            "IAM statement Sid must be letters and digits only.",
            given=sid,
            allowed="one or more of A-Z, a-z, 0-9 (or no Sid at all)",
            fix=f'"Sid": {re.sub(r"[^A-Za-z0-9]", "", str(sid)) or "ReadObjects"!r}',
            path=f"{path}.Sid",
        )
    for one, other in (("Action", "NotAction"), ("Resource", "NotResource")):
        if one in statement and other in statement:
            raise PermissionsError(
                f"An IAM statement has either {one} or {other}, not both.",
                given=item,
                fix=f"keep {one} and drop {other} (or split it into a Deny statement)",
                path=path,
            )
    if "Action" not in statement and "NotAction" not in statement:
        raise PermissionsError(
            "IAM statement needs an 'Action' (or 'NotAction').",
            given=item,
            fix='{"Action": ["s3:GetObject"], "Resource": ["arn:aws:s3:::my-bucket/*"]}',
            path=path,
        )
    if "NotResource" not in statement:
        statement.setdefault("Resource", "*")
    for key in ("Action", "NotAction", "Resource", "NotResource"):
        if key in statement:
            statement[key] = _string_list(statement[key], key, f"{path}.{key}")
    if "Condition" in statement:
        _check_condition(statement["Condition"], f"{path}.Condition")
    try:
        json.dumps(statement)
    except TypeError:
        raise PermissionsError("IAM statement must be JSON data.", given=item, path=path) from None
    return statement


def _string_list(value: Any, key: str, path: str) -> list[str]:
    """Action/Resource (and Not*) as a non-empty list of well-formed strings."""
    values = [value] if isinstance(value, str) else value
    if not isinstance(values, (list, tuple)) or not all(isinstance(v, str) for v in values):
        raise PermissionsError(
            f"IAM statement {key} must be a string or a list of strings.",
            given=value,
            fix=f'"{key}": ["s3:GetObject"]'
            if "Action" in key
            else f'"{key}": ["arn:aws:s3:::b/*"]',
            path=path,
        )
    if not values:
        raise PermissionsError(
            f"IAM statement {key} is empty; a statement must name at least one.",
            given=value,
            fix=f'"{key}": "*" for all, or leave {key} out' if "Resource" in key else None,
            path=path,
        )
    pattern, allowed = (
        (_STATEMENT_ACTION, "'*' or 'service:Action' (letters, digits, '*')")
        if ("Action" in key)
        else (
            _STATEMENT_RESOURCE,
            "'*' or an ARN 'arn:<partition>:<service>:<region>:<account>:<resource>'",
        )
    )
    for i, text in enumerate(values):
        if not pattern.match(text if "Action" in key else _sample_arn(text)):
            # aws-cdk-lib's PolicyStatement refuses such actions; IAM refuses such resources.
            raise PermissionsError(
                f"IAM statement {key} {text!r} is not valid.",
                given=text,
                allowed=allowed,
                fix='"s3:GetObject"' if "Action" in key else '"arn:aws:s3:::my-bucket/*"',
                path=f"{path}[{i}]",
            )
    return list(values)


def _sample_arn(text: str) -> str:
    """A statement resource with its wsnb placeholders (``table.table_arn``, also inside a
    longer string such as ``f"{table.table_arn}/index/*"``) replaced by sample values, to check
    its shape: a placeholder ARN is an ARN, a placeholder name is part of one."""
    return TOKEN_PATTERN.sub(
        lambda m: "arn:aws:svc:region:123456789012:x" if m[3].endswith("_arn") else "x", text
    )


def statement_resources(item: Any) -> list[Resource]:
    """The wsnb resources a statement names through placeholders (``table.table_arn``)."""
    if not isinstance(item, dict):
        return []
    found: list[Resource] = []
    for key in ("Resource", "NotResource"):
        for value in item.get(key) or ():
            if isinstance(value, Ref) and value.resource not in found:
                found.append(value.resource)
    return found


def statement_tokens(item: Any) -> list[tuple[str, str, str]]:
    """Every ``(kind, id, attribute)`` placeholder in a statement's resources."""
    if not isinstance(item, dict):
        return []
    return [
        token
        for key in ("Resource", "NotResource")
        for value in item.get(key) or ()
        if isinstance(value, str)
        for token in TOKEN_PATTERN.findall(value)
    ]


def _check_condition(value: Any, path: str) -> None:
    """``{"StringEquals": {"aws:SourceIp": ["1.2.3.4"]}}``: operator -> key -> scalar(s)."""
    scalar = (str, int, float, bool)
    ok = isinstance(value, dict) and all(
        isinstance(op, str)
        and op
        and isinstance(body, dict)
        and body
        and all(
            isinstance(k, str)
            and k
            and (
                isinstance(v, scalar)
                or (isinstance(v, (list, tuple)) and all(isinstance(x, scalar) for x in v))
            )
            for k, v in body.items()
        )
        for op, body in value.items()
    )
    if not ok:
        raise PermissionsError(
            "IAM statement Condition must map an operator to {condition key: value or list of values}.",
            given=value,
            fix='"Condition": {"StringEquals": {"aws:RequestedRegion": ["us-east-1"]}}',
            path=path,
        )


def permission_to_json(item: Any) -> Any:
    if isinstance(item, Resource):
        return {item.kind.lower(): item.id}
    if isinstance(item, dict):  # placeholders (Refs) as their plain token text
        return {"statement": json.loads(json.dumps(thaw(item)))}
    return item


def permission_from_json(item: Any, resources: dict[tuple[str, str], Resource], path: str) -> Any:
    if isinstance(item, dict) and len(item) == 1:
        ((key, val),) = item.items()
        if key == "statement":
            return _statement_refs(val, resources)
        kind = key.capitalize()
        if (kind, val) in resources:
            return resources[(kind, val)]
        raise PermissionsError(
            f"{kind} {val!r} is not among the model's resources.", given=item, path=path
        )
    return item


def _statement_refs(statement: Any, resources: dict[tuple[str, str], Resource]) -> Any:
    """A statement from JSON with its placeholder resources (``table.table_arn``) as Refs again."""
    if not isinstance(statement, dict):
        return statement
    out = dict(statement)
    for key in ("Resource", "NotResource"):
        values = out.get(key)
        if not isinstance(values, list):
            continue
        refs = []
        for value in values:
            m = TOKEN_PATTERN.fullmatch(value) if isinstance(value, str) else None
            if m and (m[1], m[2]) in resources:
                refs.append(Ref(resources[(m[1], m[2])], m[3]))
            else:
                refs.append(value)
        out[key] = refs
    return out


def permission_label(item: Any) -> str:
    """A short human label: ``s3``, ``s3:GetObject``, ``Table Connections``, ``statement(s3:Get*)``,
    ``policy AmazonS3ReadOnlyAccess``."""
    if isinstance(item, Resource):
        return f"{item.kind} {item.id}"
    if isinstance(item, dict):
        actions = item.get("Action") or item.get("NotAction") or []
        return "statement(" + ", ".join(actions) + ")"
    managed = managed_policy(item)
    if managed is not None:
        return "policy " + managed[1].rsplit("/", 1)[-1]
    return str(item)


def dedupe(items: tuple[Any, ...]) -> tuple[Any, ...]:
    """Drop repeated permissions, keeping the first; ``"*"`` makes the rest moot but is kept alone."""
    if "*" in items:
        return ("*",)
    seen: list[Any] = []
    for item in items:
        if item not in seen:
            seen.append(item)
    return tuple(seen)
