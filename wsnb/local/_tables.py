"""Local values for Table/Bucket/Secret/Parameter, and moto-backed DynamoDB tables.

Tables are created in moto's in-process DynamoDB backend at serve start, named
``<stage>-<app>-<TableId>``. Handlers reach them through ``AWS_ENDPOINT_URL_DYNAMODB`` =
``http://dynamodb.wsnb.localhost`` (set in each function's environment), a host answered in
process by :mod:`._transport` — nothing listens on a socket and nothing leaves the machine.
Data lives as long as the Python process (it survives a server restart).
"""

from __future__ import annotations

import contextlib
import re
import threading
from typing import Any

from .._errors import require
from ..model import Bucket, Parameter, Resource, Secret, Table
from ..model._resources import TOKEN_PATTERN
from . import _transport

DYNAMODB_NETLOC = "dynamodb.wsnb.localhost"
DYNAMODB_ENDPOINT = f"http://{DYNAMODB_NETLOC}"
_FIELD_TYPES = {"string": "S", "number": "N", "binary": "B"}
_REGION = re.compile(r"Credential=[^/]+/\d{8}/([a-z0-9-]+)/")
_moto_lock = threading.Lock()
_stubber: Any = None


def physical_name(resource: Resource, stage: str, app: str) -> str:
    name = f"{stage}-{app}-{resource.id}"
    return name.lower() if isinstance(resource, Bucket) else name


def attribute_value(resource: Resource, attribute: str, *, stage: str, app: str, region: str, account: str) -> str:
    """The local value a ``Ref`` token stands for."""
    name = physical_name(resource, stage, app)
    if isinstance(resource, Table):
        arn = f"arn:aws:dynamodb:{region}:{account}:table/{name}"
        return {"table_name": name, "table_arn": arn, "stream_arn": f"{arn}/stream/local"}.get(attribute, name)
    if isinstance(resource, Bucket):
        return {"bucket_name": name, "bucket_arn": f"arn:aws:s3:::{name}"}.get(attribute, name)
    if isinstance(resource, Secret):
        return f"/sst/{app}/{stage}/Secret/{resource.id}/value"
    if isinstance(resource, Parameter):
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


def moto_send(request: Any) -> Any:
    """Answer a DynamoDB request with moto's in-process backend."""
    global _stubber
    from botocore.awsrequest import AWSPreparedRequest

    if _stubber is None:
        require("moto", extra="local", purpose="Local DynamoDB tables")
        from moto.core.botocore_stubber import BotocoreStubber

        _stubber = BotocoreStubber()
    auth = request.headers.get("Authorization") or ""
    if isinstance(auth, bytes):
        auth = auth.decode("latin-1")
    m = _REGION.search(auth)
    region = m[1] if m else "us-east-1"
    path = request.url.split("/", 3)[3] if request.url.count("/") >= 3 else ""
    url = f"https://dynamodb.{region}.amazonaws.com/{path}"
    forwarded = AWSPreparedRequest(request.method, url, request.headers, request.body, False)
    with _moto_lock:
        result = _stubber.process_request(forwarded)
    if result is None:
        return _transport.response(request.url, 400, {}, b'{"message": "not handled locally"}')
    status, headers, body = result
    if isinstance(body, str):
        body = body.encode()
    return _transport.response(request.url, status, dict(headers), body or b"")


def local_client(service: str, region: str) -> Any:
    """A boto3 client for a locally backed service (fake credentials, local endpoint)."""
    boto3 = require("boto3", extra="local", purpose="Local DynamoDB tables")
    endpoint = DYNAMODB_ENDPOINT if service == "dynamodb" else None
    return boto3.session.Session().client(
        service,
        region_name=region,
        endpoint_url=endpoint,
        aws_access_key_id="wsnb-local",
        aws_secret_access_key="wsnb-local",
    )


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
            {"AttributeName": f, "AttributeType": _FIELD_TYPES[t]} for f, t in table.fields.items() if f in used
        ]
        kwargs: dict[str, Any] = {
            "TableName": name,
            "AttributeDefinitions": attrs,
            "KeySchema": _key_schema(table.primary_index),
            "BillingMode": "PAY_PER_REQUEST",
        }
        if table.global_indexes:
            kwargs["GlobalSecondaryIndexes"] = [
                {"IndexName": n, "KeySchema": _key_schema(i), "Projection": {"ProjectionType": "ALL"}}
                for n, i in table.global_indexes.items()
            ]
        with contextlib.suppress(client.exceptions.ResourceInUseException):
            client.create_table(**kwargs)
    return names


def _key_schema(index: dict[str, str]) -> list[dict[str, str]]:
    out = [{"AttributeName": index["partition_key"], "KeyType": "HASH"}]
    if index.get("sort_key"):
        out.append({"AttributeName": index["sort_key"], "KeyType": "RANGE"})
    return out
