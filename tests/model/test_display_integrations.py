"""Routes whose target is not a Lambda proxy appear in every view (issue 19 §2, SPEC §9).

Before this, the display listed only routes with a function: an API of ten routes, seven of
them mock, HTTP or AWS service integrations, showed a route table of three rows under a
"10 routes" heading, and a non-proxy Lambda looked like a proxy. Now the HTML and text tables,
the SVG diagram, the text drawing, Mermaid, DOT and the widget list every route, with its
integration type on the edge from the route to its target ("Set up WebSocket API
integrations in API Gateway": MOCK, HTTP, HTTP_PROXY, AWS, AWS_PROXY), the target named (a
function's handler, a URL, an AWS service's action or path, or API Gateway itself for a
mock), and, for a target ``api.serve()`` cannot run, the phrase that says why.
"""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
from integration_examples import mixed_api

from wsnb import (
    AwsIntegration,
    HttpIntegration,
    LambdaIntegration,
    MockIntegration,
    WebSocketApi,
)
from wsnb.display import route_columns, route_rows, text_table, to_text_diagram

pytestmark = pytest.mark.usefixtures("project")

KEYS = ["$connect", "$default", "ask", "echo", "fwd", "raw", "enqueue", "put", "events", "query"]
NO_STATES = "no local states (wsnb emulates dynamodb, events, kinesis, s3, sns, sqs)"


def five() -> WebSocketApi:
    """The mix the issue names: a proxy, a mock $connect, a non-proxy Lambda, SQS and HTTP."""
    return (
        WebSocketApi("Mixed")
        .route("$connect", MockIntegration(request_templates={"$default": '{"statusCode": 200}'}))
        .route("$default", "src/default.main")
        .route("ask", LambdaIntegration("src/send.main", invocation_type="Event"))
        .route("enqueue", AwsIntegration.sqs_send_message("jobs"))
        .route("fwd", HttpIntegration("https://backend.example.com/hook", method="PUT"))
    )


def with_step_functions() -> WebSocketApi:
    """A route wsnb cannot run locally: no Step Functions emulation."""
    return five().route(
        "start",
        AwsIntegration("states", action="StartExecution", permissions=["states:StartExecution"]),
    )


def table_heads(html: str) -> list[list[str]]:
    return [
        re.findall(r"<th>([^<]*)</th>", head.split("</thead>")[0])
        for head in html.split("<thead>")[1:]
    ]


def first_table_row(html: str, key: str) -> str:
    return html.split(f'<tr data-route="{key}">', 1)[1].split("</tr>", 1)[0]


def svg_group(svg: str, cls: str, key: str) -> str:
    """The ``<g>`` of class ``cls`` for route ``key`` (its box and texts)."""
    match = re.search(rf'<g class="[^"]*{cls}[^"]*" data-route="{re.escape(key)}">(.*?)</g>', svg)
    assert match, (cls, key)
    return match[1]


def test_every_route_is_in_every_view():
    api = mixed_api()
    assert [r["key"] for r in route_rows(api.spec)] == KEYS
    html = api.to_html()
    assert "· 10 routes</h4>" in html
    assert re.findall(r'<tr data-route="([^"]*)">', html) == KEYS
    text = repr(api)
    listed = [line.split()[0] for line in text.splitlines() if line.startswith("  ")]
    assert all(key in listed for key in KEYS), text
    svg = api.to_svg()
    assert re.findall(r'<g class="wsnb-node wsnb-route" data-route="([^"]*)"', svg) == KEYS
    drawing = to_text_diagram(api.spec)
    assert all(re.search(rf"─▶ {re.escape(key)}\b", drawing) for key in KEYS), drawing
    mermaid, dot = api.to_mermaid(), api.to_dot()
    for key in KEYS:
        assert f'["{key}"]' in mermaid and f'[label="{key}"]' in dot
    widget = api.show()
    assert [r["key"] for r in widget.routes] == KEYS
    widget.close()


def test_the_integration_type_is_on_the_edge_to_the_target():
    api = five()
    svg = api.to_svg()
    labels = re.findall(r'class="wsnb-edge-label"[^>]*>([^<]*)</text>', svg)
    assert labels == ["MOCK", "λ (Event)", "AWS sqs", "HTTP"]  # the proxy's arrow: no label
    # each label is read between its route and its target (the SVG's reading order)
    reading = re.sub(r"<[^>]+>", " ", svg)
    assert re.search(r"ask\s+λ \(Event\)\s+src/send\.main", reading)
    assert re.search(r"fwd\s+HTTP\s+https://backend\.example\.com/hook\s+PUT", reading)
    assert "arrow label: the integration type of the route (no label: a Lambda proxy)" in svg
    assert ">targets</text>" in svg  # not every route has a function
    # the text drawing: one aligned line per route, the labels on arrows of one length
    drawing = to_text_diagram(api.spec)
    assert drawing.splitlines()[1:6] == [
        " ├─▶ $connect ── MOCK ───────▶ API Gateway answers (statusCode 200)",
        " ├─▶ $default ───────────────▶ src/default.main (10 s 1024 MB)",
        " ├─▶ ask      ── λ (Event) ──▶ src/send.main (10 s 1024 MB)",
        " ├─▶ enqueue  ── AWS sqs ────▶ sqs {account}/jobs",
        " └─▶ fwd      ── HTTP ───────▶ https://backend.example.com/hook (PUT)",
    ]
    assert "An arrow's label is the route's integration type; no label: a Lambda proxy." in (
        " ".join(drawing.split())
    )
    assert '  r0 -->|"MOCK"| f0' in api.to_mermaid() and "  r1 --> f1" in api.to_mermaid()
    assert '  r2 -> f2 [label="λ (Event)"];' in api.to_dot()


