"""``api.lint()`` findings a user wants before deploying; it never raises."""

from __future__ import annotations

import pytest

from wsnb import WebSocketApi

pytestmark = pytest.mark.usefixtures("project")


def codes(api):
    return {f.code: f.level for f in api.lint()}


def test_minimal_chat_findings():
    api = (
        WebSocketApi("Api")
        .route("$connect", "src/connect.main")
        .route("sendMessage", "src/send.main")
    )
    c = codes(api)
    assert c["no-default-route"] == "info"
    assert c["access-log-role"] == "info"
    assert "authorizer-without-connect" not in c
    assert codes(api.access_log(False)).get("access-log-role") is None


def test_findings_have_level_code_message_fix_and_errors_come_first():
    api = WebSocketApi("Api").authorizer("iam").route("connect", "src/connect.main", timeout=60)
    findings = api.lint()
    assert findings[0].level == "error"
    c = codes(api)
    assert c["route-looks-reserved"] == "warning"
    assert c["timeout-over-integration-limit"] == "info"
    for f in findings:
        assert f.level in ("error", "warning", "info") and f.code and f.message and f.fix


def test_resource_limit_prediction():
    # 6 resources per route (function, role, default policy, integration, route, permission)
    # + API, stage and access-log group
    api = WebSocketApi("Api").add_routes({f"r{i}": "src/send.main" for i in range(74)})
    assert "near-resource-limit" not in codes(api)
    api.route("r74", "src/send.main")
    assert codes(api)["near-resource-limit"] == "warning"
    api.add_routes({f"s{i}": "src/send.main" for i in range(8)})
    assert codes(api)["too-many-resources"] == "error"


def test_unused_defaults_and_missing_files():
    api = WebSocketApi("Api").defaults(timeout=5).route("$default", "src/default.main", timeout=3)
    assert codes(api)["unused-default"] == "info"
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        api.route("x", "src/nothere.main")
    assert codes(api)["handler-file-missing"] == "warning"


def test_secret_in_environment_reported_once_per_place():
    api = (
        WebSocketApi("Api")
        .defaults(environment={"API_KEY": "abc"})
        .add_routes({"$default": "src/default.main", "x": "src/send.main"})
    )
    assert [f.code for f in api.lint()].count("secret-in-environment") == 1


def test_no_routes():
    assert codes(WebSocketApi("Api"))["no-routes"] == "warning"
