"""Export of Node.js functions (SPEC §8 with §3): the exported app ships wsnb's esbuild bundles
as assets beside the sources, synthesizes to exactly ``api.synth()`` with aws-cdk-lib and
constructs only (no esbuild, npm or Docker at ``cdk synth``), and its README's pinned command
rebuilds each bundle byte for byte (run here with the cached esbuild binary, offline)."""

from __future__ import annotations

import ast
import json
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
from exported_app import run_exported
from node_examples import CHAT_SOURCES, MIXED_SOURCES, chat_api, mixed_api, write

from wsnb.node import ESBUILD_VERSION, ensure

pytestmark = pytest.mark.cdk


@pytest.fixture(scope="module")
def chat(tmp_path_factory) -> Path:
    return write(tmp_path_factory.mktemp("ts-chat") / "chat", CHAT_SOURCES)


@pytest.fixture(scope="module")
def chat_export(chat, tmp_path_factory):
    api = chat_api(chat)
    out = api.export(tmp_path_factory.mktemp("exports") / "chat-app").path
    return api, out


def files_under(folder: Path) -> list[str]:
    return sorted(
        p.relative_to(folder).as_posix()
        for p in folder.rglob("*")
        if p.is_file() and "cdk.out" not in p.relative_to(folder).parts
    )


def rebuild_commands(app_dir: Path) -> list[str]:
    readme = (app_dir / "README.md").read_text()
    block = re.search(r"rebuild its bundle.*?```sh\n(.*?)```", readme, re.S)
    assert block, readme
    return block[1].splitlines()


def esbuild_binary() -> str:
    """The native esbuild binary in wsnb's cache (the version the README pins)."""
    package = ensure().esbuild
    (binary,) = package.parent.glob("@esbuild/*/bin/esbuild")
    version = json.loads((package / "package.json").read_text())["version"]
    assert version == ESBUILD_VERSION
    return str(binary)


def test_the_chat_app_synthesizes_the_same_template(chat_export):
    api, out = chat_export
    assert run_exported(out) == api.synth().template
    files = files_under(out)
    assert files == [
        ".wsnb-export.json",
        "README.md",
        "app.py",
        "cdk.json",
        "package.json",
        "requirements.txt",
        "src/connect.ts",
        "src/disconnect.ts",
        "src/lib/connections.ts",
        "src/sendMessage.ts",
        "tsconfig.json",
        "wsnb_functions/src-connect/index.mjs",
        "wsnb_functions/src-disconnect/index.mjs",
        "wsnb_functions/src-sendMessage/index.mjs",
    ]
    for rel in ("src/connect.ts", "src/lib/connections.ts", "tsconfig.json", "package.json"):
        assert (out / rel).read_bytes() == (api.root / rel).read_bytes()


def test_the_app_is_plain_cdk_and_its_assets_javascript_only(chat_export):
    _, out = chat_export
    source = (out / "app.py").read_text()
    tree = ast.parse(source)
    imported = {n.module.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    imported |= {
        a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names
    }
    assert imported <= {"aws_cdk", "constructs", "pathlib"}
    assets = re.findall(r'str\(APP_DIR / "([^"]+)"\)', source)
    assert sorted(assets) == [
        "wsnb_functions/src-connect",
        "wsnb_functions/src-disconnect",
        "wsnb_functions/src-sendMessage",
    ]
    for folder in assets:
        assert files_under(out / folder) == ["index.mjs"]
    assert source.count('handler="index.main"') == 3
    assert source.count("runtime=aws_lambda.Runtime.NODEJS_22_X") == 3
    reqs = (out / "requirements.txt").read_text()
    assert "esbuild" not in reqs and "wsnb" not in reqs and "nodejs" not in reqs


def test_the_readme_command_rebuilds_every_bundle_byte_for_byte(chat_export, tmp_path):
    _, out = chat_export
    commands = rebuild_commands(out)
    assert commands == [
        f"npx esbuild@{ESBUILD_VERSION} src/{name}.ts --bundle --platform=node --format=esm "
        f"--target=node22 '--external:@aws-sdk/*' --outfile=wsnb_functions/src-{name}/index.mjs"
        for name in ("connect", "disconnect", "sendMessage")
    ]
    assert len(_rebuild(out, commands, tmp_path)) == 3


def _rebuild(app_dir: Path, commands: list[str], tmp_path: Path) -> list[str]:
    """Run each README command (a shell line, in a copy of the app folder) with the cached
    esbuild in place of ``npx esbuild@<pinned>``; assert the same bytes; return the outfiles."""
    copy = Path(
        shutil.copytree(app_dir, tmp_path / "rebuild", ignore=shutil.ignore_patterns("cdk.out"))
    )
    binary = esbuild_binary()
    prefix = f"npx esbuild@{ESBUILD_VERSION} "
    done = []
    for line in commands:
        assert line.startswith(prefix), line
        (outfile,) = [a for a in shlex.split(line) if a.startswith("--outfile=")]
        rel = outfile.removeprefix("--outfile=")
        (copy / rel).unlink()
        proc = subprocess.run(
            ["bash", "-c", shlex.quote(binary) + " " + line.removeprefix(prefix)],
            cwd=copy,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert proc.returncode == 0, proc.stderr
        assert (copy / rel).read_bytes() == (app_dir / rel).read_bytes(), rel
        done.append(rel)
    return done


def test_a_mixed_python_and_node_api_exports_to_the_same_template(tmp_path, monkeypatch):
    root = write(write(tmp_path / "project", CHAT_SOURCES), MIXED_SOURCES)
    monkeypatch.chdir(root)
    api = mixed_api()
    out = api.export(tmp_path / "app").path
    assert run_exported(out) == api.synth().template
    files = files_under(out)
    assert "py/default.py" in files  # the Python asset folder, as before
    assert "wsnb_functions/shout_handler/shout_handler.py" in files  # a notebook function
    for rel in ("src/legacy.cjs", "src/lib/shout.cjs", "src/ask.mjs", "src/authorizer.ts"):
        assert rel in files  # Node.js sources beside the bundles
    node_assets = sorted(
        {f.rsplit("/", 1)[0] for f in files if f.startswith("wsnb_functions/src-")}
    )
    for folder in node_assets:
        inside = files_under(out / folder)
        assert inside in (["index.mjs"], ["index.js"]), (folder, inside)
    commands = rebuild_commands(out)
    assert len(commands) == len(node_assets) == 6
    legacy = next(c for c in commands if "src/legacy.cjs" in c)
    assert "--format=cjs --target=node20" in legacy and legacy.endswith("src-legacy/index.js")
    ask = next(c for c in commands if "src/ask.mjs" in c)
    assert "'--banner:js=import { createRequire as __wsnbCreateRequire }" in ask
    authorizer = next(c for c in commands if "src/authorizer.ts" in c)
    assert "--target=node24" in authorizer
    assert len(_rebuild(out, commands, tmp_path)) == 6


def test_a_typo_in_the_export_leaves_no_app(chat, tmp_path):
    from wsnb import ExportError

    api = chat_api(chat).route("sendMessage", "src/sendMessage.mian", replace=True)
    with pytest.raises(ExportError) as err:
        api.export(tmp_path / "app")
    assert "src/sendMessage.ts does not export 'mian' (it exports main)" in err.value.message
    assert err.value.fix == 'did you mean "src/sendMessage.main"?'
    assert not (tmp_path / "app").exists()
