"""An imported API whose synth()/export() cannot say everything its template says: each
difference is told (lint, SynthResult.warnings, the export's README and result), and the
grants the model can express are kept as the template wrote them."""

from __future__ import annotations

import json
import re
import warnings
from pathlib import Path

import pytest

from wsnb import WebSocketApi

from ._templates import write_app

# SAM, with what the model cannot express (a queue and a topic, their policy templates, an
# old runtime) next to what it can (managed policies, SAM's read-only table policy, a statement)
TEMPLATE = """\
Transform: AWS::Serverless-2016-10-31
Resources:
  Api:
    Type: AWS::ApiGatewayV2::Api
    Properties: {Name: A, ProtocolType: WEBSOCKET, RouteSelectionExpression: $request.body.action}
  R:
    Type: AWS::ApiGatewayV2::Route
    Properties: {ApiId: !Ref Api, RouteKey: $default, Target: !Sub "integrations/${I}"}
  I:
    Type: AWS::ApiGatewayV2::Integration
    Properties:
      ApiId: !Ref Api
      IntegrationType: AWS_PROXY
      IntegrationUri: !Sub "arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${F.Arn}/invocations"
  Q:
    Type: AWS::SQS::Queue
  Topic:
    Type: AWS::SNS::Topic
  Notes:
    Type: AWS::DynamoDB::Table
    Properties:
      TableName: notes
      BillingMode: PAY_PER_REQUEST
      PointInTimeRecoverySpecification: {PointInTimeRecoveryEnabled: true}
      AttributeDefinitions: [{AttributeName: id, AttributeType: S}]
      KeySchema: [{AttributeName: id, KeyType: HASH}]
  F:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: fn
      Handler: app.handler
      Runtime: python3.9
      Timeout: 20
      Tracing: Active
      Environment: {Variables: {QURL: !Ref Q, TOPIC: !Ref Topic, NOTES: !Ref Notes}}
      Policies:
        - SQSSendMessagePolicy: {QueueName: !GetAtt Q.QueueName}
        - SNSPublishMessagePolicy: {TopicName: !GetAtt Topic.TopicName}
        - AmazonS3ReadOnlyAccess
        - arn:aws:iam::aws:policy/AmazonDynamoDBReadOnlyAccess
        - Statement: [{Effect: Allow, Action: ["kms:Decrypt"], Resource: "*"}]
        - DynamoDBReadPolicy: {TableName: !Ref Notes}
        - Statement:
            - Effect: Allow
              Action: [execute-api:ManageConnections]
              Resource: !Sub "arn:aws:execute-api:${AWS::Region}:${AWS::AccountId}:${Api}/*"
"""

READ_ONLY = [
    "dynamodb:GetItem",
    "dynamodb:Scan",
    "dynamodb:Query",
    "dynamodb:BatchGetItem",
    "dynamodb:DescribeTable",
]

# (kind of difference, what the line names): one line each, in this order
EXPECTED = [
    ("grant differs", "SQSSendMessagePolicy"),
    ("grant differs", "SNSPublishMessagePolicy"),
    ("value replaced", "Environment.QURL: !Ref Q (AWS::SQS::Queue)"),
    ("value replaced", "Environment.TOPIC: !Ref Topic (AWS::SNS::Topic)"),
    ("runtime changed", "Runtime python3.9 becomes python3.12"),
    ("not in the output", "Q (AWS::SQS::Queue)"),
    ("not in the output", "Topic (AWS::SNS::Topic)"),
]


@pytest.fixture
def loaded(tmp_path):
    write_app(tmp_path, TEMPLATE, "def handler(event, context):\n    return None\n")
    return WebSocketApi.from_template(tmp_path / "template.yaml")


def _check_lines(lines: list[str]) -> None:
    assert len(lines) == len(EXPECTED), lines
    for line, (kind, names) in zip(lines, EXPECTED, strict=True):
        assert line.startswith(f"{kind}: "), line
        assert names in line, (names, line)
        if kind != "not in the output":
            assert "F (route '$default')" in line, line  # the function and its route


def test_lint_names_each_difference_and_grants_stay_as_written(loaded):
    findings = loaded.lint()
    lines = [f.message for f in findings if f.code == "template-approximated"]
    assert all(f.level == "warning" for f in findings if f.code == "template-approximated"), (
        findings
    )
    _check_lines(lines)
    # kept as the template says: nothing about them among the differences
    assert not any("AmazonS3ReadOnlyAccess" in x or "DynamoDBReadPolicy" in x for x in lines)
    perms = loaded.get_function("$default").props["permissions"]
    assert "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess" in perms
    assert "arn:aws:iam::aws:policy/AmazonDynamoDBReadOnlyAccess" in perms
    assert {"Effect": "Allow", "Action": ["kms:Decrypt"], "Resource": ["*"]} in perms
    (read_only,) = [p for p in perms if isinstance(p, dict) and "dynamodb:Query" in p["Action"]]
    notes = loaded.get_function("$default").props["environment"]["NOTES"].resource
    assert read_only["Action"] == READ_ONLY
    assert read_only["Resource"] == [notes.table_arn, f"{notes.table_arn}/index/*"]
    assert not any(p in ("s3", "dynamodb") or p == notes for p in perms)  # nothing widened


