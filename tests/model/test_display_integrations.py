"""Every route is in every view, whatever its integration (issue 19 §2, SPEC §9): a route
without a function (mock, HTTP, AWS service) has a row and a diagram node; a route that is not
a Lambda proxy shows its integration type, and why ``serve()`` cannot run it when it cannot."""

from __future__ import annotations

import re

from wsnb import AwsIntegration, LambdaIntegration, MockIntegration, WebSocketApi
from wsnb.display import route_rows, to_text_diagram

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
    assert rows["$connect"]["handler"] == "MOCK"
    assert rows["$connect"]["handler_kind"] == "integration"
    assert rows["$connect"]["props"] == {"integration": ""}  # it runs locally
    assert "integration" not in rows["$default"]["props"]  # a Lambda proxy
    assert rows["ask"]["props"]["integration"] == "AWS (Lambda, Event)"
    assert rows["start"]["handler"] == "AWS (states StartExecution)"
    assert rows["start"]["props"]["integration"] == "not run locally: no local states"


def test_the_text_table_the_html_and_the_diagrams_list_every_route():
    api = _api()
    text = repr(api)
    for key in ("$connect", "$default", "ask", "start"):
        assert re.search(rf"^  {re.escape(key)} ", text, re.MULTILINE), key
    assert "not run locally: no local states" in text
    html = api.to_html()
    assert 'data-route="start"' in html and 'data-route="$connect"' in html
    assert "<th>integration</th>" in html
    mermaid = api.to_mermaid()
    assert '["MOCK"]' in mermaid and '["AWS (states StartExecution)"]' in mermaid
    assert "AWS (states StartExecution)" in to_text_diagram(api.spec)
    assert ">start<" in api.to_svg()


def test_an_api_of_lambda_proxies_has_no_integration_column():
    api = WebSocketApi("Plain").route("$default", lambda event, context: {"statusCode": 200})
    assert " integration" not in repr(api) and "<th>integration</th>" not in api.to_html()
