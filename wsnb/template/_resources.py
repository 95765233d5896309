"""Reading the DynamoDB tables, S3 buckets and SSM parameters functions refer to: one read
function per resource type, each making the wsnb ``Table``/``Bucket``/``Parameter``."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from .._errors import TemplateError
from ..model import Bucket, NamedBucket, NamedParameter, NamedTable, Resource, Table
from . import _shapes as shapes
from ._context import ReadContext, reads
from ._intrinsics import strip_markers
from ._kinds import BUCKET_TYPE, SSM_TYPE, TABLE_TYPES
from ._references import placeholder_text

_DYNAMO_TYPES = {"S": "string", "N": "number", "B": "binary"}
_SIMPLE_TYPES = {"String": "string", "Number": "number", "Binary": "binary"}
# the property holding each type's physical name
_NAME_PROPERTY = {BUCKET_TYPE: "BucketName", SSM_TYPE: "Name"}


def resource_by_name(context: ReadContext, name: str) -> Resource | None:
    """A table/bucket/SSM parameter of the template whose physical name is ``name``."""
    template = context.template
    for lid, res in template.resources_of((*TABLE_TYPES, BUCKET_TYPE, SSM_TYPE)).items():
        p = res.get("Properties") or {}
        key = _NAME_PROPERTY.get(res["Type"], "TableName")
        if key in p and template.active(lid) and template.props(lid).get(key) == name:
            return read_resource(context, lid)
    return None


@reads
def read_resource(context: ReadContext, lid: str) -> Resource | None:
    """The wsnb Table/Bucket/Parameter for a template resource (None for other types)."""
    if lid in context.wsnb_resources:
        return context.wsnb_resources[lid]
    kind = context.template.type_of(lid)
    read = _READERS.get(kind)
    if read is None:
        return None
    context.used.add(lid)
    res = read(context, lid, kind, context.template.props(lid))
    context.wsnb_resources[lid] = res
    return res


def _dynamodb_table(context: ReadContext, lid: str, kind: str, p: dict[str, Any]) -> Resource:
    rid = _resource_id(lid)
    where = f"{lid}.Properties"
    here = f"{where}.AttributeDefinitions"
    fields = {}
    for i, a in enumerate(shapes.mappings(p.get("AttributeDefinitions"), here)):
        attr = shapes.text(a.get("AttributeName"), f"{here}[{i}].AttributeName")
        attr_type = shapes.text(a.get("AttributeType", "S"), f"{here}[{i}].AttributeType")
        fields[attr] = _DYNAMO_TYPES.get(attr_type, "string")
    primary = _key_schema(p.get("KeySchema"), f"{where}.KeySchema")
    here = f"{where}.GlobalSecondaryIndexes"
    gsi = {}
    for i, g in enumerate(shapes.mappings(p.get("GlobalSecondaryIndexes"), here)):
        index = shapes.text(g.get("IndexName"), f"{here}[{i}].IndexName")
        gsi[index] = _key_schema(g.get("KeySchema"), f"{here}[{i}].KeySchema")
    for idx in [primary, *gsi.values()]:
        for f in idx.values():
            fields.setdefault(f, "string")
    indexes: dict[str, dict[str, Any]] | None = dict(gsi) or None
    notes = "KeySchema, AttributeDefinitions" + (", GlobalSecondaryIndexes" if gsi else "")
    same = {"TableName", "KeySchema", "AttributeDefinitions", "GlobalSecondaryIndexes"}
    if p.get("BillingMode") == "PAY_PER_REQUEST":  # what wsnb's table is too
        same.add("BillingMode")
        notes += ", BillingMode"
    pitr = p.get("PointInTimeRecoverySpecification")
    if isinstance(pitr, dict) and str(pitr.get("PointInTimeRecoveryEnabled")).lower() == "true":
        same.add("PointInTimeRecoverySpecification")
        notes += ", PointInTimeRecoverySpecification"
    else:
        _report_pitr_on(context, lid, kind)
    return _named_or_generated(
        context,
        lid,
        kind,
        p.get("TableName"),
        notes,
        sorted(set(p) - same),
        named=lambda name: NamedTable(
            rid, physical_name=name, fields=fields, primary_index=primary, global_indexes=indexes
        ),
        generated=lambda: Table(rid, fields=fields, primary_index=primary, global_indexes=indexes),
    )


def _simple_table(context: ReadContext, lid: str, kind: str, p: dict[str, Any]) -> Resource:
    rid = _resource_id(lid)
    here = f"{lid}.Properties.PrimaryKey"
    pk = shapes.mapping(p.get("PrimaryKey"), here) or {"Name": "id", "Type": "String"}
    key_name = shapes.text(pk.get("Name"), f"{here}.Name")
    key_type = shapes.text(pk.get("Type", "String"), f"{here}.Type")
    fields = {key_name: _SIMPLE_TYPES.get(key_type, "string")}
    primary = {"partition_key": key_name}
    skipped = sorted(set(p) - {"TableName", "PrimaryKey"})
    _report_pitr_on(context, lid, kind)
    return _named_or_generated(
        context,
        lid,
        kind,
        p.get("TableName"),
        "PrimaryKey",
        skipped,
        named=lambda name: NamedTable(
            rid, physical_name=name, fields=fields, primary_index=primary
        ),
        generated=lambda: Table(rid, fields=fields, primary_index=primary),
    )


def _s3_bucket(context: ReadContext, lid: str, kind: str, p: dict[str, Any]) -> Resource:
    rid = _resource_id(lid)
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
    return _named_or_generated(
        context,
        lid,
        kind,
        p.get("BucketName"),
        "bucket",
        sorted(set(p) - same),
        named=lambda name: NamedBucket(rid, physical_name=name),
        generated=lambda: Bucket(rid),
    )


def _ssm_parameter(context: ReadContext, lid: str, kind: str, p: dict[str, Any]) -> Resource:
    name, value = p.get("Name"), p.get("Value")
    if not isinstance(value, str):
        value = str(value)
    pid = re.sub(r"[^A-Za-z0-9_]", "_", lid)[:128]
    if not isinstance(name, str) or "\x00" in name:
        name = f"/local/{lid}"
        context.report.add(
            lid,
            kind,
            "approximated",
            f"no literal Name: the name is {name} locally and in synth()/export()",
            change="value",
        )
    res = NamedParameter(
        pid,
        strip_markers(value, lambda a, b: placeholder_text(context, a, b)),
        physical_name=name,
    )
    context.report.add(
        lid, kind, "read", f"SSM parameter {name} (stored in local SSM with its Value)"
    )
    context.report.add(
        lid,
        kind,
        "approximated",
        f"synth()/export() do not create the SSM parameter {name} (functions get its "
        "name and value in their environment)",
        change="resource",
    )
    context.by_physical_name[name] = res
    return res


_READERS: dict[str, Callable[[ReadContext, str, str, dict[str, Any]], Resource]] = {
    "AWS::DynamoDB::Table": _dynamodb_table,
    "AWS::Serverless::SimpleTable": _simple_table,
    BUCKET_TYPE: _s3_bucket,
    SSM_TYPE: _ssm_parameter,
}


def _resource_id(lid: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]", "", lid)[:64]


def _named_or_generated(
    context: ReadContext,
    lid: str,
    kind: str,
    name: Any,
    notes: str,
    skipped: list[str],
    *,
    named: Callable[[str], Resource],
    generated: Callable[[], Resource],
) -> Resource:
    """A table or bucket with its physical name kept (a literal name), or wsnb's generated
    one; reported with ``notes`` and the properties it does not read."""
    if isinstance(name, str) and "\x00" not in name:
        res = named(name)
        context.by_physical_name[name] = res
        note = f"{notes}; physical name {name!r} kept"
    else:
        res = generated()
        rid = _resource_id(lid)
        note = f"{notes}; no fixed name: the stage's generated name <stage>-<app>-{rid} is used"
    context.report.add(lid, kind, "read", note)
    if skipped:
        context.report.add(lid, kind, "ignored", "not read: " + ", ".join(skipped))
    return res


def _report_pitr_on(context: ReadContext, lid: str, kind: str) -> None:
    context.report.add(
        lid,
        kind,
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
