"""Values that used to reach aws-cdk-lib (or the deploy) and fail there are refused at build time."""

from __future__ import annotations

import pytest

from wsnb import (
    CdkPropsError,
    LambdaAuthorizer,
    PermissionsError,
    PropError,
    ResourceError,
    Table,
    ValidationError,
    WebSocketApi,
)


@pytest.fixture
def api(project) -> WebSocketApi:
    return WebSocketApi("Api").route("$connect", "src/connect.main")


def _statement(api: WebSocketApi, statement: dict) -> PermissionsError:
    before = api.to_dict()
    with pytest.raises(PermissionsError) as info:
        api.attach_permissions([statement])
    assert api.to_dict() == before
    return info.value


# "IAM JSON policy elements reference" (Sid, Action, NotAction, Resource, Effect, Condition)
@pytest.mark.parametrize(
    ("statement", "message", "path"),
    [
        (
            {"Sid": "read objects", "Action": "s3:GetObject"},
            "Sid must be letters and digits only",
            "attach_permissions[0].Sid",
        ),
        (
            {"Sid": "", "Action": "s3:GetObject"},
            "Sid must be letters and digits only",
            "attach_permissions[0].Sid",
        ),
        (
            {"Sid": 3, "Action": "s3:GetObject"},
            "Sid must be letters and digits only",
            "attach_permissions[0].Sid",
        ),
        (
            {"Action": "s3 GetObject"},
            "IAM statement Action 's3 GetObject' is not valid",
            "attach_permissions[0].Action[0]",
        ),
        (
            {"Action": ["s3:Get", "GetObject"]},
            "IAM statement Action 'GetObject' is not valid",
            "attach_permissions[0].Action[1]",
        ),
        ({"Action": []}, "IAM statement Action is empty", "attach_permissions[0].Action"),
        (
            {"Action": "s3:Get", "NotAction": "s3:Put"},
            "either Action or NotAction, not both",
            "attach_permissions[0]",
        ),
        (
            {"Action": "s3:Get", "Resource": "a", "NotResource": "b"},
            "either Resource or NotResource",
            "attach_permissions[0]",
        ),
        (
            {"Effect": "allow", "Action": "s3:Get"},
            "Effect must be 'Allow' or 'Deny'",
            "attach_permissions[0].Effect",
        ),
        (
            {"Action": "s3:Get", "Resource": "my-bucket"},
            "Resource 'my-bucket' is not valid",
            "attach_permissions[0].Resource[0]",
        ),
        (
            {"Action": "s3:Get", "Resource": "arn:aws:s3:::b\n"},
            "is not valid",
            "attach_permissions[0].Resource[0]",
        ),
        (
            {"Action": "s3:Get", "Resource": []},
            "IAM statement Resource is empty",
            "attach_permissions[0].Resource",
        ),
        (
            {"Action": "s3:Get", "Condition": "aws:SecureTransport"},
            "Condition must map an operator",
            "attach_permissions[0].Condition",
        ),
        (
            {"Action": "s3:Get", "Condition": {"Bool": {"aws:SecureTransport": {"x": 1}}}},
            "Condition must map",
            "attach_permissions[0].Condition",
        ),
    ],
)
def test_bad_iam_statements_are_refused_before_cdk(api, statement, message, path):
    error = _statement(api, statement)
    assert message in error.message
    assert error.path == path


def test_good_iam_statement_is_kept_normalized(api):
    api.attach_permissions(
        [
            {
                "Sid": "Read1",
                "Action": "s3:Get*",
                "Resource": "arn:aws:s3:::b/*",
                "Condition": {"Bool": {"aws:SecureTransport": True}},
            }
        ]
    )
    (item,) = api.spec.permissions
    assert item["Action"] == ["s3:Get*"] and item["Resource"] == ["arn:aws:s3:::b/*"]
    assert item["Effect"] == "Allow"


# "CreateFunction", Lambda API reference: FunctionName
@pytest.mark.parametrize("name", ["my function", "fn$", "", "x" * 65, "a/b", "naïve"])
def test_bad_function_name_is_refused(api, name):
    with pytest.raises(PropError, match="function_name must be 1-64 letters, digits, '-' or '_'"):
        api.route("x", "src/send.main", function_name=name)
    assert api.routes == ["$connect"]


def test_duplicate_function_name_across_routes_is_refused(api):
    api.route("a", "src/send.main", function_name="chat-send")
    with pytest.raises(PropError, match="both set function_name='chat-send'") as info:
        api.route("b", "src/send.main", function_name="chat-send")
    assert info.value.path == "routes['b'].function_name"
    assert api.routes == ["$connect", "a"]


