"""The synthesized template, bullet by bullet of SPEC §2 (real aws-cdk-lib)."""

from __future__ import annotations

import pytest
from synth_helpers import actions, function_for, of_type, one, policy_for, route

from wsnb import (
    Bucket,
    Function,
    LambdaAuthorizer,
    Parameter,
    Secret,
    SynthError,
    Table,
    WebSocketApi,
)
from wsnb._facts import default_access_log_format

pytestmark = pytest.mark.cdk


def test_api_and_stage_defaults(seed_synths):
    t = seed_synths["minimal"][2].template
    api = one(t, "AWS::ApiGatewayV2::Api")
    assert api == {
        "Name": "dev-app-Api",
        "ProtocolType": "WEBSOCKET",
        "RouteSelectionExpression": "$request.body.action",
    }
    stage = one(t, "AWS::ApiGatewayV2::Stage")
    assert stage["StageName"] == "dev" and stage["AutoDeploy"] is True


def test_app_stage_and_cdk_id_name_the_api(in_project):
    api = WebSocketApi("Api", cdk={"id": "Chat"}, routes={"$default": "src/default.main"})
    t = api.synth(app="shop", stage="prod").template
    assert one(t, "AWS::ApiGatewayV2::Api")["Name"] == "prod-shop-Chat"
    assert one(t, "AWS::ApiGatewayV2::Stage")["StageName"] == "prod"
    log = one(t, "AWS::Logs::LogGroup")["LogGroupName"]["Fn::Join"][1]
    assert log[0] == "/aws/vendedlogs/apis/prod-shop-Chat-" and log[2] == "/prod"


def test_cdk_overrides(seed_synths):
    t = seed_synths["cdk_api_name"][2].template
    assert one(t, "AWS::ApiGatewayV2::Api")["Name"] == "chat-app-api"
    # the log group keeps the id-based name
    assert (
        one(t, "AWS::Logs::LogGroup")["LogGroupName"]["Fn::Join"][1][0]
        == "/aws/vendedlogs/apis/dev-app-Api-"
    )
    assert (
        one(seed_synths["cdk_stage_props"][2].template, "AWS::ApiGatewayV2::Stage")["AutoDeploy"]
        is False
    )


def test_imported_api_and_stage_scope_manage_connections(in_project):
    # which resources an imported API and stage leave out: tests/acceptance (SPEC §2)
    api = WebSocketApi(
        "Api",
        cdk={"web_socket_api": "abc123", "web_socket_stage": "prod"},
        routes={"$default": "src/default.main"},
    )
    t = api.synth().template
    (manage,) = [
        s
        for s in policy_for(t, function_for(t, "$default"))
        if s["Action"] == "execute-api:ManageConnections"
    ]
    arns = [part["Fn::Join"][1] for part in manage["Resource"]]
    assert [arn[-1] for arn in arns] == [
        ":abc123/prod/POST/*",
        ":abc123/prod/GET/*",
        ":abc123/prod/DELETE/*",
    ]


def test_per_route_resources_and_function_props(in_project):
    api = WebSocketApi("Api").route(
        "sendMessage",
        "src/send.main",
        timeout=15,
        memory_size=256,
        runtime="python3.13",
        architecture="arm_64",
        description="sends",
        environment={"A": "1"},
        layers=["arn:aws:lambda:us-east-1:123456789012:layer:deps:3"],
    )
    t = api.synth().template
    for kind in (
        "AWS::Lambda::Function",
        "AWS::IAM::Role",
        "AWS::ApiGatewayV2::Integration",
        "AWS::ApiGatewayV2::Route",
        "AWS::Lambda::Permission",
    ):
        assert len(of_type(t, kind)) == 1, kind
    fn = function_for(t, "sendMessage")
    assert fn["TracingConfig"] == {"Mode": "Active"}
    assert fn["Runtime"] == "python3.13" and fn["Timeout"] == 15 and fn["MemorySize"] == 256
    assert fn["Architectures"] == ["arm64"] and fn["Description"] == "sends"
    assert fn["Environment"]["Variables"] == {"A": "1"}
    assert fn["Layers"] == ["arn:aws:lambda:us-east-1:123456789012:layer:deps:3"]
    assert fn["Handler"] == "send.main"
    integ = one(t, "AWS::ApiGatewayV2::Integration")
    assert integ["IntegrationType"] == "AWS_PROXY"
    perm = one(t, "AWS::Lambda::Permission")
    assert perm["Principal"] == "apigateway.amazonaws.com"
    assert route(t, "sendMessage")["AuthorizationType"] == "NONE"
    assert "RouteResponseSelectionExpression" not in route(t, "sendMessage")


