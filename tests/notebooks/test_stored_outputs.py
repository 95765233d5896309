"""The committed tutorials' stored outputs hold no absolute filesystem path and no traceback
frame inside wsnb: a reader sees their own cell and the error's fix, not our internals or the
machine the notebook was built on."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[2] / "notebooks").glob("*.ipynb"))
_ANSI = re.compile(r"\x1b\[[0-9;]*m")
# A path rooted at a filesystem top-level folder ("/tmp/...", "/home/...", "C:\\...").
# Not after "!" (a "#!/usr/bin/env" shebang shown as text) or a word, dot or slash (URLs,
# CloudWatch log group names such as "/aws/vendedlogs/...").
_ABSOLUTE_PATH = re.compile(
    r"(?<![\w/.!:-])/(?:tmp|home|root|Users|usr|var|opt|work|private|mnt|srv|nix|Library|proc)/"
    r"|\b[A-Za-z]:\\\\?[\w.-]+\\"
)
# A frame inside the wsnb package, however the traceback prints it.
_WSNB_FRAME = re.compile(r"site-packages/wsnb|\bwsnb/(?:[a-z_]+/)*_?[a-z_]+\.py\b")
# The before-stop hook's own grep, applied to the raw file.
_HOOK_GREP = re.compile(
    r"(^|[^A-Za-z0-9_/!])/(tmp|home|root|Users)/|site-packages/wsnb|/wsnb/(model|synth|local|_api)"
)


def output_texts(notebook: Path) -> list[tuple[int, str]]:
    """(cell index, text) for every stored output, ANSI colours removed."""
    texts = []
    for index, cell in enumerate(json.loads(notebook.read_text(encoding="utf-8"))["cells"]):
        for output in cell.get("outputs", []):
            parts: list[str] = []
            if "text" in output:
                parts.append("".join(output["text"]))
            for value in output.get("data", {}).values():
                parts.append(value if isinstance(value, str) else json.dumps(value))
            parts.extend(output.get("traceback", []))
            parts.append(output.get("evalue", ""))
            texts.append((index, _ANSI.sub("", "\n".join(parts))))
    return texts


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.name)
def test_stored_outputs_hold_no_absolute_path_and_no_wsnb_frame(notebook: Path):
    leaks = [
        f"cell {index}: {match.group(0)!r} in …{text[max(0, match.start() - 60) : match.end() + 40]!r}"
        for index, text in output_texts(notebook)
        for pattern in (_ABSOLUTE_PATH, _WSNB_FRAME)
        for match in pattern.finditer(text)
    ]
    raw = _HOOK_GREP.search(notebook.read_text(encoding="utf-8"))
    if raw:
        leaks.append(f"raw file: {raw.group(0)!r}")
    assert not leaks, "\n".join(leaks)


def test_the_patterns_catch_what_they_are_for():
    assert _ABSOLUTE_PATH.search('File "/tmp/ipykernel_1/123.py", line 1')
    assert _ABSOLUTE_PATH.search("relative to '/home/me/project'")
    assert _ABSOLUTE_PATH.search("C:\\Users\\me\\x.py")
    assert not _ABSOLUTE_PATH.search("#!/usr/bin/env python")
    assert not _ABSOLUTE_PATH.search("/aws/vendedlogs/apis/dev-app")
    assert _WSNB_FRAME.search("File ~/.venv/lib/python3.11/site-packages/wsnb/_api.py:121")
    assert _WSNB_FRAME.search("File /work/x/wsnb/model/_spec.py:452, in make_route")
    assert not _WSNB_FRAME.search("pip install 'wsnb[cdk]'")
