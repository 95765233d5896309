"""Reading permissions: SAM policy templates, managed policies, inline and role statements.

Each grant is kept as the template says where the model can say it: a managed policy stays a
managed policy (its ARN), SAM's table and bucket templates become their own actions on the
table's/bucket's ARN (a statement naming ``table.table_arn``), a statement keeps its actions,
effect and conditions. What cannot be kept is reported (``change="grant"``), naming the original
grant and what wsnb grants instead.
"""

from __future__ import annotations

import re
from typing import Any

from ..model import Bucket, Ref, Resource, Table, managed_policy
from ._intrinsics import NO_VALUE, marker, markers, strip_markers
from ._kinds import BUCKET_TYPE, SAM_FUNCTION, TABLE_TYPES

_LOGS_ACTIONS = {"logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"}
_XRAY_ACTIONS = {"xray:PutTraceSegments", "xray:PutTelemetryRecords"}
# What wsnb's own function role already grants (AWSLambdaBasicExecutionRole, X-Ray, and the
# connection management API of this API): a template statement of these actions only is read.
_WSNB_ROLE_ACTIONS = {"execute-api:ManageConnections"} | _LOGS_ACTIONS | _XRAY_ACTIONS
# AWS managed policies (name with path) that grant some of those
_MANAGED_ROLE_ACTIONS = {
    "service-role/AWSLambdaBasicExecutionRole": _LOGS_ACTIONS,
    "service-role/AWSLambdaVPCAccessExecutionRole": _LOGS_ACTIONS,
    "service-role/AWSLambdaDynamoDBExecutionRole": _LOGS_ACTIONS,
    "service-role/AWSLambdaKinesisExecutionRole": _LOGS_ACTIONS,
    "service-role/AWSLambdaSQSQueueExecutionRole": _LOGS_ACTIONS,
    "AWSXrayWriteOnlyAccess": _XRAY_ACTIONS,
    "AWSXRayDaemonWriteAccess": _XRAY_ACTIONS,
    "AdministratorAccess": _WSNB_ROLE_ACTIONS,
}

# aws-cdk-lib's grant_read_write_data (Table) and grant_read_write (Bucket): what a wsnb
# Table/Bucket permission synthesizes to, so a template statement with exactly these actions
# (a wsnb or CDK app's own output) is read back as the Table/Bucket permission.
_TABLE_GRANT = {
    "dynamodb:BatchGetItem",
    "dynamodb:Query",
    "dynamodb:GetItem",
    "dynamodb:Scan",
    "dynamodb:ConditionCheckItem",
    "dynamodb:BatchWriteItem",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
    "dynamodb:DescribeTable",
}
_TABLE_STREAM_GRANT = {"dynamodb:GetRecords", "dynamodb:GetShardIterator"}
_BUCKET_GRANT = {
    "s3:GetObject*",
    "s3:GetBucket*",
    "s3:List*",
    "s3:DeleteObject*",
    "s3:PutObject",
    "s3:PutObjectLegalHold",
    "s3:PutObjectRetention",
    "s3:PutObjectTagging",
    "s3:PutObjectVersionTagging",
    "s3:Abort*",
}

