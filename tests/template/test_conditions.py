"""Conditions that refer to each other ("Conditions" section and "Condition functions",
AWS CloudFormation User Guide): a condition may use another through ``Condition`` (alone or
inside ``Fn::And``/``Fn::Or``/``Fn::Not``); CloudFormation rejects a template whose conditions
depend on each other in a circle, and so does from_template, naming the circle."""

from __future__ import annotations

import pytest

from wsnb import TemplateError, WebSocketApi
from wsnb.cli import main
from wsnb.template._conditions import find_cycle
from wsnb.template._intrinsics import Evaluator

from ._templates import default_route_api, write_app

API = {"Type": "AWS::ApiGatewayV2::Api", "Properties": {"ProtocolType": "WEBSOCKET"}}


def _load(conditions, resources=None):
    template = {"Conditions": conditions, "Resources": {"Api": API, **(resources or {})}}
    return WebSocketApi.from_template(template)


def _cycle_error(conditions, resources=None) -> TemplateError:
    with pytest.raises(TemplateError) as err:
        _load(conditions, resources)
    return err.value


def test_two_conditions_that_use_each_other():
    err = _cycle_error(
        {
            "IsProd": {"Fn::And": [{"Condition": "HasBucket"}, {"Fn::Equals": ["a", "a"]}]},
            "HasBucket": {"Fn::Or": [{"Condition": "IsProd"}, {"Fn::Equals": ["a", "b"]}]},
        }
    )
    assert str(err).splitlines()[0] == (
        "Conditions.IsProd: circular Conditions: IsProd -> HasBucket -> IsProd."
    )
    assert err.path == "Conditions.IsProd"
    assert err.given == "IsProd -> HasBucket -> IsProd"
    assert "without coming back to themselves" in err.allowed
    assert err.fix.startswith("write one of HasBucket, IsProd without referring to the others")


def test_a_condition_that_uses_itself():
    err = _cycle_error({"Loop": {"Fn::Not": [{"Condition": "Loop"}]}})
    assert str(err).splitlines()[0] == "Conditions.Loop: circular Conditions: Loop -> Loop."
    assert err.fix == "write Loop without referring to itself"


def test_a_longer_circle_through_not_and_or_is_named_from_where_it_starts():
    conditions = {
        "Fine": {"Fn::Equals": ["a", "a"]},
        "A": {"Fn::Not": [{"Condition": "B"}]},
        "B": {"Fn::And": [{"Condition": "Fine"}, {"Fn::Or": [{"Condition": "C"}]}]},
        "C": {"Condition": "A"},
    }
    err = _cycle_error(conditions)
    assert str(err).splitlines()[0] == "Conditions.A: circular Conditions: A -> B -> C -> A."


def test_a_circle_no_resource_uses_is_still_an_error():
    """CloudFormation rejects the whole template, not only the resources that use the
    conditions: the circle is found before anything is read."""
    err = _cycle_error(
        {"Used": {"Fn::Equals": ["a", "a"]}, "X": {"Condition": "Y"}, "Y": {"Condition": "X"}},
        {"Table": {"Type": "AWS::DynamoDB::Table", "Condition": "Used"}},
    )
    assert "circular Conditions: X -> Y -> X" in str(err)


def test_an_if_inside_a_condition_counts_as_a_reference():
    err = _cycle_error({"A": {"Fn::If": ["A", {"Fn::Equals": ["a", "a"]}, {"Fn::Equals": [1, 2]}]}})
    assert "circular Conditions: A -> A" in str(err)


def test_conditions_that_share_a_condition_are_not_a_circle():
    conditions = {
        "Base": {"Fn::Equals": ["a", "a"]},
        "Left": {"Fn::And": [{"Condition": "Base"}, {"Condition": "Base"}]},
        "Right": {"Fn::Not": [{"Condition": "Base"}]},
        "Top": {"Fn::Or": [{"Condition": "Left"}, {"Condition": "Right"}]},
    }
    assert find_cycle(conditions) is None
    ev = Evaluator({"Conditions": conditions}, parameters={}, region=None, account=None)
    assert ev.condition("Top", "X") is True
    assert ev.condition("Right", "X") is False
    assert _load(conditions).routes == []


