"""Synth of every integration kind (SPEC §9), with real aws-cdk-lib: the exact CloudFormation.

AWS's pages behind the shapes pinned here: "AWS::ApiGatewayV2::Integration" (IntegrationType,
IntegrationUri, CredentialsArn, RequestParameters, RequestTemplates,
TemplateSelectionExpression, PassthroughBehavior, TimeoutInMillis),
"AWS::ApiGatewayV2::IntegrationResponse", "AWS::ApiGatewayV2::RouteResponse", "Set up a
WebSocket API integration request in API Gateway" (the Lambda invoke URI, the
``arn:aws:apigateway:{region}:{service}:action|path/...`` URI of an AWS service), "Set up
asynchronous invocation of the backend Lambda function" (``X-Amz-Invocation-Type: 'Event'``)
and "Set up a WebSocket API integration response in API Gateway" (a non-proxy integration
answers only through an integration response; a proxy has none).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from integration_examples import (
    ASK_TEMPLATE,
    ECHO_TEMPLATE,
    mixed_api,
    mock_only_api,
)
from synth_helpers import actions, of_type, route

from wsnb import (
    AwsIntegration,
    HttpIntegration,
    IntegrationError,
    IntegrationResponse,
    MockIntegration,
    Table,
    WebSocketApi,
)
from wsnb.predict import predict_resource_counts

pytestmark = pytest.mark.cdk

PARTITION, REGION, ACCOUNT = (
    {"Ref": "AWS::Partition"},
    {"Ref": "AWS::Region"},
    {"Ref": "AWS::AccountId"},
)
APIGATEWAY_TRUST = {
    "Statement": [
        {
            "Action": "sts:AssumeRole",
            "Effect": "Allow",
            "Principal": {"Service": "apigateway.amazonaws.com"},
        }
    ],
    "Version": "2012-10-17",
}


@pytest.fixture(scope="module")
def mixed(project):
    old = os.getcwd()
    os.chdir(project)
    try:
        api = mixed_api()
        return api, api.synth()
    finally:
        os.chdir(old)


@pytest.fixture(scope="module")
def t(mixed):
    return mixed[1].template


def function_id(t: dict, key: str) -> str:
    """The logical id of route ``key``'s function (construct id ``Lambda_<key>``)."""
    (found,) = [k for k in of_type(t, "AWS::Lambda::Function") if k.startswith(f"ApiLambda{key}")]
    return found


def api_ref(t: dict) -> dict:
    (api_id,) = of_type(t, "AWS::ApiGatewayV2::Api")
    return {"Ref": api_id}


def integration_of(t: dict, key: str) -> tuple[str, dict]:
    target = route(t, key)["Target"]
    assert target["Fn::Join"][1][0] == "integrations/"
    iid = target["Fn::Join"][1][1]["Ref"]
    res = t["Resources"][iid]
    assert res["Type"] == "AWS::ApiGatewayV2::Integration"
    return iid, res["Properties"]


def responses_of(t: dict, iid: str) -> dict[str, dict]:
    found = {}
    for res in of_type(t, "AWS::ApiGatewayV2::IntegrationResponse").values():
        props = res["Properties"]
        if props["IntegrationId"] == {"Ref": iid}:
            found[props["IntegrationResponseKey"]] = props
    return found


def table_id(t: dict) -> str:
    (tid,) = of_type(t, "AWS::DynamoDB::Table")
    return tid


def role_policy(t: dict, role_id: str) -> list[dict]:
    out = []
    for res in of_type(t, "AWS::IAM::Policy").values():
        if {"Ref": role_id} in res["Properties"]["Roles"]:
            out.extend(res["Properties"]["PolicyDocument"]["Statement"])
    return out


# ---------------------------------------------------------------------- MOCK


def test_mock_connect_behind_the_authorizer(t):
    iid, props = integration_of(t, "$connect")
    assert props == {
        "ApiId": api_ref(t),
        "IntegrationType": "MOCK",
        "IntegrationUri": "",  # aws-cdk-lib's WebSocketMockIntegration writes it empty
        "PassthroughBehavior": "NEVER",
        "RequestTemplates": {"$default": '{"statusCode": 200}'},
    }
    connect = route(t, "$connect")
    assert connect["AuthorizationType"] == "CUSTOM" and "Ref" in connect["AuthorizerId"]
    # return_response and no integration response of its own: one $default pass-through
    assert connect["RouteResponseSelectionExpression"] == "$default"
    assert responses_of(t, iid) == {
        "$default": {
            "ApiId": api_ref(t),
            "IntegrationId": {"Ref": iid},
            "IntegrationResponseKey": "$default",
        }
    }


