"""ApiWidget in a real browser: JupyterLab (light and dark) and Notebook 7, driven by chromium.

Screenshots land in ``test-artifacts/`` for a person to look at.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from ._browser import (
    KERNEL_DIALOG,
    WIDGET,
    accept_kernel_dialog,
    click_run_all,
    run_all_cells,
    screenshot,
    theme,
    wait_idle,
)
from ._jupyter import JupyterServer
from .conftest import NOTEBOOK_CELLS

pytestmark = pytest.mark.browser

ROUTES = ["$connect", "sendMessage", "$default"]  # the third comes from a later cell
SYNTH_TIMEOUT_MS = 120_000


def open_widget(page: Any, jupyter: JupyterServer, url_for: str, name: str) -> Any:
    jupyter.write_notebook(name, NOTEBOOK_CELLS)
    jupyter.start_kernel_for(name)
    url = jupyter.lab_url(name) if url_for == "lab" else jupyter.notebook7_url(name)
    try:
        run_all_cells(page, url)
        page.wait_for_selector(f"{WIDGET}, {KERNEL_DIALOG}", state="attached", timeout=60_000)
        if accept_kernel_dialog(page):  # it came up late and swallowed "Run All"
            click_run_all(page)
            page.wait_for_selector(WIDGET, state="attached", timeout=60_000)
        wait_idle(page)
    except Exception:
        screenshot(page, f"failed-{name}")
        raise
    widget = page.locator(WIDGET)
    assert widget.count() == 1
    widget.scroll_into_view_if_needed()
    return widget


def tab(widget: Any, name: str) -> Any:
    widget.locator(f'button[data-tab="{name}"]').click()
    panel = widget.locator(f'.wsnb-w-panel[data-section="{name}"]')
    panel.wait_for(state="visible")
    return panel


def check_routes(widget: Any) -> None:
    panel = tab(widget, "routes")
    rows = panel.locator("tr.wsnb-w-route-row")
    # the later cell's route arrived, in order, without re-displaying the widget
    rows.nth(2).wait_for(state="visible")
    assert [rows.nth(i).get_attribute("data-route") for i in range(rows.count())] == ROUTES
    send = panel.locator('tr[data-route="sendMessage"]')
    assert send.locator('td[data-prop="memory_size"]').inner_text() == "512 MB"
    timeout = send.locator('td[data-prop="timeout"]')
    assert timeout.inner_text() == "20 s"
    assert "wsnb-w-src-defaults" in timeout.get_attribute("class")  # provenance highlighted
    panel.locator("input.wsnb-w-filter").fill("send")
    assert [r.get_attribute("data-route") for r in rows.all() if r.is_visible()] == ["sendMessage"]
    assert "1 of 3 routes" in panel.locator(".wsnb-w-filter-count").inner_text()
    panel.locator("input.wsnb-w-filter").fill("")
    assert sum(r.is_visible() for r in rows.all()) == 3


def check_diagram(widget: Any) -> None:
    panel = tab(widget, "diagram")
    svg = panel.locator("svg.wsnb-diagram")
    assert svg.is_visible()
    # the diagram shrinks to the panel: nothing is cut off at the right edge
    drawn, room = svg.bounding_box(), panel.bounding_box()
    assert drawn["x"] + drawn["width"] <= room["x"] + room["width"] + 1
    assert svg.locator("g.wsnb-route").count() == 3
    svg.locator('g.wsnb-route[data-route="sendMessage"]').click()
    detail = panel.locator('.wsnb-w-detail[data-route="sendMessage"]')
    detail.wait_for(state="visible")
    text = detail.inner_text()
    assert "src/send.main" in text and "512 MB" in text and "from defaults" in text


def check_lint(widget: Any) -> None:
    panel = tab(widget, "lint")
    findings = panel.locator("li.wsnb-w-finding")
    # NOTEBOOK_CELLS' API after its later cell (the same state update as the third route row,
    # which check_routes waited for): api.lint() finds this one thing only
    got = [(f.get_attribute("data-code"), f.get_attribute("data-level")) for f in findings.all()]
    assert got == [("access-log-role", "info")]
    assert findings.first.locator(".wsnb-w-fix").count() == 1


def check_synth(widget: Any, page: Any, *, copy: str = "") -> None:
    panel = tab(widget, "cloudformation")
    panel.locator("button.wsnb-w-synth").click()
    page.wait_for_function(
        "sel => ['done', 'error'].includes(document.querySelector(sel).dataset.synthStatus)",
        arg=WIDGET,
        timeout=SYNTH_TIMEOUT_MS,
    )
    error = panel.locator(".wsnb-w-synth-error")
    assert not error.is_visible(), error.inner_text()
    template_text = panel.locator("pre.wsnb-w-template").inner_text()
    template = json.loads(template_text)
    types = [r["Type"] for r in template["Resources"].values()]
    assert types.count("AWS::ApiGatewayV2::Route") == 3
    assert (
        panel.locator('.wsnb-w-counts tr[data-type="AWS::Lambda::Function"] td').nth(1).inner_text()
        == "3"
    )
    assert int(panel.locator(".wsnb-w-total").inner_text()) == len(types)
    # which stack was synthesized, and the synth notes at lint's level
    assert (
        panel.locator(".wsnb-w-synth-target")
        .inner_text()
        .startswith("Stack dev-app (app app, stage dev")
    )
    note = panel.locator('.wsnb-w-synth-warning[data-level="info"]')
    assert "[access-log-role]" in note.inner_text()
    href = panel.locator("a.wsnb-w-download").get_attribute("href")
    prefix = "data:application/json;base64,"
    assert href.startswith(prefix)
    assert json.loads(base64.b64decode(href[len(prefix) :])) == template
    assert panel.locator("a.wsnb-w-download").get_attribute("download") == "Chat.template.json"
    status = panel.locator(".wsnb-w-copy-status")
    if copy == "clipboard":
        panel.locator("button.wsnb-w-copy").click()
        page.wait_for_function("el => el.textContent.length > 0", arg=status.element_handle())
        assert status.inner_text() == "Copied to the clipboard."
        assert json.loads(page.evaluate("navigator.clipboard.readText()")) == template
    elif copy == "fallback":  # a browser that refuses the clipboard: the template gets selected
        page.evaluate(
            "() => { navigator.clipboard.writeText = () => Promise.reject(new Error('denied')); }"
        )
        panel.locator("button.wsnb-w-copy").click()
        page.wait_for_function("el => el.textContent.length > 0", arg=status.element_handle())
        assert status.inner_text().startswith("Selected: press Ctrl+C")
        assert json.loads(page.evaluate("window.getSelection().toString()")) == template


def check_local(widget: Any, page: Any) -> None:
    panel = tab(widget, "local")
    panel.locator("button.wsnb-w-start").click()
    page.wait_for_function(
        "sel => ['running', 'error'].includes(document.querySelector(sel).dataset.serverStatus)",
        arg=WIDGET,
        timeout=60_000,
    )
    error = panel.locator(".wsnb-w-server-error")
    assert not error.is_visible(), error.inner_text()
    assert panel.locator("code.wsnb-w-url").inner_text().startswith("ws://127.0.0.1:")
    box = panel.locator("input.wsnb-w-client-input")
    assert json.loads(box.input_value()) == {"action": "sendMessage", "data": "hello"}
    panel.locator("button.wsnb-w-client-send").click()
    reply = panel.locator("li.wsnb-w-log-recv")
    reply.first.wait_for(state="visible", timeout=30_000)
    assert reply.first.inner_text().endswith("echo: hello")
    # the emulator reports the browser's connection and message back through the kernel
    panel.locator("table.wsnb-w-connections tr[data-connection]").first.wait_for(
        state="attached", timeout=15_000
    )
    panel.locator("li.wsnb-w-event").first.wait_for(state="attached", timeout=15_000)
    # the traffic picture: the browser's message reached the sendMessage function
    step = panel.locator("tr.wsnb-w-traffic-step", has_text="sendMessage ▶")
    step.first.wait_for(state="attached", timeout=15_000)
    assert panel.locator("tr.wsnb-w-traffic-route", has_text="sendMessage").count() == 1


def test_widget_in_jupyterlab(page, jupyter):
    widget = open_widget(page, jupyter, "lab", "widget-lab.ipynb")
    check_routes(widget)
    screenshot(page, "lab-routes", widget)
    check_diagram(widget)
    screenshot(page, "lab-diagram", widget)
    check_lint(widget)
    screenshot(page, "lab-lint", widget)
    check_synth(widget, page, copy="clipboard")
    screenshot(page, "lab-cloudformation", widget)
    check_local(widget, page)
    screenshot(page, "lab-local", widget)
    screenshot(page, "lab-page")
    assert page.page_errors == []


def test_widget_in_notebook7(page, jupyter):
    widget = open_widget(page, jupyter, "notebook7", "widget-nb7.ipynb")
    assert page.locator("#top-panel").count() == 1  # Notebook 7's shell, not JupyterLab's
    assert page.locator("#jp-top-panel").count() == 0
    assert "/notebooks/" in page.url
    check_routes(widget)
    check_diagram(widget)
    check_lint(widget)
    check_synth(widget, page)
    screenshot(page, "notebook7-cloudformation", widget)
    check_local(widget, page)
    screenshot(page, "notebook7-local", widget)
    assert page.page_errors == []


def _luminance(css_color: str) -> float:
    parts = css_color[css_color.index("(") + 1 : css_color.index(")")].split(",")
    r, g, b = (float(p) for p in parts[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def test_widget_in_jupyterlab_dark_theme(page, jupyter):
    jupyter.set_theme("dark")
    try:
        widget = open_widget(page, jupyter, "lab", "widget-dark.ipynb")
        page.wait_for_function("() => document.body.dataset.jpThemeLight === 'false'")
        colours = theme(page)
        assert colours["name"] == "JupyterLab Dark"
        assert (
            _luminance(colours["background"]) < 80 < _luminance(colours["color"])
        )  # light text on dark
        check_routes(widget)
        screenshot(page, "dark-routes", widget)
        check_diagram(widget)
        screenshot(page, "dark-diagram", widget)
        check_lint(widget)
        check_synth(widget, page, copy="fallback")
        screenshot(page, "dark-cloudformation", widget)
        assert page.page_errors == []
    finally:
        jupyter.set_theme("light")


BIND_ONLY_CELLS = [
    # an API whose only props beyond wsnb's built-in defaults are a bound Table and, on one
    # route, a runtime other than the default (so the runtime column shows)
    "from wsnb import Table, WebSocketApi\n"
    'table = Table("Connections", fields={"id": "string"}, primary_index={"partition_key": "id"})\n'
    "api = (\n"
    '    WebSocketApi("Chat")\n'
    "    .defaults(bind=[table])\n"
    '    .route("$connect", "src/connect.main")\n'
    '    .route("sendMessage", "src/send.main", runtime="python3.11")\n'
    ")",
    "w = api.show()\nw",
]

# where the routes table ends, against its scroll box, its panel and the notebook's visible area
ROUTES_GEOMETRY = """(root) => {
  const panel = root.querySelector('.wsnb-w-panel[data-section="routes"]');
  const table = panel.querySelector('table.wsnb-w-routes');
  const box = table.parentElement;
  const notebook = root.closest('.jp-Notebook, .jp-NotebookPanel-notebook');
  const right = (el) => el.getBoundingClientRect().right;
  return {
    headers: [...table.querySelectorAll('thead th')].map((th) => th.textContent),
    table: right(table), box: right(box), panel: right(panel), notebook: right(notebook),
    overflowX: getComputedStyle(box).overflowX,
    scrolls: box.scrollWidth > box.clientWidth,
    clipped: [...table.querySelectorAll('td')]
      .filter((td) => td.scrollWidth > td.clientWidth + 1)
      .map((td) => td.textContent),
  };
}"""


def test_routes_tab_shows_only_used_columns_and_is_never_clipped(page, jupyter):
    page.set_viewport_size({"width": 1280, "height": 900})  # a laptop-sized JupyterLab window
    jupyter.write_notebook("widget-columns.ipynb", BIND_ONLY_CELLS)
    jupyter.start_kernel_for("widget-columns.ipynb")
    try:
        run_all_cells(page, jupyter.lab_url("widget-columns.ipynb"))
        page.wait_for_selector(WIDGET, state="attached", timeout=60_000)
        wait_idle(page)
    except Exception:
        screenshot(page, "failed-widget-columns")
        raise
    widget = page.locator(WIDGET)
    widget.scroll_into_view_if_needed()
    panel = tab(widget, "routes")
    panel.locator('tr[data-route="sendMessage"]').wait_for(state="visible")
    geometry = widget.evaluate(ROUTES_GEOMETRY)
    screenshot(page, "lab-routes-columns", widget)
    screenshot(page, "lab-routes-columns-page")
    # the same columns as the static HTML table: the empty ones are not drawn
    assert geometry["headers"] == ["route", "handler", "runtime", "timeout", "memory", "bind"], (
        geometry
    )
    runtime = panel.locator('tr[data-route="sendMessage"] td[data-prop="runtime"]')
    assert runtime.inner_text() == "python3.11"  # where it differs from the default
    bind = panel.locator('tr[data-route="sendMessage"] td[data-prop="bind"]')
    assert bind.inner_text() == "Table Connections"  # in full, not cut to "Tab"
    assert "wsnb-w-src-defaults" in bind.get_attribute("class")
    assert geometry["clipped"] == []
    # the table ends inside its panel, and the panel inside the notebook
    assert geometry["table"] <= geometry["panel"] + 1, geometry
    assert geometry["panel"] <= geometry["notebook"] + 1, geometry

    # a window too narrow for the table: it scrolls inside its own box, never cut off
    page.set_viewport_size({"width": 760, "height": 900})
    box = panel.locator(".wsnb-w-scroll:has(> table.wsnb-w-routes)")
    page.wait_for_function("el => el.scrollWidth > el.clientWidth", arg=box.element_handle())
    narrow = widget.evaluate(ROUTES_GEOMETRY)
    screenshot(page, "lab-routes-columns-narrow", widget)
    assert narrow["scrolls"] and narrow["overflowX"] in ("auto", "scroll"), narrow
    assert narrow["box"] <= narrow["panel"] + 1, narrow
    assert narrow["panel"] <= narrow["notebook"] + 1, narrow
    # scrolled to its end, the last column shows whole inside the box (headless chromium hides
    # scrollbars, so the screenshot shows the scrolled table rather than a scrollbar)
    box.evaluate("el => { el.scrollLeft = el.scrollWidth; }")
    edges = bind.evaluate(
        """td => {
          const box = td.closest('.wsnb-w-scroll').getBoundingClientRect();
          const cell = td.getBoundingClientRect();
          return {cell: [cell.left, cell.right], box: [box.left, box.right]};
        }"""
    )
    screenshot(page, "lab-routes-columns-narrow-scrolled", widget)
    assert edges["box"][0] - 1 <= edges["cell"][0] < edges["cell"][1] <= edges["box"][1] + 1, edges
    assert page.page_errors == []
