"""The ``Template`` object the reader works on: resources by type, evaluated properties,
resource Conditions (cfn-lint's ``Template.get_resources`` shape)."""

from __future__ import annotations

from wsnb.template._load import load
from wsnb.template._template import Template

TEMPLATE = {
    "Parameters": {"Env": {"Type": "String", "Default": "test"}},
    "Conditions": {"IsProd": {"Fn::Equals": [{"Ref": "Env"}, "prod"]}},
    "Globals": {"Function": {"Timeout": 10, "Environment": {"Variables": {"A": "global"}}}},
    "Resources": {
        "T1": {"Type": "AWS::DynamoDB::Table"},
        "B": {"Type": "AWS::S3::Bucket", "Condition": "IsProd"},
        "T2": {"Type": "AWS::DynamoDB::Table", "Properties": {"TableName": {"Ref": "Env"}}},
        "F": {
            "Type": "AWS::Serverless::Function",
            "Properties": {"Environment": {"Variables": {"B": {"Fn::Sub": "${B.Arn}"}}}},
        },
    },
}


def _template(tmp_path, **parameters):
    (loaded,) = load(TEMPLATE, tmp_path)
    return Template(loaded, parameters=parameters or None, region=None, account=None)


def test_resources_of_one_type_or_several_in_template_order(tmp_path):
    template = _template(tmp_path)
    assert list(template.resources_of("AWS::DynamoDB::Table")) == ["T1", "T2"]
    assert list(template.resources_of(("AWS::S3::Bucket", "AWS::DynamoDB::Table"))) == [
        "T1",
        "B",
        "T2",
    ]
    assert template.resources_of(["AWS::SQS::Queue"]) == {}
    assert template.resources_of("AWS::S3::Bucket") == {
        "B": {"Type": "AWS::S3::Bucket", "Condition": "IsProd"}
    }


def test_props_conditions_and_parameters(tmp_path):
    template = _template(tmp_path)
    assert template.props("T2") == {"TableName": "test"}
    assert template.active("T1") is True and template.active("B") is False
    # SAM Globals: mappings merge (the function wins), scalars come from Globals
    assert template.props("F") == {
        "Timeout": 10,
        "Environment": {"Variables": {"A": "global", "B": "\x00B.Arn\x00"}},
    }
    prod = _template(tmp_path, Env="prod")
    assert prod.active("B") is True and prod.props("T2") == {"TableName": "prod"}
    assert prod.pseudo["AWS::Region"] == "us-east-1" and prod.type_of("Nope") == "?"