def test_mock_only_api_has_no_function_and_no_stack_lookups(in_project):
    api = mock_only_api()
    result = api.synth()
    tpl = result.template
    assert not of_type(tpl, "AWS::Lambda::Function") and not of_type(tpl, "AWS::IAM::Role")
    iid, _ = integration_of(tpl, "$default")
    (response,) = responses_of(tpl, iid).values()
    assert response["ResponseTemplates"] == {"$default": '{"echo": $input.body}'}
    assert "RouteResponseSelectionExpression" not in route(tpl, "$connect")
    assert predict_resource_counts(api.spec) == result.resource_counts


# ---------------------------------------------------------------------- non-proxy Lambda


def test_non_proxy_event_lambda(t):
    iid, props = integration_of(t, "ask")
    fn_id = function_id(t, "ask")
    assert props == {
        "ApiId": api_ref(t),
        "IntegrationType": "AWS",
        "IntegrationMethod": "POST",
        "IntegrationUri": {
            "Fn::Join": [
                "",
                [
                    "arn:",
                    PARTITION,
                    ":apigateway:",
                    REGION,
                    ":lambda:path/2015-03-31/functions/",
                    {"Fn::GetAtt": [fn_id, "Arn"]},
                    "/invocations",
                ],
            ]
        },
        "RequestParameters": {"integration.request.header.X-Amz-Invocation-Type": "'Event'"},
        "RequestTemplates": {"$default": ASK_TEMPLATE},
        "TemplateSelectionExpression": "\\$default",
        "TimeoutInMillis": 10000,
    }
    assert responses_of(t, iid) == {}  # no return_response: no integration response
    assert "RouteResponseSelectionExpression" not in route(t, "ask")


def test_non_proxy_lambda_permission_and_connections_grant(t):
    fn_id = function_id(t, "ask")
    (perm,) = [
        r["Properties"]
        for r in of_type(t, "AWS::Lambda::Permission").values()
        if r["Properties"]["FunctionName"] == {"Fn::GetAtt": [fn_id, "Arn"]}
    ]
    assert perm["Action"] == "lambda:InvokeFunction"
    assert perm["Principal"] == "apigateway.amazonaws.com"
    parts = perm["SourceArn"]["Fn::Join"][1]
    assert parts[:2] == ["arn:", PARTITION] and parts[-1] == "/*ask"
    role = t["Resources"][fn_id]["Properties"]["Role"]["Fn::GetAtt"][0]
    assert "execute-api:ManageConnections" in actions(role_policy(t, role))


def test_integration_responses_and_route_response(t):
    iid, props = integration_of(t, "echo")
    assert props["IntegrationType"] == "AWS" and "RequestTemplates" not in props
    responses = responses_of(t, iid)
    assert responses["$default"]["ResponseTemplates"] == {"$default": ECHO_TEMPLATE}
    assert responses["$default"]["TemplateSelectionExpression"] == "\\$default"
    assert responses["/4\\d\\d/"] == {
        "ApiId": api_ref(t),
        "IntegrationId": {"Ref": iid},
        "IntegrationResponseKey": "/4\\d\\d/",
        "ContentHandlingStrategy": "CONVERT_TO_TEXT",
    }
    echo = route(t, "echo")
    assert echo["RouteResponseSelectionExpression"] == "$default"
    route_id = next(
        k for k, v in of_type(t, "AWS::ApiGatewayV2::Route").items() if v["Properties"] is echo
    )
    (rr,) = [
        r["Properties"]
        for r in of_type(t, "AWS::ApiGatewayV2::RouteResponse").values()
        if r["Properties"]["RouteId"] == {"Ref": route_id}
    ]
    assert rr["RouteResponseKey"] == "$default"


# ---------------------------------------------------------------------- HTTP


def test_http_integration(t):
    iid, props = integration_of(t, "fwd")
    assert props == {
        "ApiId": api_ref(t),
        "IntegrationType": "HTTP",
        "IntegrationMethod": "PUT",
        "IntegrationUri": "https://backend.example.com/hook",
        "RequestParameters": {"integration.request.header.cid": "context.connectionId"},
        "RequestTemplates": {"$default": "$input.body"},
        "TimeoutInMillis": 5000,
    }
    assert list(responses_of(t, iid)) == ["$default"]  # the pass-through for return_response