def test_tracing_can_be_turned_off(in_project):
    t = (
        WebSocketApi("Api")
        .route("$default", "src/default.main", tracing="disabled")
        .synth()
        .template
    )
    fn = function_for(t, "$default")
    assert "TracingConfig" not in fn
    assert "xray:PutTraceSegments" not in actions(policy_for(t, fn))


def test_return_response(seed_synths):
    t = seed_synths["chat_app"][2].template
    assert route(t, "sendMessage")["RouteResponseSelectionExpression"] == "$default"
    rr = one(t, "AWS::ApiGatewayV2::RouteResponse")
    assert rr["RouteResponseKey"] == "$default"
    assert "RouteResponseSelectionExpression" not in route(t, "$default")


def test_manage_connections_post_get_delete(seed_synths):
    t = seed_synths["minimal"][2].template
    for key in ("$connect", "$default", "$disconnect", "sendMessage"):
        stmts = [
            s
            for s in policy_for(t, function_for(t, key))
            if s["Action"] == "execute-api:ManageConnections"
        ]
        assert len(stmts) == 1
        tails = [r["Fn::Join"][1][-1] for r in stmts[0]["Resource"]]
        assert tails == ["/dev/POST/*", "/dev/GET/*", "/dev/DELETE/*"]
        first = stmts[0]["Resource"][0]["Fn::Join"][1]
        assert first[:2] == ["arn:", {"Ref": "AWS::Partition"}] and ":execute-api:" in first


def test_access_log_default(seed_synths):
    result = seed_synths["minimal"][2]
    t = result.template
    group = one(t, "AWS::Logs::LogGroup")
    assert "RetentionInDays" not in group
    stage = one(t, "AWS::ApiGatewayV2::Stage")
    assert stage["AccessLogSettings"]["Format"] == default_access_log_format()
    assert stage["AccessLogSettings"]["DestinationArn"]["Fn::GetAtt"][1] == "Arn"
    assert any("AWS::ApiGateway::Account CloudWatchRoleArn" in w for w in result.warnings)


def test_access_log_variants(seed_synths, in_project):
    t = seed_synths["access_log_retention"][2].template
    assert one(t, "AWS::Logs::LogGroup")["RetentionInDays"] == 7
    t = seed_synths["access_log_format"][2].template
    assert one(t, "AWS::ApiGatewayV2::Stage")["AccessLogSettings"]["Format"].startswith(
        "$context.identity.sourceIp,"
    )
    # destination_arn and access_log=False in the template: tests/acceptance (SPEC §2); here,
    # what synth says about them
    off = WebSocketApi("Api", access_log=False, routes={"$default": "src/default.main"}).synth()
    assert not any("CloudWatch" in w for w in off.warnings)  # said when logging is on (above)


def test_iam_authorizer_on_connect_only(seed_synths):
    t = seed_synths["iam_auth"][2].template
    assert route(t, "$connect")["AuthorizationType"] == "AWS_IAM"
    assert route(t, "$default")["AuthorizationType"] == "NONE"
    assert route(t, "$disconnect")["AuthorizationType"] == "NONE"


