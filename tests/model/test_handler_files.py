"""Which files of a handler folder ship: data files, and the Python files the handlers import
(read with ``ast``), or every Python file when reading cannot tell."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wsnb.model._handler_files import handler_folder_files


def select(files: dict[str, str], entries: list[str]) -> set[str]:
    return set(handler_folder_files(files, entries, lambda name: files[name].encode()))


TUTORIAL = {
    "connect.py": "import os\nimport boto3\n",
    "default.py": "import boto3\n",
    "authorizer.py": "import os\n",
    "sendMessage.py": "import json\n",
    "requirements.txt": "boto3\n",
    "templates/welcome.txt": "hi",
}


def test_an_unused_handler_file_is_left_out_and_data_files_ship():
    assert select(TUTORIAL, ["connect.py", "default.py"]) == {
        "connect.py",
        "default.py",
        "requirements.txt",
        "templates/welcome.txt",
    }


def test_siblings_packages_and_relative_imports_ship():
    files = {
        "h.py": "import helpers\nfrom lib import util\nfrom pkg.sub import thing\n",
        "helpers.py": "def f():\n    import deep\n",  # an import inside a function counts too
        "deep.py": "",
        "lib/__init__.py": "",
        "lib/util.py": "from . import sibling\nfrom .. import nothing\n",
        "lib/sibling.py": "",
        "lib/unused.py": "",
        "pkg/sub/thing.py": "from ..other import x\n",  # namespace packages (no __init__)
        "pkg/other.py": "",
        "unused.py": "",
    }
    assert select(files, ["h.py"]) == {
        "h.py",
        "helpers.py",
        "deep.py",
        "lib/__init__.py",
        "lib/util.py",
        "lib/sibling.py",
        "pkg/sub/thing.py",
        "pkg/other.py",
    }


@pytest.mark.parametrize(
    "source",
    [
        "import importlib\n",
        "from importlib import import_module\n",
        "mod = __import__('helpers')\n",
        "exec(open('helpers.py').read())\n",
        "import sys\nsys.path.insert(0, 'lib')\nimport util\n",
        "from lib import *\n",
        "def broken(:\n",
    ],
)
def test_when_reading_cannot_tell_every_python_file_ships(source):
    files = {"h.py": source, "helpers.py": "", "lib/__init__.py": "", "lib/util.py": ""}
    assert select(files, ["h.py"]) == set(files)


# ----------------------------------------------- property: what Python imports, the rule ships

module_names = [f"m{i}" for i in range(6)]


@st.composite
def import_graphs(draw):
    """Random folders of modules importing each other, some imports only inside functions."""
    files = {}
    for name in module_names:
        lines = []
        for other in draw(st.lists(st.sampled_from(module_names), max_size=3)):
            style = draw(st.sampled_from(["import", "from", "lazy", "pkg"]))
            if style == "import":
                lines.append(f"import {other}")
            elif style == "from":
                lines.append(f"from {other} import *")
            elif style == "lazy":
                lines.append(f"def later():\n    import {other}")
            else:
                lines.append("from pkg import leaf")
        files[f"{name}.py"] = "\n".join(lines) + "\n"
    files["pkg/__init__.py"] = ""
    files["pkg/leaf.py"] = ""
    return files


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(files=import_graphs())
def test_everything_python_imports_is_shipped(tmp_path_factory, files):
    root = tmp_path_factory.mktemp("folder")
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    shipped = select(files, ["m0.py"])
    sys.path.insert(0, str(root))
    try:
        importlib.import_module("m0")
        loaded = {
            Path(m.__file__).relative_to(root).as_posix()
            for m in list(sys.modules.values())
            if getattr(m, "__file__", None) and Path(m.__file__).is_relative_to(root)
        }
    finally:
        sys.path.remove(str(root))
        for name in [*module_names, "pkg", "pkg.leaf"]:
            sys.modules.pop(name, None)
        importlib.invalidate_caches()
    assert loaded <= shipped


def test_a_top_level_handler_brings_the_project_files_it_imports(tmp_path):
    from wsnb.model._handler_files import imported_python_files

    (tmp_path / "lib").mkdir()
    (tmp_path / "venv").mkdir()  # never listed: only the imported names are probed
    files = {
        "h.py": "import helpers\nfrom lib import fmt\nimport boto3\n",
        "helpers.py": "",
        "lib/__init__.py": "",
        "lib/fmt.py": "",
        "notebook_helpers.py": "",
    }
    for rel, text in files.items():
        (tmp_path / rel).write_text(text)

    def probe(rel: str) -> bool:
        assert not rel.startswith("venv/")
        return (tmp_path / rel).is_file()

    found = imported_python_files(
        "h.py",
        probe,
        lambda rel: (tmp_path / rel).is_dir(),
        lambda rel: (tmp_path / rel).read_bytes(),
    )
    assert found == ["h.py", "helpers.py", "lib/__init__.py", "lib/fmt.py"]
