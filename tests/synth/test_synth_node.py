"""Synth of Node.js functions (SPEC §8 with §2), with real aws-cdk-lib and the cached esbuild:
JavaScript-only bundles, ``Runtime`` and ``Handler``, deterministic asset hashes, the exact
export check before anything is synthesized, mixed Python + Node.js APIs, cfn-lint.

AWS's pages behind what is pinned here: "Define Lambda function handler in Node.js" (the
handler ``index.main`` names the export ``main`` of ``index.mjs``/``index.js``/``index.cjs``;
``.mjs`` is an ES module, ``.js`` without a package.json ``"type"`` CommonJS), "Lambda
runtimes" (the runtime identifiers), and "AWS::Lambda::Function" (``Runtime``, ``Handler``,
``Code``).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from node_examples import CHAT_SOURCES, MIXED_SOURCES, chat_api, mixed_api, write
from synth_helpers import function_for, of_type

from wsnb import (
    ExportError,
    Function,
    HandlerFileWarning,
    LambdaAuthorizer,
    SynthError,
    WebSocketApi,
)
from wsnb.node import NodeFunctionSpec, NodeWorker, ensure
from wsnb.plan import collect_assets, function_sources
from wsnb.predict import predict_resource_counts

pytestmark = pytest.mark.cdk

ROOT = Path(__file__).resolve().parents[2]
CHAT_ROUTES = ("$connect", "$disconnect", "sendMessage")


@pytest.fixture(scope="module")
def chat(tmp_path_factory) -> Path:
    return write(tmp_path_factory.mktemp("ts-chat") / "chat", CHAT_SOURCES)


@pytest.fixture(scope="module")
def mixed_root(tmp_path_factory) -> Path:
    return write(write(tmp_path_factory.mktemp("mixed") / "app", CHAT_SOURCES), MIXED_SOURCES)


@pytest.fixture
def in_mixed(mixed_root, monkeypatch) -> Path:
    monkeypatch.chdir(mixed_root)
    return mixed_root


@pytest.fixture(scope="module")
def chat_synth(chat):
    return chat_api(chat).synth()


def cdk_out(api: WebSocketApi, out: Path) -> tuple[dict, dict[str, Path]]:
    """``api.to_cdk`` in a fresh app synthesized into ``out``: (the template, each function's
    logical id → its asset folder in the cloud assembly, as ``cdk deploy`` would zip it)."""
    import aws_cdk as cdk

    app = cdk.App(outdir=str(out), analytics_reporting=False)
    stack = cdk.Stack(app, "dev-app", analytics_reporting=False)
    api.to_cdk(stack)
    app.synth()
    template = json.loads((out / "dev-app.template.json").read_text())
    manifest = json.loads((out / "dev-app.assets.json").read_text())
    folders = {
        asset["destinations"][next(iter(asset["destinations"]))]["objectKey"]: out
        / asset["source"]["path"]
        for asset in manifest["files"].values()
        if asset["source"].get("packaging") == "zip"
    }
    found = {
        lid: folders[res["Properties"]["Code"]["S3Key"]]
        for lid, res in of_type(template, "AWS::Lambda::Function").items()
    }
    return template, found


def files_in(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


# ---------------------------------------------------------------- the TypeScript chat


def test_chat_ships_javascript_only_bundles(chat, chat_synth, tmp_path):
    template, folders = cdk_out(chat_api(chat), tmp_path / "cdk.out")
    assert template == chat_synth.template  # to_cdk and synth agree
    for key in CHAT_ROUTES:
        fn = function_for(template, key)
        assert (fn["Runtime"], fn["Handler"]) == ("nodejs22.x", "index.main")
    assert len(folders) == 3
    for folder in folders.values():
        assert files_in(folder) == ["index.mjs"]  # no .ts, no source map, no package.json
    bundles = {
        (folder / "index.mjs").read_text().splitlines()[0]: (folder / "index.mjs").read_text()
        for folder in folders.values()
    }
    assert sorted(bundles) == ["// src/connect.ts", "// src/disconnect.ts", "// src/sendMessage.ts"]
    send = bundles["// src/sendMessage.ts"]
    # the SDK is the runtime's (left as imports); the project's own module is inlined
    assert 'from "@aws-sdk/client-apigatewaymanagementapi"' in send
    assert 'from "@aws-sdk/lib-dynamodb"' in send and "// src/lib/connections.ts" in send
    assert "ApiGatewayManagementApiClient =" not in send
    assert "interface" not in send and ": string" not in send  # the types are gone
    assert "export {\n  main\n};" in send
    assert str(chat) not in send  # no absolute path: the bytes do not depend on the machine


def test_bundles_load_as_lambda_loads_them(mixed_root, in_mixed, tmp_path):
    """Each Handler string finds its export in its asset folder alone (ES module, CommonJS,
    and CommonJS inside an ES module bundle, which gets Node's require())."""
    api = WebSocketApi("Loads").route("legacy", "src/legacy.main", runtime="nodejs22.x")
    api = api.route("ask", "src/ask.main", runtime="nodejs22.x")
    template, folders = cdk_out(api, tmp_path / "cdk.out")
    tools = ensure()
    legacy_dir = folders[function_id(template, "legacy")]
    ask_dir = folders[function_id(template, "ask")]
    assert files_in(legacy_dir) == ["index.js"] and files_in(ask_dir) == ["index.mjs"]
    assert (ask_dir / "index.mjs").read_text().startswith("import { createRequire")
    for folder, key, event, expected in (
        (legacy_dir, "legacy", {"body": "hi"}, {"statusCode": 200, "body": "1:HI"}),
        (ask_dir, "ask", {"q": 1}, {"answer": '1:{"Q":1}'}),
    ):
        handler = function_for(template, key)["Handler"]
        spec = NodeFunctionSpec(handler, folder, runtime="nodejs22.x")
        with NodeWorker(spec, tools=tools) as worker:
            outcome = worker.invoke(event)
        assert outcome.ok and outcome.result == expected, outcome.error


def function_id(template: dict, key: str) -> str:
    """The logical id of the function behind route ``key``."""
    props = function_for(template, key)
    (found,) = [
        lid
        for lid, res in of_type(template, "AWS::Lambda::Function").items()
        if res["Properties"] is props
    ]
    return found


def test_two_copies_at_different_paths_synthesize_the_same_template(chat, chat_synth, tmp_path):
    copy = shutil.copytree(chat, tmp_path / "elsewhere" / "deeper" / "chat")
    again = chat_api(copy).synth()
    assert again.template == chat_synth.template  # asset hashes included
    keys = {function_for(chat_synth.template, k)["Code"]["S3Key"] for k in CHAT_ROUTES}
    assert len(keys) == 3
    # a changed source is a new bundle: a new asset hash (and no stale cached template)
    helper = copy / "src" / "lib" / "connections.ts"
    helper.write_text(helper.read_text().replace("TABLE_NAME", "CONNECTIONS_TABLE"))
    changed = chat_api(copy).synth().template
    assert {function_for(changed, k)["Code"]["S3Key"] for k in CHAT_ROUTES}.isdisjoint(keys)


def test_chat_lints_clean(chat):
    findings = chat_api(chat).lint()
    assert [f for f in findings if f.level in ("error", "warning")] == []


def test_a_typo_in_the_export_is_caught_at_synth(chat, tmp_path):
    api = chat_api(chat).route("$connect", "src/connect.mian", replace=True)
    with pytest.raises(SynthError) as err:
        api.synth()
    assert err.value.message == (
        "route '$connect': src/connect.ts does not export 'mian' (it exports main); Lambda "
        "would answer every call with Runtime.HandlerNotFound."
    )
    assert err.value.fix == 'did you mean "src/connect.main"?'
    assert err.value.given == "src/connect.mian" and err.value.path == "route '$connect'"
    import aws_cdk as cdk

    stack = cdk.Stack(cdk.App(), "Mine")
    with pytest.raises(SynthError, match="does not export 'mian'"):
        api.to_cdk(stack)
    assert stack.node.try_find_child("Chat") is None  # refused before anything was built
    with pytest.raises(ExportError, match="does not export 'mian'"):
        api.export(tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_no_false_export_error_where_esbuild_cannot_list_the_exports(tmp_path):
    """A CommonJS file's exports are known only by running it, and ``export * from`` a package
    may add any name: neither is refused (Lambda decides at run time)."""
    root = write(
        tmp_path,
        {
            "cjs.js": "module.exports = { handler: async () => 1 };",
            "star.mjs": 'export * from "@aws-sdk/client-dynamodb";\nexport const other = 1;',
            "esm.mjs": "export const handler = async () => 1;",
        },
    )
    api = (
        WebSocketApi("Api", root=root)
        .defaults(runtime="nodejs22.x")
        .route("a", "cjs.anything")
        .route("b", "star.DynamoDBClient")
    )
    template = api.synth().template
    assert function_for(template, "a")["Handler"] == "index.anything"
    with pytest.raises(SynthError) as err:
        api.route("c", "esm.other").synth()
    assert err.value.message.startswith("route 'c': esm.mjs does not export 'other' (it exports")
    assert err.value.fix == "use a name esm.mjs exports: handler"  # nothing close to "other"


def test_a_missing_node_file_names_every_candidate(chat):
    with pytest.warns(HandlerFileWarning, match="does not exist"):
        api = chat_api(chat).route("gone", "src/gone.main")
    with pytest.raises(SynthError) as err:
        api.synth()
    assert "no handler file for 'src/gone.main' (runtime nodejs22.x)" in err.value.message
    assert err.value.allowed == "one of " + ", ".join(
        f"src/gone{ext}" for ext in (".ts", ".tsx", ".mts", ".js", ".mjs", ".cjs", ".jsx")
    )


def test_an_import_leaving_the_root_is_refused(tmp_path):
    write(tmp_path, {"shared/util.ts": "export const x = 1;"})
    root = write(
        tmp_path / "app",
        {"src/f.ts": 'import { x } from "../../shared/util";\nexport const main = () => x;'},
    )
    api = WebSocketApi("Api", root=root).route("f", "src/f.main", runtime="nodejs22.x")
    with pytest.raises(SynthError) as err:
        api.synth()
    assert "src/f.ts imports ../shared/util.ts, which is outside the API's root" in str(err.value)


def test_esbuild_errors_name_the_file(tmp_path):
    root = write(tmp_path, {"src/bad.ts": "export const main = async () => { return 1 +; };"})
    api = WebSocketApi("Api", root=root).route("bad", "src/bad.main", runtime="nodejs22.x")
    from wsnb.node import BundleError

    with pytest.raises(BundleError) as err:
        api.synth()
    assert "src/bad.ts" in err.value.message and "src/bad.ts:1:" in err.value.given


def test_offline_and_not_cached_says_what_to_run(chat, tmp_path):
    """No esbuild in the cache and no registry: the toolchain's error, as it is."""
    code = (
        "from node_examples import chat_api\n"
        "from pathlib import Path\n"
        "import sys\n"
        "try:\n"
        "    chat_api(Path(sys.argv[1])).synth()\n"
        "except Exception as exc:\n"
        "    print(type(exc).__name__)\n"
        "    print(exc.fix)\n"
    )
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "tests")]),
        "WSNB_CACHE_DIR": str(tmp_path / "empty-cache"),
        "npm_config_registry": "http://127.0.0.1:9/",
        "npm_config_cache": str(tmp_path / "empty-npm-cache"),
        "npm_config_fetch_retries": "0",
    }
    done = subprocess.run(
        [sys.executable, "-c", code, str(chat)], capture_output=True, text=True, env=env
    )
    assert done.stdout.splitlines() == [
        "NodeOfflineError",
        "run `python -m wsnb.node fetch` once while online",
    ], done.stderr[-2000:]


