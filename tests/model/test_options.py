"""Custom domains, access logs, cdk overrides, resources: every accepted form and every error."""

from __future__ import annotations

import pytest

from wsnb import (
    AccessLogError,
    CdkPropsError,
    DomainError,
    Parameter,
    ResourceError,
    Secret,
    Table,
    WebSocketApi,
)

pytestmark = pytest.mark.usefixtures("project")
CERT = "arn:aws:acm:us-east-1:123456789012:certificate/abcd-1234"


def spec(**kw):
    return WebSocketApi("Api", routes={"$default": "src/default.main"}, **kw).spec


def test_domain_string_and_wildcard_zone():
    assert spec(custom_domain="api.domain.com").custom_domain.zone_name == "domain.com"
    d = spec(custom_domain="*.domain.com").custom_domain
    assert d.zone_name == "domain.com" and d.url == "wss://*.domain.com"


def test_domain_full_config():
    d = spec(
        custom_domain={"domain_name": "api.domain.com", "hosted_zone": "domain.com", "path": "v1"}
    ).custom_domain
    assert (d.name, d.zone_name, d.path, d.url) == (
        "api.domain.com",
        "domain.com",
        "v1",
        "wss://api.domain.com/v1/",
    )


def test_domain_camel_case_keys_accepted():
    d = spec(
        custom_domain={"domainName": "api.domain.com", "hostedZone": "domain.com"}
    ).custom_domain
    assert d.hosted_zone == "domain.com"


def test_external_domain_needs_certificate():
    with pytest.raises(DomainError, match="certificate"):
        spec(custom_domain={"is_external_domain": True, "domain_name": "api.domain.com"})
    d = spec(
        custom_domain={
            "is_external_domain": True,
            "domain_name": "api.domain.com",
            "cdk": {"certificate": CERT},
        }
    ).custom_domain
    assert d.zone_name is None and d.certificate_arn == CERT


def test_shared_domain_from_another_api():
    core = WebSocketApi("Core", custom_domain={"domain_name": "api.domain.com", "path": "core"})
    d = spec(custom_domain={"path": "chat", "cdk": {"domain_name": core}}).custom_domain
    assert d.shared_from == {"api": "Core", "domain_name": "api.domain.com"}
    assert d.url == "wss://api.domain.com/chat/" and not d.creates_domain
    with pytest.raises(DomainError, match="no custom domain"):
        spec(custom_domain={"path": "chat", "cdk": {"domain_name": WebSocketApi("Bare")}})


def test_imported_domain_attributes():
    attrs = {
        "name": "api.domain.com",
        "regional_domain_name": "d-abc.execute-api.us-east-1.amazonaws.com",
        "regional_hosted_zone_id": "Z1UJRXOUMOOFQ8",
    }
    d = spec(custom_domain={"path": "newPath", "cdk": {"domain_name": attrs}}).custom_domain
    assert d.imported == attrs and d.url == "wss://api.domain.com/newPath/"


def test_hosted_zone_attributes_no_lookup():
    d = spec(
        custom_domain={
            "domain_name": "api.domain.com",
            "cdk": {"hosted_zone": {"hosted_zone_id": "Z123ABC", "zone_name": "domain.com"}},
        }
    ).custom_domain
    assert d.hosted_zone_attributes == {"hosted_zone_id": "Z123ABC", "zone_name": "domain.com"}


@pytest.mark.parametrize(
    "value",
    [
        "localhost",
        "bad_domain.com",
        "-x.domain.com",
        {"domain_name": "api.domain.com", "path": "has space"},
        {"domain_name": "api.domain.com", "path": "a" * 301},
        {"domain_name": "api.domain.com", "path": "v1?x"},
        {"domain_name": "api.domain.com", "hosted_zone": "other.com"},
        {"domain_name": "api.domain.com", "colour": "red"},
        {"path": "v1"},
        {"domain_name": "api.domain.com", "cdk": {"certificate": "not-an-arn"}},
        42,
    ],
)
def test_bad_domains(value):
    with pytest.raises(DomainError):
        spec(custom_domain=value)


def test_nested_mapping_path_allowed():
    assert (
        spec(custom_domain={"domain_name": "api.domain.com", "path": "v1/chat"}).custom_domain.path
        == "v1/chat"
    )


def test_access_log_forms():
    assert spec().access_log.enabled and not spec().access_log.explicit
    assert not spec(access_log=False).access_log.enabled
    fmt = "$context.identity.sourceIp,$context.requestTime,$context.requestId"
    assert spec(access_log=fmt).access_log.format == fmt
    log = spec(access_log={"retention": "one_week"}).access_log
    assert log.retention == "one_week" and log.retention_days == 7
    assert spec(access_log={"retention": "ONE_WEEK"}).access_log.retention == "one_week"


