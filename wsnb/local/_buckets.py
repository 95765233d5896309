"""moto-backed S3 buckets for the ``Bucket`` resources an API uses.

Each bucket is created in moto's in-process S3 at serve start (and when the model gains one)
with its local name ``<stage>-<app>-<id>`` (lower case), the value ``bucket.bucket_name`` and
``WSNB_Bucket_<id>_bucket_name`` resolve to. Handlers reach it with a plain
``boto3.client("s3")`` through ``AWS_ENDPOINT_URL_S3`` = ``http://s3.wsnb.localhost``
(answered in process by :mod:`._moto`). Existing buckets and their objects are kept.
"""

from __future__ import annotations

import contextlib
from typing import Any

from ..model import Bucket
from ._moto import local_client
from ._tables import physical_name


def ensure_buckets(buckets: list[Bucket], *, stage: str, app: str, region: str) -> list[str]:
    """Create the buckets in local S3 (existing ones are kept); returns their names."""
    if not buckets:
        return []
    client = local_client("s3", region)
    names = []
    for bucket in buckets:
        name = physical_name(bucket, stage, app)
        names.append(name)
        kwargs: dict[str, Any] = {"Bucket": name}
        if region != "us-east-1":
            kwargs["CreateBucketConfiguration"] = {"LocationConstraint": region}
        with contextlib.suppress(
            client.exceptions.BucketAlreadyOwnedByYou, client.exceptions.BucketAlreadyExists
        ):
            client.create_bucket(**kwargs)
    return names
