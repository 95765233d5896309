"""Reading a function's permissions: SAM policy templates, managed policies, inline policies and
the statements of its role.

Each grant is kept as the template says where the model can say it: a managed policy stays a
managed policy (its ARN), SAM's table and bucket templates become their own actions on the
table's/bucket's ARN (a statement naming ``table.table_arn``), a statement keeps its actions,
effect and conditions (:mod:`._statements`). What cannot be kept is reported
(``change="grant"``), naming the original grant and what wsnb grants instead.
"""

from __future__ import annotations

from typing import Any

from ..model import Resource, managed_policy
from ._context import ReadContext
from ._grants import (
    LOGS_ACTIONS,
    MANAGED_ROLE_ACTIONS,
    POLICY_NAME,
    SAM_BUCKET_TEMPLATES,
    SAM_LITERAL_TEMPLATES,
    SAM_TABLE_TEMPLATES,
    SERVICE_ROLE_POLICIES,
    XRAY_ACTIONS,
    as_list,
)
from ._intrinsics import NO_VALUE, markers, strip_markers
from ._kinds import BUCKET_TYPE, SAM_FUNCTION, TABLE_TYPES
from ._references import attr_ref, placeholder_text
from ._resources import read_resource, resource_by_name
from ._statements import Grantee, read_statements

_ROLE = "AWS::IAM::Role"
_MANAGED_POLICY = "AWS::IAM::ManagedPolicy"


def read_permissions(context: ReadContext, lid: str, kind: str, p: dict[str, Any]) -> list[Any]:
    """The wsnb permissions of function ``lid`` (its evaluated properties ``p``): its
    ``Policies`` (SAM) and the grants of its ``Role``."""
    who = Grantee(lid, kind)
    if kind == SAM_FUNCTION and not p.get("Role"):  # SAM's own role for the function
        who.role_seen |= LOGS_ACTIONS
        if p.get("Tracing") == "Active":
            who.role_seen |= XRAY_ACTIONS
    out: list[Any] = []
    policies = p.get("Policies")
    if policies is not None:
        if not isinstance(policies, list):
            policies = [policies]
        for i, pol in enumerate(policies):
            if pol is not NO_VALUE:  # an !If that chose AWS::NoValue
                out.extend(_policy(context, who, pol, f"Policies[{i}]", out))
    role = p.get("Role")
    role_lids = [r for r, _ in markers(role) if context.template.type_of(r) == _ROLE]
    if role_lids:
        out.extend(_role(context, who, role_lids[0], out))
    elif isinstance(role, str) and role:
        who.report(
            context,
            "approximated",
            f"Role {strip_markers(role, lambda a, b: a)}: an existing role, whose grants are "
            "not in the template; wsnb generates the function's role with only the grants "
            "read here",
            change="grant",
        )
    context.role_seen_by[lid] = who.role_seen
    uniq: list[Any] = []
    for item in out:
        if item not in uniq:
            uniq.append(item)
    return uniq


def read_role_permissions(context: ReadContext, lid: str, kind: str, role_lid: str) -> list[Any]:
    """The grants of the template role ``role_lid`` as wsnb permissions, read for resource
    ``lid`` of type ``kind`` (an integration whose ``CredentialsArn`` names that role: wsnb
    creates the role API Gateway assumes, granted the same)."""
    out = _role(context, Grantee(lid, kind), role_lid, [])
    uniq: list[Any] = []
    for item in out:
        if item not in uniq:
            uniq.append(item)
    return uniq


def report_role_additions(context: ReadContext, route_lids: set[str]) -> None:
    """Report, per function, what wsnb's function role grants beyond the template's role:
    connection management (route functions), X-Ray (when traced) and CloudWatch Logs."""
    for lid, info in context.functions.items():
        if not info.runtime.startswith("python"):
            continue  # synth() refuses a function it cannot build
        seen = context.role_seen_by.get(lid, set())
        extra = []
        if lid in route_lids and "execute-api:ManageConnections" not in seen:
            extra.append("execute-api:ManageConnections on this API's @connections")
        if info.props.get("tracing") != "disabled" and not seen >= XRAY_ACTIONS:
            extra.append("xray:PutTraceSegments, xray:PutTelemetryRecords")
        if not seen >= LOGS_ACTIONS:
            extra.append("CloudWatch Logs (AWSLambdaBasicExecutionRole)")
        if extra:
            context.report.add(
                lid,
                context.template.type_of(lid),
                "approximated",
                "wsnb's function role also grants " + "; ".join(extra) + ", which the "
                "template's role does not",
                change="grant",
            )


