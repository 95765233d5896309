"""Values CDK would misread are refused where they enter the model (wsnb/model/_values.py)."""

from __future__ import annotations

import math

import pytest

from wsnb import (
    AccessLogError,
    CdkPropsError,
    Function,
    LambdaAuthorizer,
    Parameter,
    PermissionsError,
    PropError,
    ResourceError,
    RouteKeyError,
    Table,
    ValidationError,
    WebSocketApi,
    WsnbError,
)
from wsnb.model import check_context
from wsnb.model._values import is_cdk_number_token

# aws-cdk-lib's string, list and (near-miss) token markers
TOKENS = [
    "${Token[TOKEN.12]}",
    "#{Token[TOKEN.12]}",
    "x-${Token[AWS.AccountId.3]}-y",
    "${ Token[ TOKEN.1 ]}",
    "#{token[x]}",
    "$ {Token[TOKEN.1]}",
]


@pytest.fixture
def api(tmp_path, monkeypatch) -> WebSocketApi:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "a.py").write_text("def main(event, context):\n    return None\n")
    return WebSocketApi("Api").route("$default", "src/a.main")


@pytest.mark.parametrize("token", TOKENS)
def test_cdk_tokens_in_iam_statement_are_refused_and_api_unchanged(api, token):
    before = api.to_dict()
    with pytest.raises(PermissionsError, match=r"aws-cdk-lib reference marker") as info:
        api.attach_permissions(
            [{"Action": ["s3:GetObject"], "Resource": [f"arn:aws:s3:::{token}"]}]
        )
    assert info.value.path == "attach_permissions[0]['Resource'][0]"
    assert info.value.given == f"arn:aws:s3:::{token}"
    assert api.to_dict() == before


@pytest.mark.parametrize(
    ("props", "error"),
    [
        ({"environment": {"AB": "#{Token[TOKEN.3]}"}}, PropError),
        ({"description": "${Token[TOKEN.3]}"}, PropError),
        (
            {"permissions": [{"Action": "s3:Get", "Resource": "arn:aws:s3:::#{Token[TOKEN.3]}"}]},
            PermissionsError,
        ),
        (
            {
                "permissions": [
                    {"Action": "s3:Get", "Condition": {"StringEquals": {"k": "#{Token[T.1]}"}}}
                ]
            },
            PermissionsError,
        ),
    ],
)
def test_cdk_tokens_in_function_props_are_refused(api, props, error):
    with pytest.raises(error, match=r"aws-cdk-lib reference marker"):
        api.route("x", "src/a.main", **props)
    with pytest.raises(error, match=r"aws-cdk-lib reference marker"):
        Function("src/a.main", **props)
    assert api.routes == ["$default"]


def test_cdk_tokens_in_resources_and_options_are_refused(api):
    with pytest.raises(ResourceError, match="reference marker"):
        Parameter("COLOR", "#{Token[TOKEN.9]}")
    with pytest.raises(ResourceError, match="reference marker"):
        Table(
            "T",
            fields={"#{Token[TOKEN.9]}": "string", "id": "string"},
            primary_index={"partition_key": "id"},
        )
    with pytest.raises(CdkPropsError, match="reference marker"):
        api.__init__("Api", cdk={"web_socket_api": {"description": "${Token[TOKEN.1]}"}})
    with pytest.raises(AccessLogError, match="reference marker"):
        WebSocketApi("Api", access_log="$context.requestId #{Token[TOKEN.1]}")


def test_dynamic_reference_allowed_in_environment_with_lint_info(api):
    api.route("x", "src/a.main", environment={"DB": "{{resolve:ssm:/db/host}}"})
    (finding,) = [f for f in api.lint() if f.code == "dynamic-reference"]
    assert finding.level == "info"
    assert finding.message.startswith(
        "x: environment variable DB holds a CloudFormation dynamic reference"
    )


def test_ssm_secure_dynamic_reference_in_environment_is_a_lint_error(api):
    api.route("x", "src/a.main", environment={"PW": "{{resolve:ssm-secure:/db/pw:1}}"})
    codes = {(f.level, f.code) for f in api.lint()}
    assert ("error", "dynamic-reference-unsupported") in codes