def test_lambda_authorizer(seed_synths):
    t = seed_synths["lambda_auth"][2].template
    auth = one(t, "AWS::ApiGatewayV2::Authorizer")
    assert auth["AuthorizerType"] == "REQUEST"
    assert auth["IdentitySource"] == ["route.request.header.Authorization"]
    assert auth["Name"] == "WebSocketAuthorizer"
    assert route(t, "$connect")["AuthorizationType"] == "CUSTOM"
    assert "AuthorizerId" in route(t, "$connect")
    assert "AuthorizerId" not in route(t, "$default")
    assert len(of_type(t, "AWS::Lambda::Function")) == 4
    assert len(of_type(t, "AWS::Lambda::Permission")) == 4
    t = seed_synths["lambda_auth_fluent"][2].template
    auth = one(t, "AWS::ApiGatewayV2::Authorizer")
    assert (
        auth["IdentitySource"] == ["route.request.querystring.token"]
        and auth["Name"] == "TokenAuthorizer"
    )


def test_authorizer_without_connect_is_a_synth_error(in_project):
    api = WebSocketApi("Api", authorizer="iam", routes={"$default": "src/default.main"})
    with pytest.raises(SynthError) as err:
        api.synth()
    assert err.value.message.startswith("The API has an IAM authorizer but no $connect route")
    assert err.value.fix == 'api.route("$connect", "src/connect.main"), or api.authorizer("none")'


def _domain_parts(t):
    return {
        k: len(of_type(t, k))
        for k in (
            "AWS::CertificateManager::Certificate",
            "AWS::ApiGatewayV2::DomainName",
            "AWS::ApiGatewayV2::ApiMapping",
            "AWS::Route53::RecordSet",
        )
    }


def test_custom_domain_created(seed_synths):
    t = seed_synths["custom_domain_basic"][2].template
    assert _domain_parts(t) == {
        "AWS::CertificateManager::Certificate": 1,
        "AWS::ApiGatewayV2::DomainName": 1,
        "AWS::ApiGatewayV2::ApiMapping": 1,
        "AWS::Route53::RecordSet": 2,
    }
    cert = one(t, "AWS::CertificateManager::Certificate")
    assert cert["DomainName"] == "api.domain.com" and cert["ValidationMethod"] == "DNS"
    dn = one(t, "AWS::ApiGatewayV2::DomainName")
    assert dn["DomainName"] == "api.domain.com"
    assert dn["DomainNameConfigurations"][0]["EndpointType"] == "REGIONAL"
    records = of_type(t, "AWS::Route53::RecordSet").values()
    assert sorted(r["Properties"]["Type"] for r in records) == ["A", "AAAA"]
    assert all(r["Properties"]["HostedZoneId"] == "Z0123456789ABCDEFGHIJ" for r in records)
    assert "ApiMappingKey" not in one(t, "AWS::ApiGatewayV2::ApiMapping")


def test_custom_domain_forms(seed_synths):
    t = seed_synths["custom_domain_wildcard"][2].template
    assert one(t, "AWS::ApiGatewayV2::DomainName")["DomainName"] == "*.domain.com"
    t = seed_synths["custom_domain_full"][2].template
    assert one(t, "AWS::ApiGatewayV2::ApiMapping")["ApiMappingKey"] == "v1"
    t = seed_synths["custom_domain_certificate"][2].template
    assert _domain_parts(t)["AWS::CertificateManager::Certificate"] == 0
    assert "certificate/1111" in str(one(t, "AWS::ApiGatewayV2::DomainName"))
    t = seed_synths["custom_domain_external"][2].template
    assert _domain_parts(t) == {
        "AWS::CertificateManager::Certificate": 0,
        "AWS::ApiGatewayV2::DomainName": 1,
        "AWS::ApiGatewayV2::ApiMapping": 1,
        "AWS::Route53::RecordSet": 0,
    }
    for name, domain in (
        ("custom_domain_shared", "api.domain.com"),
        ("custom_domain_imported", "api.domain.com"),
    ):
        t = seed_synths[name][2].template
        parts = _domain_parts(t)
        assert parts["AWS::ApiGatewayV2::ApiMapping"] == 1 and sum(parts.values()) == 1, name
        assert one(t, "AWS::ApiGatewayV2::ApiMapping")["DomainName"] == domain
    assert (
        one(seed_synths["custom_domain_shared"][2].template, "AWS::ApiGatewayV2::ApiMapping")[
            "ApiMappingKey"
        ]
        == "chat"
    )