def _policy(
    context: ReadContext, who: Grantee, pol: Any, where: str, so_far: list[Any]
) -> list[Any]:
    """One entry of a SAM function's ``Policies``: a managed policy, a policy document or a
    SAM policy template."""
    if isinstance(pol, str):
        return _managed(context, who, pol, where, so_far)
    if isinstance(pol, dict) and "Statement" in pol:
        return read_statements(context, who, pol["Statement"], where, so_far)
    if isinstance(pol, dict) and len(pol) == 1:
        ((tpl, args),) = pol.items()
        return _sam_template(context, who, str(tpl), args, where)
    who.report(
        context, "ignored", f"{where}: a policy of an unknown form is not granted", change="grant"
    )
    return []


def _managed(
    context: ReadContext, who: Grantee, pol: str, where: str, so_far: list[Any]
) -> list[Any]:
    """A managed policy (SAM's bare name, or an ARN): kept as a managed policy."""
    template = context.template
    found = [m for m in markers(pol) if template.type_of(m[0]) == _MANAGED_POLICY]
    if found:  # a customer managed policy defined in the template: its statements
        mlid = found[0][0]
        context.used.add(mlid)
        doc = template.props(mlid).get("PolicyDocument") or {}
        context.report.add(
            mlid,
            _MANAGED_POLICY,
            "read",
            f"its statements are granted to {who.logical_id} (wsnb adds them to the function's role)",
        )
        return read_statements(
            context, who, doc.get("Statement") or [], f"{where} (ManagedPolicy {mlid})", so_far
        )
    if "\x00" in pol:
        who.report(
            context,
            "ignored",
            f"{where}: managed policy {strip_markers(pol, lambda a, b: a + '.' + b)} "
            "refers to a resource wsnb does not read; it is not attached",
            change="grant",
        )
        return []
    if pol.startswith("arn:"):
        arn = pol
    elif POLICY_NAME.match(pol):
        path = "service-role/" if pol in SERVICE_ROLE_POLICIES else ""
        arn = f"arn:aws:iam::aws:policy/{path}{pol}"
    else:
        arn = ""
    parsed = managed_policy(arn)
    if parsed is None:
        who.report(
            context,
            "ignored",
            f"{where}: managed policy {pol!r} is not a policy name or ARN; it is not attached",
            change="grant",
        )
        return []
    who.role_seen |= MANAGED_ROLE_ACTIONS.get(parsed[1], set()) if parsed[0] == "aws" else set()
    if parsed == ("aws", "service-role/AWSLambdaBasicExecutionRole"):
        who.report(context, "read", f"{where}: {pol} (wsnb's function role already has it)")
        return []
    who.report(context, "read", f"{where}: managed policy {arn} attached as it is")
    return [arn]


def _sam_template(context: ReadContext, who: Grantee, tpl: str, args: Any, where: str) -> list[Any]:
    """A SAM policy template (``{DynamoDBCrudPolicy: {TableName: ...}}``)."""
    args = args if isinstance(args, dict) else {}
    if tpl == "DynamoDBCrudPolicy" or tpl in SAM_TABLE_TEMPLATES:
        return _sam_on(context, who, tpl, where, args.get("TableName"), TABLE_TYPES, "table")
    if tpl in SAM_BUCKET_TEMPLATES:
        return _sam_on(context, who, tpl, where, args.get("BucketName"), (BUCKET_TYPE,), "bucket")
    if tpl == "SSMParameterReadPolicy":
        pname = str(args.get("ParameterName", "*")).lstrip("/")
        if "\x00" in pname:
            pname = strip_markers(pname, lambda a, b: placeholder_text(context, a, b))
        who.report(
            context,
            "approximated",
            f"{where}: SAM SSMParameterReadPolicy names parameter/{pname} in the stack's "
            f"region and account; wsnb grants ssm:GetParameter(s) on "
            f"arn:aws:ssm:*:*:parameter/{pname} (any region and account: wider)",
            change="grant",
        )
        return [
            {"Effect": "Allow", "Action": ["ssm:DescribeParameters"], "Resource": "*"},
            {
                "Effect": "Allow",
                "Action": ["ssm:GetParameters", "ssm:GetParameter", "ssm:GetParametersByPath"],
                "Resource": f"arn:aws:ssm:*:*:parameter/{pname}",
            },
        ]
    if tpl in SAM_LITERAL_TEMPLATES:
        statements = SAM_LITERAL_TEMPLATES[tpl]
        actions = [a for st in statements for a in st["Action"]]
        who.report(context, "read", f"{where}: SAM {tpl} → {', '.join(actions)} (as SAM grants it)")
        return [dict(st, Action=list(st["Action"])) for st in statements]
    if tpl == "AWSLambdaBasicExecutionRole":
        return []
    who.report(
        context,
        "ignored",
        f"{where}: SAM policy template {tpl} has no wsnb equivalent; it is not granted",
        change="grant",
    )
    return []


