"""SST's defaults merge, exactly (SPEC §1), with provenance."""

from __future__ import annotations

import pytest

from wsnb import Bucket, Table, WebSocketApi

pytestmark = pytest.mark.usefixtures("project")

LAYER_A = "arn:aws:lambda:us-east-1:123456789012:layer:a:1"
LAYER_B = "arn:aws:lambda:us-east-1:123456789012:layer:b:2"


def make():
    table = Table("Connections", fields={"id": "string"}, primary_index={"partition_key": "id"})
    bucket = Bucket("Uploads")
    api = WebSocketApi(
        "Api",
        defaults={
            "function": {
                "timeout": 20,
                "permissions": [table],
                "environment": {"tableName": table.table_name, "SHARED": "d"},
                "layers": [LAYER_A],
            }
        },
        routes={
            "$default": {
                "function": {
                    "handler": "src/default.main",
                    "timeout": 10,
                    "permissions": [bucket],
                    "environment": {"bucketName": bucket.bucket_name, "SHARED": "r"},
                    "layers": [LAYER_B],
                }
            },
            "$connect": "src/connect.main",
        },
    )
    return api, table, bucket


def test_seed_merge_example():
    api, table, bucket = make()
    fn = api.get_function("$default")
    assert fn["timeout"] == 10 and fn.timeout == 10 and fn.provenance["timeout"] == "route"
    assert fn["environment"] == {
        "tableName": table.table_name,
        "SHARED": "r",
        "bucketName": bucket.bucket_name,
    }
    assert fn.provenance["environment"] == "merged"
    assert fn["permissions"] == (table, bucket)
    assert fn["layers"] == (LAYER_A, LAYER_B)
    assert fn.provenance["permissions"] == fn.provenance["layers"] == "merged"


def test_route_without_props_takes_defaults():
    api, table, _ = make()
    fn = api.get_function("$connect")
    assert fn["timeout"] == 20 and fn.provenance["timeout"] == "defaults"
    assert fn["permissions"] == (table,) and fn.provenance["permissions"] == "defaults"
    assert fn.provenance["runtime"] == "builtin" and fn["runtime"].startswith("python3.")
    assert fn.provenance["handler"] == "route"


@pytest.mark.parametrize("side", ["defaults", "route"])
def test_star_permission_wins(side):
    d = ["*"] if side == "defaults" else ["s3"]
    r = ["sqs"] if side == "defaults" else ["*"]
    api = (
        WebSocketApi("Api")
        .defaults(permissions=d)
        .route("$default", "src/default.main", permissions=r)
    )
    assert api.get_function("$default")["permissions"] == ("*",)


def test_bind_concatenates_defaults_first():
    a, b = Bucket("A"), Bucket("B")
    api = WebSocketApi("Api").defaults(bind=[a]).route("$default", "src/default.main", bind=[b])
    assert api.get_function("$default")["bind"] == (a, b)


def test_defaults_rerun_identical_is_noop_and_different_replaces():
    api = WebSocketApi("Api").route("$default", "src/default.main").defaults(timeout=20)
    api.defaults(timeout=20)
    assert api.get_function("$default")["timeout"] == 20
    api.defaults(timeout=30)
    assert api.get_function("$default")["timeout"] == 30
    api.defaults({"function": {"memory_size": 256}})
    fn = api.get_function("$default")
    assert fn["memory_size"] == 256 and fn.provenance["timeout"] == "builtin"


def test_defaults_cannot_set_a_handler():
    from wsnb import PropError

    with pytest.raises(PropError, match="handler"):
        WebSocketApi("Api").defaults(handler="src/x.main")


def test_every_prop_reads_as_an_attribute_too():
    from wsnb.model import PROP_NAMES, RouteFunction

    api, _, _ = make()
    fn = api.get_function("$default")
    for name in PROP_NAMES:
        if name != "handler":
            assert isinstance(getattr(RouteFunction, name), property), name
    assert (
        fn.layers == (LAYER_A, LAYER_B)
        and fn.environment["SHARED"] == "r"
        and fn.description is None
    )
