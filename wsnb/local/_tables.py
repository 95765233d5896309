"""Local values for Table/Bucket/Secret/Parameter, and moto-backed DynamoDB tables.

Tables are created in moto's in-process DynamoDB backend at serve start, named
``<stage>-<app>-<TableId>``. Handlers reach them through ``AWS_ENDPOINT_URL_DYNAMODB`` =
``http://dynamodb.wsnb.localhost`` (set in each function's environment), a host answered in
process by :mod:`._moto` through :mod:`._transport` — nothing listens on a socket and nothing
leaves the machine. Data lives as long as the Python process (it survives a server restart).
Buckets and SSM parameters are made the same way (:mod:`._buckets`, :mod:`._secrets`).
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Mapping
from typing import Any

from ..model import (
    TOKEN_PATTERN,
    Bucket,
    Parameter,
    Resource,
    Secret,
    Table,
    explicit_name,
    resource_name,
)
from ..model import ssm_parameter_name as model_ssm_parameter_name
from ._moto import ENDPOINTS, NETLOCS, local_client
from ._moto import send as moto_send

__all__ = ["DYNAMODB_ENDPOINT", "DYNAMODB_NETLOC", "local_client", "moto_send"]

DYNAMODB_NETLOC = NETLOCS["dynamodb"]
DYNAMODB_ENDPOINT = ENDPOINTS["dynamodb"]
_FIELD_TYPES = {"string": "S", "number": "N", "binary": "B"}
_BUCKET_CHARS = re.compile(r"[^a-z0-9-]+")


def physical_name(resource: Resource, stage: str, app: str) -> str:
    """``<stage>-<app>-<id>``; for a Bucket made a valid S3 name (lower case, ``-`` for other
    characters, at most 63 characters)."""
    fixed = explicit_name(resource)  # a name kept from an imported template
    if fixed is not None:
        return fixed
    name = resource_name(resource.id, app=app, stage=stage)
    if isinstance(resource, Bucket):
        name = _BUCKET_CHARS.sub("-", name.lower())[:63].strip("-")
    return name


def ssm_parameter_name(resource: Secret | Parameter, stage: str, app: str) -> str:
    """The SSM parameter holding a Secret's (or Parameter's) value, as synth names it:
    ``/wsnb/<app>/<stage>/<Kind>/<name>/value`` (or the name an imported template gave it)."""
    fixed = explicit_name(resource)
    if fixed is not None:
        return fixed
    return model_ssm_parameter_name(resource, app=app, stage=stage)


def attribute_value(
    resource: Resource, attribute: str, *, stage: str, app: str, region: str, account: str
) -> str:
    """The local value a ``Ref`` token stands for."""
    name = physical_name(resource, stage, app)
    if isinstance(resource, Table):
        arn = f"arn:aws:dynamodb:{region}:{account}:table/{name}"
        return {"table_name": name, "table_arn": arn, "stream_arn": f"{arn}/stream/local"}.get(
            attribute, name
        )
    if isinstance(resource, Bucket):
        return {"bucket_name": name, "bucket_arn": f"arn:aws:s3:::{name}"}.get(attribute, name)
    if isinstance(resource, Secret):
        return resource.id if attribute == "name" else ssm_parameter_name(resource, stage, app)
    if isinstance(resource, Parameter):
        if attribute == "parameter_name":
            return ssm_parameter_name(resource, stage, app)
        return resource.value if attribute == "value" else resource.id
    return name


def resolve_tokens(text: str, resources: list[Resource], **where: str) -> str:
    """Replace every ``${wsnb:Kind/Id.attr}`` token in ``text`` by its local value."""
    if "${wsnb:" not in text:
        return text
    by_key = {(r.kind, r.id): r for r in resources}

    def sub(m: re.Match[str]) -> str:
        res = by_key.get((m[1], m[2]))
        return m[0] if res is None else attribute_value(res, m[3], **where)

    return TOKEN_PATTERN.sub(sub, text)


def ensure_tables(tables: list[Table], *, stage: str, app: str, region: str) -> list[str]:
    """Create the tables (fields, keys, GSIs) in local DynamoDB; existing ones are kept."""
    if not tables:
        return []
    client = local_client("dynamodb", region)
    names = []
    for table in tables:
        name = physical_name(table, stage, app)
        names.append(name)
        used = {table.primary_index["partition_key"], table.primary_index.get("sort_key")}
        for idx in table.global_indexes.values():
            used |= {idx["partition_key"], idx.get("sort_key")}
        attrs = [
            {"AttributeName": f, "AttributeType": _FIELD_TYPES[t]}
            for f, t in table.fields.items()
            if f in used
        ]
        kwargs: dict[str, Any] = {
            "TableName": name,
            "AttributeDefinitions": attrs,
            "KeySchema": _key_schema(table.primary_index),
            "BillingMode": "PAY_PER_REQUEST",
        }
        if table.global_indexes:
            kwargs["GlobalSecondaryIndexes"] = [
                {
                    "IndexName": n,
                    "KeySchema": _key_schema(i),
                    "Projection": {"ProjectionType": "ALL"},
                }
                for n, i in table.global_indexes.items()
            ]
        with contextlib.suppress(client.exceptions.ResourceInUseException):
            client.create_table(**kwargs)
    return names


def _key_schema(index: Mapping[str, Any]) -> list[dict[str, str]]:
    out = [{"AttributeName": index["partition_key"], "KeyType": "HASH"}]
    if index.get("sort_key"):
        out.append({"AttributeName": index["sort_key"], "KeyType": "RANGE"})
    return out
