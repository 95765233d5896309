"""CLI TARGETs may be template files or cdk.out folders (FILE:LogicalId, --parameter)."""

from __future__ import annotations

import shutil
from pathlib import Path

from wsnb.cli import main

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
    assert main(["routes", "chat/template.yaml:Other"]) == 1
    err = capsys.readouterr().err
    assert "no WebSocket API with logical id 'Other'" in err
    assert main(["lint", "chat/template.yaml", "--parameter", "Nope=1"]) == 1
    assert "no parameter 'Nope'" in capsys.readouterr().err
