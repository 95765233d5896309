"""Where export may write: a new or empty folder, or (overwrite=True) a previous wsnb export.

Re-exporting replaces only the files the previous export's manifest lists and keeps the rest
(``.venv/``, ``cdk.out/``, notes); a folder wsnb did not write is never replaced; permissions
follow the umask; the CLI and ``api.export`` share one rule (a symlinked DIR is refused).
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wsnb import ExportError, WebSocketApi
from wsnb.cli import main
from wsnb.export import MANIFEST, read_manifest


def tree(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` (posix path → bytes), symlinks not followed."""
    out = {}
    for dirpath, dirs, names in os.walk(root):
        for name in names + [d for d in dirs if Path(dirpath, d).is_symlink()]:
            path = Path(dirpath, name)
            out[path.relative_to(root).as_posix()] = (
                b"->" + os.readlink(path).encode() if path.is_symlink() else path.read_bytes()
            )
    return out


@pytest.fixture
def api(in_project):
    return WebSocketApi("Api").route("$default", "src/default.main")


def test_every_export_lists_what_it_wrote(api, tmp_path):
    result = api.export(tmp_path / "app")
    assert MANIFEST in result.files
    listed = read_manifest(result.path)
    assert listed == sorted(result.files) == sorted(tree(result.path))


def test_overwrite_refuses_a_folder_wsnb_did_not_write(api, tmp_path):
    project = tmp_path / "someone-elses-project"
    project.mkdir()
    (project / "main.py").write_text("precious")
    (project / "app.py").write_text("also precious")
    before = tree(project)
    with pytest.raises(ExportError) as err:
        api.export(project, overwrite=True)
    assert "not a wsnb export" in err.value.message and "main.py" in err.value.message
    assert tree(project) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["someone-elses-project"]


def test_a_forged_or_broken_manifest_is_not_trusted(api, tmp_path):
    target = tmp_path / "app"
    target.mkdir()
    (target / "keep.txt").write_text("mine")
    for text in ("{not json", '{"files": ["keep.txt"]}', '{"written_by": "wsnb", "files": 3}'):
        (target / MANIFEST).write_text(text)
        with pytest.raises(ExportError):
            api.export(target, overwrite=True)
        assert (target / "keep.txt").read_text() == "mine"


def test_reexport_replaces_wsnb_files_and_keeps_the_users(in_project, tmp_path):
    api = WebSocketApi("Api").route("$default", "src/default.main")
    target = api.export(tmp_path / "app").path
    (target / "app.py").write_text("# edited by hand: overwrite=True replaces it")
    for rel, text in {
        ".venv/bin/python": "venv",
        "cdk.out/old.template.json": "{}",
        "NOTES.md": "my notes",
        "src/__pycache__/default.cpython-311.pyc": "pyc",
    }.items():
        (target / rel).parent.mkdir(parents=True, exist_ok=True)
        (target / rel).write_text(text)
    (target / "link").symlink_to(tmp_path)  # a user's link is moved, never followed
    api.route("$connect", "src/connect.main")
    result = api.export(target, overwrite=True)
    after = tree(target)
    assert after["NOTES.md"] == b"my notes" and after[".venv/bin/python"] == b"venv"
    assert after["src/__pycache__/default.cpython-311.pyc"] == b"pyc"
    assert after["link"] == b"->" + str(tmp_path).encode()
    assert after["app.py"].startswith(b"#!/usr/bin/env python3") and b"$connect" in after["app.py"]
    assert read_manifest(target) == sorted(result.files)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["app"]  # no temp siblings left


def test_stale_wsnb_files_are_removed(in_project, tmp_path):
    (in_project / "other").mkdir(exist_ok=True)
    (in_project / "other" / "h.py").write_text("def main(event, context):\n    return {}\n")
    api = WebSocketApi("Api").route("$default", "src/default.main").route("x", "other/h.main")
    target = api.export(tmp_path / "app").path
    assert (target / "other" / "h.py").is_file()
    smaller = WebSocketApi("Api").route("$default", "src/default.main")
    smaller.export(target, overwrite=True)
    assert not (target / "other").exists()


def test_a_user_file_where_the_new_export_writes_is_refused_not_lost(in_project, tmp_path):
    api = WebSocketApi("Api").route("$default", "src/default.main")
    target = api.export(tmp_path / "app").path
    (in_project / "more").mkdir(exist_ok=True)
    (in_project / "more" / "h.py").write_text("def main(event, context):\n    return {}\n")
    (target / "more").mkdir()
    (target / "more" / "h.py").write_text("the user's own file")
    before = tree(target)
    api.route("y", "more/h.main")
    with pytest.raises(ExportError) as err:
        api.export(target, overwrite=True)
    assert "more/h.py" in err.value.message
    assert tree(target) == before


