"""The CLI on a template TARGET: every route listed with its integration (and why it cannot
run locally), advice in the template's and the command line's terms, ``--report``, and
``wsnb serve`` of the public LLM-chat SAM app (tests/fixtures/sam-chat-boilerplate)."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
from pathlib import Path

import pytest

from wsnb.cli import main

LLM_CHAT = Path(__file__).resolve().parents[1] / "fixtures" / "sam-chat-boilerplate"

#: advice in Python (the model's terms) that a template TARGET must not get on the CLI
PYTHON_ADVICE = re.compile(
    r"api\.|print\(|port the handler to Python|base_dir=|attach_permissions|\.export\("
)

PROBLEMS = """\
Resources:
  Api:
    Type: AWS::ApiGatewayV2::Api
    Properties: {Name: P, ProtocolType: WEBSOCKET, RouteSelectionExpression: $request.body.action}
  Stage:
    Type: AWS::ApiGatewayV2::Stage
    Properties: {ApiId: !Ref Api, StageName: Prod, AutoDeploy: true}
  ConnectRoute:
    Type: AWS::ApiGatewayV2::Route
    Properties: {ApiId: !Ref Api, RouteKey: $connect, Target: !Sub "integrations/${ConnectInteg}"}
  ConnectInteg:
    Type: AWS::ApiGatewayV2::Integration
    Properties: {ApiId: !Ref Api, IntegrationType: MOCK}
  JavaRoute:
    Type: AWS::ApiGatewayV2::Route
    Properties: {ApiId: !Ref Api, RouteKey: java, Target: !Sub "integrations/${JavaInteg}"}
  JavaInteg:
    Type: AWS::ApiGatewayV2::Integration
    Properties:
      ApiId: !Ref Api
      IntegrationType: AWS_PROXY
      IntegrationUri: !Sub "arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${JavaFn.Arn}/invocations"
  JavaFn:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: java21
      Handler: example.Handler::handleRequest
      Code: java/
      Role: arn:aws:iam::123456789012:role/r
  StartRoute:
    Type: AWS::ApiGatewayV2::Route
    Properties: {ApiId: !Ref Api, RouteKey: start, Target: !Sub "integrations/${StartInteg}"}
  StartInteg:
    Type: AWS::ApiGatewayV2::Integration
    Properties:
      ApiId: !Ref Api
      IntegrationType: AWS
      IntegrationMethod: POST
      IntegrationUri: !Sub "arn:aws:apigateway:${AWS::Region}:states:action/StartExecution"
      CredentialsArn: arn:aws:iam::123456789012:role/apigw-states
      TemplateSelectionExpression: \\$default
      RequestTemplates:
        $default: '{"input": "$util.escapeJavaScript($input.body)"}'
  PyRoute:
    Type: AWS::ApiGatewayV2::Route
    Properties: {ApiId: !Ref Api, RouteKey: py, Target: !Sub "integrations/${PyInteg}"}
  PyInteg:
    Type: AWS::ApiGatewayV2::Integration
    Properties:
      ApiId: !Ref Api
      IntegrationType: AWS_PROXY
      IntegrationUri: !Sub "arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${PyFn.Arn}/invocations"
  PyFn:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      Code: py/
      Role: arn:aws:iam::123456789012:role/r
"""


@pytest.fixture
def llm_chat(tmp_path, monkeypatch):
    shutil.copytree(LLM_CHAT, tmp_path / "llm", ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.chdir(tmp_path)
    return "llm/template.yaml"


@pytest.fixture
def problems(tmp_path, monkeypatch):
    (tmp_path / "java").mkdir()
    (tmp_path / "py").mkdir()
    (tmp_path / "py" / "app.py").write_text("def other(event, context):\n    return {}\n")
    (tmp_path / "template.yaml").write_text(PROBLEMS)
    monkeypatch.chdir(tmp_path)
    return "template.yaml"


def _route_lines(out: str) -> dict[str, str]:
    """The note's ``  key: ...`` lines under ``From template ...``, by route key."""
    note = out.split("From template ", 1)[1].splitlines()
    assert all(len(line) <= 80 for line in note), note  # wrapped: no viewer wraps it
    routes: list[str] = []
    for line in note[1:]:
        if line.startswith("    "):  # a wrapped line goes on
            if routes:
                routes[-1] += " " + line.strip()
        elif line.startswith("  "):
            routes.append(line.strip())
    return dict(line.split(": ", 1) for line in routes)