def test_http_proxy_has_no_integration_response(in_project):
    # "For proxy integrations … There is no integration response."
    api = WebSocketApi("Api").route(
        "raw", HttpIntegration("https://backend.example.com/raw", proxy=True), return_response=True
    )
    tpl = api.synth().template
    iid, props = integration_of(tpl, "raw")
    assert props["IntegrationType"] == "HTTP_PROXY"
    assert props["IntegrationMethod"] == "POST"
    assert props["IntegrationUri"] == "https://backend.example.com/raw"
    assert responses_of(tpl, iid) == {}
    assert route(tpl, "raw")["RouteResponseSelectionExpression"] == "$default"
    assert len(of_type(tpl, "AWS::ApiGatewayV2::RouteResponse")) == 1


# ---------------------------------------------------------------------- AWS services


def test_sqs_send_message_with_the_role_wsnb_creates(t):
    _, props = integration_of(t, "enqueue")
    role_id = props["CredentialsArn"]["Fn::GetAtt"][0]
    assert props["CredentialsArn"] == {"Fn::GetAtt": [role_id, "Arn"]}
    assert props["IntegrationType"] == "AWS" and props["IntegrationMethod"] == "POST"
    assert props["IntegrationUri"] == {
        "Fn::Join": [
            "",
            ["arn:", PARTITION, ":apigateway:", REGION, ":sqs:path/", ACCOUNT, "/jobs"],
        ]
    }
    assert props["RequestParameters"] == {
        "integration.request.header.Content-Type": "'application/x-www-form-urlencoded'"
    }
    assert props["RequestTemplates"] == {
        "$default": "Action=SendMessage&MessageBody=$util.urlEncode($input.body)"
    }
    role = t["Resources"][role_id]
    assert role["Type"] == "AWS::IAM::Role"
    assert role["Properties"] == {"AssumeRolePolicyDocument": APIGATEWAY_TRUST}
    assert role_policy(t, role_id) == [
        {"Action": "sqs:SendMessage", "Effect": "Allow", "Resource": "arn:aws:sqs:*:*:jobs"}
    ]


def test_dynamodb_put_item_template_references_the_table(t):
    _, props = integration_of(t, "put")
    tid = table_id(t)
    assert props["IntegrationUri"] == {
        "Fn::Join": ["", ["arn:", PARTITION, ":apigateway:", REGION, ":dynamodb:action/PutItem"]]
    }
    head, ref, tail = props["RequestTemplates"]["$default"]["Fn::Join"][1]
    assert (head, ref) == ('{"TableName": "', {"Ref": tid})
    assert tail.startswith('", "Item": {"id": {"S": "$context.requestId"}')
    role_id = props["CredentialsArn"]["Fn::GetAtt"][0]
    assert role_policy(t, role_id) == [
        {"Action": "dynamodb:PutItem", "Effect": "Allow", "Resource": {"Fn::GetAtt": [tid, "Arn"]}}
    ]


def test_a_table_permission_is_a_least_privilege_grant(t):
    _, props = integration_of(t, "query")
    tid = table_id(t)
    assert props["TimeoutInMillis"] == 3500
    assert props["RequestTemplates"] == {
        "$default": {"Fn::Join": ["", ['{"TableName": "', {"Ref": tid}, '"}']]}
    }
    statements = role_policy(t, props["CredentialsArn"]["Fn::GetAtt"][0])
    granted = actions(statements)
    assert "dynamodb:PutItem" in granted and "dynamodb:Query" in granted
    assert not [a for a in granted if a.endswith(":*")]
    assert all(s["Resource"][0] == {"Fn::GetAtt": [tid, "Arn"]} for s in statements)


def test_imported_role_takes_the_stacks_account(t):
    _, props = integration_of(t, "events")
    assert props["CredentialsArn"] == {
        "Fn::Join": ["", ["arn:aws:iam::", ACCOUNT, ":role/events-writer"]]
    }
    assert props["IntegrationUri"]["Fn::Join"][1][-1] == ":events:action/PutEvents"
    roles = of_type(t, "AWS::IAM::Role")
    assert not [k for k in roles if "events" in k.lower()]  # imported, not created


def test_explicit_region_and_account_are_written_out(in_project):
    api = WebSocketApi("Api").route(
        "q",
        AwsIntegration("sqs", path="{account}/{region}-jobs", permissions=["sqs:SendMessage"]),
    )
    tpl = api.synth(region="eu-west-1", account="123456789012").template
    _, props = integration_of(tpl, "q")
    assert props["IntegrationUri"] == {
        "Fn::Join": [
            "",
            ["arn:", PARTITION, ":apigateway:eu-west-1:sqs:path/123456789012/eu-west-1-jobs"],
        ]
    }


def test_a_service_integration_without_grants_gets_no_role(in_project):
    api = WebSocketApi("Api").route("q", AwsIntegration("sqs", path="{account}/jobs"))
    tpl = api.synth().template
    _, props = integration_of(tpl, "q")
    assert "CredentialsArn" not in props
    assert not of_type(tpl, "AWS::IAM::Role")