def _sam_on(
    context: ReadContext,
    who: Grantee,
    tpl: str,
    where: str,
    name: Any,
    types: tuple[str, ...],
    noun: str,
) -> list[Any]:
    """A SAM template on one table or bucket (``name``: its TableName/BucketName): the
    read/write grant for DynamoDBCrudPolicy, else the template's own statements on the
    resource's ARN."""
    res = _policy_target(context, name, types)
    if res is None:
        who.report(
            context,
            "ignored",
            f"{where}: SAM {tpl} on {noun} {_shown(name)}, which the template does not "
            "define, is not granted",
            change="grant",
        )
        return []
    if tpl == "DynamoDBCrudPolicy":
        who.report(
            context,
            "read",
            f"{where}: SAM DynamoDBCrudPolicy → the read/write grant on Table {res.id} "
            "(the same item actions on the table and its indexes)",
        )
        return [res]
    parts = SAM_TABLE_TEMPLATES.get(tpl) or SAM_BUCKET_TEMPLATES[tpl]
    arn = attr_ref(res, "Arn", "")
    out = []
    for actions, suffixes in parts:
        resources = [arn if s == "" else f"{arn}{s}" for s in suffixes]
        out.append({"Effect": "Allow", "Action": list(actions), "Resource": resources})
    actions = sorted({a for acts, _ in parts for a in acts})
    who.report(
        context,
        "read",
        f"{where}: SAM {tpl} → {', '.join(actions)} on {res.kind} {res.id} (as SAM grants it)",
    )
    return out


def _shown(value: Any) -> str:
    if isinstance(value, str):
        return repr(strip_markers(value, lambda a, b: a if b == "Ref" else f"{a}.{b}"))
    return repr(value)


def _policy_target(context: ReadContext, value: Any, types: tuple[str, ...]) -> Resource | None:
    """The table/bucket a SAM template's ``TableName``/``BucketName`` names (a reference to
    it, or its physical name)."""
    for lid2, _ in markers(value):
        if context.template.type_of(lid2) in types:
            return read_resource(context, lid2)
    if isinstance(value, str):
        res = resource_by_name(context, value)
        if res is not None:
            return res
    return None


def _role(context: ReadContext, who: Grantee, role_lid: str, so_far: list[Any]) -> list[Any]:
    """The grants of the function's ``AWS::IAM::Role``: its inline policies, its managed
    policies, and the ``AWS::IAM::Policy``/``ManagedPolicy`` resources attached to it."""
    template = context.template
    context.used.add(role_lid)
    out: list[Any] = []
    rp = template.props(role_lid)
    for i, pol in enumerate(rp.get("Policies") or []):
        doc = (pol or {}).get("PolicyDocument") or {}
        out.extend(
            read_statements(
                context,
                who,
                doc.get("Statement") or [],
                f"Role {role_lid}.Policies[{i}]",
                so_far + out,
            )
        )
    for i, arn in enumerate(as_list(rp.get("ManagedPolicyArns"))):
        if isinstance(arn, str):
            where = f"Role {role_lid}.ManagedPolicyArns[{i}]"
            out.extend(_managed(context, who, arn, where, so_far + out))
    # stand-alone AWS::IAM::Policy (what CDK writes) and ManagedPolicy resources that
    # attach themselves to this role
    for plid in template.resources_of(("AWS::IAM::Policy", _MANAGED_POLICY)):
        pp = template.props(plid)
        if any(r == role_lid for role in pp.get("Roles") or [] for r, _ in markers(role)):
            context.used.add(plid)
            doc = pp.get("PolicyDocument") or {}
            out.extend(
                read_statements(
                    context, who, doc.get("Statement") or [], f"Policy {plid}", so_far + out
                )
            )
    context.report.add(
        role_lid,
        _ROLE,
        "approximated",
        f"the role of {who.logical_id}: wsnb generates the role; its grants are read as permissions",
        change=None,  # each grant that differs is reported on its own
    )
    rest = sorted(
        set(rp) - {"AssumeRolePolicyDocument", "Policies", "ManagedPolicyArns", "Path", "Tags"}
    )
    if rest:
        context.report.add(
            role_lid, _ROLE, "ignored", "not read: " + ", ".join(rest), change="grant"
        )
    return out
