"""Reading permissions: SAM policy templates, managed policies, inline and role statements."""

from __future__ import annotations

import re
from typing import Any

from ..model._resources import Parameter, Resource
from ._intrinsics import markers, strip_markers
from ._kinds import BUCKET_TYPE, TABLE_TYPES


class PoliciesMixin:
    """``Reader`` methods turning a function's IAM into wsnb permissions (least privilege
    where wsnb has an equivalent; the report says what is approximated or left out)."""

    # ------------------------------------------------------------------ permissions

    def _permissions(self, lid: str, kind: str, p: dict[str, Any]) -> list[Any]:
        out: list[Any] = []
        policies = p.get("Policies")
        if policies is not None:
            if not isinstance(policies, list):
                policies = [policies]
            for i, pol in enumerate(policies):
                out.extend(self._policy(lid, kind, pol, f"Policies[{i}]"))
        role = p.get("Role")
        role_lids = [r for r, _ in markers(role) if self.type_of(r) == "AWS::IAM::Role"]
        if role_lids:
            out.extend(self._role(lid, kind, role_lids[0]))
        elif isinstance(role, str) and role:
            self.report.add(
                lid,
                kind,
                "approximated",
                "Role is an existing role ARN: wsnb generates the function's role instead",
            )
        uniq: list[Any] = []
        for item in out:
            if item not in uniq:
                uniq.append(item)
        return uniq

    def _policy(self, lid: str, kind: str, pol: Any, where: str) -> list[Any]:
        if isinstance(pol, str):
            name = pol.rsplit("/", 1)[-1]
            if name in (
                "AWSLambdaBasicExecutionRole",
                "AWSLambdaVPCAccessExecutionRole",
                "AWSXrayWriteOnlyAccess",
            ):
                self.report.add(
                    lid, kind, "read", f"{where}: {name} (wsnb's function role already has it)"
                )
                return []
            m = re.match(r"^Amazon([A-Za-z0-9]+?)(FullAccess|ReadOnlyAccess)$", name)
            if m:
                service = {
                    "DynamoDB": "dynamodb",
                    "S3": "s3",
                    "SSM": "ssm",
                    "SQS": "sqs",
                    "SNS": "sns",
                }.get(m[1], m[1].lower())
                self.report.add(
                    lid,
                    kind,
                    "approximated",
                    f"{where}: managed policy {name} read as permission {service!r}",
                )
                return [service]
            self.report.add(
                lid,
                kind,
                "ignored",
                f"{where}: managed policy {name} has no wsnb equivalent; synth() does not include it",
            )
            return []
        if isinstance(pol, dict) and "Statement" in pol:
            return self._statements(lid, kind, pol["Statement"], where)
        if isinstance(pol, dict) and len(pol) == 1:
            ((tpl, args),) = pol.items()
            args = args if isinstance(args, dict) else {}
            if tpl in (
                "DynamoDBCrudPolicy",
                "DynamoDBReadPolicy",
                "DynamoDBWritePolicy",
                "DynamoDBReconfigurePolicy",
            ):
                table = self._policy_target(args.get("TableName"), TABLE_TYPES)
                if table is None:
                    self.report.add(
                        lid,
                        kind,
                        "ignored",
                        f"{where}: {tpl} names table {args.get('TableName')!r}, which the template does not define",
                    )
                    return []
                status = "read" if tpl == "DynamoDBCrudPolicy" else "approximated"
                self.report.add(
                    lid,
                    kind,
                    status,
                    f"{where}: SAM {tpl} → least-privilege read/write grant on Table {table.id}"
                    + ("" if status == "read" else " (wsnb grants read and write)"),
                )
                return [table]
            if tpl in ("S3CrudPolicy", "S3ReadPolicy", "S3WritePolicy", "S3FullAccessPolicy"):
                bucket = self._policy_target(args.get("BucketName"), (BUCKET_TYPE,))
                if bucket is None:
                    self.report.add(
                        lid,
                        kind,
                        "ignored",
                        f"{where}: {tpl} names a bucket the template does not define",
                    )
                    return []
                self.report.add(
                    lid,
                    kind,
                    "read" if tpl == "S3CrudPolicy" else "approximated",
                    f"{where}: SAM {tpl} → read/write grant on Bucket {bucket.id}",
                )
                return [bucket]
            if tpl == "SSMParameterReadPolicy":
                pname = str(args.get("ParameterName", "*")).lstrip("/")
                region, account = self.ev.pseudo["AWS::Region"], self.ev.pseudo["AWS::AccountId"]
                self.report.add(
                    lid,
                    kind,
                    "read",
                    f"{where}: SAM SSMParameterReadPolicy → ssm:GetParameter(s) on {pname}",
                )
                return [
                    {
                        "Effect": "Allow",
                        "Action": [
                            "ssm:DescribeParameters",
                            "ssm:GetParameters",
                            "ssm:GetParameter",
                            "ssm:GetParametersByPath",
                        ],
                        "Resource": f"arn:aws:ssm:{region}:{account}:parameter/{pname}",
                    }
                ]
            if tpl == "AWSLambdaBasicExecutionRole":
                return []
            self.report.add(
                lid,
                kind,
                "ignored",
                f"{where}: SAM policy template {tpl} has no wsnb equivalent; synth() does not include it",
            )
            return []
        self.report.add(lid, kind, "ignored", f"{where}: policy of an unknown form")
        return []

    def _policy_target(self, value: Any, types: tuple[str, ...]) -> Resource | None:
        for lid2, _ in markers(value):
            if self.type_of(lid2) in types:
                return self._resource(lid2)
        if isinstance(value, str):
            res = self._resource_by_name(value)
            if res is not None:
                return res
        return None

    def _role(self, lid: str, kind: str, role_lid: str) -> list[Any]:
        self._used.add(role_lid)
        out: list[Any] = []
        rp = self.props(role_lid)
        for i, pol in enumerate(rp.get("Policies") or []):
            doc = (pol or {}).get("PolicyDocument") or {}
            out.extend(
                self._statements(
                    lid, kind, doc.get("Statement") or [], f"Role {role_lid}.Policies[{i}]"
                )
            )
        for arn in rp.get("ManagedPolicyArns") or []:
            if isinstance(arn, str):
                out.extend(self._policy(lid, kind, arn, f"Role {role_lid}.ManagedPolicyArns"))
        # stand-alone AWS::IAM::Policy resources attached to this role (what CDK writes)
        for plid, res in self.raw.items():
            if isinstance(res, dict) and res.get("Type") == "AWS::IAM::Policy":
                pp = self.props(plid)
                if any(r == role_lid for role in pp.get("Roles") or [] for r, _ in markers(role)):
                    self._used.add(plid)
                    doc = pp.get("PolicyDocument") or {}
                    out.extend(
                        self._statements(lid, kind, doc.get("Statement") or [], f"Policy {plid}")
                    )
        self.report.add(
            role_lid,
            "AWS::IAM::Role",
            "approximated",
            f"the role of {lid}: wsnb generates the role; its grants are read as permissions",
        )
        return out

    def _statements(self, lid: str, kind: str, statements: Any, where: str) -> list[Any]:
        if isinstance(statements, dict):
            statements = [statements]
        out: list[Any] = []
        for st in statements or []:
            if not isinstance(st, dict) or st.get("Effect", "Allow") != "Allow":
                continue
            actions = st.get("Action") or []
            actions = [actions] if isinstance(actions, str) else list(actions)
            resources = st.get("Resource") or []
            resources = [resources] if isinstance(resources, str) else list(resources)
            if actions and all(a.startswith(("execute-api:", "xray:", "logs:")) for a in actions):
                self.report.add(
                    lid,
                    kind,
                    "read",
                    f"{where}: {', '.join(actions)} (wsnb grants connection management, tracing and logs to every function)",
                )
                continue  # wsnb grants connection management, tracing and logs itself
            targets = []
            for r in resources:
                for rlid, _ in markers(r):
                    res = self._resource(rlid)
                    if res is not None and not isinstance(res, Parameter) and res not in targets:
                        targets.append(res)
            if targets and all(a.split(":")[0] in ("dynamodb", "s3") for a in actions):
                out.extend(targets)
                self.report.add(
                    lid,
                    kind,
                    "approximated",
                    f"{where}: {len(actions)} action(s) on {', '.join(t.id for t in targets)} read as wsnb's least-privilege grant",
                )
                continue
            literal = [r for r in resources if isinstance(r, str) and "\x00" not in r]
            if len(literal) != len(resources):
                literal = [strip_markers(r, self._fake) for r in resources if isinstance(r, str)]
                self.report.add(
                    lid,
                    kind,
                    "approximated",
                    f"{where}: a statement resource refers to a template resource; placeholder ARNs are used",
                )
            out.append({"Effect": "Allow", "Action": actions, "Resource": literal or "*"})
        return out
