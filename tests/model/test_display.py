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


# ------------------------------------------------------------------ diagram layout


def _boxes(svg: str) -> list[dict]:
    """Every node box of the SVG with its rect and text geometry (text width measured)."""
    import xml.etree.ElementTree as ET

    from wsnb.display._measure import text_width

    ns = "{http://www.w3.org/2000/svg}"
    root = ET.fromstring(svg)
    out = []
    for g in root.iter(f"{ns}g"):
        if "wsnb-node" not in (g.get("class") or ""):
            continue
        rect = g.find(f"{ns}rect")
        texts = g.findall(f"{ns}text")
        x, w = float(rect.get("x")), float(rect.get("width"))
        label = texts[0]
        box = {
            "x": x,
            "y": float(rect.get("y")),
            "w": w,
            "h": float(rect.get("height")),
            "label": (float(label.get("x")), float(label.get("x")) + text_width(label.text, 12)),
            "label_text": label.text,
        }
        if len(texts) > 1:  # meta text, anchored at its end
            end = float(texts[1].get("x"))
            box["sub"] = (end - text_width(texts[1].text, 10), end)
        out.append(box)
    return out, root


LONG = "src/a_rather_long_package_name/with_a_sub_package/handlers.handle_send_message_event"


@pytest.mark.parametrize(
    "handler",
    ["src/sendMessage.main", LONG, "src/" + "W" * 60 + ".main", "src/" + "m" * 40 + ".main"],
)
@pytest.mark.filterwarnings("ignore:.*handler file")
def test_diagram_text_never_overlaps_or_leaves_its_box(handler):
    table = Table(
        "AVeryLongTableNameForTheConnectionsOfTheChatApplication",
        fields={"id": "string"},
        primary_index={"partition_key": "id"},
    )
    api = (
        WebSocketApi("Api")
        .defaults(timeout=10, memory_size=1024, bind=[table])
        .route("$connect", "src/connect.main")
        .route("sendMessageToEveryoneInTheRoom", handler, return_response=True)
        .authorizer(LambdaAuthorizer("src/authorizer.main"))
    )
    boxes, root = _boxes(api.to_svg())
    assert sorted(b["label_text"] for b in boxes) == sorted(
        [
            "client",
            "Api",
            "$connect",
            "src/connect.main",
            table.id,
            "sendMessageToEveryoneInTheRoom",
            handler,
            "λ WebSocketAuthorizer",
        ]
    )
    _, _, vb_w, vb_h = (float(v) for v in root.get("viewBox").split())
    for b in boxes:
        left, right = b["label"]
        assert b["x"] < left and right < b["x"] + b["w"], (
            f"label {b['label_text']!r} leaves its box"
        )
        if "sub" in b:
            sub_left, sub_right = b["sub"]
            assert right + 4 <= sub_left, f"label {b['label_text']!r} overlaps its meta text"
            assert sub_right < b["x"] + b["w"]
        assert b["x"] >= 0 and b["x"] + b["w"] <= vb_w and b["y"] >= 0 and b["y"] + b["h"] <= vb_h
    for i, a in enumerate(boxes):  # no two boxes overlap
        for b in boxes[i + 1 :]:
            apart = (
                a["x"] + a["w"] <= b["x"]
                or b["x"] + b["w"] <= a["x"]
                or a["y"] + a["h"] <= b["y"]
                or b["y"] + b["h"] <= a["y"]
            )
            assert apart, (a["label_text"], b["label_text"])
    assert any(b["label_text"] == handler for b in boxes)  # full text, never cut


def test_diagram_scales_to_the_space_it_gets():
    svg = chat().to_svg()
    assert 'style="max-width:100%;height:auto"' in svg and 'viewBox="0 0 ' in svg


def test_diagram_legend_explains_reserved_routes():
    svg = chat().to_svg()
    assert "reserved route ($connect, $disconnect, $default)" in svg


def test_text_drawing_connects_routes_to_functions():
    from wsnb.display import to_text_diagram

    text = to_text_diagram(chat().spec)
    assert "$connect" in text and "──▶ src/connect.main" in text
    assert "sendMessage (↩ reply) ──▶ src/sendMessage.main" in text
    assert all(line == line.rstrip() for line in text.splitlines())


