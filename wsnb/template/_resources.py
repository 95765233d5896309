"""Reading the DynamoDB tables, S3 buckets and SSM parameters functions refer to."""

from __future__ import annotations

import re
from typing import Any

from .._errors import TemplateError
from ..model import Bucket, NamedBucket, NamedParameter, NamedTable, Resource, Table
from . import _shapes as shapes
from ._intrinsics import strip_markers
from ._kinds import BUCKET_TYPE, SSM_TYPE, TABLE_TYPES

_DYNAMO_TYPES = {"S": "string", "N": "number", "B": "binary"}
_SIMPLE_TYPES = {"String": "string", "Number": "number", "Binary": "binary"}


class ResourcesMixin:
    """``Reader`` methods mapping template resources to wsnb ``Table``/``Bucket``/``Parameter``."""

    def _resource_by_name(self, name: str) -> Resource | None:
        """A table/bucket/SSM parameter of the template whose physical name is ``name``."""
        for lid, res in self.raw.items():
            if not isinstance(res, dict) or res.get("Type") not in (
                *TABLE_TYPES,
                BUCKET_TYPE,
                SSM_TYPE,
            ):
                continue
            p = res.get("Properties") or {}
            key = {"AWS::S3::Bucket": "BucketName", SSM_TYPE: "Name"}.get(res["Type"], "TableName")
            if key in p and self.active(lid) and self.props(lid).get(key) == name:
                return self._resource(lid)
        return None

    @shapes.reads
    def _resource(self, lid: str) -> Resource | None:
        """The wsnb Table/Bucket/Parameter for a template resource (None for other types)."""
        if lid in self._resources:
            return self._resources[lid]
        t = self.type_of(lid)
        if t not in (*TABLE_TYPES, BUCKET_TYPE, SSM_TYPE):
            return None
        self._used.add(lid)
        p = self.props(lid)
        rid = re.sub(r"[^A-Za-z0-9_-]", "", lid)[:64]
        res: Resource
        where = f"{lid}.Properties"
        if t == "AWS::DynamoDB::Table":
            here = f"{where}.AttributeDefinitions"
            fields = {}
            for i, a in enumerate(shapes.mappings(p.get("AttributeDefinitions"), here)):
                attr = shapes.text(a.get("AttributeName"), f"{here}[{i}].AttributeName")
                kind = shapes.text(a.get("AttributeType", "S"), f"{here}[{i}].AttributeType")
                fields[attr] = _DYNAMO_TYPES.get(kind, "string")
            primary = _key_schema(p.get("KeySchema"), f"{where}.KeySchema")
            here = f"{where}.GlobalSecondaryIndexes"
            gsi = {}
            for i, g in enumerate(shapes.mappings(p.get("GlobalSecondaryIndexes"), here)):
                index = shapes.text(g.get("IndexName"), f"{here}[{i}].IndexName")
                gsi[index] = _key_schema(g.get("KeySchema"), f"{here}[{i}].KeySchema")
            for idx in [primary, *gsi.values()]:
                for f in idx.values():
                    fields.setdefault(f, "string")
            kwargs = {"fields": fields, "primary_index": primary, "global_indexes": gsi or None}
            name = p.get("TableName")
            notes = "KeySchema, AttributeDefinitions" + (", GlobalSecondaryIndexes" if gsi else "")
            same = {"TableName", "KeySchema", "AttributeDefinitions", "GlobalSecondaryIndexes"}
            if p.get("BillingMode") == "PAY_PER_REQUEST":  # what wsnb's table is too
                same.add("BillingMode")
                notes += ", BillingMode"
            pitr = p.get("PointInTimeRecoverySpecification")
            if (
                isinstance(pitr, dict)
                and str(pitr.get("PointInTimeRecoveryEnabled")).lower() == "true"
            ):
                same.add("PointInTimeRecoverySpecification")
                notes += ", PointInTimeRecoverySpecification"
            else:
                self._pitr_on(lid, t)
            skipped = sorted(set(p) - same)
        elif t == "AWS::Serverless::SimpleTable":
            here = f"{where}.PrimaryKey"
            pk = shapes.mapping(p.get("PrimaryKey"), here) or {"Name": "id", "Type": "String"}
            key_name = shapes.text(pk.get("Name"), f"{here}.Name")
            key_type = shapes.text(pk.get("Type", "String"), f"{here}.Type")
            kwargs = {
                "fields": {key_name: _SIMPLE_TYPES.get(key_type, "string")},
                "primary_index": {"partition_key": key_name},
            }
            name = p.get("TableName")
            notes = "PrimaryKey"
            skipped = sorted(set(p) - {"TableName", "PrimaryKey"})
            self._pitr_on(lid, t)
        elif t == BUCKET_TYPE:
            name = p.get("BucketName")
            kwargs = {}
            notes = "bucket"
            same = {"BucketName"}
            block = p.get("PublicAccessBlockConfiguration")
            if isinstance(block, dict) and all(
                str(block.get(k)).lower() == "true"
                for k in (
                    "BlockPublicAcls",
                    "BlockPublicPolicy",
                    "IgnorePublicAcls",
                    "RestrictPublicBuckets",
                )
            ):  # what wsnb's bucket says too (BLOCK_ALL)
                same.add("PublicAccessBlockConfiguration")
            skipped = sorted(set(p) - same)
        else:
            name, value = p.get("Name"), p.get("Value")
            if not isinstance(value, str):
                value = str(value)
            pid = re.sub(r"[^A-Za-z0-9_]", "_", lid)[:128]
            if not isinstance(name, str) or "\x00" in name:
                name = f"/local/{lid}"
                self.report.add(
                    lid,
                    t,
                    "approximated",
                    f"no literal Name: the name is {name} locally and in synth()/export()",
                    change="value",
                )
            res = NamedParameter(pid, strip_markers(value, self._fake), physical_name=name)
            self.report.add(
                lid, t, "read", f"SSM parameter {name} (stored in local SSM with its Value)"
            )
            self.report.add(
                lid,
                t,
                "approximated",
                f"synth()/export() do not create the SSM parameter {name} (functions get its "
                "name and value in their environment)",
                change="resource",
            )
            self._resources[lid] = res
            self._names[name] = res
            return res
        if isinstance(name, str) and "\x00" not in name:
            if t == BUCKET_TYPE:
                res = NamedBucket(rid, physical_name=name)
            else:
                res = NamedTable(rid, physical_name=name, **kwargs)
            self._names[name] = res
            note = f"{notes}; physical name {name!r} kept"
        else:
            res = Bucket(rid) if t == BUCKET_TYPE else Table(rid, **kwargs)
            note = f"{notes}; no fixed name: the stage's generated name <stage>-<app>-{rid} is used"
        self.report.add(lid, t, "read", note)
        if skipped:
            self.report.add(lid, t, "ignored", "not read: " + ", ".join(skipped))
        self._resources[lid] = res
        return res

    def _pitr_on(self, lid: str, t: str) -> None:
        self.report.add(
            lid,
            t,
            "approximated",
            "point-in-time recovery is off in the template; synth()/export() turn it on "
            "(as SST's Table does)",
            change="setting",
        )


def _key_schema(schema: Any, where: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for i, item in enumerate(shapes.mappings(schema, where)):
        name = shapes.text(item.get("AttributeName"), f"{where}[{i}].AttributeName")
        out["partition_key" if item.get("KeyType") == "HASH" else "sort_key"] = name
    if "partition_key" not in out:
        raise TemplateError(f"{where}: the key schema has no HASH key.", given=schema, path=where)
    return out