def test_routes_lists_all_seven_routes_of_the_llm_chat_app_with_their_integration(llm_chat, capsys):
    assert main(["routes", llm_chat]) == 0
    out = capsys.readouterr().out
    lines = _route_lines(out)
    assert sorted(lines) == sorted(
        [
            "$connect",
            "$disconnect",
            "$default",
            "bedrock",
            "langchain/bedrock",
            "langchain/openai",
            "langchain/sagemaker",
        ]
    )
    for key in ("bedrock", "langchain/bedrock", "langchain/openai", "langchain/sagemaker"):
        # IntegrationType AWS to a Lambda function, X-Amz-Invocation-Type 'Event'
        assert lines[key].startswith("AWS (Lambda, Event) → "), lines[key]
    assert lines["langchain/sagemaker"].endswith("LangChainSageMakerFunction (python3.12)")
    for key in ("$connect", "$disconnect", "$default"):
        assert lines[key].startswith("Lambda proxy → "), lines[key]
    assert "not run locally" not in out  # every route of this app runs locally
    table = out.split("From template ", 1)[0]
    for key in lines:  # and every one has a row (all seven have a function)
        assert re.search(rf"^  {re.escape(key)} ", table, re.MULTILINE), key
    assert f"(wsnb lint {llm_chat})" in out
    assert f"see wsnb routes {llm_chat} --report" in " ".join(out.split())
    assert not PYTHON_ADVICE.search(out), PYTHON_ADVICE.search(out)


def test_routes_says_why_a_route_does_not_run_locally(problems, capsys):
    assert main(["routes", problems]) == 0
    lines = _route_lines(capsys.readouterr().out)
    assert lines["$connect"] == "MOCK"
    assert lines["java"] == (
        "Lambda proxy → JavaFn (java21) — not run locally: java21 runtime "
        "(wsnb runs Python and Node.js)"
    )
    assert lines["start"].startswith(
        "AWS (states StartExecution) — not run locally: no local states"
    )
    assert lines["py"] == "Lambda proxy → PyFn (python3.12)"


def test_report_flag_prints_the_template_report(llm_chat, capsys):
    assert main(["routes", llm_chat, "--report"]) == 0
    out = capsys.readouterr().out
    assert "see the template report below" in " ".join(out.split())
    report = out.split("Template report for ", 1)[1]
    assert "LangChainCommonLayer" in report  # the layer: read nowhere else
    assert "BedrockPermission" in report and "ignored (" in report
    assert main(["lint", llm_chat, "--report"]) == 0
    assert "Template report for WebSocketAPI" in capsys.readouterr().out


def test_report_flag_on_a_python_target_is_a_usage_error(tmp_path, capsys, monkeypatch):
    (tmp_path / "app.py").write_text(
        "from wsnb import WebSocketApi\napi = WebSocketApi('A').route('$default', lambda e, c: {})\n"
    )
    monkeypatch.chdir(tmp_path)
    assert main(["routes", "app.py", "--report"]) == 2
    err = capsys.readouterr().err
    assert "--report applies to a template TARGET" in err and "remove --report" in err


def test_lint_advice_for_the_llm_chat_app_speaks_template_and_cli_terms(llm_chat, capsys):
    assert main(["lint", llm_chat]) == 0  # warnings and infos only
    out = capsys.readouterr().out
    fixes = [line.strip()[len("fix: ") :] for line in out.splitlines() if "fix: " in line]
    assert fixes and not [f for f in fixes if PYTHON_ADVICE.search(f)]
    assert f"wsnb routes {llm_chat} --report" in fixes  # items not read: the report
    assert f"add it to the CDK app that wsnb export {llm_chat} DIR writes" in out  # the layers
    assert f"in the output of wsnb synth {llm_chat}" in out  # grants that differ
    # the proxy functions' 300 s Timeout is over the integration limit ("Amazon API Gateway
    # quotas": 29 s); the Event-invoked ones are not waited for, so they get no finding
    over = [line for line in out.splitlines() if "timeout-over-integration-limit" in line]
    assert sorted(line.split()[2] for line in over) == ["$connect:", "$default:", "$disconnect:"]
    assert "fix: set Timeout to 29 or less on OnConnectFunction" in out