def test_the_target_names_the_function_url_service_or_api_gateway():
    api = five()
    rows = {r["key"]: r for r in route_rows(api.spec)}
    assert rows["$connect"]["target"] == "API Gateway answers (statusCode 200)"
    assert rows["ask"]["target"] == rows["ask"]["handler"] == "src/send.main"
    assert rows["enqueue"]["target"] == "sqs {account}/jobs"
    assert rows["fwd"]["target"] == "https://backend.example.com/hook (PUT)"
    assert rows["enqueue"]["handler"] == "" and rows["enqueue"]["props"] == {}
    assert [r["integration"] for r in rows.values()] == [
        "MOCK",
        "λ proxy",
        "λ (Event)",
        "AWS sqs",
        "HTTP",
    ]
    html = api.to_html()
    # the second column says "target" once a route has no function
    assert table_heads(html)[0][:3] == ["route", "target", "integration"]
    assert ">API Gateway answers (statusCode 200)</td><td>MOCK</td>" in html
    assert "<code>https://backend.example.com/hook (PUT)</code></td><td>HTTP</td>" in html
    assert "<code>src/default.main</code></td><td>λ proxy</td>" in html
    svg = api.to_svg()
    box = svg_group(svg, "wsnb-target", "$connect")
    assert ">API Gateway answers</text>" in box and ">statusCode 200</text>" in box
    assert ">sqs {account}/jobs</text>" in svg_group(svg, "wsnb-target", "enqueue")
    assert ">src/send.main</text>" in svg_group(svg, "wsnb-function", "ask")
    text = text_table(api.spec, [])
    assert re.search(r"\n  route +target +integration +timeout +memory\n", text), text
    assert re.search(r"\n  enqueue +sqs \{account\}/jobs +AWS sqs\n", text), text


def test_the_resources_of_a_service_integration_are_drawn_after_its_target():
    api = mixed_api()
    rows = {r["key"]: r for r in route_rows(api.spec)}
    assert rows["put"]["resources"] == rows["query"]["resources"] == ["Table Messages"]
    drawing = to_text_diagram(api.spec)
    assert re.search(
        r"put \(↩ reply\) ── AWS dynamodb ──▶ dynamodb PutItem\s+──▶ Messages", drawing
    )


def test_a_route_wsnb_cannot_run_locally_says_why_in_every_view():
    api = with_step_functions()
    rows = {r["key"]: r for r in route_rows(api.spec)}
    assert rows["start"]["local"] == NO_STATES
    assert rows["enqueue"]["local"] == rows["$default"]["local"] == ""
    html = api.to_html()
    columns = [c["name"] for c in route_columns(route_rows(api.spec))]
    assert columns[:2] == ["integration", "local"]
    assert any("not run locally" in head for head in table_heads(html))
    # one short phrase in the cell, the whole reason in its title
    assert f'<td title="{NO_STATES}">no local states</td>' in html
    svg = api.to_svg()
    box = re.search(
        r'<g class="wsnb-node wsnb-target wsnb-not-local" data-route="start">.*?</g>', svg
    )
    assert box and ">not run locally: no local states</text>" in box[0]
    assert "stroke-dasharray:5 3" in box[0]  # drawn dashed, as the legend says
    assert "dashed box, not run locally: api.serve() cannot run that target (the box" in svg
    drawing = " ".join(to_text_diagram(api.spec).split())
    assert "start ── AWS states ──▶ states StartExecution (not run locally: no local states)" in (
        drawing
    )
    text = text_table(api.spec, [])
    assert re.search(r"\n  start +states StartExecution +AWS states +no local states\n", text)
    assert "(not run locally: no local states)" in api.to_mermaid()
    widget = api.show()
    assert [c["name"] for c in widget.route_columns][:2] == ["integration", "local"]
    widget.close()


@pytest.mark.parametrize("width", [80, 60, 40])
@pytest.mark.parametrize("make", [mixed_api, five, with_step_functions])
def test_the_text_views_stay_within_their_width(make, width):
    api = make()
    drawing = to_text_diagram(api.spec, width)
    assert max(len(line) for line in drawing.splitlines()) <= width, drawing
    if width == 80:
        text = text_table(api.spec, api.lint())
        assert max(len(line) for line in text.splitlines()) <= 80, text