# ---------------------------------------------------------------- runtimes and sharing


def test_runtimes_and_shared_files(tmp_path):
    root = write(
        tmp_path,
        {
            "src/chat.ts": "export const connect = async () => 1;\nexport const send = async () => 2;"
        },
    )
    api = (
        WebSocketApi("Api", root=root)
        .defaults(runtime="nodejs22.x")
        .route("$connect", "src/chat.connect")
        .route("send", "src/chat.send")
        .route("old", "src/chat.send", runtime="nodejs20.x")
        .route("new", "src/chat.send", runtime="nodejs24.x")
    )
    template = api.synth().template
    found = {k: function_for(template, k) for k in ("$connect", "send", "old", "new")}
    assert {k: (f["Runtime"], f["Handler"]) for k, f in found.items()} == {
        "$connect": ("nodejs22.x", "index.connect"),
        "send": ("nodejs22.x", "index.send"),
        "old": ("nodejs20.x", "index.send"),
        "new": ("nodejs24.x", "index.send"),
    }
    # one file and runtime: one bundle shared; another runtime: a bundle of its own (built for
    # that runtime's Node.js: here the same bytes, so CDK's content hash is the same too)
    assert found["$connect"]["Code"] == found["send"]["Code"]
    layout = collect_assets(function_sources(api.spec), root=root, bundler=_bundler())
    assert sorted(layout.files) == [
        "wsnb_functions/src-chat-node20/index.mjs",
        "wsnb_functions/src-chat-node22/index.mjs",
        "wsnb_functions/src-chat-node24/index.mjs",
    ]