def test_lookup_errors_name_what_to_pass(in_project):
    api = WebSocketApi(
        "Api", custom_domain="api.example.net", routes={"$default": "src/default.main"}
    )
    with pytest.raises(SynthError) as err:
        api.synth()
    assert "account and region" in str(err.value)
    with pytest.raises(SynthError) as err:
        api.synth(account="123456789012")
    assert "region" in err.value.message and "account" not in err.value.message.split("explicit")[1]
    with pytest.raises(SynthError) as err:
        api.synth(account="123456789012", region="eu-west-1")
    assert "hosted-zone:account=123456789012:domainName=example.net:region=eu-west-1" in str(
        err.value
    )


def test_permissions_forms(in_project):
    table = Table(
        "Orders",
        fields={"id": "string", "day": "string"},
        primary_index={"partition_key": "id"},
        global_indexes={"byDay": {"partition_key": "day"}},
    )
    bucket = Bucket("Files")
    stmt = {
        "Effect": "Allow",
        "Action": ["sqs:SendMessage"],
        "Resource": ["arn:aws:sqs:us-east-1:123456789012:q"],
    }
    api = (
        WebSocketApi("Api")
        .route("a", "src/send.main", permissions=["s3", "sns:Publish", stmt, table, bucket])
        .route("b", "src/send.main", permissions="*")
    )
    t = api.synth().template
    a = policy_for(t, function_for(t, "a"))
    acts = actions(a)
    assert "s3:*" in acts and "sns:Publish" in acts and "sqs:SendMessage" in acts
    assert "dynamodb:*" not in acts and "dynamodb:PutItem" in acts
    dyn = next(s for s in a if "dynamodb:PutItem" in s["Action"])
    assert "/index/*" in str(dyn["Resource"])
    bucket_id = next(iter(of_type(t, "AWS::S3::Bucket")))
    (on_bucket,) = [s for s in a if bucket_id in str(s["Resource"])]
    assert "s3:PutObject" in on_bucket["Action"] and "s3:GetObject*" in on_bucket["Action"]
    assert {"Action": "*", "Effect": "Allow", "Resource": "*"} in policy_for(
        t, function_for(t, "b")
    )
    table_res = one(t, "AWS::DynamoDB::Table")
    assert table_res["BillingMode"] == "PAY_PER_REQUEST"
    assert table_res["GlobalSecondaryIndexes"][0]["IndexName"] == "byDay"
    assert table_res["TableName"] == "dev-app-Orders"
    assert len(of_type(t, "AWS::S3::Bucket")) == 1


def test_bind_grants_and_environment(seed_synths):
    t = seed_synths["bind_resources"][2].template
    fn = function_for(t, "$connect")
    env = fn["Environment"]["Variables"]
    assert env["WSNB_Secret_STRIPE_KEY_parameter_name"] == "/wsnb/app/dev/Secret/STRIPE_KEY/value"
    assert env["WSNB_Bucket_Uploads_bucket_name"] == {
        "Ref": next(iter(of_type(t, "AWS::S3::Bucket")))
    }
    assert env["WSNB_Parameter_COLOR_value"] == "blue"
    assert (
        "WSNB_Parameter_COLOR_value" not in function_for(t, "$default")["Environment"]["Variables"]
    )
    stmts = policy_for(t, fn)
    ssm = next(s for s in stmts if s["Action"] == "ssm:GetParameter")
    assert ssm["Resource"]["Fn::Join"][1][-1] == ":parameter/wsnb/app/dev/Secret/STRIPE_KEY/value"


def test_ref_tokens_resolve(in_project):
    table = Table("Conn", fields={"id": "string"}, primary_index={"partition_key": "id"})
    api = WebSocketApi("Api").route(
        "$default",
        "src/default.main",
        environment={
            "NAME": table.table_name,
            "ARN": table.table_arn,
            "MIXED": f"t={table.table_name};end",
        },
        permissions=[table],
    )
    t = api.synth().template
    table_id = next(iter(of_type(t, "AWS::DynamoDB::Table")))
    env = function_for(t, "$default")["Environment"]["Variables"]
    assert env["NAME"] == {"Ref": table_id}
    assert env["ARN"] == {"Fn::GetAtt": [table_id, "Arn"]}
    assert env["MIXED"] == {"Fn::Join": ["", ["t=", {"Ref": table_id}, ";end"]]}


