"""Property tests: random builder input builds a model or raises a WsnbError, never anything
else and never a half-changed model; ``to_dict`` round-trips."""

from __future__ import annotations

import json
import tempfile
import warnings
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wsnb import Bucket, Function, Table, WebSocketApi, WsnbError

_ROOT = tempfile.mkdtemp(prefix="wsnb-prop-")
for _rel in ("src/a.py", "src/b.py", "c.py"):
    _path = Path(_ROOT, _rel)
    _path.parent.mkdir(parents=True, exist_ok=True)
    _path.write_text("def main(event, context):\n    return None\n")

TABLE = Table("T", fields={"id": "string"}, primary_index={"partition_key": "id"})
BUCKET = Bucket("B")

keys = st.one_of(
    st.sampled_from(
        ["$connect", "$disconnect", "$default", " $connect ", "sendMessage", "$bad", ""]
    ),
    st.text(min_size=0, max_size=12),
)
handlers = st.one_of(
    st.sampled_from(
        ["src/a.main", "src/b.main", "c.main", "src/a", "../x.main", "", "src/missing.main"]
    ),
    st.text(max_size=15),
    st.integers(),
    st.none(),
)
values = st.one_of(
    st.integers(-5, 2000),
    st.text(max_size=8),
    st.booleans(),
    st.none(),
    st.sampled_from(["python3.12", "arm_64", "5 seconds", "1 GB", "active"]),
    st.dictionaries(st.text(max_size=5), st.text(max_size=5), max_size=2),
    st.lists(
        st.sampled_from(["s3", "*", "sqs:SendMessage", "bad perm", TABLE, BUCKET]), max_size=3
    ),
)
prop_names = st.sampled_from(
    [
        "timeout",
        "memory_size",
        "runtime",
        "environment",
        "permissions",
        "architecture",
        "tracing",
        "description",
        "layers",
        "bind",
        "timout",
        "memory",
        "handler",
    ]
)
props = st.dictionaries(prop_names, values, max_size=3)

calls = st.one_of(
    st.tuples(st.just("route"), keys, handlers, props),
    st.tuples(st.just("defaults"), props),
    st.tuples(
        st.just("authorizer"),
        st.sampled_from(
            [
                "iam",
                "none",
                "jwt",
                None,
                {"type": "lambda", "function": "src/a.main"},
                {"type": "x"},
            ]
        ),
    ),
    st.tuples(
        st.just("access_log"),
        st.sampled_from(
            [
                True,
                False,
                "x",
                {"retention": "one_week"},
                {"retention": "nope"},
                "$context.requestId",
            ]
        ),
    ),
    st.tuples(
        st.just("custom_domain"),
        st.sampled_from(
            [
                "api.example.com",
                "*.example.com",
                "bad",
                {"domain_name": "a.b.com", "path": "v1"},
                {"path": "x"},
                None,
            ]
        ),
    ),
    st.tuples(
        st.just("attach_permissions"),
        st.lists(st.sampled_from(["s3", "*", "nope nope", TABLE]), max_size=2),
    ),
    st.tuples(
        st.just("attach_permissions_to_route"),
        keys,
        st.lists(st.sampled_from(["s3", TABLE]), max_size=2),
    ),
    st.tuples(st.just("bind"), st.lists(st.sampled_from([TABLE, BUCKET, "x"]), max_size=2)),
    st.tuples(st.just("route_function"), keys, st.sampled_from(["src/a.main", "src/b.main"])),
)


def apply(api: WebSocketApi, call: tuple) -> None:
    name, *args = call
    if name == "route":
        key, handler, kw = args
        api.route(key, handler, **kw)
    elif name == "defaults":
        api.defaults(**args[0])
    elif name == "route_function":
        api.route(args[0], Function(args[1]))
    else:
        getattr(api, name)(*args)


@pytest.fixture(autouse=True)
def _in_root(monkeypatch):
    monkeypatch.chdir(_ROOT)


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(calls, max_size=8))
def test_random_builder_calls_build_or_raise_wsnb_error_atomically(sequence):
    api = WebSocketApi("Api")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for call in sequence:
            before = json.dumps(api.to_dict(), sort_keys=True)
            try:
                apply(api, call)
            except WsnbError:
                assert json.dumps(api.to_dict(), sort_keys=True) == before, (
                    f"half-applied: {call!r}"
                )
        data = json.loads(json.dumps(api.to_dict()))
        again = WebSocketApi.from_dict(data)
    assert again == api
    assert again.to_dict() == data
    # the display of any model that built is deterministic and never raises
    assert api._repr_mimebundle_() == again._repr_mimebundle_()