def test_function_name_in_defaults_names_every_route_the_same(api):
    with pytest.raises(PropError, match="both set function_name='same'"):
        api.route("b", "src/send.main").defaults(function_name="same")


def test_authorizer_function_name_clashing_with_a_route_is_refused(api):
    api.route("a", "src/send.main", function_name="auth")
    with pytest.raises(PropError, match=r"routes\[.a.\] and authorizer.function both set"):
        api.authorizer(
            LambdaAuthorizer({"handler": "src/authorizer.main", "function_name": "auth"})
        )


@pytest.mark.parametrize("value", ["2 minutes", 1.0, True, -1, 100001, "10"])
def test_reserved_concurrency_must_be_a_plain_int(api, value):
    with pytest.raises(PropError, match="reserved_concurrent_executions must be a whole number"):
        api.route("x", "src/send.main", reserved_concurrent_executions=value)


def test_reserved_concurrency_int_is_kept(api):
    api.route("x", "src/send.main", reserved_concurrent_executions=0)
    assert api.get_function("x").reserved_concurrent_executions == 0


# "Working with Lambda environment variables": 4 KB in all
def test_environment_over_4_kb_is_refused(api):
    with pytest.raises(PropError, match=r"The environment holds 4\d{3} bytes; Lambda allows 4096"):
        api.route("x", "src/send.main", environment={"BIG": "x" * 4094})
    api.route("x", "src/send.main", environment={"BIG": "x" * 4093})


def test_merged_environment_over_4_kb_is_refused(api):
    api.defaults(environment={"AA": "x" * 2500})
    with pytest.raises(PropError, match="The environment holds") as info:
        api.route("x", "src/send.main", environment={"BB": "y" * 2500})
    assert info.value.path == "routes['x'].environment"


def test_lambda_environment_name_pattern_is_a_lint_error(api):
    api.route("x", "src/send.main", environment={"A": "1", "_B": "2", "OK_1": "3"})
    found = [f for f in api.lint() if f.code == "environment-name"]
    assert [f.level for f in found] == ["error", "error"]
    assert found[0].message.startswith("x: environment variable name 'A' does not match")


@pytest.mark.parametrize("name", ["A\n", "1A", "A-B", "AWS_REGION", "É1"])
def test_environment_names_no_handler_can_read_are_refused(api, name):
    with pytest.raises(PropError, match=r"Environment variable name .* is not allowed"):
        api.route("x", "src/send.main", environment={name: "1"})


# "Supported data types and naming rules in Amazon DynamoDB"
@pytest.mark.parametrize("name", ["ab", "by room", "x" * 256, 3, "idx/1"])
def test_bad_dynamodb_index_name_is_refused(name):
    with pytest.raises(ResourceError, match="is not a DynamoDB index name"):
        Table(
            "T",
            fields={"id": "string"},
            primary_index={"partition_key": "id"},
            global_indexes={name: {"partition_key": "id"}},
        )


def test_overlong_dynamodb_attribute_name_is_refused():
    with pytest.raises(ResourceError, match="a name of 1-255 bytes"):
        Table("T", fields={"é" * 128: "string"}, primary_index={"partition_key": "é" * 128})


def test_table_id_with_newline_is_refused():
    with pytest.raises(ResourceError, match="Table id 'T\\\\n' is not valid"):
        Table("T\n", fields={"id": "string"}, primary_index={"partition_key": "id"})


@pytest.mark.parametrize(
    "data",
    [
        {
            "id": "Api",
            "routes": {
                "$connect": {
                    "function": {"handler": "src/connect.main"},
                    "attached_bind": [{"table": "T", "x": 1}],
                }
            },
        },
        {"id": "Api", "resources": [{"type": "Table", "id": "T"}]},
        {"id": "Api", "resources": ["Table"]},
        {
            "id": "Api",
            "routes": {"$connect": {"function": {"handler": "src/connect.main", "environment": 3}}},
        },
        {"id": "Api", "routes": []},
        {"id": "Api", "defaults": ["x"]},
    ],
)
def test_from_dict_on_malformed_input_raises_validation_error(project, data):
    with pytest.raises(ValidationError):
        WebSocketApi.from_dict(data)


def test_from_dict_wraps_python_errors_with_the_fix(project):
    with pytest.raises(
        ValidationError, match=r"^from_dict could not read this dict: KeyError"
    ) as info:
        WebSocketApi.from_dict({"id": "Api", "resources": [{"type": "Table", "id": "T"}]})
    assert info.value.allowed == "the dict that WebSocketApi.to_dict() returns"


def test_cdk_stage_name_with_newline_is_refused():
    with pytest.raises(CdkPropsError, match="wrong type or form"):
        WebSocketApi("Api", cdk={"web_socket_stage": {"stage_name": "prod\n"}})
