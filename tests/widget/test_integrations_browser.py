"""Routes that are not Lambda proxies, seen in a real JupyterLab at a laptop's width.

The API mixes what issue 19 §2 and SPEC §9 name: a Lambda proxy, a MOCK ``$connect``, non-proxy
Lambdas (one invoked with ``Event``), HTTP and HTTP proxy routes, SQS, DynamoDB and EventBridge
service integrations (``tests/integration_examples.py``'s ``mixed_api``), plus a Step Functions
route ``api.serve()`` cannot run. Every route shows in the static display (untrusted: the table
and the text drawing; trusted: the table and the SVG with the integration type on each arrow),
in ``print(api)`` and in the live widget's Routes and Diagram tabs, within the ~800 px output
of a 1280 px window with the file browser open. Screenshots: ``test-artifacts/integrations-*``.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from ._browser import WIDGET, run_all_cells, screenshot, wait_idle
from ._jupyter import JupyterServer
from .test_browser import tab
from .test_first_screen_browser import LAPTOP, MEASURE, TRACKER, problems

pytestmark = pytest.mark.browser

KEYS = [
    "$connect",
    "$default",
    "ask",
    "echo",
    "fwd",
    "raw",
    "enqueue",
    "put",
    "events",
    "query",
    "start",
]
BUILD = (
    "from integration_examples import mixed_api\n"
    "from wsnb import AwsIntegration\n"
    "api = mixed_api('Mixed').route(\n"
    '    "start", AwsIntegration("states", action="StartExecution", '
    'permissions=["states:StartExecution"])\n'
    ")"
)
STATIC_CELLS = [BUILD, "api", "print(api)"]
WIDGET_CELLS = [BUILD, "w = api.show()\nw"]
AUTHORIZER = "def main(event, context):\n    return {'isAuthorized': True}\n"


@pytest.fixture(scope="module")
def laptop(browser: Any, jupyter: JupyterServer) -> Any:
    """A 1280×800 page with every cell rendered; the handlers ``mixed_api`` names exist."""
    (jupyter.root / "src" / "authorizer.py").write_text(AUTHORIZER)
    # the kernels run in jupyter.root: the examples module sits there (no PYTHONPATH needed)
    shutil.copy(Path(__file__).parents[1] / "integration_examples.py", jupyter.root)
    jupyter.api(
        "PUT", f"/lab/api/settings/{TRACKER}", {"raw": json.dumps({"windowingMode": "none"})}
    )
    context = browser.new_context(viewport=LAPTOP)
    page = context.new_page()
    page.set_default_timeout(60_000)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.page_errors = errors  # type: ignore[attr-defined]
    try:
        yield page
    finally:
        context.close()
        jupyter.api("PUT", f"/lab/api/settings/{TRACKER}", {"raw": "{}"})
        jupyter.shutdown_kernels()


def stored_notebook(jupyter: JupyterServer, *, trusted: bool) -> str:
    """The static cells run by a real kernel, saved with their outputs, signed or not."""
    import nbformat
    from nbclient import NotebookClient
    from nbformat.sign import NotebookNotary

    state = "trusted" if trusted else "untrusted"
    name = f"integrations-{state}.ipynb"
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(src) for src in STATIC_CELLS]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    nb.metadata["wsnb_integrations_test"] = state  # trust goes by content: one copy per state
    NotebookClient(nb, timeout=120, resources={"metadata": {"path": str(jupyter.root)}}).execute()
    nbformat.write(nb, jupyter.root / name)
    if trusted:
        NotebookNotary(data_dir=str(jupyter.base / "data")).sign(nb)
    return name


def open_stored(page: Any, jupyter: JupyterServer, name: str) -> Any:
    page.goto(jupyter.lab_url(name))
    output = page.locator(".jp-OutputArea-output:has(.wsnb-api)")
    output.wait_for(state="visible")
    page.wait_for_timeout(1_000)  # fonts settle
    layout = page.evaluate(
        "() => document.querySelector('.jp-OutputArea-output').getBoundingClientRect().width"
    )
    assert 760 <= layout <= 880, layout  # the file browser is open: ~800 px of output
    return output


def measured_problems(page: Any) -> list[str]:
    outputs = page.locator(
        '.jp-OutputArea-output:has(.wsnb-api), .jp-OutputArea-output:has-text("WebSocketApi \'")'
    )
    assert outputs.count() == 2  # the display and print(api)
    return [
        f"output {i}: {p}"
        for i in range(outputs.count())
        for p in problems(outputs.nth(i).evaluate(MEASURE))
    ]


def test_untrusted_display_lists_every_route_and_draws_their_integrations_as_text(laptop, jupyter):
    page = laptop
    output = open_stored(page, jupyter, stored_notebook(jupyter, trusted=False))
    assert not page.evaluate("() => !!document.querySelector('.wsnb-api style')")
    # the sanitizer drops wsnb's classes and data attributes: the first table is the routes'
    table = output.locator("table").first
    assert table.locator("tbody tr td:first-child").all_inner_texts() == KEYS
    head = table.locator("th").all_inner_texts()
    assert head[:4] == ["route", "target", "integration", "not run locally"], head
    drawing = output.locator("pre.wsnb-diagram-text")
    assert drawing.is_visible()
    text = " ".join(drawing.inner_text().split())
    for piece in (
        "$connect (↩ reply) ── MOCK ──▶ API Gateway answers (statusCode 200)",
        "ask ── λ (Event) ──▶ src/send.main",
        "enqueue ── AWS sqs ──▶ sqs {account}/jobs",
        "fwd (↩ reply) ── HTTP ──▶ https://backend.example.com/hook (PUT)",
        "start ── AWS states ──▶ states StartExecution (not run locally: no local states)",
    ):
        assert piece in text, text
    output.scroll_into_view_if_needed()
    screenshot(page, "integrations-untrusted")
    drawing.scroll_into_view_if_needed()
    screenshot(page, "integrations-untrusted-drawing")
    bad = measured_problems(page)
    assert not bad, "\n".join(bad)
    printed = page.locator(".jp-OutputArea-output:has-text(\"WebSocketApi 'Mixed'\")").last
    printed.scroll_into_view_if_needed()
    screenshot(page, "integrations-print", printed)
    assert all(re.search(rf"\n  {re.escape(k)} ", printed.inner_text()) for k in KEYS)


def test_trusted_display_draws_the_integration_type_on_each_arrow(laptop, jupyter):
    page = laptop
    output = open_stored(page, jupyter, stored_notebook(jupyter, trusted=True))
    svg = output.locator("svg.wsnb-diagram")
    assert svg.is_visible()
    assert not output.locator("pre.wsnb-diagram-text").is_visible()
    labels = svg.locator("text.wsnb-edge-label").all_text_contents()
    assert labels == [
        "MOCK",
        "λ (Event)",
        "λ non-proxy",
        "HTTP",
        "HTTP proxy",
        "AWS sqs",
        "AWS dynamodb",
        "AWS events",
        "AWS dynamodb",
        "AWS states",
    ]
    # each label sits in the gap between its route's box and its target's box, above the arrow
    gaps = svg.evaluate(
        """svg => [...svg.querySelectorAll('text.wsnb-edge-label')].map((label) => {
          const l = label.getBoundingClientRect();
          const row = label.previousElementSibling.getBoundingClientRect();   // the route
          const target = label.nextElementSibling.getBoundingClientRect();
          return {text: label.textContent, after: l.left - row.right, before: target.left - l.right,
                  above: row.top + row.height / 2 - l.bottom};
        })"""
    )
    assert all(g["after"] > 0 and g["before"] > 0 and g["above"] >= 0 for g in gaps), gaps
    dashed = svg.locator('g.wsnb-not-local[data-route="start"]')
    assert "not run locally: no local states" in dashed.text_content()
    output.scroll_into_view_if_needed()
    screenshot(page, "integrations-trusted")
    svg.scroll_into_view_if_needed()
    screenshot(page, "integrations-trusted-diagram")
    bad = measured_problems(page)
    assert not bad, "\n".join(bad)


def test_widget_routes_and_diagram_tabs_show_every_route(laptop, jupyter):
    page = laptop
    name = jupyter.write_notebook("integrations-widget.ipynb", WIDGET_CELLS)
    jupyter.start_kernel_for(name)
    try:
        run_all_cells(page, jupyter.lab_url(name))
        page.wait_for_selector(WIDGET, state="attached", timeout=60_000)
        wait_idle(page)
    except Exception:
        screenshot(page, "failed-integrations-widget")
        raise
    widget = page.locator(WIDGET)
    widget.scroll_into_view_if_needed()
    panel = tab(widget, "routes")
    rows = panel.locator("tr.wsnb-w-route-row")
    rows.nth(len(KEYS) - 1).wait_for(state="visible")
    assert [rows.nth(i).get_attribute("data-route") for i in range(rows.count())] == KEYS
    assert panel.locator("table.wsnb-w-routes th").all_inner_texts()[:4] == [
        "route",
        "target",
        "integration",
        "not run locally",
    ]
    cells = {
        key: panel.locator(f'tr[data-route="{key}"] td[data-col="integration"]').inner_text()
        for key in ("$connect", "$default", "ask", "enqueue", "fwd")
    }
    assert cells == {
        "$connect": "MOCK",
        "$default": "λ proxy",
        "ask": "λ (Event)",
        "enqueue": "AWS sqs",
        "fwd": "HTTP",
    }
    start = panel.locator('tr[data-route="start"] td[data-col="local"]').inner_text()
    assert start == "no local states"
    panel.locator("input.wsnb-w-filter").fill("aws sqs")
    assert [r.get_attribute("data-route") for r in rows.all() if r.is_visible()] == ["enqueue"]
    panel.locator("input.wsnb-w-filter").fill("")
    screenshot(page, "integrations-widget-routes", widget)

    diagram = tab(widget, "diagram")
    diagram.locator('g.wsnb-route[data-route="$connect"]').click()
    detail = diagram.locator('.wsnb-w-detail[data-route="$connect"]')
    detail.wait_for(state="visible")
    text = detail.inner_text()
    assert "MOCK" in text and "no function" in text and "API Gateway answers" in text
    diagram.locator('g.wsnb-target[data-route="start"]').click()
    detail = diagram.locator('.wsnb-w-detail[data-route="start"]')
    detail.wait_for(state="visible")
    assert "no local states" in detail.inner_text()
    screenshot(page, "integrations-widget-diagram", widget)
    assert page.page_errors == []
