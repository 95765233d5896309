"""esbuild as synth and serve() use it: deterministic bundles with @aws-sdk/* left to the
runtime (as SST and aws-cdk-lib's NodejsFunction bundle), and the exact export check read from
esbuild's metafile without running the handler."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.node.conftest import invoke_once, write
from wsnb.node import BundleError, analyze, bundle, exports, target_for

SOURCES = {
    "src/connect.ts": """
        import { DynamoDBClient, PutItemCommand } from "@aws-sdk/client-dynamodb";
        import { tableName } from "./lib/config";
        const db = new DynamoDBClient({});
        export async function main(event: { requestContext: { connectionId: string } }) {
          await db.send(new PutItemCommand({
            TableName: tableName(),
            Item: { id: { S: event.requestContext.connectionId } },
          }));
          return { statusCode: 200 };
        }
    """,
    "src/lib/config.ts": """
        export const tableName = (): string => process.env.TABLE_NAME ?? "connections";
    """,
    "src/forms.ts": """
        const helper = async () => ({ statusCode: 200 });
        export const arrow = async () => ({ statusCode: 200 });
        export function declared() { return 1; }
        export { helper as renamed };
        export * from "./lib/config";
        export default arrow;
    """,
    "src/star.mjs": """
        export * from "@aws-sdk/client-dynamodb";
        export const main = async () => 1;
    """,
    "src/legacy.js": """
        const { helper } = require("./lib/helper.cjs");
        exports.main = async (event) => ({ statusCode: 200, body: helper(event.body) });
    """,
    "src/lib/helper.cjs": """
        exports.helper = (s) => String(s).toUpperCase();
    """,
    "src/mixed.mjs": """
        import { upper } from "./lib/uses-require.cjs";
        export const main = async (event) => upper(event.body);
    """,
    "src/lib/uses-require.cjs": """
        exports.upper = (s) => require("node:os").EOL.length + ":" + String(s).toUpperCase();
    """,
}


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write(tmp_path_factory.mktemp("bundle") / "app", SOURCES)


def test_bundles_are_byte_identical_from_different_copies_of_the_root(tools, root, tmp_path):
    first = bundle("src/connect.ts", root, tools=tools)
    copy = shutil.copytree(root, tmp_path / "somewhere" / "else")
    second = bundle(copy / "src" / "connect.ts", copy, tools=tools)  # absolute entry: same bytes
    assert first.code == second.code
    assert bundle("src/connect.ts", root, tools=tools).code == first.code  # and run to run
    text = first.code.decode()
    assert text.splitlines()[0] == "// src/connect.ts"  # paths relative to the root, not absolute
    assert str(root) not in text and str(copy) not in text
    assert 'from "@aws-sdk/client-dynamodb"' in text  # left to the runtime
    assert "// src/lib/config.ts" in text  # local imports are inlined
    assert (first.format, first.filename) == ("esm", "src/connect.mjs")
    assert first.exports == ("main",) and first.sdk == ("@aws-sdk/client-dynamodb",)
    assert first.inputs == ("src/connect.ts", "src/lib/config.ts")


def test_metafile_exports_of_each_es_module_form(tools, root):
    found = analyze("src/forms.ts", root, tools=tools)
    assert found.exports == ("arrow", "declared", "default", "renamed", "tableName")
    assert found.complete
    assert exports("src/forms.ts", root, tools=tools) == list(found.exports)


def test_export_star_from_the_sdk_is_not_a_complete_list(tools, root):
    found = analyze("src/star.mjs", root, tools=tools)
    assert found.exports == ("main",) and not found.complete


def test_commonjs_entries_stay_commonjs_and_their_exports_are_unknown(tools, root):
    found = bundle("src/legacy.js", root, tools=tools)
    assert (found.format, found.filename, found.exports) == ("cjs", "src/legacy.cjs", None)
    assert exports("src/legacy.js", root, tools=tools) is None


def test_bundles_run_as_lambda_loads_them(tools, root, tmp_path):
    asset = tmp_path / "asset"
    for entry in ("src/legacy.js", "src/mixed.mjs"):
        made = bundle(entry, root, tools=tools)
        out = asset / made.filename
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(made.code)
    (root / "src" / "legacy.js").rename(root / "src" / "legacy.moved")  # only the asset remains
    try:
        legacy = invoke_once(tools, asset, "src/legacy.main", {"body": "hi"})
        assert legacy.result == {"statusCode": 200, "body": "HI"}, legacy.error
        # CommonJS inside an ES module bundle calls require(): the bundle gives it Node's
        mixed = invoke_once(tools, asset, "src/mixed.main", {"body": "hi"})
        assert mixed.result == "1:HI", mixed.error
    finally:
        (root / "src" / "legacy.moved").rename(root / "src" / "legacy.js")


def test_bundle_errors_name_the_file_and_the_problem(tools, tmp_path):
    write(
        tmp_path,
        {
            "bad.ts": "export const main = async () => { return 1 +; };",
            "needs.ts": "import x from 'left-pad-not-installed'; export const main = x;",
        },
    )
    with pytest.raises(BundleError) as syntax:
        analyze("bad.ts", tmp_path, tools=tools)
    assert syntax.value.path == "bad.ts" and "bad.ts:1:" in syntax.value.given
    with pytest.raises(BundleError) as missing:
        bundle("needs.ts", tmp_path, tools=tools)
    assert 'Could not resolve "left-pad-not-installed"' in missing.value.given
    with pytest.raises(BundleError, match="does not exist"):
        bundle("nope.ts", tmp_path, tools=tools)
    with pytest.raises(BundleError, match="inside the API's root"):
        bundle(tmp_path / "bad.ts", tmp_path / "sub", tools=tools)


def test_target_for_runtime():
    assert [target_for(r) for r in ("nodejs20.x", "nodejs22.x", "nodejs24.x")] == [
        "node20",
        "node22",
        "node24",
    ]
    from wsnb.node import NodeError

    with pytest.raises(NodeError, match=r"not a Lambda Node\.js runtime"):
        target_for("python3.12")