def test_missing_handler_file_names_route_and_path(in_project):
    api = WebSocketApi("Api")
    with pytest.warns(UserWarning):
        api.route("$default", "src/nope.main")
    with pytest.raises(SynthError) as err:
        api.synth()
    assert "'$default'" in str(err.value) and "src/nope.py" in str(err.value)


def test_top_level_file_handler_ships_only_its_file(private_project):
    (private_project / "solo.py").write_text("def main(event, context):\n    return {}\n")
    t = WebSocketApi("Api").route("$default", "solo.main").synth().template
    fn = function_for(t, "$default")
    assert fn["Handler"] == "solo.main"
    from wsnb.plan import collect_assets

    layout = collect_assets(
        [("r", WebSocketApi("X").route("$default", "solo.main").spec.routes[0].handler)]
    )
    assert list(layout.files) == ["wsnb_functions/solo/solo.py"]


def notebook_handler(event, context):
    return {"statusCode": 200, "body": "hi"}


def test_callable_handler_is_shipped(in_project):
    t = WebSocketApi("Api").route("$default", notebook_handler).synth().template
    fn = function_for(t, "$default")
    assert fn["Handler"] == "notebook_handler_handler.notebook_handler"
    assert fn["Code"]["S3Key"].endswith(".zip")


def test_nested_handler_directory(private_project):
    (private_project / "src" / "api").mkdir(exist_ok=True)
    (private_project / "src" / "api" / "deep.py").write_text(
        "def go(event, context):\n    return {}\n"
    )
    t = WebSocketApi("Api").route("$default", "src/api/deep.go").synth().template
    assert function_for(t, "$default")["Handler"] == "deep.go"


def test_resource_limit_warning(in_project):
    api = WebSocketApi("Api", access_log=False)
    for i in range(76):
        api.route(f"action{i}", "src/send.main")
    result = api.synth()
    assert result.resource_total == 76 * 6 + 2
    assert any("at most 500" in w for w in result.warnings)


def test_authorizer_function_props(in_project):
    auth = LambdaAuthorizer(Function("src/authorizer.main", timeout=5, tracing="disabled"))
    api = WebSocketApi("Api", authorizer=auth, routes={"$connect": "src/connect.main"})
    t = api.synth().template
    fns = [f["Properties"] for f in of_type(t, "AWS::Lambda::Function").values()]
    assert any(f["Handler"] == "authorizer.main" and f["Timeout"] == 5 for f in fns)


def test_secret_and_parameter_names_follow_options(in_project):
    api = WebSocketApi("Api").route(
        "$default", "src/default.main", bind=[Secret("KEY"), Parameter("P", "v")]
    )
    t = api.synth(app="shop", stage="prod").template
    env = function_for(t, "$default")["Environment"]["Variables"]
    assert env["WSNB_Secret_KEY_parameter_name"] == "/wsnb/shop/prod/Secret/KEY/value"
    assert env["WSNB_Parameter_P_value"] == "v"


@pytest.mark.parametrize(
    ("kwargs", "fix"),
    [
        ({"app": "bad app"}, 'app="my-app"'),
        ({"stage": ""}, 'stage="dev"'),
        ({"region": "moon"}, 'region="us-east-1"'),
        ({"account": "12"}, 'account="123456789012"'),
        ({"context": ["x"]}, "context={"),
    ],
)
def test_bad_options(in_project, kwargs, fix):
    with pytest.raises(SynthError) as err:
        WebSocketApi("Api").route("$default", "src/default.main").synth(**kwargs)
    ((name, value),) = kwargs.items()
    assert err.value.given == value and err.value.path == name
    assert err.value.fix.startswith(fix)
