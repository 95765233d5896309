"""The intrinsic-function evaluator ("Intrinsic function reference", AWS CloudFormation User Guide)."""

from __future__ import annotations

import base64
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wsnb import TemplateError, WebSocketApi
from wsnb.template._intrinsics import Evaluator, marker, markers

TEMPLATE = {
    "Parameters": {"P": {"Type": "String", "Default": "x"}},
    "Mappings": {"M": {"k": {"v": "mapped"}}},
    "Conditions": {"Yes": {"Fn::Equals": ["a", "a"]}},
    "Resources": {"Fn": {"Type": "AWS::Lambda::Function"}, "T": {"Type": "AWS::DynamoDB::Table"}},
}
# a shared 2-core machine: no per-example timing (speed is measured in benchmarks/)
NO_DEADLINE = settings(deadline=None)
TEXT = st.text(alphabet=st.characters(blacklist_characters="\x00${}", blacklist_categories=("Cs",)))


def _ev(**kw):
    return Evaluator(
        TEMPLATE, parameters={"P": "x"}, region=kw.get("region"), account=kw.get("account")
    )


@given(sep=TEXT, parts=st.lists(TEXT, max_size=6))
@NO_DEADLINE
def test_join_is_str_join(sep, parts):
    assert _ev().value({"Fn::Join": [sep, parts]}, "X") == sep.join(parts)


@given(before=TEXT, after=TEXT)
@NO_DEADLINE
def test_sub_keeps_markers_through_concatenation(before, after):
    value = _ev().value({"Fn::Sub": before + "${Fn.Arn}" + after + "${T}"}, "X")
    assert markers(value) == [("Fn", "Arn"), ("T", "Ref")]
    assert value == before + marker("Fn", "Arn") + after + marker("T")


@given(parts=st.lists(TEXT.filter(lambda s: "," not in s), min_size=1, max_size=5), data=st.data())
@NO_DEADLINE
def test_select_of_split(parts, data):
    index = data.draw(st.integers(0, len(parts) - 1))
    node = {"Fn::Select": [index, {"Fn::Split": [",", ",".join(parts)]}]}
    assert _ev().value(node, "X") == parts[index]


def test_the_other_functions_and_pseudo_parameters():
    ev = _ev(region="cn-north-1", account="111122223333")
    assert ev.value({"Ref": "AWS::Partition"}, "X") == "aws-cn"
    assert ev.value({"Ref": "AWS::URLSuffix"}, "X") == "amazonaws.com.cn"
    assert ev.value({"Fn::FindInMap": ["M", "k", "v"]}, "X") == "mapped"
    assert ev.value({"Fn::If": ["Yes", "y", "n"]}, "X") == "y"
    assert ev.value({"Fn::Base64": "hi"}, "X") == base64.b64encode(b"hi").decode()
    assert ev.value({"Fn::GetAZs": ""}, "X")[0] == "cn-north-1a"
    assert ev.value({"Fn::Sub": ["${A}-${P}-${!Literal}", {"A": "a"}]}, "X") == "a-x-${Literal}"
    assert ev.value({"Fn::ToJsonString": {"a": 1}}, "X") == json.dumps(
        {"a": 1}, separators=(",", ":")
    )
    assert ev.value({"K": {"Ref": "AWS::NoValue"}, "L": [1, {"Ref": "AWS::NoValue"}]}, "X") == {
        "L": [1]
    }
    assert markers(ev.value({"Fn::ImportValue": "shared-table"}, "X")) == [
        ("ImportValue", "sharedtable")
    ]


@pytest.mark.parametrize(
    ("node", "message"),
    [
        ({"Fn::Cidr": ["10.0.0.0/16", 1, 8]}, "unknown intrinsic function 'Fn::Cidr'"),
        ({"Ref": "Nope"}, "Ref 'Nope' names no parameter"),
        ({"Fn::GetAtt": ["Nope", "Arn"]}, "which the template does not define"),
        ({"Fn::FindInMap": ["M", "k", "zz"]}, "finds nothing in Mappings"),
        ({"Fn::If": ["Maybe", 1, 2]}, "condition 'Maybe' is not defined"),
        ({"Fn::Sub": "${Nope}"}, "names nothing the template defines"),
        ({"Fn::Select": [5, ["a"]]}, "index in range"),
    ],
)
def test_errors_name_the_path(node, message):
    with pytest.raises(TemplateError, match=message) as err:
        _ev().value(node, "Res.Properties.Env")
    assert err.value.path.startswith("Res.Properties.Env")


def test_cdk_out_with_a_nested_assembly_and_s3_code(tmp_path):
    # "Cloud assembly" (AWS CDK): a stage's stacks live in a nested assembly folder.
    nested = tmp_path / "assembly-Prod"
    nested.mkdir()
    template = {
        "Resources": {
            "Api": {"Type": "AWS::ApiGatewayV2::Api", "Properties": {"ProtocolType": "WEBSOCKET"}},
        }
    }
    (nested / "Chat.template.json").write_text(json.dumps(template))
    (nested / "manifest.json").write_text(
        json.dumps(
            {
                "artifacts": {
                    "Chat": {
                        "type": "aws:cloudformation:stack",
                        "properties": {"templateFile": "Chat.template.json"},
                    }
                }
            }
        )
    )
    (tmp_path / "manifest.json").write_text(
        json.dumps(
            {
                "artifacts": {
                    "Prod": {
                        "type": "cdk:cloud-assembly",
                        "properties": {"directoryName": "assembly-Prod"},
                    }
                }
            }
        )
    )
    api = WebSocketApi.from_template(tmp_path)
    assert api.id == "Api" and api.routes == []
    assert "stack Chat" in api.template_origin
    template["Resources"]["R"] = {
        "Type": "AWS::ApiGatewayV2::Route",
        "Properties": {"ApiId": {"Ref": "Api"}, "RouteKey": "$default", "Target": "integrations/I"},
    }
    template["Resources"]["R"]["Properties"]["Target"] = {"Fn::Sub": "integrations/${I}"}
    template["Resources"]["I"] = {
        "Type": "AWS::ApiGatewayV2::Integration",
        "Properties": {
            "ApiId": {"Ref": "Api"},
            "IntegrationType": "AWS_PROXY",
            "IntegrationUri": {"Fn::GetAtt": ["F", "Arn"]},
        },
    }
    template["Resources"]["F"] = {
        "Type": "AWS::Lambda::Function",
        "Properties": {
            "Runtime": "python3.12",
            "Handler": "a.b",
            "Code": {"S3Bucket": "b", "S3Key": "k.zip"},
        },
    }
    (nested / "Chat.template.json").write_text(json.dumps(template))
    with pytest.raises(TemplateError, match=r"F\.Properties\.Code: the code is in S3"):
        WebSocketApi.from_template(tmp_path)
