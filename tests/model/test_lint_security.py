"""``lint()`` on grants and parameters: wide IAM grants and secret-looking Parameters."""

from __future__ import annotations

import pytest

from wsnb import LambdaAuthorizer, Parameter, Secret, Table, WebSocketApi

pytestmark = pytest.mark.usefixtures("project")


def found(api: WebSocketApi, code: str) -> list[str]:
    return [f.message for f in api.lint() if f.code == code]


def test_star_is_full_admin():
    api = WebSocketApi("Api").route("$default", "src/default.main", permissions=["*"])
    (message,) = found(api, "admin-grant")
    assert message.startswith("route '$default':") and "administrator" in message
    assert {f.level for f in api.lint() if f.code == "admin-grant"} == {"warning"}


def test_a_bare_service_is_every_action_on_every_resource():
    api = (
        WebSocketApi("Api")
        .defaults(permissions=["s3"])
        .route("$default", "src/default.main")
        .route("send", "src/send.main")
    )
    (message,) = found(api, "service-wide-grant")  # one finding, not one per route
    assert message.startswith("every route: s3:*") and "every s3 resource" in message


def test_iam_is_as_wide_as_admin():
    api = WebSocketApi("Api").route("$default", "src/default.main", permissions=["iam"])
    assert found(api, "escalating-grant") and not found(api, "service-wide-grant")


def test_a_statement_with_star_resource_counts_too():
    statement = {"Effect": "Allow", "Action": ["dynamodb:*", "s3:GetObject"], "Resource": "*"}
    api = WebSocketApi("Api").route("$default", "src/default.main", permissions=[statement])
    (message,) = found(api, "service-wide-grant")
    assert "dynamodb:*" in message


def test_narrow_grants_are_quiet():
    table = Table("T", fields={"id": "string"}, primary_index={"partition_key": "id"})
    narrow = {"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::my-bucket/*"}
    api = WebSocketApi("Api").route(
        "$default", "src/default.main", permissions=[table, "s3:GetObject", narrow]
    )
    codes = {f.code for f in api.lint()}
    assert not codes & {"admin-grant", "service-wide-grant", "escalating-grant"}


def test_the_authorizer_function_is_checked():
    auth = LambdaAuthorizer(function={"handler": "src/authorizer.main", "permissions": ["*"]})
    api = WebSocketApi("Api").route("$connect", "src/connect.main").authorizer(auth)
    (message,) = found(api, "admin-grant")
    assert message.startswith("the authorizer:")


def test_a_secret_looking_parameter_is_flagged_once():
    api = (
        WebSocketApi("Api")
        .route("$default", "src/default.main")
        .route("send", "src/send.main")
        .bind([Parameter("STRIPE_API_KEY", "sk_live_x"), Parameter("COLOR", "blue")])
    )
    (message,) = found(api, "secret-parameter")
    assert message.startswith("every route: Parameter 'STRIPE_API_KEY'")
    assert "plain text" in message
    assert "COLOR" not in message
    safe = (
        WebSocketApi("Api").route("$default", "src/default.main").bind([Secret("STRIPE_API_KEY")])
    )
    assert not found(safe, "secret-parameter")