def test_differences_about_a_replaced_route_are_no_longer_told(loaded):
    # what the output does for a route the user replaced is the user's model, not the template's
    def told():
        return [f.message for f in loaded.lint() if f.code == "template-approximated"]

    before = told()
    about_f = [m for m in before if "F (route '$default')" in m]
    others = [m for m in before if m not in about_f]
    assert about_f and others  # e.g. "not in the output: Q (AWS::SQS::Queue)"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        loaded.route("$default", "fn/app.handler", replace=True, timeout=5)
    assert told() == others


def test_the_display_counts_what_lint_returns(loaded):
    findings = loaded.lint()
    counts: dict[str, int] = {}
    for f in findings:
        counts[f.level] = counts.get(f.level, 0) + 1
    (line,) = [x for x in repr(loaded).splitlines() if x.strip().startswith("lint:")]
    shown = {lvl.rstrip("s"): int(n) for n, lvl in re.findall(r"(\d+) (\w+)", line)}
    assert shown == counts and sum(shown.values()) == len(findings)
    bundle = loaded._repr_mimebundle_()
    assert line in bundle["text/plain"]
    assert bundle["text/html"].count('<li><span class="wsnb-level-') == len(findings)


def test_export_tells_each_difference_in_its_result_and_readme(loaded, tmp_path):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = loaded.export(tmp_path / "app")
    (summary,) = [str(w.message) for w in caught if w.category.__name__ == "TemplateSynthWarning"]
    assert "differs from template.yaml in 7 place(s)" in summary and "README.md" in summary
    assert all(w.code == "template-approximated" for w in result.warnings)
    _check_lines([str(w).split(" Fix: ")[0] for w in result.warnings])
    readme = (result.path / "README.md").read_text()
    section = readme.split("## Where this app differs from the template it was read from")[1]
    section = section.split("\n## ")[0]
    assert len([x for x in section.splitlines() if x.startswith("- ")]) == len(EXPECTED)
    assert "SQSSendMessagePolicy" in section and "python3.9" in section


@pytest.mark.cdk
def test_synth_warnings_and_the_iam_it_writes(loaded):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = loaded.synth()
    assert any("differs from template.yaml" in str(w.message) for w in caught)
    notes = [w for w in result.warnings if getattr(w, "code", None) == "template-approximated"]
    _check_lines([str(w).split(" Fix: ")[0] for w in notes])
    assert all(w.level == "warning" for w in notes)
    assert "template-approximated" in result._repr_mimebundle_()["text/plain"]
    resources = result.template["Resources"].values()
    (role,) = [r for r in resources if r["Type"] == "AWS::IAM::Role"]
    managed = json.dumps(role["Properties"]["ManagedPolicyArns"])
    assert ":iam::aws:policy/AmazonS3ReadOnlyAccess" in managed
    assert ":iam::aws:policy/AmazonDynamoDBReadOnlyAccess" in managed
    (policy,) = [r for r in resources if r["Type"] == "AWS::IAM::Policy"]
    statements = policy["Properties"]["PolicyDocument"]["Statement"]
    actions = [
        a
        for s in statements
        for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
    ]
    assert not any(a in ("s3:*", "dynamodb:*", "*") for a in actions)
    (dynamo,) = [s for s in statements if "dynamodb:Query" in s["Action"]]
    assert dynamo["Action"] == READ_ONLY  # SAM's DynamoDBReadPolicy, not read/write
    assert "Fn::GetAtt" in json.dumps(dynamo["Resource"]) and "/index/*" in json.dumps(dynamo)
    (fn,) = [r for r in resources if r["Type"] == "AWS::Lambda::Function"]
    assert fn["Properties"]["Runtime"] == "python3.12"  # as the warning says
    assert fn["Properties"]["Environment"]["Variables"]["QURL"] == "Q"


def test_the_tutorial_chat_loses_nothing():
    """The SAM chat of tutorial 07: only what wsnb adds is told; nothing of it is lost."""
    chat = Path(__file__).resolve().parents[2] / "notebooks" / "sam-chat" / "template.yaml"
    text = chat.read_text()
    api = WebSocketApi.from_template(chat)
    lines = [f.message for f in api.lint() if f.code == "template-approximated"]
    # what wsnb adds (its role's X-Ray/connection grants, point-in-time recovery), nothing lost
    assert [x.split(" (")[0] for x in lines] == [
        "grant differs: OnConnectFunction",
        "grant differs: OnDisconnectFunction",
        "grant differs: SendMessageFunction",
        "setting changed: ConnectionsTable",
    ], lines
    assert all("also grants" in x for x in lines[:3]), lines
    assert "point-in-time recovery is off in the template" in lines[3], lines
    assert "BillingMode" in text and not any("BillingMode" in x for x in lines)