def _bundler():
    from wsnb.node import lambda_bundler

    return lambda_bundler()


def test_two_files_bundled_into_one_folder_are_refused(tmp_path):
    root = write(tmp_path, {"a/b.ts": "export const main = 1;", "a-b.ts": "export const main = 2;"})
    api = (
        WebSocketApi("Api", root=root)
        .defaults(runtime="nodejs22.x")
        .route("x", "a/b.main")
        .route("y", "a-b.main")
    )
    with pytest.raises(SynthError, match=r"'a/b\.ts' and 'a-b\.ts' would both be bundled"):
        api.synth()


# ---------------------------------------------------------------- mixed Python + Node.js


def test_mixed_api_runtimes_handlers_and_counts(in_mixed):
    api = mixed_api()
    result = api.synth()
    t = result.template
    shown = {
        key: (function_for(t, key)["Runtime"], function_for(t, key)["Handler"])
        for key in ("$connect", "$default", "legacy", "louder")
    }
    assert shown == {
        "$connect": ("nodejs22.x", "index.main"),
        "$default": ("python3.12", "default.main"),
        "legacy": ("nodejs20.x", "index.main"),
        "louder": ("python3.12", "shout_handler.shout"),  # a Python function stays Python
    }
    runtimes = sorted(
        (res["Properties"]["Runtime"], res["Properties"]["Handler"])
        for res in of_type(t, "AWS::Lambda::Function").values()
    )
    assert runtimes == [
        ("nodejs20.x", "index.main"),
        ("nodejs22.x", "index.main"),  # $connect
        ("nodejs22.x", "index.main"),  # $disconnect
        ("nodejs22.x", "index.main"),  # sendMessage
        ("nodejs22.x", "index.main"),  # the LambdaIntegration's function
        ("nodejs24.x", "index.main"),  # the authorizer
        ("python3.12", "default.main"),
        ("python3.12", "shout_handler.shout"),
    ]
    assert predict_resource_counts(api.spec) == result.resource_counts
    layout = collect_assets(function_sources(api.spec), bundler=_bundler())
    assert sorted(layout.files) == [
        "py/default.py",
        "wsnb_functions/shout_handler/shout_handler.py",
        "wsnb_functions/src-ask/index.mjs",
        "wsnb_functions/src-authorizer/index.mjs",
        "wsnb_functions/src-connect/index.mjs",
        "wsnb_functions/src-disconnect/index.mjs",
        "wsnb_functions/src-legacy/index.js",
        "wsnb_functions/src-sendMessage/index.mjs",
    ]
    assert not [f for f in api.lint() if f.level == "error"]


