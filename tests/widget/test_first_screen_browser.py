"""Every committed tutorial at a laptop's width, measured in a real JupyterLab.

A 1280×800 window with JupyterLab's file browser open (its default layout) leaves an output
area of about 800 px. Opened untrusted (a fresh clone: wsnb's ``<style>`` and ``<svg>``
removed) and trusted, every wsnb display of every committed notebook must fit it:

- no ``<pre>`` wraps: its rendered height is what its line count gives (measured against
  one- and two-line copies of the same element, so fonts and padding are the page's own);
- no table, diagram or text table is wider than its output area.

``print(api)`` outputs (text tables) are measured the same way. Screenshots of each
notebook's first display, untrusted and trusted, land in ``test-artifacts/fit-*.png``; the
same checks run on Notebook 7 and on ``jupyter nbconvert --to html``'s page.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ._browser import ARTIFACTS, screenshot
from ._jupyter import JupyterServer

pytestmark = pytest.mark.browser

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
COMMITTED = sorted(NOTEBOOKS.glob("[0-9][0-9]-*.ipynb"))
LAPTOP = {"width": 1280, "height": 800}
TRACKER = "@jupyterlab/notebook-extension:tracker"

# What is measured in one output: the wsnb display (its text drawing, tables, diagram) or a
# text output that holds a wsnb text table (print(api)).
MEASURE = """(output) => {
  const found = [];
  const box = output.getBoundingClientRect();
  const heightOf = (pre, text) => {
    const copy = pre.cloneNode(false);
    copy.textContent = text;
    pre.parentNode.insertBefore(copy, pre);
    const height = copy.getBoundingClientRect().height;
    copy.remove();
    return height;
  };
  for (const pre of output.querySelectorAll('pre')) {
    if (!pre.checkVisibility()) continue;
    const text = pre.textContent.replace(/\\n$/, '');
    if (!output.querySelector('.wsnb-api') && !/WebSocketApi '/.test(text)) continue;
    const lines = text.split('\\n').length;
    const one = heightOf(pre, 'x'), two = heightOf(pre, 'x\\nx');
    const expected = one + (lines - 1) * (two - one);
    const height = pre.getBoundingClientRect().height;
    found.push({what: 'pre', first: text.split('\\n')[0].slice(0, 60), lines,
                wraps: height > expected + (two - one) / 2, height, expected,
                right: pre.getBoundingClientRect().right, scroll: pre.scrollWidth > pre.clientWidth + 1});
  }
  for (const el of output.querySelectorAll('table, svg.wsnb-diagram, .wsnb-api')) {
    if (!el.checkVisibility()) continue;
    const r = el.getBoundingClientRect();
    found.push({what: el.tagName.toLowerCase() + (el.classList.contains('wsnb-api') ? '.wsnb-api' : ''),
                head: [...el.querySelectorAll('th')].map((th) => th.textContent).join('|'),
                width: r.width, right: r.right,
                scroll: el.scrollWidth > el.clientWidth + 1});
  }
  return {left: box.left, right: box.right, width: box.width,
          scroll: output.scrollWidth > output.clientWidth + 1, found};
}"""

SCROLL = """() => {
  for (const el of document.querySelectorAll('.jp-WindowedPanel-outer')) el.scrollTop += 500;
  window.scrollBy(0, 500);
}"""

LAYOUT = """() => {
  const browser = document.querySelector('#filebrowser');
  const output = document.querySelector('.jp-OutputArea-output');
  return {
    fileBrowser: browser ? browser.getBoundingClientRect().width : 0,
    fileBrowserVisible: !!browser && browser.checkVisibility(),
    output: output ? output.getBoundingClientRect().width : 0,
  };
}"""


def problems(measured: dict) -> list[str]:
    """What does not fit in one output's measurements."""
    bad = []
    if measured["scroll"]:
        bad.append("the output area scrolls sideways")
    for item in measured["found"]:
        name = item.get("first") or item.get("head") or item["what"]
        if item.get("wraps"):
            bad.append(
                f"<pre> wraps: {item['first']!r} ({item['height']:.0f} px for {item['lines']} lines)"
            )
        if item["right"] > measured["right"] + 0.5:
            bad.append(f"{item['what']} {name!r} is wider than its output area")
        if item.get("scroll"):
            bad.append(f"{item['what']} {name!r} scrolls sideways")
    return bad


def wsnb_outputs(page: Any) -> Any:
    """The outputs that hold a wsnb display or a wsnb text table."""
    return page.locator(
        '.jp-OutputArea-output:has(.wsnb-api), .jp-OutputArea-output:has-text("WebSocketApi \'")'
    )


@pytest.fixture(scope="module")
def laptop(browser: Any, jupyter: JupyterServer) -> Iterator[Any]:
    """A 1280×800 page, with every cell rendered (no windowing) so every output is measured."""
    jupyter.api(
        "PUT", f"/lab/api/settings/{TRACKER}", {"raw": json.dumps({"windowingMode": "none"})}
    )
    context = browser.new_context(viewport=LAPTOP)
    page = context.new_page()
    page.set_default_timeout(60_000)
    try:
        yield page
    finally:
        context.close()
        jupyter.api("PUT", f"/lab/api/settings/{TRACKER}", {"raw": "{}"})


def copy_notebook(jupyter: JupyterServer, path: Path, *, trusted: bool) -> str:
    """A copy of the notebook for the server to open, signed in its trust database or not.

    Trust goes by content (a signature is a hash of the notebook), so each copy carries a mark
    of its own: a trusted copy never makes another test's untrusted copy trusted."""
    import nbformat
    from nbformat.sign import NotebookNotary

    state = "trusted" if trusted else "untrusted"
    name = f"fit-{state}/{path.name}"
    target = jupyter.root / name
    target.parent.mkdir(exist_ok=True)
    shutil.copytree(NOTEBOOKS / "src", target.parent / "src", dirs_exist_ok=True)
    notebook = nbformat.read(path, as_version=4)
    notebook.metadata["wsnb_first_screen_test"] = state
    nbformat.write(notebook, target)  # nobody signed this content: untrusted, as a clone is
    if trusted:
        NotebookNotary(data_dir=str(jupyter.base / "data")).sign(notebook)  # the server's
    return name


def static_displays(path: Path, *, trusted: bool) -> int:
    """How many stored wsnb displays the page shows as HTML: all of them untrusted; trusted,
    a live widget's output shows the widget (here "model not found") instead of its HTML."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    count = 0
    for cell in nb["cells"]:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            html = "".join(data.get("text/html", ""))
            widget = "application/vnd.jupyter.widget-view+json" in data
            if 'class="wsnb-api' in html and not (trusted and widget):
                count += 1
    return count


def measure_page(page: Any, count: int) -> list[dict]:
    outputs = page.locator(".jp-OutputArea-output:has(.wsnb-api)")
    shown = "() => document.querySelectorAll('.jp-OutputArea-output .wsnb-api').length"
    for _ in range(120):  # a windowed notebook renders cells as they scroll into view
        if page.evaluate(shown) >= count:
            break
        page.evaluate(SCROLL)
        page.wait_for_timeout(500)
    page.wait_for_timeout(1_000)  # fonts and MathJax settle
    if outputs.count() != count:
        screenshot(page, "fit-failed")
    assert outputs.count() == count, f"expected {count} wsnb displays, found {outputs.count()}"
    texts = wsnb_outputs(page)
    return [texts.nth(i).evaluate(MEASURE) for i in range(texts.count())]


@pytest.mark.parametrize("trusted", [False, True], ids=["untrusted", "trusted"])
@pytest.mark.parametrize("path", COMMITTED, ids=lambda p: p.stem[:2])
def test_every_tutorial_fits_a_laptop_screen(laptop, jupyter, path, trusted):
    page = laptop
    page.goto(jupyter.lab_url(copy_notebook(jupyter, path, trusted=trusted)))
    page.wait_for_selector(".jp-Notebook .jp-Cell", state="attached")
    displays = static_displays(path, trusted=trusted)
    if not displays:
        pytest.skip(f"{path.name} stores no wsnb display")
    measured = measure_page(page, displays)
    layout = page.evaluate(LAYOUT)
    # the layout this is about: the file browser open beside the notebook, ~800 px of output
    assert layout["fileBrowserVisible"] and layout["fileBrowser"] >= 200, layout
    assert 760 <= layout["output"] <= 880, layout
    styled = page.evaluate("() => !!document.querySelector('.wsnb-api style')")
    assert styled == trusted  # untrusted: JupyterLab removed wsnb's <style>
    first = wsnb_outputs(page).first
    first.scroll_into_view_if_needed()
    state = "trusted" if trusted else "untrusted"
    screenshot(page, f"fit-{path.stem[:2]}-{state}")
    bad = [f"output {i}: {p}" for i, m in enumerate(measured) for p in problems(m)]
    assert not bad, "\n".join(bad)


def test_chat_tutorial_fits_in_notebook7(laptop, browser, jupyter):
    path = NOTEBOOKS / "06-chat-app.ipynb"
    context = browser.new_context(viewport=LAPTOP)  # a page of its own, never a Lab page
    try:
        page = context.new_page()
        page.set_default_timeout(60_000)
        page.goto(jupyter.notebook7_url(copy_notebook(jupyter, path, trusted=False)))
        page.wait_for_selector(".jp-Notebook .jp-Cell", state="attached")
        measured = measure_page(page, static_displays(path, trusted=False))
        wsnb_outputs(page).first.scroll_into_view_if_needed()
        screenshot(page, "fit-06-notebook7-untrusted")
    finally:
        context.close()
    bad = [f"output {i}: {p}" for i, m in enumerate(measured) for p in problems(m)]
    assert not bad, "\n".join(bad)


def test_chat_tutorial_fits_in_nbconvert_html(browser, tmp_path):
    path = NOTEBOOKS / "06-chat-app.ipynb"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "jupyter",
            "nbconvert",
            "--to",
            "html",
            str(path),
            "--output-dir",
            str(tmp_path),
        ],
        check=True,
        capture_output=True,
    )
    page = browser.new_page(viewport=LAPTOP)
    try:
        page.goto((tmp_path / "06-chat-app.html").as_uri())
        measured = measure_page(page, static_displays(path, trusted=False))
        # nbconvert keeps wsnb's <style> and <svg>: the diagram is drawn, the text hidden
        assert page.evaluate("() => document.querySelector('svg.wsnb-diagram').checkVisibility()")
        assert not page.evaluate(
            "() => document.querySelector('pre.wsnb-diagram-text').checkVisibility()"
        )
        wsnb_outputs(page).first.scroll_into_view_if_needed()
        screenshot(page, "fit-06-nbconvert")
        ARTIFACTS.mkdir(exist_ok=True)
        shutil.copy(tmp_path / "06-chat-app.html", ARTIFACTS / "fit-06-nbconvert.html")
    finally:
        page.close()
    bad = [f"output {i}: {p}" for i, m in enumerate(measured) for p in problems(m)]
    assert not bad, "\n".join(bad)