def test_a_reference_to_an_undefined_condition_is_not_a_circle():
    """It is reported where it is used (the evaluator's own error), not as a circle."""
    assert find_cycle({"A": {"Condition": "Nope"}, "B": {"Condition": "A"}}) is None
    ev = Evaluator(
        {"Conditions": {"A": {"Condition": "Nope"}}}, parameters={}, region=None, account=None
    )
    with pytest.raises(TemplateError, match="condition 'Nope' is not defined"):
        ev.condition("A", "X")


def test_the_evaluator_refuses_circular_conditions_when_it_is_made():
    with pytest.raises(TemplateError, match=r"circular Conditions: A -> B -> A"):
        Evaluator(
            {"Conditions": {"A": {"Condition": "B"}, "B": {"Condition": "A"}}},
            parameters={},
            region=None,
            account=None,
        )


def test_the_cli_names_the_circle(tmp_path, capsys):
    rest = """  Fn:
    Type: AWS::Serverless::Function
    Condition: IsProd
    Properties: {CodeUri: fn, Handler: app.handler, Runtime: python3.12}
"""
    text = (
        "Conditions:\n"
        "  IsProd: !And [!Condition HasBucket, !Equals [a, a]]\n"
        "  HasBucket: !Not [!Condition IsProd]\n" + default_route_api("Fn", rest, transform=True)
    )
    path = write_app(tmp_path, text, "def handler(event, context):\n    return {}\n")
    assert main(["routes", str(path)]) == 1
    err = capsys.readouterr().err
    assert "Conditions.IsProd: circular Conditions: IsProd -> HasBucket -> IsProd." in err
    assert "Fix: write one of HasBucket, IsProd without referring to the others" in err


def test_only_references_the_evaluator_follows_count():
    """A ``Condition`` mapping inside a ``Ref`` (never evaluated) is no reference: the error is
    the Ref's own."""
    assert find_cycle({"A": {"Fn::Equals": [{"Ref": {"Condition": "A"}}, "x"]}}) is None
    assert find_cycle({"A": {"Condition": {"Condition": "A"}}}) is None
    assert find_cycle({"A": {"Fn::If": ["B", "x"]}, "B": {"Condition": "A"}}) is None
    template = {"Conditions": {"A": {"Fn::Equals": [{"Ref": {"Condition": "A"}}, "x"]}}}
    ev = Evaluator(template, parameters={}, region=None, account=None)
    with pytest.raises(TemplateError) as err:
        ev.condition("A", "X")
    assert str(err.value).splitlines()[0] == (
        "Conditions.A.Fn::Equals[0]: Ref takes a name, not dict."
    )


def test_a_condition_that_cannot_be_evaluated_is_never_read_as_false():
    """Every use of a condition that fails to evaluate fails the same way: unused resources
    sharing it are all reported as present (none as "its Condition is false"), and the
    evaluator raises each time it is asked."""
    api = _load(
        {"Broken": {"Fn::Equals": ["a"]}},
        {
            "Q1": {"Type": "AWS::SQS::Queue", "Condition": "Broken"},
            "Q2": {"Type": "AWS::SQS::Queue", "Condition": "Broken"},
        },
    )
    notes = {e.logical_id: e.note for e in api.template_report.ignored}
    assert notes["Q1"] == notes["Q2"] == "not part of what wsnb models"
    ev = Evaluator(
        {"Conditions": {"Broken": {"Fn::Equals": ["a"]}}}, parameters={}, region=None, account=None
    )
    for _ in range(2):
        with pytest.raises(TemplateError, match=r"Fn::Equals takes \[value_1, value_2\]"):
            ev.condition("Broken", "X")
