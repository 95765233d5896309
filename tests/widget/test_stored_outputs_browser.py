"""The committed tutorial notebooks, opened untrusted in a real JupyterLab (as from a fresh clone).

JupyterLab sanitizes untrusted HTML outputs: ``<style>`` and ``<svg>`` go. The first screen must
still show the route table (route names in table cells), a diagram with a visible size (the text
drawing that stands in for the SVG), and no MathJax inside wsnb outputs (``$connect`` is not
math). Trusted, the drawn SVG shows instead, with no text sticking out of its boxes.
Screenshots of 01 and 06, light and dark, land in ``test-artifacts/``.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from ..notebooks._outputs import original_routes, wsnb_api_outputs
from ._browser import screenshot
from ._jupyter import JupyterServer

pytestmark = pytest.mark.browser

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
FIRST_DISPLAY = ".jp-OutputArea-output:has(.wsnb-api)"

PROBE = """(root) => {
  const api = root.querySelector('.wsnb-api');
  const visible = (el) => {
    if (!el) return false;
    const r = el.getBoundingClientRect();
    return r.width > 50 && r.height > 30 && getComputedStyle(el).display !== 'none';
  };
  const svg = api.querySelector('svg.wsnb-diagram');
  const text = api.querySelector('pre.wsnb-diagram-text');
  return {
    cells: [...api.querySelectorAll('td')].map((td) => td.textContent.trim()),
    mathjax: api.querySelectorAll('mjx-container, .MathJax, mjx-math').length,
    hasStyle: !!api.querySelector('style'),
    svgVisible: visible(svg),
    textVisible: visible(text),
    drawing: text ? text.textContent : '',
  };
}"""

# every node's text inside its box, label and meta text apart (real font metrics)
GEOMETRY = """(root) => {
  const bad = [];
  for (const g of root.querySelectorAll('svg.wsnb-diagram g.wsnb-node')) {
    const rect = g.querySelector('rect').getBoundingClientRect();
    const texts = [...g.querySelectorAll('text')].map((t) => t.getBoundingClientRect());
    for (const t of texts) {
      if (t.left < rect.left || t.right > rect.right + 0.5) bad.push('outside: ' + g.textContent);
    }
    if (texts.length === 2 && texts[0].right > texts[1].left) bad.push('overlap: ' + g.textContent);
  }
  const svg = root.querySelector('svg.wsnb-diagram').getBoundingClientRect();
  const box = root.querySelector('.wsnb-api').getBoundingClientRect();
  if (svg.right > box.right + 1) bad.push('svg wider than its output');
  return bad;
}"""


@pytest.fixture(scope="module")
def copies(jupyter: JupyterServer) -> list[str]:
    names = []
    for path in sorted(NOTEBOOKS.glob("[0-9][0-9]-*.ipynb")):
        if not wsnb_api_outputs(path):
            continue  # e.g. 04 shows synth results, not an API display
        target = jupyter.root / "stored" / path.name
        target.parent.mkdir(exist_ok=True)
        shutil.copy(path, target)  # a copy nobody signed: untrusted, like a fresh clone
        names.append(f"stored/{path.name}")
    return names


def open_first_display(page: Any, jupyter: JupyterServer, name: str, *, lab: bool = True) -> Any:
    url = jupyter.lab_url(name) if lab else jupyter.notebook7_url(name)
    page.goto(url)
    page.wait_for_selector(".jp-Notebook", timeout=60_000)
    page.wait_for_selector(".jp-Cell", state="attached", timeout=60_000)
    output = page.locator(FIRST_DISPLAY).first
    for _ in range(40):  # Lab renders cells near the viewport only: scroll until it is there
        if output.count():
            break
        page.evaluate(
            "() => { const s = document.querySelector('.jp-WindowedPanel-outer');"
            " if (s) s.scrollTop += 600; }"
        )
        page.wait_for_timeout(250)
    output.wait_for(state="attached", timeout=10_000)
    output.scroll_into_view_if_needed()  # Lab virtualizes: measure only what is on screen
    page.wait_for_timeout(1_500)  # MathJax typesets asynchronously; give it the chance
    return output


def first_display_routes(name: str) -> list[str]:
    """The route keys of the first stored display, read from the notebook file itself."""
    cell_html = wsnb_api_outputs(NOTEBOOKS / Path(name).name)[0][1]
    return [key for key, _ in original_routes(cell_html)]


def check_untrusted(output: Any, routes: list[str]) -> dict:
    seen = output.evaluate(PROBE)
    assert routes
    for key in routes:
        assert key in seen["cells"], f"{key} not in a table cell"
    assert seen["mathjax"] == 0, "MathJax typeset something inside the wsnb output"
    assert not seen["hasStyle"], "expected JupyterLab to sanitize an untrusted output"
    assert seen["textVisible"], "the text drawing of the diagram is not visible"
    assert not seen["svgVisible"]
    for key in routes:
        assert any(key in line and "──▶" in line for line in seen["drawing"].splitlines())
    return seen


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_committed_notebooks_read_untrusted_in_jupyterlab(page, jupyter, copies, theme):
    jupyter.set_theme(theme)
    try:
        for name in copies:
            output = open_first_display(page, jupyter, name)
            check_untrusted(output, first_display_routes(name))
            stem = Path(name).stem[:2]
            if stem in ("01", "06"):
                screenshot(page, f"untrusted-{stem}-{theme}", output)
            # no MathJax in any wsnb output of the notebook, not only the first one
            count = page.evaluate(
                "() => document.querySelectorAll("
                '\'[class*="wsnb-"] mjx-container, [class*="wsnb-"] .MathJax\').length'
            )
            assert count == 0
    finally:
        jupyter.set_theme("light")


def test_committed_notebook_reads_untrusted_in_notebook7(page, jupyter, copies):
    output = open_first_display(page, jupyter, copies[0], lab=False)
    check_untrusted(output, first_display_routes(copies[0]))
    screenshot(page, "untrusted-01-notebook7", output)


def test_trusted_display_draws_the_svg_without_overflow(page, jupyter, copies):
    import nbformat
    from nbformat.sign import NotebookNotary

    name = "stored/trusted-06.ipynb"
    shutil.copy(NOTEBOOKS / "06-chat-app.ipynb", jupyter.root / name)
    nb = nbformat.read(jupyter.root / name, as_version=4)
    NotebookNotary(data_dir=str(jupyter.base / "data")).sign(nb)  # the server's trust database
    output = open_first_display(page, jupyter, name)
    seen = output.evaluate(PROBE)
    assert seen["hasStyle"] and seen["svgVisible"] and not seen["textVisible"]
    assert seen["mathjax"] == 0
    assert output.evaluate(GEOMETRY) == []
    screenshot(page, "trusted-06-light", output)