def test_dynamic_reference_outside_environment_is_refused(api):
    with pytest.raises(PropError, match=r"dynamic reference '\{\{resolve:...\}\}'"):
        api.route("x", "src/a.main", description="{{resolve:ssm:/d}}")
    with pytest.raises(ResourceError, match="only in environment values"):
        Parameter("COLOR", "{{resolve:ssm:/c}}")


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (math.inf, "not a finite number"),
        (-math.inf, "not a finite number"),
        (math.nan, "not a finite number"),
        (-1.8881545897087626e289, "range aws-cdk-lib uses for its encoded number tokens"),
    ],
)
def test_non_finite_or_token_throttle_is_refused(api, bad, message):
    before = api.to_dict()
    with pytest.raises(CdkPropsError, match=message) as info:
        api.__init__("Api", cdk={"web_socket_stage": {"throttle": {"rate_limit": bad}}})
    assert info.value.path == "cdk.web_socket_stage.throttle['rate_limit']"
    assert api.to_dict() == before


def test_number_token_range_is_cdks():
    # aws-cdk-lib's number tokens: doubles whose top 16 bits are 0xFBFF
    assert is_cdk_number_token(-1.8881545897087626e289)
    assert not is_cdk_number_token(-1.0e289)
    assert not is_cdk_number_token(1.0)


def test_non_finite_numbers_in_iam_conditions_are_refused(api):
    with pytest.raises(PermissionsError, match="not a finite number"):
        api.attach_permissions(
            [
                {
                    "Action": "s3:GetObject",
                    "Condition": {"NumericLessThan": {"s3:max-keys": math.nan}},
                }
            ]
        )


@pytest.mark.parametrize(
    ("context", "message"),
    [
        ({"x": math.nan}, "not a finite number"),
        ({"x": [1, {"y": math.inf}]}, "not a finite number"),
        ({"x": "#{Token[TOKEN.1]}"}, "reference marker"),
        ({"x": 2**60}, "larger than"),
        ({"x": object()}, "context values must be JSON data"),
        ({1: "x"}, "context must be a dict"),
    ],
)
def test_check_context_refuses_what_cdk_cannot_take(context, message):
    with pytest.raises(ValidationError, match=message):
        check_context(context)


def test_check_context_returns_a_plain_copy():
    given = {"k": {"a": [1, 2.5, "s", None, True]}}
    out = check_context(given)
    assert out == given and out is not given and out["k"] is not given["k"]


def test_authorizer_function_is_checked_like_a_route(api):
    with pytest.raises(PropError, match="reference marker"):
        LambdaAuthorizer({"handler": "src/a.main", "environment": {"AB": "${Token[X.1]}"}})


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("#{Token[TOKEN.1]}", "contains an aws-cdk-lib reference marker"),
        ("send${Token[TOKEN.1]}", "contains an aws-cdk-lib reference marker"),
        ("{{resolve:ssm:/x}}", "contains a CloudFormation dynamic reference"),
        ("\ud800x", "is not valid Unicode text"),
    ],
)
def test_route_keys_cdk_would_misread_are_refused(api, key, message):
    # found by tests/model/test_fuzz_synth.py: a route key reaches CDK as RouteKey text
    with pytest.raises(RouteKeyError, match=message):
        api.route(key, "src/a.main")
    assert api.routes == ["$default"]


@pytest.mark.parametrize("value", [math.inf, math.nan, -1.8881545897087626e289])
def test_non_finite_environment_numbers_are_refused(api, value):
    with pytest.raises(PropError, match=r"^Environment value for 'NUM' "):
        api.route("x", "src/a.main", environment={"NUM": value})
    api.route("x", "src/a.main", environment={"NUM": 1.5})
    assert api.get_function("x").environment == {"NUM": "1.5"}


@pytest.mark.parametrize(
    "build",
    [
        lambda api: api.route("x", "src/sendMessage.main", environment={"AB": "\ud800"}),
        lambda api: api.defaults(environment={"AB": "ok\udfff"}),
        lambda api: api.route("x", "src/sendMessage.main", description="\ud800"),
    ],
)
def test_lone_surrogates_in_function_text_are_refused_with_a_wsnb_error(api, build):
    # found by an audit: an environment value reached the 4 KB size count (UTF-8) first and
    # raised a raw UnicodeEncodeError
    before = api.to_dict()
    with pytest.raises(WsnbError, match="not valid Unicode text"):
        build(api)
    assert api.to_dict() == before