def test_the_cli_shows_each_difference_in_lint_and_export(tmp_path, capsys, monkeypatch):
    from wsnb.cli import main

    write_app(tmp_path, TEMPLATE, "def handler(event, context):\n    return None\n")
    monkeypatch.chdir(tmp_path)
    assert main(["lint", "template.yaml"]) == 0  # warnings only: exit 0 (1 with --strict)
    out = capsys.readouterr().out
    assert out.count("template-approximated") == len(EXPECTED)
    assert "Runtime python3.9 becomes python3.12" in out
    assert main(["lint", "--strict", "template.yaml"]) == 1
    capsys.readouterr()
    assert main(["export", "template.yaml", str(tmp_path / "app")]) == 0
    err = capsys.readouterr().err
    assert err.count("warning: [template-approximated]") == len(EXPECTED)
    assert "Environment.QURL" in err and "SNSPublishMessagePolicy" in err


def test_role_statements_are_kept_with_their_effect_conditions_and_placeholders():
    """A plain CloudFormation role: Deny and Condition kept, a table by its placeholder, a queue
    (not in the output) by a placeholder ARN that is reported; the role's extras reported."""
    role_policy = {
        "Statement": [
            {
                "Effect": "Allow",
                "Action": ["dynamodb:Query"],
                "Resource": [{"Fn::Sub": "${Notes.Arn}/index/*"}, {"Fn::GetAtt": ["Notes", "Arn"]}],
                "Condition": {"StringEquals": {"aws:RequestedRegion": "eu-west-1"}},
            },
            {"Effect": "Deny", "Action": "dynamodb:DeleteTable", "Resource": "*"},
            {
                "Effect": "Allow",
                "Action": "sqs:SendMessage",
                "Resource": {"Fn::GetAtt": ["Q", "Arn"]},
            },
        ]
    }
    template = {
        "Resources": {
            "Api": {"Type": "AWS::ApiGatewayV2::Api", "Properties": {"ProtocolType": "WEBSOCKET"}},
            "R": {
                "Type": "AWS::ApiGatewayV2::Route",
                "Properties": {
                    "ApiId": {"Ref": "Api"},
                    "RouteKey": "$default",
                    "Target": {"Fn::Sub": "integrations/${I}"},
                },
            },
            "I": {
                "Type": "AWS::ApiGatewayV2::Integration",
                "Properties": {
                    "ApiId": {"Ref": "Api"},
                    "IntegrationType": "AWS_PROXY",
                    "IntegrationUri": {"Fn::GetAtt": ["F", "Arn"]},
                },
            },
            "Q": {"Type": "AWS::SQS::Queue"},
            "Notes": {
                "Type": "AWS::DynamoDB::Table",
                "Properties": {
                    "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
                    "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
                },
            },
            "Role": {
                "Type": "AWS::IAM::Role",
                "Properties": {
                    "AssumeRolePolicyDocument": {},
                    "PermissionsBoundary": "arn:aws:iam::123456789012:policy/boundary",
                    "ManagedPolicyArns": [
                        "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
                    ],
                    "Policies": [{"PolicyName": "p", "PolicyDocument": role_policy}],
                },
            },
            "F": {
                "Type": "AWS::Lambda::Function",
                "Properties": {
                    "Runtime": "python3.12",
                    "Handler": "index.main",
                    "Role": {"Fn::GetAtt": ["Role", "Arn"]},
                    "TracingConfig": {"Mode": "Active"},
                    "Environment": {"Variables": {"NOTES": {"Ref": "Notes"}}},
                    "Code": {"ZipFile": "def main(event, context):\n    return None\n"},
                },
            },
        }
    }
    api = WebSocketApi.from_template(template)
    query, deny, send = api.get_function("$default").props["permissions"]
    notes = api.get_function("$default").props["environment"]["NOTES"].resource
    assert query["Resource"] == [f"{notes.table_arn}/index/*", notes.table_arn]
    assert query["Condition"] == {"StringEquals": {"aws:RequestedRegion": "eu-west-1"}}
    assert deny == {"Effect": "Deny", "Action": ["dynamodb:DeleteTable"], "Resource": ["*"]}
    assert send["Resource"][0].startswith("arn:") and "Q" in send["Resource"][0]
    lines = [f.message for f in api.lint() if f.code == "template-approximated"]
    assert any(
        "sqs:SendMessage on Q (AWS::SQS::Queue)" in x and "placeholder ARN" in x for x in lines
    )
    assert any("Role (AWS::IAM::Role): not read: PermissionsBoundary" in x for x in lines)
    assert any(
        "also grants execute-api:ManageConnections" in x and "xray:" in x and "Logs" not in x
        for x in lines
    ), lines
