"""``wsnb synth`` and ``wsnb export`` through real subprocesses (real aws-cdk-lib)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from wsnb._lint import access_log_role_finding

from .conftest import run_cli

pytestmark = pytest.mark.cdk

ZONE_KEY = "hosted-zone:account=123456789012:domainName=example.com:region=us-east-1"
ZONE = ZONE_KEY + '={"Id": "/hostedzone/Z123", "Name": "example.com."}'


def resources(template: dict, kind: str) -> list[dict]:
    return [r for r in template["Resources"].values() if r["Type"] == kind]


@pytest.fixture(scope="module")
def to_stdout(cli_project: Path) -> subprocess.CompletedProcess[str]:
    return run_cli("synth", "app.py", cwd=cli_project)


@pytest.fixture(scope="module")
def to_file(cli_project: Path) -> tuple[subprocess.CompletedProcess[str], Path]:
    out = cli_project / "out" / "nested" / "template.json"
    done = run_cli(
        "synth",
        str(cli_project / "app.py"),
        "-o",
        "out/nested/template.json",
        "--app",
        "shop",
        "--stage",
        "prod",
        "--region",
        "eu-west-1",
        "--account",
        "123456789012",
        cwd=cli_project,
        tty_stderr=True,
    )
    return done, out


def test_synth_prints_the_template(to_stdout: subprocess.CompletedProcess[str]) -> None:
    assert to_stdout.returncode == 0, to_stdout.stderr
    template = json.loads(to_stdout.stdout)
    (api,) = resources(template, "AWS::ApiGatewayV2::Api")
    assert api["Properties"]["Name"] == "dev-app-Chat"
    assert api["Properties"]["ProtocolType"] == "WEBSOCKET"
    assert len(resources(template, "AWS::ApiGatewayV2::Route")) == 3
    # no spinner when stderr is not a terminal; warnings and notes are one line each, and the
    # access-log caveat is said at lint's level, in lint's words
    assert "synthesizing" not in to_stdout.stderr
    lines = to_stdout.stderr.splitlines()
    assert all(line.startswith(("warning: ", "info: ")) for line in lines)
    assert f"info: [access-log-role] {access_log_role_finding().message}" in lines[0]


def test_synth_output_file_and_options(
    to_file: tuple[subprocess.CompletedProcess[str], Path], cli_project: Path
) -> None:
    done, out = to_file
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""
    assert f"wrote {out} (" in done.stderr  # relative -o is resolved from where wsnb started
    # stderr is a terminal here: a spinner is drawn during synth, then erased
    assert "\r| synthesizing Chat with aws-cdk-lib ..." in done.stderr
    template = json.loads(out.read_text())
    (api,) = resources(template, "AWS::ApiGatewayV2::Api")
    assert api["Properties"]["Name"] == "prod-shop-Chat"
    (stage,) = resources(template, "AWS::ApiGatewayV2::Stage")
    assert stage["Properties"]["StageName"] == "prod"


def test_hosted_zone_lookup_through_context(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "default.py").write_text("def main(event, context):\n    return {}\n")
    (tmp_path / "dom.py").write_text(
        "from wsnb import WebSocketApi\n"
        "api = WebSocketApi('Api', custom_domain='api.example.com').route('$default', 'src/default.main')\n"
    )
    missing = run_cli(
        "synth", "dom.py", "--account", "123456789012", "--region", "us-east-1", cwd=tmp_path
    )
    assert missing.returncode == 1
    errors = [line for line in missing.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1 and "--context" in errors[0]
    assert missing.stdout == ""

    done = run_cli(
        "synth",
        "dom.py",
        "--account",
        "123456789012",
        "--region",
        "us-east-1",
        "--context",
        ZONE,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    template = json.loads(done.stdout)
    (domain,) = resources(template, "AWS::ApiGatewayV2::DomainName")
    assert domain["Properties"]["DomainName"] == "api.example.com"
    records = resources(template, "AWS::Route53::RecordSet")
    assert {r["Properties"]["HostedZoneId"] for r in records} == {"Z123"}


def test_export_writes_a_cdk_app(cli_project: Path, tmp_path: Path) -> None:
    target = tmp_path / "cdk-app"
    done = run_cli("export", "app.py", str(target), "--stage", "prod", cwd=cli_project)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == f"exported Chat as a CDK app to {target}"
    for name in ("app.py", "cdk.json", "requirements.txt"):
        assert (target / name).is_file()
    assert (target / "src" / "send_message.py").read_text() == (
        cli_project / "src" / "send_message.py"
    ).read_text()
    again = run_cli("export", "app.py", str(target), cwd=cli_project)
    assert again.returncode == 1
    assert len(again.stderr.splitlines()) == 1 and again.stderr.startswith("error: ")
    assert run_cli("export", "app.py", str(target), "--overwrite", cwd=cli_project).returncode == 0
