"""Malformed templates: a TemplateError naming the property path, what was found and what is
expected — never a raw TypeError/AttributeError from inside the reader."""

from __future__ import annotations

import copy
import random

import pytest

from wsnb import TemplateError, WebSocketApi, WsnbError
from wsnb.template._load import parse_file

from ._templates import write_app, write_full, write_sam

SMALL = """\
Transform: AWS::Serverless-2016-10-31
Resources:
  Api:
    Type: AWS::ApiGatewayV2::Api
    Properties: {Name: A, ProtocolType: WEBSOCKET, RouteSelectionExpression: $request.body.action}
  R1:
    Type: AWS::ApiGatewayV2::Route
    Properties: {ApiId: !Ref Api, RouteKey: $connect, Target: !Sub "integrations/${I}"}
  I:
    Type: AWS::ApiGatewayV2::Integration
    Properties:
      ApiId: !Ref Api
      IntegrationType: AWS_PROXY
      IntegrationUri: !Sub "arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${F.Arn}/invocations"
  T:
    Type: AWS::DynamoDB::Table
    Properties: {TableName: t, AttributeDefinitions: [{AttributeName: pk, AttributeType: S}], KeySchema: [{AttributeName: pk, KeyType: HASH}]}
  F:
    Type: AWS::Serverless::Function
    Properties: {CodeUri: fn, Handler: app.handler, Runtime: python3.11, Environment: {Variables: {T: !Ref T}}}
"""


def _write(tmp_path, text):
    return write_app(tmp_path, text, "def handler(event, context):\n    return {}\n")


def _error(tmp_path, text) -> str:
    with pytest.raises(TemplateError) as err:
        WebSocketApi.from_template(_write(tmp_path, text))
    return str(err.value).splitlines()[0]


def test_the_small_template_loads(tmp_path):
    assert WebSocketApi.from_template(_write(tmp_path, SMALL)).routes == ["$connect"]


def test_globals_that_is_not_a_mapping(tmp_path):
    text = SMALL.replace("Resources:\n", "Globals: oops\nResources:\n", 1)
    assert _error(tmp_path, text) == "Globals: expected a mapping, found the string 'oops'."


def test_globals_function_that_is_not_a_mapping(tmp_path):
    text = SMALL.replace("Resources:\n", "Globals:\n  Function: [1, 2]\nResources:\n", 1)
    assert _error(tmp_path, text) == (
        "Globals.Function: expected a mapping, found a list of 2 items."
    )


def test_attribute_definitions_that_are_not_a_list(tmp_path):
    text = SMALL.replace(
        "AttributeDefinitions: [{AttributeName: pk, AttributeType: S}]", "AttributeDefinitions: pk"
    )
    assert _error(tmp_path, text) == (
        "T.Properties.AttributeDefinitions: expected a list of mappings, found the string 'pk'."
    )


def test_key_schema_entry_without_a_name(tmp_path):
    text = SMALL.replace(
        "KeySchema: [{AttributeName: pk, KeyType: HASH}]", "KeySchema: [{KeyType: HASH}]"
    )
    assert _error(tmp_path, text) == (
        "T.Properties.KeySchema[0].AttributeName: expected a string, found nothing (null)."
    )


def test_properties_that_are_not_a_mapping(tmp_path):
    text = SMALL.replace(
        "Properties: {CodeUri: fn, Handler: app.handler, Runtime: python3.11, Environment: {Variables: {T: !Ref T}}}",
        "Properties: oops",
    )
    assert _error(tmp_path, text) == "F.Properties: expected a mapping, found the string 'oops'."


def test_a_resource_without_a_type(tmp_path):
    text = SMALL.replace("  T:\n    Type: AWS::DynamoDB::Table\n", "  T:\n")
    assert _error(tmp_path, text) == "T.Type: expected a string, found nothing (null)."


def test_a_timeout_that_is_not_a_number(tmp_path):
    text = SMALL.replace("Runtime: python3.11,", "Runtime: python3.11, Timeout: soon,")
    message = _error(tmp_path, text)
    assert message == "F.Properties.Timeout: expected a whole number, found the string 'soon'."