def test_static_display_survives_without_style_and_svg():
    html = chat().to_html()
    outer = html.split(">", 1)[0]
    assert "tex2jax_ignore" in outer and "mathjax_ignore" in outer
    # the drawn diagram is revealed only by the <style>; the text drawing hidden only by it
    assert '<div class="wsnb-diagram-box" hidden style="display:none"><svg' in html
    assert '<pre class="wsnb-diagram-text">' in html
    assert ".wsnb-api .wsnb-diagram-box{display:block!important" in html


def test_table_hides_columns_empty_for_every_route():
    api = WebSocketApi("Api").route("$default", "src/default.main")
    html = api.to_html()
    head = html.split("<thead>", 1)[1].split("</thead>", 1)[0]
    for empty in ("bind", "layers", "reply", "auth", "permissions", "environment"):
        assert f"<th>{empty}</th>" not in head
    assert "<th>route</th><th>handler</th>" in head
    assert "bind" not in repr(api).splitlines()[-2] and "reply" not in repr(api)
    html = chat().to_html()
    head = html.split("<thead>", 1)[1].split("</thead>", 1)[0]
    assert "<th>reply</th>" in head and "<th>auth</th>" in head and "<th>bind</th>" not in head


def test_lint_text_reads_the_same_in_html_with_dollar_words_as_code():
    from html.parser import HTMLParser

    class Items(HTMLParser):
        def __init__(self):
            super().__init__(convert_charrefs=True)
            self.items: list[str] = []
            self.codes: list[str] = []
            self._in_li = self._in_code = False

        def handle_starttag(self, tag, attrs):
            if tag == "li":
                self._in_li, self.items = True, [*self.items, ""]
            if tag == "code":
                self._in_code, self.codes = True, [*self.codes, ""]

        def handle_endtag(self, tag):
            self._in_li = self._in_li and tag != "li"
            self._in_code = self._in_code and tag != "code"

        def handle_data(self, data):
            if self._in_li:
                self.items[-1] += data
            if self._in_code:
                self.codes[-1] += data

    api = WebSocketApi("Api").route("$connect", "src/connect.main")
    findings = api.lint()
    parsed = Items()
    parsed.feed(api.to_html())
    fixes = [f.fix for f in findings if "$default" in f.fix]
    assert fixes, "expected a finding whose fix names $default"
    for fix in fixes:  # the fix is shown exactly as written (quotes and all), copy-pasteable
        assert any(f"Fix: {fix}" in item for item in parsed.items), fix
    assert "$default" in parsed.codes and all("&" not in c and ";" not in c for c in parsed.codes)


def test_props_without_a_column_of_their_own_share_the_other_column():
    # wsnb's built-in architecture and tracing alone do not make an "other" column
    plain = WebSocketApi("Api").route("$default", "src/default.main").to_html()
    assert "<th>other</th>" not in plain and "architecture=" not in plain
    api = (
        WebSocketApi("Api")
        .defaults(description="chat <backend>")
        .route("$default", "src/default.main", architecture="arm_64")
        .route("sendMessage", "src/sendMessage.main")
    )
    html = api.to_html()
    head = html.split("<thead>")[-1].split("</thead>", 1)[0]  # the last of the route tables
    assert head.endswith("<th>other</th></tr>")
    default = _route_cells(html, "$default")
    assert 'title="set on the route">architecture=arm_64</span>' in default
    assert 'class="wsnb-from-defaults"' in default
    assert 'description=chat &lt;backend&gt;<sup class="wsnb-mark">*</sup>' in default
    send = _route_cells(html, "sendMessage")
    # a route that keeps the built-in value shows it too, marked and in the built-in colour
    assert 'class="wsnb-from-builtin"' in send
    assert 'architecture=x86_64<sup class="wsnb-mark">°</sup>' in send
    assert "tracing=" not in html  # built-in on every route: not shown


def _route_cells(html: str, key: str) -> str:
    """A route's cells across the route tables (a wide table continues in further ones)."""
    return "".join(
        part.split("</tr>", 1)[0]
        for marker in (f'<tr data-route="{key}">', f'<tr data-route-more="{key}">')
        for part in html.split(marker)[1:]
    )