# SAM policy templates on one table or bucket (samtranslator's policy_templates.json):
# (actions, the resource suffixes they apply to); "" is the table's/bucket's own ARN.
_SAM_TABLE_TEMPLATES: dict[str, list[tuple[list[str], tuple[str, ...]]]] = {
    "DynamoDBReadPolicy": [
        (
            [
                "dynamodb:GetItem",
                "dynamodb:Scan",
                "dynamodb:Query",
                "dynamodb:BatchGetItem",
                "dynamodb:DescribeTable",
            ],
            ("", "/index/*"),
        )
    ],
    "DynamoDBWritePolicy": [
        (["dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:BatchWriteItem"], ("", "/index/*"))
    ],
    "DynamoDBReconfigurePolicy": [(["dynamodb:UpdateTable"], ("",))],
}
_SAM_BUCKET_TEMPLATES: dict[str, list[tuple[list[str], tuple[str, ...]]]] = {
    "S3ReadPolicy": [
        (
            [
                "s3:GetObject",
                "s3:ListBucket",
                "s3:GetBucketLocation",
                "s3:GetObjectVersion",
                "s3:GetLifecycleConfiguration",
            ],
            ("", "/*"),
        )
    ],
    "S3WritePolicy": [
        (["s3:PutObject", "s3:PutObjectAcl", "s3:PutLifecycleConfiguration"], ("", "/*"))
    ],
    "S3CrudPolicy": [
        (
            [
                "s3:GetObject",
                "s3:ListBucket",
                "s3:GetBucketLocation",
                "s3:GetObjectVersion",
                "s3:PutObject",
                "s3:PutObjectAcl",
                "s3:GetLifecycleConfiguration",
                "s3:PutLifecycleConfiguration",
                "s3:DeleteObject",
            ],
            ("", "/*"),
        )
    ],
    "S3FullAccessPolicy": [
        (
            [
                "s3:GetObject",
                "s3:GetObjectAcl",
                "s3:GetObjectVersion",
                "s3:PutObject",
                "s3:PutObjectAcl",
                "s3:DeleteObject",
                "s3:DeleteObjectTagging",
                "s3:DeleteObjectVersionTagging",
                "s3:GetObjectTagging",
                "s3:GetObjectVersionTagging",
                "s3:PutObjectTagging",
                "s3:PutObjectVersionTagging",
            ],
            ("/*",),
        ),
        (
            [
                "s3:ListBucket",
                "s3:GetBucketLocation",
                "s3:GetLifecycleConfiguration",
                "s3:PutLifecycleConfiguration",
            ],
            ("",),
        ),
    ],
}

# SAM policy templates without parameters: their statements as SAM writes them.
_SAM_LITERAL_TEMPLATES: dict[str, list[dict[str, Any]]] = {
    "VPCAccessPolicy": [
        {
            "Effect": "Allow",
            "Action": [
                "ec2:CreateNetworkInterface",
                "ec2:DeleteNetworkInterface",
                "ec2:DescribeNetworkInterfaces",
                "ec2:DetachNetworkInterface",
            ],
            "Resource": "*",
        }
    ],
    "CloudWatchPutMetricPolicy": [
        {"Effect": "Allow", "Action": ["cloudwatch:PutMetricData"], "Resource": "*"}
    ],
    "EC2DescribePolicy": [
        {
            "Effect": "Allow",
            "Action": ["ec2:DescribeRegions", "ec2:DescribeInstances"],
            "Resource": "*",
        }
    ],
}

# AWS managed policies that live under the service-role/ path (a SAM template names them
# without it); every other AWS managed policy name is at the root path.
_SERVICE_ROLE_POLICIES = {
    "AWSLambdaBasicExecutionRole",
    "AWSLambdaVPCAccessExecutionRole",
    "AWSLambdaDynamoDBExecutionRole",
    "AWSLambdaKinesisExecutionRole",
    "AWSLambdaSQSQueueExecutionRole",
    "AWSLambdaMSKExecutionRole",
    "AWSLambdaENIManagementAccess",
    "AWSLambdaRole",
    "AWSConfigRulesExecutionRole",
    "AWSIoTRuleActions",
    "AWSAppSyncPushToCloudWatchLogs",
    "AmazonAPIGatewayPushToCloudWatchLogs",
}
_POLICY_NAME = re.compile(r"^[A-Za-z0-9+=,.@_-]{1,128}$")


def _as_list(value: Any) -> list[Any]:
    if value is None or value is NO_VALUE:
        return []
    items = value if isinstance(value, list) else [value]
    return [v for v in items if v is not NO_VALUE]