def test_python_assets_are_unchanged_by_node_functions_beside_them(in_mixed):
    """A Python route's asset and template do not change when Node.js routes join it."""
    alone = WebSocketApi("Chat").route("$default", "py/default.main").synth().template
    mixed = mixed_api().synth().template
    for prop in ("Code", "Handler", "Runtime"):
        assert function_for(alone, "$default")[prop] == function_for(mixed, "$default")[prop]


def test_cfn_lint_passes_for_node_and_mixed_apis(chat_synth, in_mixed, tmp_path):
    """cfn-lint over the TypeScript chat and the mixed API: no errors (the deprecated
    nodejs20.x is a warning, W2531, as for any deprecated runtime; others are CDK's own)."""
    files = [
        str(chat_synth.save(tmp_path / "chat.json")),
        str(mixed_api().synth().save(tmp_path / "mixed.json")),
    ]
    exe = Path(sys.executable).parent / "cfn-lint"
    proc = subprocess.run(
        [str(exe), "--format", "parseable", *files], capture_output=True, text=True, timeout=600
    )
    errors = [line for line in proc.stdout.splitlines() if ":E" in line]
    assert proc.returncode & 2 == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    assert not errors, errors
    deprecated = [line for line in proc.stdout.splitlines() if ":W2531:" in line]
    assert len(deprecated) == 1 and "mixed.json" in deprecated[0], deprecated


def test_a_node_authorizer_function(in_mixed):
    api = WebSocketApi("Api").route("$connect", "src/connect.main", runtime="nodejs22.x")
    api = api.authorizer(
        LambdaAuthorizer(Function(handler="src/authorizer.main", runtime="nodejs22.x"))
    )
    t = api.synth().template
    (auth,) = of_type(t, "AWS::ApiGatewayV2::Authorizer").values()
    uri = json.dumps(auth["Properties"]["AuthorizerUri"])
    (lid,) = [lid for lid in of_type(t, "AWS::Lambda::Function") if f'"{lid}"' in uri]
    fn = t["Resources"][lid]["Properties"]
    assert (fn["Runtime"], fn["Handler"]) == ("nodejs22.x", "index.main")
    assert fn["Code"] != function_for(t, "$connect")["Code"]
