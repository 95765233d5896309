"""Lambda REQUEST authorizer and the local IAM rule on $connect."""

from __future__ import annotations

import json

import pytest
from websockets.exceptions import InvalidStatus

from tests.local import handlers_nb as h
from tests.local.conftest import action, exchange, run, seen
from wsnb import LambdaAuthorizer, WebSocketApi


@pytest.fixture(scope="module")
def server():
    api = (
        WebSocketApi("Auth")
        .route("$connect", h.on_connect)
        .route("dump", h.dump, return_response=True)
        .authorizer(LambdaAuthorizer(h.authorize))
    )
    with api.serve() as srv:
        yield srv


def _status(url, **kw):
    with pytest.raises(InvalidStatus) as info:
        run(exchange(url, **kw))
    return info.value.response.status_code


def test_allow_passes_context_to_every_event(server):
    (reply,) = run(
        exchange(
            server.url + "?t=1", action("dump"), additional_headers={"Authorization": "allow-me"}
        )
    )
    auth = json.loads(reply)["event"]["requestContext"]["authorizer"]
    assert auth["principalId"] == "user-1" and auth["role"] == "admin" and auth["n"] == 3
    (_, connect, _) = seen("$connect")[0]
    assert connect["requestContext"]["authorizer"]["principalId"] == "user-1"
    (_, event, _) = seen("authorizer")[0]
    assert event["type"] == "REQUEST"
    assert (
        event["methodArn"]
        == f"arn:aws:execute-api:us-east-1:123456789012:{server.api_id}/dev/$connect"
    )
    assert event["headers"]["Authorization"] == "allow-me"
    assert event["queryStringParameters"] == {"t": "1"}
    assert (
        event["requestContext"]["eventType"] == "CONNECT"
        and event["requestContext"]["routeKey"] == "$connect"
    )


def test_deny_is_403(server):
    assert _status(server.url, additional_headers={"Authorization": "deny"}) == 403
    assert seen("$connect") == []


def test_unauthorized_exception_is_401(server):
    assert _status(server.url, additional_headers={"Authorization": "unauthorized"}) == 401


@pytest.mark.parametrize("token", ["crash", "malformed"])
def test_other_failures_are_500(server, token):
    assert _status(server.url, additional_headers={"Authorization": token}) == 500


def test_missing_identity_source_is_401_without_calling(server):
    assert _status(server.url) == 401
    assert seen("authorizer") == []


def test_querystring_identity_source():
    api = (
        WebSocketApi("AuthQ")
        .route("dump", h.dump, return_response=True)
        .authorizer(
            LambdaAuthorizer(h.authorize, identity_source=["route.request.querystring.token"])
        )
    )
    with api.serve() as srv:
        assert _status(srv.url, additional_headers={"Authorization": "allow"}) == 401
        (reply,) = run(
            exchange(
                srv.url + "?token=x", action("dump"), additional_headers={"Authorization": "allow"}
            )
        )
    assert json.loads(reply)["event"]["requestContext"]["authorizer"]["principalId"] == "user-1"


def test_iam_requires_a_signature_locally():
    api = WebSocketApi("Iam").route("dump", h.dump, return_response=True).authorizer("iam")
    with api.serve() as srv:
        assert "SigV4" in repr(srv)
        assert _status(srv.url) == 403
        run(
            exchange(
                srv.url,
                action("dump"),
                additional_headers={"Authorization": "AWS4-HMAC-SHA256 Credential=x"},
            )
        )
        run(exchange(srv.url + "?X-Amz-Signature=abc", action("dump")))
    with api.serve(iam="allow") as srv:
        run(exchange(srv.url, action("dump")))
    with api.serve(iam="deny") as srv:
        assert _status(srv.url + "?X-Amz-Signature=abc") == 403
