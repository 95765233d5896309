"""The per-user cache of the pinned AWS SDK and esbuild: where it lives, what handlers import,
complete-or-absent folders under concurrent fetches, and the error that says what to run when
offline and not cached. Nothing here reaches the registry: "offline" is a registry on a closed
127.0.0.1 port, and fetches use npm's own cache (filled by ``python -m wsnb.node fetch``)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.node.conftest import write
from wsnb.node import (
    DEFAULT_SDK,
    SDK_VERSION,
    NodeError,
    NodeOfflineError,
    cache_root,
    ensure,
    find,
    scan_sdk_imports,
    sdk_package_names,
)

ROOT = Path(__file__).resolve().parents[2]


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _unreachable(tmp_path: Path) -> dict[str, str]:
    """npm settings for a registry nobody answers and an empty npm cache: offline."""
    return {
        "registry": f"http://127.0.0.1:{_closed_port()}/",
        "cache": str(tmp_path / "empty-npm-cache"),
        "fetch-retries": "0",
    }


def test_cache_root_follows_the_environment(monkeypatch, tmp_path):
    assert cache_root(tmp_path) == tmp_path / "node"
    monkeypatch.delenv("WSNB_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_root() == tmp_path / "xdg" / "wsnb" / "node"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert cache_root() == Path(os.path.expanduser("~")) / ".cache" / "wsnb" / "node"
    monkeypatch.setenv("WSNB_CACHE_DIR", str(tmp_path / "mine"))
    assert cache_root() == tmp_path / "mine" / "node"


def test_sdk_package_names():
    assert sdk_package_names(["client-s3", "@aws-sdk/client-ssm/dist-es/index.js"]) == {
        "@aws-sdk/client-s3",
        "@aws-sdk/client-ssm",
    }
    # lib-dynamodb's peer dependency comes with it
    assert sdk_package_names(["lib-dynamodb"]) == {
        "@aws-sdk/lib-dynamodb",
        "@aws-sdk/client-dynamodb",
    }
    with pytest.raises(NodeError, match="not an AWS SDK"):
        sdk_package_names(["@aws-sdk/Client S3"])


def test_scan_finds_every_import_form_and_skips_node_modules(tmp_path):
    write(
        tmp_path,
        {
            "src/a.ts": 'import { X } from "@aws-sdk/client-sqs";\nexport * from "@aws-sdk/lib-storage";',
            "src/b.cjs": "const { S } = require('@aws-sdk/client-sns');",
            "src/c.mjs": "const m = await import('@aws-sdk/client-kinesis/dist-es/index.js');",
            "src/d.py": "import '@aws-sdk/client-python-file-ignored'",
            "node_modules/x/index.js": "require('@aws-sdk/client-ignored')",
            ".hidden/e.js": "require('@aws-sdk/client-hidden')",
        },
    )
    assert scan_sdk_imports([tmp_path]) == {
        "@aws-sdk/client-sqs",
        "@aws-sdk/lib-storage",
        "@aws-sdk/client-sns",
        "@aws-sdk/client-kinesis",
    }
    assert scan_sdk_imports([tmp_path / "src" / "b.cjs"]) == {"@aws-sdk/client-sns"}


def test_the_cache_after_fetch_covers_the_default_set(tools):
    assert find() == tools
    assert tools.sdk_packages >= set(DEFAULT_SDK)
    for name in DEFAULT_SDK:
        version = json.loads((tools.sdk / name / "package.json").read_text())["version"]
        assert version == SDK_VERSION
    assert (tools.esbuild / "package.json").is_file()


def test_offline_and_not_cached_says_what_to_run(tmp_path):
    with pytest.raises(NodeOfflineError) as err:
        ensure(["client-sqs"], cache=tmp_path, fetch=False)
    assert err.value.fix == "run `python -m wsnb.node fetch --sdk client-sqs` once while online"
    progress = tmp_path / "progress.txt"
    with open(progress, "w") as out, pytest.raises(NodeOfflineError) as err:
        ensure(cache=tmp_path, npm_config=_unreachable(tmp_path), progress=out)
    assert err.value.fix == "run `python -m wsnb.node fetch` once while online"
    assert "npm: " in err.value.given
    line = progress.read_text()
    assert line.startswith("wsnb: fetching esbuild ") and line.count("\n") == 1
    assert "MB" in line and "client-dynamodb" in line
    # nothing half-written is left behind, and nothing claims to be cached
    assert sorted(p.name for p in (tmp_path / "node").iterdir()) == [".lock"]
    assert find(cache=tmp_path) is None


def test_the_fetch_command_fails_with_the_same_advice(tmp_path):
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "WSNB_CACHE_DIR": str(tmp_path),
        **{f"npm_config_{k.replace('-', '_')}": v for k, v in _unreachable(tmp_path).items()},
    }
    done = subprocess.run(
        [sys.executable, "-m", "wsnb.node", "fetch"], capture_output=True, text=True, env=env
    )
    assert done.returncode == 1
    assert "python -m wsnb.node fetch` once while online" in done.stderr


def test_a_folder_without_its_completion_marker_is_never_used(tools, tmp_path):
    node = tmp_path / "node"
    for folder in (tools.esbuild.parent.parent, tools.sdk.parent):
        copy = node / folder.name
        copy.mkdir(parents=True)
        (copy / "node_modules").symlink_to(folder / "node_modules")
    assert find(cache=tmp_path) is None  # an interrupted copy: no wsnb-cache.json
    for folder in (tools.esbuild.parent.parent, tools.sdk.parent):
        (node / folder.name / "wsnb-cache.json").write_bytes(
            (folder / "wsnb-cache.json").read_bytes()
        )
    assert find(cache=tmp_path) is not None


def test_concurrent_first_fetches_download_once_and_agree(tmp_path):
    """Two processes fetch into an empty cache at once (from npm's own cache: no network):
    one downloads under the lock, the other finds the complete folders."""
    code = (
        "import sys; from wsnb.node import ensure\n"
        "t = ensure(cache=sys.argv[1], npm_config={'offline': 'true'})\n"
        "print(t.esbuild, t.sdk)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", code, str(tmp_path)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for _ in range(2)
    ]
    outs = [p.communicate(timeout=600) for p in procs]
    assert all(p.returncode == 0 for p in procs), outs
    assert outs[0][0] == outs[1][0]  # the same folders
    assert sum(err.count("wsnb: fetching") for _, err in outs) == 1
    names = sorted(p.name for p in (tmp_path / "node").iterdir())
    assert names == [".lock", f"aws-sdk-{SDK_VERSION}", names[2]]
    assert names[2].startswith("esbuild-")
    assert find(cache=tmp_path) is not None