# ---------------------------------------------------------------------- the whole template


def test_predicted_counts_match(mixed):
    api, result = mixed
    assert predict_resource_counts(api.spec) == result.resource_counts
    counts = result.resource_counts
    assert counts["AWS::ApiGatewayV2::Route"] == counts["AWS::ApiGatewayV2::Integration"] == 10
    # 3 route functions + the authorizer's; roles: 4 functions + 3 created for AWS services
    assert counts["AWS::Lambda::Function"] == 4 and counts["AWS::IAM::Role"] == 7
    assert counts["AWS::ApiGatewayV2::IntegrationResponse"] == 5
    assert counts["AWS::ApiGatewayV2::RouteResponse"] == 4


def test_wsnb_placeholders_resolve_in_response_templates(in_project):
    table = Table("Log", fields={"id": "string"}, primary_index={"partition_key": "id"})
    api = WebSocketApi("Api").route(
        "x",
        AwsIntegration(
            "dynamodb",
            action="PutItem",
            permissions=[table],
            responses=[IntegrationResponse(templates={"$default": f"saved in {table.table_name}"})],
        ),
    )
    tpl = api.synth().template
    iid, _ = integration_of(tpl, "x")
    (response,) = responses_of(tpl, iid).values()
    assert response["ResponseTemplates"] == {
        "$default": {"Fn::Join": ["", ["saved in ", {"Ref": table_id(tpl)}]]}
    }


def test_to_cdk_exposes_non_proxy_functions_and_every_route(in_project):
    import aws_cdk as cdk
    from aws_cdk import aws_apigatewayv2, aws_lambda

    app = cdk.App()
    stack = cdk.Stack(app, "Mine")
    construct = mixed_api().to_cdk(stack)
    assert isinstance(construct.get_function("ask"), aws_lambda.Function)
    assert isinstance(construct.get_route("enqueue"), aws_apigatewayv2.WebSocketRoute)
    assert sorted(construct.routes) == sorted(mixed_api().routes)
    with pytest.raises(IntegrationError, match=r"route 'enqueue' has no function.*AWS \(sqs"):
        construct.get_function("enqueue")


def test_passthrough_on_a_mock_elsewhere_than_connect(in_project):
    api = WebSocketApi("Api").route(
        "m",
        MockIntegration(
            request_templates={"application/json": '{"statusCode": 200}'},
            passthrough_behavior="WHEN_NO_TEMPLATES",
        ),
    )
    _, props = integration_of(api.synth().template, "m")
    assert props["PassthroughBehavior"] == "WHEN_NO_TEMPLATES"
    assert props["RequestTemplates"] == {"application/json": '{"statusCode": 200}'}


def test_cfn_lint_passes(mixed, in_project, tmp_path):
    """cfn-lint over the mixed API and the function-less one: no errors (warnings allowed)."""
    files = [str(mixed[1].save(tmp_path / "mixed.json"))]
    files.append(str(mock_only_api().synth().save(tmp_path / "mocks.json")))
    exe = Path(sys.executable).parent / "cfn-lint"
    proc = subprocess.run(
        [str(exe), "--format", "parseable", *files], capture_output=True, text=True, timeout=600
    )
    errors = [line for line in proc.stdout.splitlines() if ":E" in line]
    assert proc.returncode & 2 == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    assert not errors, errors


def test_managed_policies_and_actions_on_the_created_role(in_project):
    managed = "arn:aws:iam::aws:policy/AmazonSQSFullAccess"
    only_managed = WebSocketApi("Api").route(
        "q", AwsIntegration("sqs", path="{account}/jobs", permissions=[managed])
    )
    result = only_managed.synth()
    (role,) = of_type(result.template, "AWS::IAM::Role").values()
    assert role["Properties"]["ManagedPolicyArns"] == [
        {"Fn::Join": ["", ["arn:", PARTITION, ":iam::aws:policy/AmazonSQSFullAccess"]]}
    ]
    assert not of_type(result.template, "AWS::IAM::Policy")
    assert predict_resource_counts(only_managed.spec) == result.resource_counts

    with_action = WebSocketApi("Api").route(
        "q", AwsIntegration("sqs", path="{account}/jobs", permissions=[managed, "sqs:SendMessage"])
    )
    result = with_action.synth()
    (role_id,) = of_type(result.template, "AWS::IAM::Role")
    assert role_policy(result.template, role_id) == [
        {"Action": "sqs:SendMessage", "Effect": "Allow", "Resource": "*"}
    ]
    assert predict_resource_counts(with_action.spec) == result.resource_counts
