"""SPEC §4 — seeing it in the notebook (static rich display, live widget, mermaid/dot/dict)."""

from __future__ import annotations

import json
import re

import pytest

from wsnb import Bucket, LambdaAuthorizer, Table, WebSocketApi

WIDGET_MIME = "application/vnd.jupyter.widget-view+json"


def build():
    table = Table("Connections", fields={"id": "string"}, primary_index={"partition_key": "id"})
    return (
        WebSocketApi("Api")
        .defaults(timeout=20, environment={"TABLE_NAME": table.table_name}, permissions=[table])
        .route("$connect", "src/connect.main")
        .route("$disconnect", "src/disconnect.main")
        .route("$default", "src/default.main", timeout=10)
        .route("sendMessage", {"function": {"handler": "src/send.main", "memory_size": 512}})
        .bind_to_route("sendMessage", [Bucket("Uploads")])
        .authorizer(LambdaAuthorizer(function="src/authorizer.main"))
        .custom_domain("api.example.com")
    )


def bundle_of(obj, **kw) -> dict:
    out = obj._repr_mimebundle_(**kw)
    if isinstance(out, tuple):
        out = out[0]
    return out


@pytest.fixture(scope="module")
def api():
    return build()


@pytest.fixture(scope="module")
def bundle(api):
    return bundle_of(api)


def test_static_bundle_has_text_and_html(bundle):
    assert "text/plain" in bundle and "text/html" in bundle
    assert WIDGET_MIME not in bundle  # static display: works without a kernel


def test_text_plain_is_compact_route_table(bundle):
    text = bundle["text/plain"]
    for key in ("$connect", "$disconnect", "$default", "sendMessage"):
        assert key in text
    assert "src/send.main" in text
    assert len(text.splitlines()) < 40


def test_html_route_table_with_merged_props(bundle):
    html = bundle["text/html"]
    assert "<table" in html
    for key in ("$connect", "$disconnect", "$default", "sendMessage"):
        assert key in html
    assert re.search(r"\b20\b", html)  # timeout from defaults
    assert re.search(r"\b10\b", html)  # route override
    assert "512" in html
    assert "TABLE_NAME" in html


def test_html_inline_svg_diagram(bundle):
    html = bundle["text/html"]
    assert "<svg" in html and "</svg>" in html
    svg = html[html.index("<svg") : html.index("</svg>")]
    for piece in ("api.example.com", "$connect", "sendMessage", "Connections", "Uploads"):
        assert piece in svg, piece
    assert "WebSocketAuthorizer" in svg  # the authorizer node, by its default name
    assert ">client<" in svg  # the client node


def test_html_no_scripts_themeable(bundle):
    html = bundle["text/html"]
    assert "<script" not in html.lower()
    assert re.search(r"var\(--jp-[a-z0-9-]+\s*,\s*[^)]+\)", html), (
        "JupyterLab CSS variables with fallbacks"
    )


def test_display_deterministic(bundle):
    again = bundle_of(build())
    assert again["text/html"] == bundle["text/html"]
    assert again["text/plain"] == bundle["text/plain"]


def test_display_escapes_user_strings():
    api = WebSocketApi("Api").route(
        "$default",
        "src/default.main",
        environment={"X": "<script>alert(1)</script>"},
        description="<b>bold</b>",
    )
    html = bundle_of(api)["text/html"]
    assert "<script>alert(1)</script>" not in html
    assert "<b>bold</b>" not in html


def test_show_widget_bundle(api, bundle):
    w = api.show()
    wb = bundle_of(w)
    assert WIDGET_MIME in wb
    assert wb["text/html"] == bundle["text/html"]
    for key in ("$connect", "$disconnect", "$default", "sendMessage"):
        assert key in wb["text/plain"]
    assert bundle_of(build().show())["text/plain"] == wb["text/plain"]


def test_show_is_a_jupyter_widget(api):
    import ipywidgets

    w = api.show()
    assert isinstance(w, ipywidgets.DOMWidget)
    assert w.model_id  # registered with the kernel's comm manager, so the front end can render it


def test_to_mermaid(api):
    m = api.to_mermaid()
    assert isinstance(m, str)
    assert m.lstrip().startswith(("flowchart", "graph"))
    for key in ("connect", "sendMessage"):
        assert key in m
    assert m == build().to_mermaid()


def test_to_dot(api):
    d = api.to_dot()
    assert isinstance(d, str)
    assert re.match(r"\s*(strict\s+)?digraph", d)
    assert "sendMessage" in d and "->" in d
    assert d == build().to_dot()


def test_to_dict_json_safe(api):
    d = api.to_dict()
    text = json.dumps(d)
    for key in ("$connect", "$disconnect", "$default", "sendMessage"):
        assert key in text
    assert json.loads(text) == d
    assert api.to_dict() == build().to_dict()
