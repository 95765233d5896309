"""CLI TARGETs may be template files or cdk.out folders (FILE:LogicalId, --parameter)."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from wsnb import TemplateError, WebSocketApi
from wsnb.cli import main

from ._templates import default_route_api

SAM_CHAT = Path(__file__).resolve().parents[2] / "notebooks" / "sam-chat"


def test_routes_of_a_template(tmp_path, capsys, monkeypatch):
    shutil.copytree(SAM_CHAT, tmp_path / "chat")
    monkeypatch.chdir(tmp_path)
    assert main(["routes", "chat/template.yaml"]) == 0
    out = capsys.readouterr().out
    for key in ("$connect", "$disconnect", "sendmessage", "sendmessage/app.handler"):
        assert key in out
    assert main(["routes", "chat/template.yaml:ChatApi", "--parameter", "TableName=x1"]) == 0
    assert main(["routes", "--format", "json", "chat/template.yaml"]) == 0
    assert '"physical_name": "samchat_connections"' in capsys.readouterr().out


def test_template_target_errors(tmp_path, capsys, monkeypatch):
    shutil.copytree(SAM_CHAT, tmp_path / "chat")
    monkeypatch.chdir(tmp_path)
    assert main(["routes", "chat/template.yaml:Other"]) == 2  # a TARGET naming no API: usage (2)
    err = capsys.readouterr().err
    assert "no WebSocket API with logical id 'Other'" in err
    assert main(["lint", "chat/template.yaml", "--parameter", "Nope=1"]) == 1
    assert "no parameter 'Nope'" in capsys.readouterr().err


def test_serve_a_template_in_a_subprocess(tmp_path, monkeypatch):
    """``wsnb serve template.yaml --parameter TableName=cli_room``: two real clients chat."""
    import asyncio
    import json
    import os
    import signal

    import websockets

    from tests.cli.test_serve import serve

    shutil.copytree(SAM_CHAT, tmp_path / "chat", ignore=shutil.ignore_patterns("__pycache__"))
    if "PYTHONPATH" not in os.environ:  # the subprocess imports this checkout's wsnb
        monkeypatch.setenv("PYTHONPATH", str(Path(__file__).resolve().parents[2]))

    async def chat(url):
        async with websockets.connect(url) as a, websockets.connect(url) as b:
            await a.send(json.dumps({"action": "sendmessage", "data": "from the CLI"}))
            return [await asyncio.wait_for(ws.recv(), 10) for ws in (a, b)]

    with serve("chat/template.yaml", tmp_path, "--parameter", "TableName=cli_room") as served:
        assert "serving ChatApi at ws://127.0.0.1:" in served.first_line
        assert asyncio.run(asyncio.wait_for(chat(served.url), 30)) == ["from the CLI"] * 2
        assert served.stop(signal.SIGINT) == 0


STAGE_ECHO = default_route_api(
    "Fn",
    """\
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Handler: app.handler
      Runtime: python3.11
      Code: fn
      Role: arn:aws:iam::123456789012:role/r
""",
)


def test_serve_uses_the_template_stage_unless_stage_is_given(tmp_path, monkeypatch):
    """One rule for the CLI and Python: the template's StageName, unless --stage (stage=)."""
    from websockets.sync.client import connect

    from tests.cli.test_serve import serve

    (tmp_path / "fn").mkdir()
    (tmp_path / "fn" / "app.py").write_text(
        "def handler(event, context):\n"
        "    return {'statusCode': 200, 'body': event['requestContext']['stage']}\n"
    )
    (tmp_path / "template.yaml").write_text(STAGE_ECHO)
    if "PYTHONPATH" not in os.environ:  # the subprocess imports this checkout's wsnb
        monkeypatch.setenv("PYTHONPATH", str(Path(__file__).resolve().parents[2]))
    with WebSocketApi.from_template(tmp_path / "template.yaml").serve() as server:
        assert server.stage == "Prod"
    for extra, stage in (((), "Prod"), (("--stage", "beta"), "beta")):
        with serve("template.yaml", tmp_path, *extra) as served:
            with connect(served.url) as ws:
                ws.send("{}")
                assert ws.recv(timeout=10) == stage
            assert served.stop() == 0


