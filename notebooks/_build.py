"""Build the tutorial notebooks from their sources, and execute them for real.

The sources are ``notebooks/_sources/NN-name.py`` in the "percent" format (as jupytext writes
it): ``# %%`` starts a code cell (optionally ``# %% tags=["raises-exception"]``),
``# %% [markdown]`` starts a Markdown cell whose lines are ``# ``-prefixed. The ``.ipynb`` next
to this file are build products: edit the source, then run::

    .venv/bin/python notebooks/_build.py              # every notebook
    .venv/bin/python notebooks/_build.py 01 06        # the ones whose name starts with 01 or 06
    .venv/bin/python notebooks/_build.py --no-execute # structure only (no outputs)

Each notebook is executed with this interpreter's ``python3`` kernel and ``notebooks/`` as the
working directory (as nbval runs it), cell ids are deterministic, widget state is not stored
(GitHub then shows the static HTML fallback; see notes on ``metadata.widgets``), and timing
metadata is not recorded, so rebuilding an unchanged notebook changes only what is genuinely
volatile (a local port, how stdout happened to be chunked) — the values nbval.cfg sanitizes.

Not a test module: pytest collects ``notebooks/*.ipynb`` through nbval, not this script.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
SOURCES = HERE / "_sources"
_CELL_START = re.compile(r"^# %%(?P<markdown> \[markdown\])?(?: tags=(?P<tags>\[.*\]))?\s*$")
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}


def parse_source(text: str) -> list[dict[str, Any]]:
    """Split a percent-format source into ``{"type", "source", "tags"}`` cells."""
    cells: list[dict[str, Any]] = []
    current: dict[str, Any] | None = None
    for lineno, line in enumerate(text.splitlines(), 1):
        match = _CELL_START.match(line)
        if match:
            current = {
                "type": "markdown" if match["markdown"] else "code",
                "lines": [],
                "tags": json.loads(match["tags"]) if match["tags"] else [],
            }
            cells.append(current)
            continue
        if current is None:
            if line.strip():
                raise SystemExit(f"line {lineno}: text before the first '# %%' cell marker")
            continue
        if current["type"] == "markdown":
            if line and not (line == "#" or line.startswith("# ")):
                raise SystemExit(f"line {lineno}: a Markdown line must start with '# ': {line!r}")
            line = line[2:]
        current["lines"].append(line)
    out = []
    for cell in cells:
        lines = cell["lines"]
        while lines and not lines[-1].strip():
            lines.pop()
        while lines and not lines[0].strip():
            lines.pop(0)
        out.append({"type": cell["type"], "source": "\n".join(lines), "tags": cell["tags"]})
    return out


def build_notebook(source: Path) -> Any:
    """A fresh (unexecuted) notebook for one source file."""
    import nbformat
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

    cells = []
    for index, cell in enumerate(parse_source(source.read_text(encoding="utf-8"))):
        metadata = {"tags": cell["tags"]} if cell["tags"] else {}
        make = new_markdown_cell if cell["type"] == "markdown" else new_code_cell
        new = make(cell["source"], metadata=metadata)
        new["id"] = f"{source.stem[:2]}-{index:03d}"
        cells.append(new)
    nb = new_notebook(cells=cells, metadata={"kernelspec": dict(KERNELSPEC)})
    nb.nbformat, nb.nbformat_minor = 4, 5
    nbformat.validate(nb)
    return nb


def execute(nb: Any, name: str) -> None:
    """Run every cell in a real kernel, cwd = notebooks/; raise on an unexpected error."""
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    client = NotebookClient(
        nb,
        timeout=600,
        kernel_name="python3",
        resources={"metadata": {"path": str(HERE)}},
        record_timing=False,
        store_widget_state=False,
    )
    try:
        client.execute()
    except CellExecutionError as error:
        first = str(error).strip().splitlines()
        raise SystemExit(f"{name}: a cell failed (not tagged raises-exception):\n" + "\n".join(first[:12])) from None
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream" and output.get("name") == "stderr":
                print(f"  warning: {name} cell {cell['id']} wrote to stderr: {output['text'][:200]!r}")


def main(argv: list[str] | None = None) -> int:
    import nbformat

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("only", nargs="*", help="build notebooks whose name starts with one of these")
    parser.add_argument("--no-execute", action="store_true", help="write the notebooks without outputs")
    args = parser.parse_args(argv)
    sources = sorted(SOURCES.glob("[0-9][0-9]-*.py"))
    if args.only:
        sources = [s for s in sources if any(s.stem.startswith(p) for p in args.only)]
    if not sources:
        print("no notebook sources matched", file=sys.stderr)
        return 1
    for source in sources:
        target = HERE / f"{source.stem}.ipynb"
        nb = build_notebook(source)
        started = time.monotonic()
        if not args.no_execute:
            execute(nb, target.name)
        nbformat.write(nb, str(target))
        print(f"{target.relative_to(HERE.parent)}: {len(nb.cells)} cells, {time.monotonic() - started:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
