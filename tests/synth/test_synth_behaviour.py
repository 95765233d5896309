"""Caching, to_cdk, the result object, prediction, cfn-lint, and import hygiene."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from synth_helpers import of_type

from wsnb import LambdaAuthorizer, Table, WebSocketApi
from wsnb.predict import predict_resource_counts

pytestmark = pytest.mark.cdk


def test_cache_hit_and_invalidation(private_project):
    api = WebSocketApi("Api").route("$default", "src/default.main")
    first = api.synth()
    assert api.synth() is first
    assert api.synth(stage="prod") is not first
    api.route("other", "src/send.main")
    second = api.synth()
    assert second is not first and len(of_type(second.template, "AWS::Lambda::Function")) == 2
    handler = private_project / "src" / "send.py"
    before = handler.read_text()
    try:
        handler.write_text(before + "\n# edited\n")
        third = api.synth()
        assert third is not second
        assert third.template != second.template  # the asset hash changed
    finally:
        handler.write_text(before)


def test_result_object(seed_synths, tmp_path):
    result = seed_synths["chat_app"][2]
    text = result.to_json()
    assert text == result.to_json()
    assert text.startswith('{\n "Parameters"')
    saved = result.save(tmp_path / "t.json")
    assert saved.read_text() == text
    bundle = result._repr_mimebundle_()
    assert set(bundle) == {"text/plain", "text/html"}
    assert "var(--jp-ui-font-color1, #222)" in bundle["text/html"]
    assert "<details>" in bundle["text/html"] and "AWS::Lambda::Function" in bundle["text/html"]
    assert bundle == result._repr_mimebundle_()
    assert result.stack_name == "dev-app"
    assert result.resource_counts["AWS::Lambda::Function"] == 4
    assert "AWS::Lambda::Function" in bundle["text/plain"]


def test_prediction_matches_synth(seed_synths):
    for name, (api, _, result) in seed_synths.items():
        assert predict_resource_counts(api.spec) == result.resource_counts, name


def test_prediction_matches_more_shapes(in_project):
    table = Table("T", fields={"id": "string"}, primary_index={"partition_key": "id"})
    shapes = [
        WebSocketApi("A", access_log=False).route("x", "src/send.main", return_response=True),
        WebSocketApi(
            "B",
            authorizer=LambdaAuthorizer({"handler": "src/authorizer.main", "tracing": "disabled"}),
            routes={"$connect": "src/connect.main"},
        ),
        WebSocketApi(
            "C",
            authorizer=LambdaAuthorizer({"handler": "src/authorizer.main", "permissions": [table]}),
            routes={"$connect": "src/connect.main"},
        ),
        WebSocketApi(
            "D",
            cdk={"web_socket_api": "abc123", "web_socket_stage": "live"},
            routes={"$default": "src/default.main"},
        ),
        WebSocketApi(
            "E",
            cdk={"web_socket_api": "abc123", "web_socket_stage": "live"},
            access_log=False,
            routes={"$default": "src/default.main"},
        ),
    ]
    for api in shapes:
        assert predict_resource_counts(api.spec) == api.synth().resource_counts, api.id


def test_to_cdk_in_a_user_stack(in_project):
    import aws_cdk as cdk
    from aws_cdk import aws_apigatewayv2, aws_lambda, aws_logs
    from seed_examples import CERT

    app = cdk.App(context={"wsnb:app": "shop", "wsnb:stage": "prod"})
    stack = cdk.Stack(app, "Mine")
    api = WebSocketApi(
        "Api",
        routes={"$connect": "src/connect.main", "send": "src/send.main"},
        custom_domain={
            "is_external_domain": True,
            "domain_name": "ws.example.com",
            "path": "v1",
            "cdk": {"certificate": CERT},
        },
    )
    construct = api.to_cdk(stack)
    assert construct.id == "Api" and construct.routes == ["$connect", "send"]
    assert isinstance(construct.get_function("send"), aws_lambda.Function)
    assert isinstance(construct.get_route("$connect"), aws_apigatewayv2.WebSocketRoute)
    assert isinstance(construct.cdk.web_socket_api, aws_apigatewayv2.WebSocketApi)
    assert isinstance(construct.cdk.web_socket_stage, aws_apigatewayv2.WebSocketStage)
    assert isinstance(construct.cdk.access_log_group, aws_logs.LogGroup)
    assert isinstance(construct.cdk.domain_name, aws_apigatewayv2.DomainName)
    assert construct.cdk.certificate.certificate_arn == CERT
    assert cdk.Token.is_unresolved(construct.url)
    assert construct.custom_domain_url == "wss://ws.example.com/v1/"
    other = api.to_cdk(stack, "Second")
    assert other.id == "Second"
    t = app.synth().get_stack_by_name("Mine").template
    names = sorted(r["Properties"]["Name"] for r in of_type(t, "AWS::ApiGatewayV2::Api").values())
    assert names == ["prod-shop-Api", "prod-shop-Api"]


def test_cfn_lint_passes_for_every_template(seed_synths, tmp_path):
    """One cfn-lint run over every seed template: no errors (warnings allowed)."""
    files = []
    for name, (_, _, result) in seed_synths.items():
        files.append(str(result.save(tmp_path / f"{name}.json")))
    exe = Path(sys.executable).parent / "cfn-lint"
    proc = subprocess.run(
        [str(exe), "--format", "parseable", *files], capture_output=True, text=True, timeout=600
    )
    errors = [
        line for line in proc.stdout.splitlines() if ":E" in line or line.split(":")[-3:-2] == ["E"]
    ]
    assert proc.returncode & 2 == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    assert not errors


def test_import_wsnb_stays_light():
    code = (
        "import sys, wsnb, wsnb.synth, wsnb.export, wsnb.predict\n"
        "heavy = [m for m in ('aws_cdk', 'jsii', 'constructs') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


def test_node_from_the_wheel_and_no_banner(project):
    """A fresh process: JSII_NODE is set to the wheel's node and a synth prints nothing."""
    code = (
        "import os\n"
        "from wsnb import WebSocketApi\n"
        "from wsnb.synth._node import node_binary\n"
        "r = WebSocketApi('Api').route('$default', 'src/default.main').synth()\n"
        "assert os.environ['JSII_NODE'] == node_binary(), os.environ['JSII_NODE']\n"
        "print(len(r.template['Resources']))\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "JSII_NODE"}
    proc = subprocess.run(
        [sys.executable, "-c", code],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "9"
    assert proc.stderr.strip() == ""


def test_yaml_form_reads_back_as_the_same_template(seed_synths):
    import yaml  # PyYAML comes with cfn-lint (a dev dependency)

    for name, (_, _, result) in seed_synths.items():
        text = result.to_yaml()
        assert yaml.safe_load(text) == result.template, name
        assert text == result.to_yaml()
    html = seed_synths["chat_app"][2]._repr_mimebundle_()["text/html"]
    assert "CloudFormation template (YAML)" in html and "AWS::ApiGatewayV2::Api" in html


def test_yaml_quotes_whatever_yaml_would_misread():
    import yaml

    from wsnb.synth._yaml import to_yaml

    tricky = {
        "a": [
            "yes",
            "no",
            "on",
            "null",
            "~",
            "1",
            "1.5",
            "0x10",
            "",
            " x",
            "a: b",
            "#c",
            "- d",
            "{e}",
            "[f]",
            "*g",
            "&h",
            "!i",
            "%j",
            "@k",
            "`l",
            "m\nn",
            "é",
            "true",
            "False",
        ],
        "b": {"": 1, "k:v": [], "x": {}},
        "c": [None, True, 3, 2.5, [], {}, [1, [2]], {"d": [{"e": 1}]}],
    }
    assert yaml.safe_load(to_yaml(tricky)) == tricky


def test_a_stack_over_cloudformations_limit_is_refused_by_synth_export_and_to_cdk(
    in_project, tmp_path
):
    # "AWS CloudFormation quotas": at most 500 resources in one stack. The refusal lives in the
    # plan, so every back end says it before anything is written or added to a user's stack.
    from aws_cdk import App, Stack

    from wsnb import SynthError

    api = WebSocketApi("Big")
    for index in range(90):
        api.route(f"r{index}", "src/sendMessage.main")
    for attempt in (
        api.synth,
        lambda: api.export(tmp_path / "out"),
        lambda: api.to_cdk(Stack(App(), "UserStack")),
    ):
        with pytest.raises(SynthError, match="one stack holds at most 500") as info:
            attempt()
        assert "split the routes" in info.value.fix
    assert not (tmp_path / "out").exists()


def test_cdks_template_validation_findings_are_in_the_result(in_project):
    # aws-cdk-lib validates every template it synthesizes ("CloudFormation Validate") and prints
    # what it finds; the result carries the same findings, one line each, so the summary, the
    # widget and the CLI show them. Lambda's variable names need two characters or more
    # ("Using Lambda environment variables"); SPEC's examples use {"A": "1"}, which lint flags.
    api = WebSocketApi("Validated").route("x", "src/sendMessage.main", environment={"A": "1"})
    found = [w for w in api.synth().warnings if "CloudFormation Validate" in w]
    assert len(found) == 1 and "Environment.Variables.A" in found[0]
    assert any(f.code == "environment-name" for f in api.lint())


def test_synth_writes_nothing_to_stderr_for_a_validation_finding(in_project, tmp_path, capfd):
    # aws-cdk-lib's Node process prints its validation report ("Set feature flag ... to turn
    # these into errors", "A copy of this report can be found in ...") through jsii to this
    # process's stderr (fd 2 or sys.stderr, from jsii's reader thread). wsnb reads the report
    # file instead: one warning per finding, nothing raw in the cell's stderr.
    from wsnb.synth import cdk_session

    api = WebSocketApi("QuietValidation").route("x", "src/sendMessage.main", environment={"A": "1"})
    found = [w for w in api.synth().warnings if "Environment.Variables.A" in w]
    assert len(found) == 1 and found[0].startswith("CloudFormation Validate warning")
    # Control, through the same pipe: plain aws-cdk-lib with its default reporting prints the
    # report. jsii's reader copies the pipe in order, so once the control's report is there,
    # anything wsnb's synth had printed would be there before it.
    with cdk_session() as cdk:
        from aws_cdk import aws_lambda

        app = cdk.App(outdir=str(tmp_path / "control"))
        stack = cdk.Stack(app, "Control")
        aws_lambda.CfnFunction(
            stack,
            "Fn",
            code=aws_lambda.CfnFunction.CodeProperty(zip_file="def main(e, c): pass"),
            role="arn:aws:iam::123456789012:role/control",
            runtime="python3.12",
            handler="index.main",
            environment=aws_lambda.CfnFunction.EnvironmentProperty(variables={"A": "1"}),
        )
        app.synth()
    err = ""
    for _ in range(600):  # the reader thread copies the control's report: wait for it
        err += capfd.readouterr().err
        if "control/validation-report.json" in err.replace("\\", "/"):
            break
        time.sleep(0.1)
    assert err.count("A copy of this report") == 1, err
    assert err.count("Environment.Variables.A: Additional") == 1, err  # the control's own


def test_validation_findings_are_errors_when_the_user_asks_for_it(in_project):
    # CDK's flag "validateAgainstDefaultRules" turns its findings into synth errors; wsnb keeps
    # that meaning while it does the reporting itself.
    from wsnb import SynthError

    api = WebSocketApi("StrictValidation").route(
        "x", "src/sendMessage.main", environment={"A": "1"}
    )
    with pytest.raises(SynthError, match=r"Environment\.Variables\.A") as info:
        api.synth(context={"@aws-cdk/core:validateAgainstDefaultRules": True})
    assert "CloudFormation validation error" in str(info.value)


def test_users_own_cdk_code_can_share_the_lock(in_project, tmp_path):
    # jsii serves one caller at a time: a user's aws-cdk-lib code in another thread holds
    # wsnb.synth.cdk_session() while wsnb synthesizes in this one; both finish, neither breaks.
    import threading

    from wsnb.synth import cdk_session

    out: list = []

    def users_app():
        with cdk_session() as cdk:
            app = cdk.App(outdir=str(tmp_path / "user-out"))
            stack = cdk.Stack(app, "UserStack")
            cdk.CfnOutput(stack, "Hello", value="world")
            out.append(app.synth().get_stack_by_name("UserStack").template["Outputs"])

    threads = [threading.Thread(target=users_app) for _ in range(2)]
    for thread in threads:
        thread.start()
    result = WebSocketApi("Shared").route("x", "src/sendMessage.main").synth()
    for thread in threads:
        thread.join(120)
    assert result.resource_counts and out == [{"Hello": {"Value": "world"}}] * 2