@pytest.mark.parametrize("umask, dirs, files", [(0o022, 0o755, 0o644), (0o077, 0o700, 0o600)])
def test_permissions_follow_the_umask(api, tmp_path, umask, dirs, files):
    old = os.umask(umask)
    try:
        target = api.export(tmp_path / "app").path
    finally:
        os.umask(old)
    for path in [target, *target.rglob("*")]:
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode == (dirs if path.is_dir() else files), (path, oct(mode))


def test_overwrite_keeps_the_folders_own_mode(api, tmp_path):
    target = api.export(tmp_path / "app").path
    target.chmod(0o750)
    api.export(target, overwrite=True)
    assert stat.S_IMODE(target.stat().st_mode) == 0o750


def test_overwrite_must_be_a_bool(api, tmp_path):
    with pytest.raises(ExportError):
        api.export(tmp_path / "app", overwrite="no")
    assert not (tmp_path / "app").exists()


# -------------------------------------------------------------------- the CLI, one rule


@pytest.fixture
def app_file(in_project):
    (in_project / "app.py").write_text(
        "from wsnb import WebSocketApi\napi = WebSocketApi('Api').route('$default', 'src/default.main')\n"
    )
    yield "app.py:api"
    (in_project / "app.py").unlink()


def test_cli_refuses_a_symlinked_dir_like_the_api(api, app_file, tmp_path, capsys):
    real = tmp_path / "real"
    real.mkdir()
    (tmp_path / "link").symlink_to(real)
    with pytest.raises(ExportError) as err:
        api.export(tmp_path / "link")
    assert main(["export", app_file, str(tmp_path / "link")]) == 1
    line = capsys.readouterr().err.strip()
    assert line.startswith("error: " + err.value.message.split(";")[0])
    assert list(real.iterdir()) == []


def test_cli_fixes_speak_cli(app_file, tmp_path, capsys):
    target = tmp_path / "app"
    assert main(["export", app_file, str(target)]) == 0
    capsys.readouterr()
    assert main(["export", app_file, str(target)]) == 1
    line = capsys.readouterr().err
    assert "--overwrite" in line and "overwrite=True" not in line and "api.export" not in line
    assert main(["export", app_file, str(target), "--overwrite"]) == 0
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "x").write_text("x")
    assert main(["export", app_file, str(mine), "--overwrite"]) == 1
    line = capsys.readouterr().err
    assert "not a wsnb export" in line and "api.export" not in line
    assert (mine / "x").read_text() == "x"


# ------------------------------------------------------------ property: nothing of yours is lost

names = st.sampled_from(["a", "b", "src", "app.py", "NOTES.md", ".venv", "cdk.out", "default.py"])
user_paths = st.lists(st.lists(names, min_size=1, max_size=3).map("/".join), max_size=6)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(paths=user_paths)
def test_reexport_never_loses_a_user_file(in_project, tmp_path_factory, paths):
    api = WebSocketApi("Api").route("$default", "src/default.main")
    target = api.export(tmp_path_factory.mktemp("prop") / "app").path
    wsnb_files = set(tree(target))
    for rel in paths:
        path = target / rel
        if any(
            p.is_file() for p in [path, *path.parents] if p != target and target in path.parents
        ):
            continue  # a file already sits where a folder would go
        if path.is_dir() or rel in wsnb_files:
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"user {rel}")
    before = tree(target)
    mine = {rel: data for rel, data in before.items() if rel not in wsnb_files}
    try:
        api.export(target, overwrite=True)
    except ExportError:
        assert tree(target) == before  # refused: nothing changed
        return
    after = tree(target)
    assert {rel: after.get(rel) for rel in mine} == mine
    assert json.loads((target / MANIFEST).read_text())["files"] == sorted(wsnb_files)


# ------------------------------------------------------------------ README: the Node banner


def _readme_shell_lines(readme: str) -> list[str]:
    blocks = readme.split("```sh\n")[1:]
    return [line for block in blocks for line in block.split("```")[0].splitlines()]


@pytest.mark.cdk
def test_readme_tells_how_to_run_without_the_node_banner(api, tmp_path):
    import shutil
    import subprocess
    import sys

    out = api.export(tmp_path / "app").path
    lines = _readme_shell_lines((out / "README.md").read_text())
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("JSII_", "CDK_"))}
    clean["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), clean.get("PATH", "")])

    def synth(*exports: str) -> str:
        script = "\n".join([*exports, f"CDK_OUTDIR={tmp_path / 'cdk.out'} python app.py"])
        proc = subprocess.run(
            ["bash", "-ec", script], cwd=out, env=clean, capture_output=True, text=True, timeout=300
        )
        assert proc.returncode == 0, proc.stderr[-2000:]
        return proc.stderr

    system_node = shutil.which("node", path=clean["PATH"])
    if system_node is None or "!!!" not in synth():
        pytest.skip("the system Node prints no end-of-life banner here")
    wheel = [line for line in lines if line.startswith("export JSII_NODE=")]
    assert len(wheel) == 1 and "!!!" not in synth(*wheel)
    silence = [line for line in lines if line.startswith("export JSII_SILENCE_")]
    assert silence and "!!!" not in synth(*silence)