def test_a_number_parameter_that_is_not_a_number(tmp_path):
    text = "Parameters:\n  Mem: {Type: Number, Default: lots}\n" + SMALL
    assert _error(tmp_path, text) == (
        "Parameters.Mem.Default: expected a number, found the string 'lots'."
    )


def test_environment_variables_that_are_not_a_mapping(tmp_path):
    text = SMALL.replace("Environment: {Variables: {T: !Ref T}}", "Environment: {Variables: [T]}")
    assert _error(tmp_path, text) == (
        "F.Properties.Environment.Variables: expected a mapping, found a list of 1 item."
    )


def test_an_intrinsic_with_the_wrong_arguments(tmp_path):
    text = "Conditions:\n  C: !Equals [a]\n" + SMALL.replace(
        "Runtime: python3.11,", "Runtime: !If [C, python3.11, python3.12],"
    )
    assert _error(tmp_path, text) == "Conditions.C.Fn::Equals: Fn::Equals takes [value_1, value_2]."


def test_a_python_handler_that_is_not_module_dot_function(tmp_path):
    text = SMALL.replace("Handler: app.handler", "Handler: app")
    assert _error(tmp_path, text).startswith(
        "F.Properties.Handler: 'app' is not a Python handler (module.function)."
    )


def test_an_unexpected_failure_names_the_resource_being_read(tmp_path):
    """The safety net: what the reader does not check (here the OS refusing a 300-character
    folder name) is still a TemplateError naming the resource, with the original as cause."""
    text = SMALL.replace("CodeUri: fn", "CodeUri: " + "d" * 300)
    message = _error(tmp_path, text)
    assert message.startswith("F (in template.yaml): this template cannot be read: OSError:")
    with pytest.raises(TemplateError) as err:
        WebSocketApi.from_template(_write(tmp_path, text))
    assert isinstance(err.value.__cause__, OSError)
    assert err.value.path == "F"


# ---------------------------------------------------------------------- seeded fuzz

VALUES = [
    None,
    5,
    -1,
    True,
    "zz",
    "",
    [],
    [1, 2],
    {},
    {"a": {"b": 1}},
    {"Ref": "Nope"},
    {"Ref": "AWS::NoValue"},
    {"Fn::GetAtt": ["X"]},
    {"Fn::Sub": 5},
    {"Fn::Join": "x"},
    {"Fn::If": [1]},
    {"Fn::Select": ["a", []]},
    {"Fn::Split": ["", "a"]},
    {"Fn::Not": []},
    {"Fn::Equals": [1]},
    {"Fn::ImportValue": "x"},
    {"Condition": "Nope"},
    "${Oops}",
    "$request.body.",
    "DELETE",
]


def _paths(node, path=()):
    if isinstance(node, dict):
        for key, value in node.items():
            yield (*path, key)
            yield from _paths(value, (*path, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield (*path, i)
            yield from _paths(value, (*path, i))


def _mutated(base, path, value):
    data = copy.deepcopy(base)
    parent = data
    for key in path[:-1]:
        parent = parent[key]
    if value == "DELETE":
        del parent[path[-1]]
    else:
        parent[path[-1]] = copy.deepcopy(value)
    return data


@pytest.mark.parametrize("writer", [write_full, write_sam])
def test_every_mutation_loads_or_raises_a_wsnb_error(tmp_path, writer):
    """Each position of the template replaced by each kind of wrong value (a seeded sample):
    from_template loads it or raises a WsnbError — and the reader's own shape checks caught
    it, not the safety net. The same 900 cases every run, on any machine (no clock)."""
    base = parse_file(writer(tmp_path))
    cases = [(path, value) for path in _paths(base) for value in VALUES]
    random.Random(14).shuffle(cases)
    assert len(cases) >= 900
    raw, netted = [], []
    for path, value in cases[:900]:
        try:
            WebSocketApi.from_template(_mutated(base, path, value), base_dir=tmp_path)
        except WsnbError as exc:
            if "this template cannot be read" in str(exc):
                netted.append((path, value, str(exc).splitlines()[0]))
        except Exception as exc:
            raw.append((path, value, f"{type(exc).__name__}: {exc}"))
    assert raw == []
    assert netted == []