class PoliciesMixin:
    """``Reader`` methods turning a function's IAM into wsnb permissions (as the template says
    where the model can say it; the report names each grant that differs)."""

    # ------------------------------------------------------------------ permissions

    def _permissions(self, lid: str, kind: str, p: dict[str, Any]) -> list[Any]:
        self._role_seen: set[str] = set()  # wsnb-role actions the template grants too
        if kind == SAM_FUNCTION and not p.get("Role"):  # SAM's own role for the function
            self._role_seen |= _LOGS_ACTIONS
            if p.get("Tracing") == "Active":
                self._role_seen |= _XRAY_ACTIONS
        out: list[Any] = []
        policies = p.get("Policies")
        if policies is not None:
            if not isinstance(policies, list):
                policies = [policies]
            for i, pol in enumerate(policies):
                if pol is not NO_VALUE:  # an !If that chose AWS::NoValue
                    out.extend(self._policy(lid, kind, pol, f"Policies[{i}]", out))
        role = p.get("Role")
        role_lids = [r for r, _ in markers(role) if self.type_of(r) == "AWS::IAM::Role"]
        if role_lids:
            out.extend(self._role(lid, kind, role_lids[0], out))
        elif isinstance(role, str) and role:
            self.report.add(
                lid,
                kind,
                "approximated",
                f"Role {strip_markers(role, lambda a, b: a)}: an existing role, whose grants are "
                "not in the template; wsnb generates the function's role with only the grants "
                "read here",
                change="grant",
            )
        self._role_seen_by[lid] = self._role_seen
        uniq: list[Any] = []
        for item in out:
            if item not in uniq:
                uniq.append(item)
        return uniq

    def _report_role_additions(self, route_lids: set[str]) -> None:
        """Report, per function, what wsnb's function role grants beyond the template's role:
        connection management (route functions), X-Ray (when traced) and CloudWatch Logs."""
        for lid, info in self._functions.items():
            if not info.runtime.startswith("python"):
                continue  # synth() refuses a function it cannot build
            seen = self._role_seen_by.get(lid, set())
            extra = []
            if lid in route_lids and "execute-api:ManageConnections" not in seen:
                extra.append("execute-api:ManageConnections on this API's @connections")
            if info.props.get("tracing") != "disabled" and not seen >= _XRAY_ACTIONS:
                extra.append("xray:PutTraceSegments, xray:PutTelemetryRecords")
            if not seen >= _LOGS_ACTIONS:
                extra.append("CloudWatch Logs (AWSLambdaBasicExecutionRole)")
            if extra:
                self.report.add(
                    lid,
                    self.type_of(lid),
                    "approximated",
                    "wsnb's function role also grants " + "; ".join(extra) + ", which the "
                    "template's role does not",
                    change="grant",
                )

    def _policy(self, lid: str, kind: str, pol: Any, where: str, so_far: list[Any]) -> list[Any]:
        if isinstance(pol, str):
            return self._managed(lid, kind, pol, where, so_far)
        if isinstance(pol, dict) and "Statement" in pol:
            return self._statements(lid, kind, pol["Statement"], where, so_far)
        if isinstance(pol, dict) and len(pol) == 1:
            ((tpl, args),) = pol.items()
            return self._sam_template(lid, kind, str(tpl), args, where)
        self.report.add(
            lid,
            kind,
            "ignored",
            f"{where}: a policy of an unknown form is not granted",
            change="grant",
        )
        return []

    def _managed(self, lid: str, kind: str, pol: str, where: str, so_far: list[Any]) -> list[Any]:
        """A managed policy (SAM's bare name, or an ARN): kept as a managed policy."""
        found = [m for m in markers(pol) if self.type_of(m[0]) == "AWS::IAM::ManagedPolicy"]
        if found:  # a customer managed policy defined in the template: its statements
            mlid = found[0][0]
            self._used.add(mlid)
            doc = self.props(mlid).get("PolicyDocument") or {}
            self.report.add(
                mlid,
                "AWS::IAM::ManagedPolicy",
                "read",
                f"its statements are granted to {lid} (wsnb adds them to the function's role)",
            )
            return self._statements(
                lid, kind, doc.get("Statement") or [], f"{where} (ManagedPolicy {mlid})", so_far
            )
        if "\x00" in pol:
            self.report.add(
                lid,
                kind,
                "ignored",
                f"{where}: managed policy {strip_markers(pol, lambda a, b: a + '.' + b)} "
                "refers to a resource wsnb does not read; it is not attached",
                change="grant",
            )
            return []
        if pol.startswith("arn:"):
            arn = pol
        elif _POLICY_NAME.match(pol):
            path = "service-role/" if pol in _SERVICE_ROLE_POLICIES else ""
            arn = f"arn:aws:iam::aws:policy/{path}{pol}"
        else:
            arn = ""
        parsed = managed_policy(arn)
        if parsed is None:
            self.report.add(
                lid,
                kind,
                "ignored",
                f"{where}: managed policy {pol!r} is not a policy name or ARN; it is not attached",
                change="grant",
            )
            return []
        self._role_seen |= (
            _MANAGED_ROLE_ACTIONS.get(parsed[1], set()) if parsed[0] == "aws" else set()
        )
        if parsed == ("aws", "service-role/AWSLambdaBasicExecutionRole"):
            self.report.add(
                lid, kind, "read", f"{where}: {pol} (wsnb's function role already has it)"
            )
            return []
        self.report.add(lid, kind, "read", f"{where}: managed policy {arn} attached as it is")
        return [arn]

    def _sam_template(self, lid: str, kind: str, tpl: str, args: Any, where: str) -> list[Any]:
        args = args if isinstance(args, dict) else {}
        if tpl == "DynamoDBCrudPolicy" or tpl in _SAM_TABLE_TEMPLATES:
            return self._sam_on(lid, kind, tpl, where, args.get("TableName"), TABLE_TYPES, "table")
        if tpl in _SAM_BUCKET_TEMPLATES:
            return self._sam_on(
                lid, kind, tpl, where, args.get("BucketName"), (BUCKET_TYPE,), "bucket"
            )
        if tpl == "SSMParameterReadPolicy":
            pname = str(args.get("ParameterName", "*")).lstrip("/")
            if "\x00" in pname:
                pname = strip_markers(pname, self._fake)
            self.report.add(
                lid,
                kind,
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
        if tpl in _SAM_LITERAL_TEMPLATES:
            statements = _SAM_LITERAL_TEMPLATES[tpl]
            actions = [a for st in statements for a in st["Action"]]
            self.report.add(
                lid, kind, "read", f"{where}: SAM {tpl} → {', '.join(actions)} (as SAM grants it)"
            )
            return [dict(st, Action=list(st["Action"])) for st in statements]
        if tpl == "AWSLambdaBasicExecutionRole":
            return []
        self.report.add(
            lid,
            kind,
            "ignored",
            f"{where}: SAM policy template {tpl} has no wsnb equivalent; it is not granted",
            change="grant",
        )
        return []

    def _sam_on(
        self,
        lid: str,
        kind: str,
        tpl: str,
        where: str,
        name: Any,
        types: tuple[str, ...],
        noun: str,
    ) -> list[Any]:
        """A SAM template on one table or bucket (``name``: its TableName/BucketName): the
        read/write grant for DynamoDBCrudPolicy, else the template's own statements on the
        resource's ARN."""
        res = self._policy_target(name, types)
        if res is None:
            self.report.add(
                lid,
                kind,
                "ignored",
                f"{where}: SAM {tpl} on {noun} {self._shown(name)}, which the template does not "
                "define, is not granted",
                change="grant",
            )
            return []
        if tpl == "DynamoDBCrudPolicy":
            self.report.add(
                lid,
                kind,
                "read",
                f"{where}: SAM DynamoDBCrudPolicy → the read/write grant on Table {res.id} "
                "(the same item actions on the table and its indexes)",
            )
            return [res]
        parts = _SAM_TABLE_TEMPLATES.get(tpl) or _SAM_BUCKET_TEMPLATES[tpl]
        arn = self._attr_ref(res, "Arn", "")
        out = []
        for actions, suffixes in parts:
            resources = [arn if s == "" else f"{arn}{s}" for s in suffixes]
            out.append({"Effect": "Allow", "Action": list(actions), "Resource": resources})
        actions = sorted({a for acts, _ in parts for a in acts})
        self.report.add(
            lid,
            kind,
            "read",
            f"{where}: SAM {tpl} → {', '.join(actions)} on {res.kind} {res.id} (as SAM grants it)",
        )
        return out

    def _shown(self, value: Any) -> str:
        if isinstance(value, str):
            return repr(strip_markers(value, lambda a, b: a if b == "Ref" else f"{a}.{b}"))
        return repr(value)

    def _policy_target(self, value: Any, types: tuple[str, ...]) -> Resource | None:
        for lid2, _ in markers(value):
            if self.type_of(lid2) in types:
                return self._resource(lid2)
        if isinstance(value, str):
            res = self._resource_by_name(value)
            if res is not None:
                return res
        return None

    def _role(self, lid: str, kind: str, role_lid: str, so_far: list[Any]) -> list[Any]:
        self._used.add(role_lid)
        out: list[Any] = []
        rp = self.props(role_lid)
        for i, pol in enumerate(rp.get("Policies") or []):
            doc = (pol or {}).get("PolicyDocument") or {}
            out.extend(
                self._statements(
                    lid,
                    kind,
                    doc.get("Statement") or [],
                    f"Role {role_lid}.Policies[{i}]",
                    so_far + out,
                )
            )
        for i, arn in enumerate(_as_list(rp.get("ManagedPolicyArns"))):
            if isinstance(arn, str):
                where = f"Role {role_lid}.ManagedPolicyArns[{i}]"
                out.extend(self._managed(lid, kind, arn, where, so_far + out))
        # stand-alone AWS::IAM::Policy (what CDK writes) and ManagedPolicy resources that
        # attach themselves to this role
        for plid, res in self.raw.items():
            if isinstance(res, dict) and res.get("Type") in (
                "AWS::IAM::Policy",
                "AWS::IAM::ManagedPolicy",
            ):
                pp = self.props(plid)
                if any(r == role_lid for role in pp.get("Roles") or [] for r, _ in markers(role)):
                    self._used.add(plid)
                    doc = pp.get("PolicyDocument") or {}
                    out.extend(
                        self._statements(
                            lid, kind, doc.get("Statement") or [], f"Policy {plid}", so_far + out
                        )
                    )
        self.report.add(
            role_lid,
            "AWS::IAM::Role",
            "approximated",
            f"the role of {lid}: wsnb generates the role; its grants are read as permissions",
            change=None,  # each grant that differs is reported on its own
        )
        rest = sorted(
            set(rp) - {"AssumeRolePolicyDocument", "Policies", "ManagedPolicyArns", "Path", "Tags"}
        )
        if rest:
            self.report.add(
                role_lid,
                "AWS::IAM::Role",
                "ignored",
                "not read: " + ", ".join(rest),
                change="grant",
            )
        return out

    # ------------------------------------------------------------------ statements

    def _statements(
        self, lid: str, kind: str, statements: Any, where: str, so_far: list[Any]
    ) -> list[Any]:
        statements = _as_list(statements)  # a single statement (a mapping) too
        out: list[Any] = []
        # a CDK/wsnb Table or Bucket grant (its exact actions on the resource): the permission
        grants = [self._grant_targets(st) for st in statements]
        granted: list[Resource] = []
        for targets in grants:
            if targets is not None:
                granted.extend(t for t in targets if t not in granted)
        for i, (st, targets) in enumerate(zip(statements, grants, strict=True)):
            here = f"{where}.Statement[{i}]" if len(statements) > 1 else where
            if not isinstance(st, dict):
                self.report.add(
                    lid,
                    kind,
                    "ignored",
                    f"{here}: a statement that is not a mapping is not granted",
                    change="grant",
                )
                continue
            actions = [str(a) for a in _as_list(st.get("Action"))]
            if (
                st.get("Effect", "Allow") == "Allow"
                and actions
                and set(actions) <= _WSNB_ROLE_ACTIONS
                and not st.get("Condition")
            ):
                self._role_seen |= set(actions)
                self.report.add(
                    lid,
                    kind,
                    "read",
                    f"{here}: {', '.join(actions)} (wsnb grants connection management, tracing "
                    "and logs to every function)",
                )
                continue
            covered = self._covered_by(st, granted)
            if targets is not None or covered:
                out.extend(targets or [])
                self.report.add(
                    lid,
                    kind,
                    "read",
                    f"{here}: {len(actions)} action(s) on "
                    + ", ".join(t.id for t in (targets or covered))
                    + " read as the Table/Bucket read/write grant they are",
                )
                continue
            statement = self._statement(lid, kind, st, here, so_far + out)
            if statement is not None:
                out.append(statement)
        return out

    def _plain_grant(self, st: Any) -> tuple[set[str], list[Resource]] | None:
        """The actions and Tables/Buckets of an Allow statement without NotAction, NotResource
        or Condition whose every resource is a Table's or Bucket's ARN (or under it)."""
        if not isinstance(st, dict) or st.get("Effect", "Allow") != "Allow":
            return None
        if any(k in st for k in ("NotAction", "NotResource", "Condition")):
            return None
        actions = {str(a) for a in _as_list(st.get("Action"))}
        targets = self._targets(_as_list(st.get("Resource")))
        return (actions, targets) if targets else None

    def _grant_targets(self, st: Any) -> list[Resource] | None:
        """The Tables/Buckets of a statement that is exactly their wsnb/CDK read/write grant."""
        plain = self._plain_grant(st)
        if plain is None:
            return None
        actions, targets = plain
        if all(isinstance(t, Table) for t in targets) and actions == _TABLE_GRANT:
            return targets
        if all(isinstance(t, Bucket) for t in targets) and actions == _BUCKET_GRANT:
            return targets
        return None

    def _covered_by(self, st: Any, granted: list[Resource]) -> list[Resource]:
        """CDK's second statement of a Table grant (stream reads) on tables already granted."""
        plain = self._plain_grant(st) if granted else None
        if plain is None:
            return []
        actions, targets = plain
        if actions <= _TABLE_STREAM_GRANT and all(t in granted for t in targets):
            return targets
        return []

    def _targets(self, resources: list[Any]) -> list[Resource] | None:
        """The wsnb Tables/Buckets that every resource of a statement is (an ARN of, or under);
        None when some resource is anything else."""
        found: list[Resource] = []
        for r in resources:
            ms = markers(r)
            if len(ms) != 1 or not isinstance(r, str):
                return None
            lid2, attr = ms[0]
            res = self._resource(lid2)
            if not isinstance(res, (Table, Bucket)) or attr != "Arn":
                return None
            if not r.startswith(marker(lid2, attr)):
                return None
            if res not in found:
                found.append(res)
        return found

    def _statement(
        self, lid: str, kind: str, st: dict[str, Any], where: str, so_far: list[Any]
    ) -> dict[str, Any] | None:
        """A template statement as a wsnb statement: its effect, actions, conditions and
        resources as they are; a table's or bucket's ARN or name as the wsnb placeholder."""
        out: dict[str, Any] = {"Effect": st.get("Effect", "Allow")}
        for key in ("Action", "NotAction"):
            if key in st:
                out[key] = [str(a) for a in _as_list(st[key])]
        if not out.get("Action") and not out.get("NotAction"):
            self.report.add(
                lid, kind, "ignored", f"{where}: a statement without actions", change="grant"
            )
            return None
        placeholders: list[str] = []
        whole: list[Resource] = []  # resources named by their own ARN (a Ref in the model)
        embedded: list[Resource] = []  # named inside a longer ARN
        for key in ("Resource", "NotResource"):
            if key not in st:
                continue
            values = []
            for r in _as_list(st[key]):
                value = self._statement_resource(r, whole, embedded, placeholders)
                if value is None:
                    self.report.add(
                        lid,
                        kind,
                        "ignored",
                        f"{where}: a {key} that is not a string; the statement is not granted",
                        change="grant",
                    )
                    return None
                values.append(value)
            out[key] = values
        if "Condition" in st:
            out["Condition"] = self._condition(st["Condition"], placeholders)
        missing = [r for r in embedded if r not in whole and not self._known(r, lid, so_far)]
        if missing:  # a resource the function does not otherwise use: name its placeholder ARN
            for key in ("Resource", "NotResource"):
                if key in out:
                    out[key] = [
                        self._fake_arns(str(v), missing, placeholders) if isinstance(v, str) else v
                        for v in out[key]
                    ]
        from .._errors import WsnbError
        from ..model import normalize_permissions

        try:
            normalize_permissions([out], where)
        except WsnbError as exc:
            self.report.add(
                lid,
                kind,
                "ignored",
                f"{where}: the statement is not one wsnb can keep ({exc.message}); it is not granted",
                change="grant",
            )
            return None
        shown = ", ".join(out.get("Action") or out.get("NotAction") or [])
        if placeholders:
            self.report.add(
                lid,
                kind,
                "approximated",
                f"{where}: {shown} on "
                + ", ".join(placeholders)
                + ", which wsnb's output cannot refer to: the statement names a placeholder "
                "ARN instead",
                change="grant",
            )
        else:
            self.report.add(lid, kind, "read", f"{where}: statement {shown} kept as it is")
        return out

    def _condition(self, value: Any, placeholders: list[str]) -> Any:
        """A statement's Condition with template references as placeholder values."""
        if isinstance(value, dict):
            return {k: self._condition(v, placeholders) for k, v in value.items()}
        if isinstance(value, list):
            return [self._condition(v, placeholders) for v in value if v is not NO_VALUE]
        if isinstance(value, str) and markers(value):
            return strip_markers(
                value, lambda lid2, attr: self._placeholder(lid2, attr, placeholders)
            )
        return value

    def _statement_resource(
        self, r: Any, whole: list[Resource], embedded: list[Resource], placeholders: list[str]
    ) -> Any:
        if not isinstance(r, str):
            return None
        found = markers(r)
        if not found:
            return r
        if len(found) == 1 and r == marker(*found[0]):
            lid2, attr = found[0]
            ref = self._placeholder_ref(self._resource(lid2), attr)
            if ref is not None and attr != "Ref":  # the resource's own ARN
                if ref.resource not in whole:
                    whole.append(ref.resource)
                return ref

        def token(lid2: str, attr: str) -> str:
            ref = self._placeholder_ref(self._resource(lid2), attr)
            if ref is None:
                return self._placeholder(lid2, attr, placeholders)
            if ref.resource not in embedded:
                embedded.append(ref.resource)
            return str(ref)

        return strip_markers(r, token)

    def _placeholder_ref(self, res: Resource | None, attr: str) -> Ref | None:
        """wsnb's placeholder for a Table's ``Arn``, ``StreamArn`` or ``Ref`` (its name) or a
        Bucket's ``Arn`` or ``Ref`` (``table.table_arn``...); None for any other reference."""
        if (isinstance(res, Table) and attr in ("Arn", "StreamArn", "Ref")) or (
            isinstance(res, Bucket) and attr in ("Arn", "Ref")
        ):
            return self._attr_ref(res, attr, "")
        return None

    def _placeholder(self, lid2: str, attr: str, placeholders: list[str]) -> str:
        """The stand-in text for a reference wsnb's output cannot make; ``placeholders`` names
        the resource for the report."""
        shown = f"{lid2} ({self.type_of(lid2)})"
        if shown not in placeholders:
            placeholders.append(shown)
        return self._fake(lid2, attr)

    def _known(self, res: Resource, lid: str, so_far: list[Any]) -> bool:
        """Whether the function's model already names ``res`` (environment or a grant)."""
        from ..model import props_resources

        info = self._functions.get(lid)
        env = (info.props.get("environment") if info else None) or {}
        return res in props_resources({"environment": env, "permissions": so_far})

    def _fake_arns(self, text: str, missing: list[Resource], placeholders: list[str]) -> str:
        from ..model import TOKEN_PATTERN

        def sub(m: Any) -> str:
            res = next((r for r in missing if r.kind == m[1] and r.id == m[2]), None)
            if res is None:
                return m[0]
            shown = f"{res.kind} {res.id}"
            if shown not in placeholders:
                placeholders.append(shown)
            return self._fake(self._logical_of(res), "Arn" if m[3].endswith("_arn") else "Ref")

        return TOKEN_PATTERN.sub(sub, text)

    def _logical_of(self, res: Resource) -> str:
        for lid2, known in self._resources.items():
            if known is res:
                return lid2
        return res.id