def test_serve_region_and_account_read_the_template_and_reach_the_handlers(tmp_path, monkeypatch):
    """``wsnb serve TEMPLATE --region R --account A`` = ``from_template(region=R, account=A)``
    then ``serve()``: the template's AWS::Region/AccountId and the handler's own AWS_REGION and
    context ARN agree."""
    from websockets.sync.client import connect

    from tests.cli.test_serve import serve

    (tmp_path / "fn").mkdir()
    (tmp_path / "fn" / "app.py").write_text(
        "import json, os\n"
        "def handler(event, context):\n"
        "    return {'statusCode': 200, 'body': json.dumps([os.environ['AWS_REGION'],\n"
        "            os.environ['WHERE'], context.invoked_function_arn.split(':')[3:5]])}\n"
    )
    template = STAGE_ECHO.replace(
        "      Role: arn:aws:iam::123456789012:role/r\n",
        "      Role: arn:aws:iam::123456789012:role/r\n"
        "      Environment:\n"
        '        Variables: {WHERE: !Sub "${AWS::Region}/${AWS::AccountId}"}\n',
    )
    (tmp_path / "template.yaml").write_text(template)
    if "PYTHONPATH" not in os.environ:  # the subprocess imports this checkout's wsnb
        monkeypatch.setenv("PYTHONPATH", str(Path(__file__).resolve().parents[2]))
    extra = ("--region", "eu-west-1", "--account", "111122223333")
    with serve("template.yaml", tmp_path, *extra) as served:
        with connect(served.url) as ws:
            ws.send("{}")
            answer = json.loads(ws.recv(timeout=10))
        assert served.stop() == 0
    assert answer == ["eu-west-1", "eu-west-1/111122223333", ["eu-west-1", "111122223333"]]


def test_options_before_the_command_count_too(tmp_path, capsys, monkeypatch):
    """``wsnb -h`` lists --parameter (and --traceback, -v) before COMMAND: accepted there."""
    shutil.copytree(SAM_CHAT, tmp_path / "chat")
    monkeypatch.chdir(tmp_path)
    argv = ["--parameter", "TableName=before", "routes", "--format", "json", "chat/template.yaml"]
    assert main(argv) == 0
    assert '"physical_name": "before"' in capsys.readouterr().out
    # both places at once: every value is used (an unknown one is reported)
    argv = ["--parameter", "Nope=1", "routes", "chat/template.yaml", "--parameter", "TableName=x"]
    assert main(argv) == 1
    assert "no parameter 'Nope'" in capsys.readouterr().err
    assert main(["--traceback", "routes", "chat/template.yaml:Other"]) == 2
    assert "Traceback (most recent call last)" in capsys.readouterr().err


def test_several_apis_the_cli_names_them_all(tmp_path, capsys):
    """The CLI's one line lists every API, as the Python error does."""
    api = {"Type": "AWS::ApiGatewayV2::Api", "Properties": {"ProtocolType": "WEBSOCKET"}}
    path = tmp_path / "three.json"
    path.write_text(json.dumps({"Resources": {"A1": api, "A2": api, "A3": api}}))
    with pytest.raises(TemplateError) as err:
        WebSocketApi.from_template(path)
    assert str(err.value).splitlines()[0] == (
        "three.json defines 3 WebSocket APIs (A1, A2, A3); say which one to load."
    )
    assert main(["routes", str(path)]) == 2  # which API: a bad TARGET (2)
    line = capsys.readouterr().err
    assert "defines 3 WebSocket APIs (A1, A2, A3)" in line
    assert main(["routes", f"{path}:A9"]) == 2
    assert "no WebSocket API with logical id 'A9' (it has A1, A2, A3)" in capsys.readouterr().err


def test_a_missing_template_target_is_named_as_a_template(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["routes", "nothere.yaml"]) == 2  # `wsnb -h`: 2 = bad command line or TARGET
    assert "Template 'nothere.yaml' does not exist" in capsys.readouterr().err
