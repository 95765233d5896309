"""synth()/export() of an imported API: the model's CloudFormation, with the template's names."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from wsnb import WebSocketApi

pytestmark = pytest.mark.cdk

SAM_CHAT = Path(__file__).resolve().parents[2] / "notebooks" / "sam-chat"


def test_synth_and_export_of_the_sam_chat(tmp_path, monkeypatch):
    shutil.copytree(SAM_CHAT, tmp_path / "chat", ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.chdir(tmp_path)  # not the template's folder: synth reads handlers from there
    api = WebSocketApi.from_template("chat/template.yaml")
    from wsnb.template import TemplateSynthWarning

    with pytest.warns(TemplateSynthWarning, match="synth\\(\\): the output differs"):
        template = api.synth().template
    tables = [
        r["Properties"]
        for r in template["Resources"].values()
        if r["Type"] == "AWS::DynamoDB::Table"
    ]
    assert [t["TableName"] for t in tables] == ["samchat_connections"]  # the physical name kept
    apis = [r for r in template["Resources"].values() if r["Type"] == "AWS::ApiGatewayV2::Api"]
    assert apis[0]["Properties"]["Name"] == "SamChat"
    stages = [r for r in template["Resources"].values() if r["Type"] == "AWS::ApiGatewayV2::Stage"]
    assert stages[0]["Properties"]["StageName"] == "Prod"
    assert Path.cwd() == tmp_path  # restored
    with pytest.warns(TemplateSynthWarning, match="export\\(\\): the output differs"):
        out = api.export(tmp_path / "exported")
    assert (tmp_path / "exported" / "app.py").is_file(), out


def test_synth_of_sam_with_inline_code_and_unexpressible_policies(tmp_path):
    from wsnb.template import TemplateSynthWarning

    from ._templates import write_sam

    api = WebSocketApi.from_template(write_sam(tmp_path))
    with pytest.warns(TemplateSynthWarning, match="the output differs from template.yml"):
        result = api.synth()
    template = result.template
    assert any("SQSSendMessagePolicy" in w for w in result.warnings)
    functions = [r for r in template["Resources"].values() if r["Type"] == "AWS::Lambda::Function"]
    assert sorted(f["Properties"]["Handler"] for f in functions) == ["default.main", "index.main"]


def test_synth_of_a_function_shared_by_routes_names_one_function(tmp_path):
    from wsnb.template import TemplateSynthWarning

    from .test_shared_function import write_shared

    api = WebSocketApi.from_template(write_shared(tmp_path))
    with pytest.warns(TemplateSynthWarning, match="the output differs"):
        template = api.synth().template
    functions = [r for r in template["Resources"].values() if r["Type"] == "AWS::Lambda::Function"]
    names = [f["Properties"].get("FunctionName") for f in functions]
    assert len(functions) == 2  # one per route, as wsnb synthesizes every API
    assert names.count("chat-handler") == 1
