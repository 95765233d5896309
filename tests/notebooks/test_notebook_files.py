"""The committed tutorial notebooks are built from their sources, executed top to bottom, and
safe to render anywhere (no half-saved widget state)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
PATHS = sorted(NOTEBOOKS.glob("[0-9][0-9]-*.ipynb"))


def _build_module():
    spec = importlib.util.spec_from_file_location("wsnb_notebooks_build", NOTEBOOKS / "_build.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_source_has_its_notebook_and_back() -> None:
    sources = {p.stem for p in (NOTEBOOKS / "_sources").glob("[0-9][0-9]-*.py")}
    assert sources == {p.stem for p in PATHS}
    assert len(sources) >= 6


@pytest.mark.parametrize("path", PATHS, ids=[p.stem for p in PATHS])
def test_notebook_matches_its_source(path: Path) -> None:
    build = _build_module()
    expected = build.parse_source(
        (NOTEBOOKS / "_sources" / f"{path.stem}.py").read_text(encoding="utf-8")
    )
    nb = json.loads(path.read_text(encoding="utf-8"))
    got = [
        {
            "type": c["cell_type"],
            "source": "".join(c["source"]),
            "tags": c.get("metadata", {}).get("tags", []),
        }
        for c in nb["cells"]
    ]
    assert got == expected, (
        f"{path.name} differs from _sources/{path.stem}.py: run notebooks/_build.py"
    )


@pytest.mark.parametrize("path", PATHS, ids=[p.stem for p in PATHS])
def test_notebook_was_executed_top_to_bottom(path: Path) -> None:
    nb = json.loads(path.read_text(encoding="utf-8"))
    counts = [c["execution_count"] for c in nb["cells"] if c["cell_type"] == "code"]
    assert counts == list(range(1, len(counts) + 1)), f"{path.name}: execution counts {counts}"
    assert nb["metadata"]["kernelspec"]["name"] == "python3"


@pytest.mark.parametrize("path", PATHS, ids=[p.stem for p in PATHS])
def test_no_broken_widget_state(path: Path) -> None:
    # GitHub refuses notebooks whose metadata.widgets lacks "state"; without saved state the
    # widget outputs fall back to their static text/html there. _build.py stores none at all.
    metadata = json.loads(path.read_text(encoding="utf-8"))["metadata"]
    assert "widgets" not in metadata, f"{path.name}: saved widget state; run notebooks/_build.py"


@pytest.mark.parametrize("path", PATHS, ids=[p.stem for p in PATHS])
def test_only_tagged_cells_raise(path: Path) -> None:
    nb = json.loads(path.read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        if cell["cell_type"] != "code":
            continue
        raised = any(o["output_type"] == "error" for o in cell["outputs"])
        tagged = "raises-exception" in cell.get("metadata", {}).get("tags", [])
        assert raised == tagged, (
            f"{path.name} cell {cell.get('id')}: raised={raised}, tagged={tagged}"
        )


@pytest.mark.parametrize("path", PATHS, ids=[p.stem for p in PATHS])
def test_no_stderr_noise(path: Path) -> None:
    # Warnings or banners in a tutorial's stored output would confuse readers (and nbval
    # compares stderr too): the build must be clean.
    nb = json.loads(path.read_text(encoding="utf-8"))
    noisy = [
        cell.get("id")
        for cell in nb["cells"]
        if cell["cell_type"] == "code"
        and any(o["output_type"] == "stream" and o["name"] == "stderr" for o in cell["outputs"])
    ]
    assert not noisy, f"{path.name}: cells writing to stderr: {noisy}"