def test_an_api_of_proxies_keeps_its_handler_column_and_unlabelled_arrows():
    api = (
        WebSocketApi("Api")
        .route("$connect", "src/connect.main")
        .route("$default", "src/default.main")
    )
    html = api.to_html()
    assert table_heads(html) == [["route", "handler", "timeout", "memory"]]
    svg = api.to_svg()
    assert "wsnb-edge-label" not in svg and ">functions</text>" in svg
    assert "arrow label" not in svg and "integration type" not in to_text_diagram(api.spec)
    # a non-proxy Lambda still has a function: the column stays "handler"
    api.route("ask", LambdaIntegration("src/send.main", request_templates='{"body": $input.body}'))
    assert table_heads(api.to_html())[0][:3] == ["route", "handler", "integration"]
    assert ">functions</text>" in api.to_svg()
    assert " └─▶ ask      ── λ non-proxy ──▶ src/send.main" in to_text_diagram(api.spec)


def test_integration_lint_findings_show_in_the_display_lint_block():
    api = (
        WebSocketApi("Lint")
        .route("$connect", MockIntegration())  # no statusCode: every connection fails
        .route("put", AwsIntegration("dynamodb", action="PutItem"))  # no role
    )
    html = api.to_html()
    block = html.split('<ul class="wsnb-lint">', 1)[1]
    assert "<code>mock-connect-status</code>" in block
    assert "<code>integration-without-role</code>" in block
    assert "lint: 2 warnings" in repr(api)


def test_same_mixed_model_same_bytes_across_processes(project):
    code = (
        "import os, sys; os.chdir(sys.argv[1]); sys.path[:0] = [sys.argv[2], sys.argv[3]];"
        "from integration_examples import mixed_api; a = mixed_api();"
        "b = a._repr_mimebundle_(); print(b['text/html'] + b['text/plain'] + a.to_mermaid())"
    )
    import tests

    root = str(__import__("pathlib").Path(tests.__file__).resolve().parents[1])
    runs = [
        subprocess.run(
            [sys.executable, "-c", code, str(project), root, root + "/tests"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for _ in range(2)
    ]
    assert runs[0] == runs[1] and 'data-route="query"' in runs[0]


# ---- routes of notebook functions, a role-assumed service integration (from the template
# reader's branch, in this display's terms)

ROLE = "arn:aws:iam::123456789012:role/apigw"


def _api() -> WebSocketApi:
    return (
        WebSocketApi("Mixed")
        .route("$connect", MockIntegration(request_templates={"$default": '{"statusCode": 200}'}))
        .route("$default", lambda event, context: {"statusCode": 200})
        .route(
            "ask",
            LambdaIntegration(lambda event, context: {"ok": 1}, invocation_type="Event"),
        )
        .route(
            "start",
            AwsIntegration(
                "states",
                action="StartExecution",
                credentials_role=ROLE,
                request_templates={"$default": "$input.body"},
            ),
        )
    )


def test_every_route_has_a_row_with_its_integration():
    rows = {row["key"]: row for row in route_rows(_api().spec)}
    assert list(rows) == ["$connect", "$default", "ask", "start"]  # the model's order
    assert rows["$connect"]["handler"] == "" and rows["$connect"]["props"] == {}
    assert rows["$connect"]["target"] == "API Gateway answers (statusCode 200)"
    assert rows["$connect"]["integration"] == "MOCK" and rows["$connect"]["local"] == ""
    assert rows["$default"]["integration"] == "λ proxy"  # a Lambda proxy
    assert rows["ask"]["integration"] == "λ (Event)" and rows["ask"]["handler_kind"] == "python"
    assert rows["start"]["target"] == "states StartExecution"
    assert rows["start"]["local"] == NO_STATES


def test_the_text_table_the_html_and_the_diagrams_list_every_route():
    api = _api()
    text = repr(api)
    for key in ("$connect", "$default", "ask", "start"):
        assert re.search(rf"^  {re.escape(key)} ", text, re.MULTILINE), key
    assert re.search(r"^  start +states StartExecution +AWS states +no local states$", text, re.M)
    html = api.to_html()
    assert 'data-route="start"' in html and 'data-route="$connect"' in html
    assert "<th>integration</th>" in html and "<th>not run locally</th>" in html
    mermaid = api.to_mermaid()
    assert '["API Gateway answers (statusCode 200)"]' in mermaid
    assert '["states StartExecution (not run locally: no local states)"]' in mermaid
    assert "states StartExecution" in to_text_diagram(api.spec)
    assert ">start<" in api.to_svg()


def test_an_api_of_lambda_proxies_has_no_integration_column():
    api = WebSocketApi("Plain").route("$default", lambda event, context: {"statusCode": 200})
    assert " integration" not in repr(api) and "<th>integration</th>" not in api.to_html()
