"""The static display: deterministic bytes, every section, escaping, secrets masked."""

from __future__ import annotations

import subprocess
import sys

import pytest

from wsnb import LambdaAuthorizer, Table, WebSocketApi

pytestmark = pytest.mark.usefixtures("project")


def chat():
    table = Table("Connections", fields={"id": "string"}, primary_index={"partition_key": "id"})
    return (
        WebSocketApi("Api")
        .defaults(
            timeout=20,
            environment={"TABLE_NAME": table.table_name, "DB_PASSWORD": "hunter2"},
            permissions=[table],
        )
        .route("$connect", "src/connect.main")
        .route("$default", "src/default.main", timeout=10)
        .route("sendMessage", "src/sendMessage.main", return_response=True)
        .authorizer(LambdaAuthorizer("src/authorizer.main"))
        .custom_domain({"domain_name": "api.domain.com", "path": "v1"})
    )


def test_mimebundle_has_text_and_html_with_all_sections():
    bundle = chat()._repr_mimebundle_()
    assert set(bundle) == {"text/plain", "text/html"}
    html = bundle["text/html"]
    assert 'table class="wsnb-routes"' in html and "<svg" in html and 'class="wsnb-lint"' in html
    for key in ("$connect", "$default", "sendMessage"):
        assert f'data-route="{key}"' in html
    assert "wss://api.domain.com/v1/" in html
    assert "wsnb-from-defaults" in html and "var(--jp-ui-font-color1" in html
    assert "$connect" in bundle["text/plain"] and "src/sendMessage.main" in bundle["text/plain"]


def test_secrets_are_masked_everywhere():
    api = chat()
    for text in (api._repr_mimebundle_()["text/html"], repr(api), api.to_svg()):
        assert "hunter2" not in text


def test_user_strings_are_escaped():
    api = WebSocketApi("Api").route("<script>alert(1)</script>", "src/default.main")
    html = api._repr_mimebundle_()["text/html"]
    assert "<script>alert" not in html and "&lt;script&gt;" in html
    assert "<script" not in api.to_svg()


def test_same_model_same_bytes_across_processes():
    code = (
        "import os, sys; os.chdir(sys.argv[1]); sys.path.insert(0, sys.argv[2]);"
        "from tests.model.test_display import chat; a = chat();"
        "print(a.to_html() + a.to_mermaid() + a.to_dot() + repr(a))"
    )
    import os
    from pathlib import Path

    root = str(Path(__file__).resolve().parents[2])
    outs = {
        subprocess.run(
            [sys.executable, "-c", code, os.getcwd(), root],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONHASHSEED": seed},
        ).stdout
        for seed in ("1", "2")
    }
    assert len(outs) == 1
    api = chat()
    assert next(iter(outs)).startswith(api.to_html())


def test_display_follows_changes():
    api = WebSocketApi("Api").route("$default", "src/default.main")
    before = api.to_html()
    api.route("sendMessage", "src/sendMessage.main")
    assert api.to_html() != before and 'data-route="sendMessage"' in api.to_html()


def test_mermaid_and_dot():
    api = chat()
    mermaid, dot = api.to_mermaid(), api.to_dot()
    assert (
        mermaid.startswith("flowchart LR") and '"sendMessage"' in mermaid and "auth -.->" in mermaid
    )
    assert dot.startswith("digraph wsnb {") and dot.rstrip().endswith("}") and "style=dashed" in dot
    assert 'label="Table Connections"' in dot


def test_empty_api_displays():
    bundle = WebSocketApi("Empty")._repr_mimebundle_()
    assert "no routes yet" in bundle["text/html"] and "0 routes" in bundle["text/plain"]