@pytest.mark.parametrize(
    "value",
    [
        {"retention": "one_wek"},
        {"retention": 7},
        "no request id here",
        {"colour": 1},
        3,
        {"destination_arn": "nope"},
        {
            "destination_arn": "arn:aws:logs:us-east-1:123456789012:log-group:x",
            "retention": "one_day",
        },
    ],
)
def test_bad_access_logs(value):
    with pytest.raises(AccessLogError):
        spec(access_log=value)


def test_retention_typo_suggests():
    with pytest.raises(AccessLogError, match="one_week"):
        spec(access_log={"retention": "one_wek"})


def test_cdk_overrides():
    s = spec(
        cdk={
            "id": "Chat",
            "web_socket_api": {"api_name": "chat-app-api"},
            "web_socket_stage": {"auto_deploy": False},
        }
    )
    assert s.construct_id == "Chat" and s.cdk.web_socket_api == {"api_name": "chat-app-api"}
    s2 = spec(cdk={"webSocketApi": {"apiName": "x"}, "webSocketStage": {"stageName": "prod"}})
    assert s2.cdk.web_socket_api == {"api_name": "x"} and s2.cdk.web_socket_stage == {
        "stage_name": "prod"
    }
    assert spec(cdk={"web_socket_api": "a1b2c3d4e5"}).cdk.imports_api


@pytest.mark.parametrize(
    "value",
    [
        {"web_socket_api": {"api_nam": "x"}},
        {"web_socket_stage": {"auto_deploy": "no"}},
        {"colour": 1},
        {"web_socket_api": "Not An Id!"},
        {"id": "1x"},
    ],
)
def test_bad_cdk(value):
    with pytest.raises(CdkPropsError):
        spec(cdk=value)


IMPORTED = {"web_socket_api": "abc123", "web_socket_stage": "prod"}


def test_imported_stage_forbids_domain_and_log():
    assert not spec(cdk=IMPORTED).custom_domain
    with pytest.raises(CdkPropsError, match=r"With an imported stage .* cannot set access_log"):
        spec(cdk=IMPORTED, access_log=True)
    with pytest.raises(CdkPropsError, match=r"With an imported stage .* cannot set custom_domain"):
        spec(cdk=IMPORTED, custom_domain="api.domain.com")


def test_imported_stage_without_imported_api_is_refused_like_sst():
    # SST v1 WebSocketApi refuses it: "Cannot import the webSocketStage when the webSocketApi is not imported"
    for api in (None, {"api_name": "x"}):
        with pytest.raises(
            CdkPropsError,
            match=r"^Cannot import the web_socket_stage when the web_socket_api is not imported",
        ) as info:
            spec(cdk={"web_socket_api": api, "web_socket_stage": "prod"})
        assert info.value.path == "cdk.web_socket_stage"


@pytest.mark.parametrize("variable", ["$context.requestId", "$context.extendedRequestId"])
def test_access_log_format_needs_request_id_or_extended_request_id(variable):
    # "Set up CloudWatch logging for WebSocket APIs in API Gateway": either variable is enough
    assert spec(access_log=f"$context.routeKey {variable}").access_log.format.endswith(variable)


def test_access_log_format_without_any_request_id_is_refused():
    with pytest.raises(AccessLogError, match=r"\$context.requestId or \$context.extendedRequestId"):
        spec(access_log="$context.routeKey $context.status")


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(fields={}, primary_index={"partition_key": "id"}),
        dict(fields={"id": "str"}, primary_index={"partition_key": "id"}),
        dict(fields={"id": "string"}, primary_index={"partition_key": "pk"}),
        dict(fields={"id": "string"}, primary_index={"sort_key": "id"}),
        dict(
            fields={"id": "string"},
            primary_index={"partition_key": "id"},
            global_indexes={"g": {"partition_key": "zz"}},
        ),
    ],
)
def test_bad_tables(kwargs):
    with pytest.raises(ResourceError):
        Table("T", **kwargs)


def test_resources_are_immutable_and_compare_by_value():
    t = Table("T", fields={"id": "string"}, primary_index={"partition_key": "id"})
    assert t == Table("T", fields={"id": "string"}, primary_index={"partition_key": "id"})
    with pytest.raises(AttributeError):
        t.id = "other"
    with pytest.raises(ResourceError):
        Parameter("P", 3)
    with pytest.raises(ResourceError):
        Secret("has space")
