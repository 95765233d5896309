"""The model is deeply immutable and hashable; shared results are read-only or copied."""

from __future__ import annotations

import copy
import json
import pickle
import warnings
from dataclasses import FrozenInstanceError

import pytest

from wsnb import Function, HandlerFileWarning, LambdaAuthorizer, Parameter, Table, WebSocketApi
from wsnb.display._rows import route_rows
from wsnb.model import FrozenDict, FrozenList, freeze, thaw

TABLE = Table(
    "T",
    fields={"id": "string", "room": "string"},
    primary_index={"partition_key": "id"},
    global_indexes={"byRoom": {"partition_key": "room"}},
)


@pytest.fixture
def api(project) -> WebSocketApi:
    return (
        WebSocketApi("Api", cdk={"web_socket_stage": {"throttle": {"rate_limit": 10}}})
        .defaults(environment={"STAGE": "dev"})
        .route(
            "$connect",
            "src/connect.main",
            environment={"TABLE": TABLE.table_name},
            permissions=[{"Action": ["s3:GetObject"], "Resource": "*"}, TABLE],
        )
    )


def _edits(api: WebSocketApi):
    route = api.get_route("$connect")
    fn = api.get_function("$connect")
    yield lambda: route.props.__setitem__("timeout", 3)
    yield lambda: route.props["environment"].update(X="1")
    yield lambda: route.props["permissions"][0]["Action"].append("iam:*")
    yield lambda: route.props["permissions"][0].pop("Resource")
    yield lambda: fn.props["environment"].__setitem__("X", "1")
    yield lambda: fn.provenance.clear()
    yield lambda: api.spec.defaults.__setitem__("timeout", 1)
    yield lambda: api.spec.cdk.web_socket_stage["throttle"].__setitem__("rate_limit", 1e9)
    yield lambda: TABLE.fields.__setitem__("x", "string")
    yield lambda: TABLE.global_indexes["byRoom"].__setitem__("sort_key", "id")


def test_nested_model_data_cannot_be_edited(api):
    before, digest = api.to_dict(), api.spec.digest()
    for edit in _edits(api):
        with pytest.raises(
            TypeError, match=r"^Frozen(Dict|List) is read-only; build a new value instead$"
        ):
            edit()
    assert api.to_dict() == before and api.spec.digest() == digest


with warnings.catch_warnings():  # src/send.py and src/authorizer.py need not exist here
    warnings.simplefilter("ignore", HandlerFileWarning)
    _VALUES = [
        (Function("src/send.main"), "_props"),
        (LambdaAuthorizer("src/authorizer.main"), "name"),
        (TABLE, "id"),
        (Parameter("COLOR", "blue"), "value"),
    ]


@pytest.mark.parametrize(("value", "field"), _VALUES)
def test_value_objects_refuse_assignment_like_frozen_dataclasses(project, value, field):
    with pytest.raises(FrozenInstanceError, match=f"cannot assign to field '{field}'"):
        setattr(value, field, None)
    with pytest.raises(FrozenInstanceError, match=f"cannot delete field '{field}'"):
        delattr(value, field)


def test_specs_are_hashable_and_equal_by_value(api):
    route = api.get_route("$connect")
    assert hash(route) == hash(api.copy().get_route("$connect"))
    assert hash(api.get_function("$connect")) == hash(api.get_function("$connect"))
    assert len({api.spec, api.copy().spec}) == 1


def test_model_values_survive_pickle_and_copy(api):
    for value in (api.spec, api.get_route("$connect"), Function("src/send.main", timeout=3), TABLE):
        assert pickle.loads(pickle.dumps(value)) == value
        assert copy.deepcopy(value) == value


def test_to_dict_is_plain_json_data(api):
    def plain(node):
        if isinstance(node, dict):
            assert type(node) is dict
            return all(plain(v) for v in node.values())
        if isinstance(node, list):
            assert type(node) is list
            return all(plain(v) for v in node)
        return True

    data = api.to_dict()
    assert plain(data)
    assert WebSocketApi.from_dict(json.loads(json.dumps(data))) == api


def test_freeze_and_thaw_round_trip():
    data = {"a": [1, {"b": (2, 3)}], "c": {"d": "e"}}
    frozen = freeze(data)
    assert isinstance(frozen, FrozenDict) and isinstance(frozen["a"], FrozenList)
    assert frozen == data and json.loads(json.dumps(frozen)) == thaw(data) == thaw(frozen)
    assert repr(frozen) == repr({"a": [1, {"b": (2, 3)}], "c": {"d": "e"}})
    plain = thaw(frozen)
    plain["a"].append(4)
    assert frozen["a"] == [1, {"b": (2, 3)}]


@pytest.mark.parametrize("routes", [3, 70])
def test_route_rows_give_every_caller_its_own_copy(project, routes):
    api = WebSocketApi("Api")
    api.add_routes({f"r{i}": "src/send.main" for i in range(routes)})
    first = route_rows(api.spec)
    first[0]["props"]["timeout"] = "changed"
    first[0]["resources"].append("changed")
    again = route_rows(api.spec)
    assert again[0]["props"]["timeout"] == "10 s"
    assert again[0]["resources"] == []


@pytest.mark.cdk
def test_cached_synth_result_is_read_only(project):
    api = WebSocketApi("Api").route("$default", "src/default.main")
    result = api.synth()
    assert api.synth() is result
    with pytest.raises(TypeError, match=r"^FrozenDict is read-only"):
        result.template["Resources"].clear()
    with pytest.raises(TypeError, match=r"^FrozenList is read-only"):
        result.warnings.append("x")
    with pytest.raises(FrozenInstanceError, match="cannot assign to field 'template'"):
        result.template = {}
    editable = thaw(result.template)
    editable["Resources"].clear()
    assert api.synth().template["Resources"] and json.loads(result.to_json()) == result.template