def test_lint_advice_names_the_template_resources_to_change(problems, capsys):
    assert main(["lint", problems]) == 1  # the handler-function-missing error
    out = capsys.readouterr().out
    fixes = [line.strip()[len("fix: ") :] for line in out.splitlines() if "fix: " in line]
    assert not [f for f in fixes if PYTHON_ADVICE.search(f)], fixes
    assert "check Handler and CodeUri (or Code) of PyFn in the template" in fixes
    # "Set up mock integrations in API Gateway": the status comes from the request template
    assert """set RequestTemplates: {$default: '{"statusCode": 200}'} on ConnectInteg""" in fixes
    assert (
        "set Runtime of JavaFn to a Python runtime (and port its code) to run it locally "
        "and synthesize it" in fixes
    )
    assert any(
        f.startswith("add an AWS::ApiGatewayV2::Route with RouteKey: $default") for f in fixes
    )


def test_serve_of_a_template_whose_runtime_cannot_run_gives_template_advice(problems, capsys):
    assert main(["serve", problems, "--port", "0"]) == 1
    err = capsys.readouterr().err
    assert "JavaFn (java21)" in err
    assert "in the template" in err and not PYTHON_ADVICE.search(err)


def test_synth_of_a_template_names_the_routes_it_leaves_out(problems, tmp_path, capsys):
    (tmp_path / "py" / "app.py").write_text("def handler(event, context):\n    return {}\n")
    out_file = tmp_path / "out.json"
    assert main(["synth", problems, "--output", str(out_file)]) == 0
    err = capsys.readouterr().err
    assert "[template-route-left-out] left out route(s) 'java' (JavaFn (java21))" in err
    assert "set their functions' Runtime to Python" in err
    template = json.loads(out_file.read_text())
    keys = [
        r["Properties"]["RouteKey"]
        for r in template["Resources"].values()
        if r["Type"] == "AWS::ApiGatewayV2::Route"
    ]
    assert sorted(keys) == ["$connect", "py", "start"]


def test_wsnb_serve_runs_the_llm_chat_app(llm_chat, tmp_path, monkeypatch):
    """``wsnb serve llm/template.yaml`` starts; ``$default`` answers and an Event-invoked
    non-proxy route replies through @connections (real subprocess, real client)."""
    from websockets.sync.client import connect

    from tests.cli.test_serve import serve

    if "PYTHONPATH" not in os.environ:  # the subprocess imports this checkout's wsnb
        monkeypatch.setenv("PYTHONPATH", str(Path(__file__).resolve().parents[2]))
    with serve(llm_chat, tmp_path) as served:
        assert "serving WebSocketAPI at ws://127.0.0.1:" in served.first_line
        with connect(served.url) as ws:
            ws.send(json.dumps({"action": "hello"}))
            assert ws.recv(timeout=20) == "invalid route"
            ws.send(json.dumps({"action": "langchain/sagemaker", "input": "from the CLI"}))
            frames = [json.loads(ws.recv(timeout=20)) for _ in range(4)]
        assert served.stop(signal.SIGINT) == 0
    assert frames == [
        {"kind": "token", "chunk": "from "},
        {"kind": "token", "chunk": "the "},
        {"kind": "token", "chunk": "CLI "},
        {"kind": "end"},
    ]
    assert "-> langchain/sagemaker" in served.stderr


def test_the_html_note_says_per_route_whether_it_runs_locally(problems):
    from wsnb import WebSocketApi

    html = WebSocketApi.from_template(problems)._repr_mimebundle_()["text/html"]
    note = html.split("wsnb-template-note", 1)[1].split("</table>", 1)[0]
    assert "<th>integration</th>" in note and "<th>runs locally</th>" in note
    assert "<td>no: java21 runtime (wsnb runs Python and Node.js)</td>" in note
    assert "<td>no: no local states (wsnb emulates" in note
    assert note.count("<td>yes</td>") == 2  # the MOCK $connect and the Python route
