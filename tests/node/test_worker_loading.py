"""How the Node worker loads a handler: AWS's rules for ES modules and CommonJS, TypeScript
through Node's own type stripping, files Node cannot load as they stand through esbuild, and
the Runtime.* errors Lambda names (AWS: "Building Lambda functions with Node.js",
"Define Lambda function handler in Node.js")."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.node.conftest import invoke_once, write

# Each file exports `main` reporting how it was loaded: `typeof require` is "function" only in
# CommonJS (ES modules have no `require`), and `kind` names the file.
LOADING = {
    "esm.mjs": """
        export const main = async () => ({ kind: "mjs", cjs: typeof require === "function" });
    """,
    "cjs.cjs": """
        exports.main = async () => ({ kind: "cjs", cjs: typeof require === "function" });
    """,
    "typemodule/package.json": '{"type": "module"}',
    "typemodule/h.js": """
        export const main = async () => ({ kind: "js-module", cjs: typeof require === "function" });
    """,
    "typecommonjs/package.json": '{"type": "commonjs"}',
    "typecommonjs/h.js": """
        module.exports.main = async () => ({ kind: "js-commonjs", cjs: typeof require === "function" });
    """,
    "typecommonjs/ts.ts": """
        const label: string = "ts-commonjs";
        module.exports = { main: async () => ({ kind: label, cjs: typeof require === "function" }) };
    """,
    "plain.ts": """
        interface Reply { kind: string; n: number }
        let count = 0;
        export const main = async (event: { n?: number }): Promise<Reply> => {
          count += 1;
          return { kind: "ts" as string, n: (event.n ?? 0) + count! };
        };
    """,
    "awaits.ts": """
        const config: { greeting: string } = await Promise.resolve({ greeting: "top-level await" });
        export const main = async () => ({ kind: config.greeting });
    """,
    "module.mts": """
        export async function main(): Promise<{ kind: string }> { return { kind: "mts" }; }
    """,
    "color.ts": """
        export enum Color { Red = "red", Green = "green" }
    """,
    "paint.ts": """
        import { Color } from "./color";
        export const main = async () => ({ kind: "enum", color: Color.Green });
    """,
    "tsx/view.tsx": """
        const h = (tag: string, props: object | null, ...children: unknown[]) => ({ tag, children });
        export const main = async () => ({ kind: "tsx", node: <p>hi</p> });
    """,
    "tsx/tsconfig.json": '{"compilerOptions": {"jsxFactory": "h"}}',
    "el.jsx": """
        const React = { createElement: (tag, props, ...children) => ({ tag, children }) };
        export const main = async () => ({ kind: "jsx", node: <b>x</b> });
    """,
    "nested.mjs": """
        export const handlers = { ws: { connect: async () => ({ kind: "nested" }) } };
    """,
    "folder/index.js": """
        exports.main = async () => ({ kind: "folder" });
    """,
}


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write(tmp_path_factory.mktemp("loading"), LOADING)


@pytest.mark.parametrize(
    ("handler", "kind", "cjs"),
    [
        ("esm.main", "mjs", False),  # .mjs: always an ES module
        ("cjs.main", "cjs", True),  # .cjs: always CommonJS
        ("typemodule/h.main", "js-module", False),  # .js under "type": "module"
        ("typecommonjs/h.main", "js-commonjs", True),  # .js under "type": "commonjs"
        ("typecommonjs/ts.main", "ts-commonjs", True),  # TypeScript stripped, CommonJS
    ],
)
def test_module_kind_follows_extension_and_package_type(tools, root, handler, kind, cjs):
    out = invoke_once(tools, root, handler)
    assert out.ok, out.error
    assert out.result == {"kind": kind, "cjs": cjs}


def test_typescript_runs_through_node_type_stripping_and_stays_warm(tools, root):
    from wsnb.node import NodeFunctionSpec, NodeWorker

    with NodeWorker(NodeFunctionSpec("plain.main", root), tools=tools) as worker:
        first = worker.invoke({"n": 10})
        second = worker.invoke({"n": 10})
    assert first.result == {"kind": "ts", "n": 11} and first.init_ms is not None
    # the same environment: module state survives, no second Init phase
    assert second.result == {"kind": "ts", "n": 12} and second.init_ms is None


@pytest.mark.parametrize(
    ("handler", "expected"),
    [
        ("module.main", {"kind": "mts"}),
        ("awaits.main", {"kind": "top-level await"}),  # an ES module .ts runs as its bundle would
        # an enum (which type stripping refuses) in a file imported without its extension
        ("paint.main", {"kind": "enum", "color": "green"}),
        # .tsx and .jsx: transpiled with esbuild (the nearest tsconfig's JSX factory applies)
        ("tsx/view.main", {"kind": "tsx", "node": {"tag": "p", "children": ["hi"]}}),
        ("el.main", {"kind": "jsx", "node": {"tag": "b", "children": ["x"]}}),
        # Lambda's handler string: a property path after the module name
        ("nested.handlers.ws.connect", {"kind": "nested"}),
        # an extensionless name that is a folder: required, as Lambda does
        ("folder.main", {"kind": "folder"}),
    ],
)
def test_typescript_jsx_and_lambda_handler_forms(tools, root, handler, expected):
    out = invoke_once(tools, root, handler)
    assert out.ok, out.error
    assert out.result == expected


def test_an_explicit_file_wins_over_the_extension_search(tools, tmp_path):
    write(
        tmp_path,
        {
            "src/h.ts": "export const main = async () => 'ts';",
            "src/h.mjs": "export const main = async () => 'mjs';",
        },
    )
    assert invoke_once(tools, tmp_path, "src/h.main").result == "ts"  # SST's order: .ts first
    assert invoke_once(tools, tmp_path, "src/h.main", file="src/h.mjs").result == "mjs"


ERRORS = {
    "typo.mjs": "export const main = async () => 1;",
    "notfn.mjs": "export const main = 42;",
    "broken.mjs": "export const main = async () => { return 1 +; };",
    "broken.cjs": "exports.main = async () => { return 1 +; };",
    "needs.cjs": "const x = require('not-installed-anywhere'); exports.main = async () => x;",
    "needs.mjs": "import x from 'not-installed-anywhere'; export const main = async () => x;",
    "throws.mjs": """
        class ValidationError extends Error {
          constructor(message) { super(message); this.name = "ValidationError"; }
        }
        export const main = async () => { throw new ValidationError("name is required"); };
        export const rejects = () => Promise.reject("plain string");
    """,
    "initfail.mjs": """
        console.log("loading");
        throw new TypeError("config missing");
    """,
}


@pytest.fixture(scope="module")
def broken(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write(tmp_path_factory.mktemp("errors"), ERRORS)


def test_missing_file_is_an_import_module_error(tools, broken):
    out = invoke_once(tools, broken, "src/nowhere.main")
    assert not out.ok and out.ended
    assert out.error["errorType"] == "Runtime.ImportModuleError"
    assert out.error["errorMessage"].startswith("Error: Cannot find module 'nowhere'")
    assert out.error["trace"][0].startswith("Runtime.ImportModuleError: Error: Cannot find module")


def test_missing_commonjs_dependency_is_an_import_module_error(tools, broken):
    out = invoke_once(tools, broken, "needs.main", file="needs.cjs")
    assert out.error["errorType"] == "Runtime.ImportModuleError"
    assert "Cannot find module 'not-installed-anywhere'" in out.error["errorMessage"]


def test_missing_es_module_dependency_is_nodes_own_error_as_on_lambda(tools, broken):
    # Lambda's runtime wraps only CommonJS's MODULE_NOT_FOUND; an ES module import that fails
    # reaches the caller as Node's error (errorType "Error", "Cannot find package …").
    out = invoke_once(tools, broken, "needs.main")  # needs.mjs: found before needs.cjs
    assert out.error["errorType"] == "Error"
    assert out.error["errorMessage"].startswith("Cannot find package 'not-installed-anywhere'")


@pytest.mark.parametrize(("handler", "message"), [
    ("typo.mian", "typo.mian is undefined or not exported"),
    ("notfn.main", "notfn.main is not a function"),
])  # fmt: skip
def test_missing_or_non_function_export_is_handler_not_found(tools, broken, handler, message):
    out = invoke_once(tools, broken, handler)
    assert out.error["errorType"] == "Runtime.HandlerNotFound"
    assert out.error["errorMessage"] == message


@pytest.mark.parametrize("handler", ["broken.main", "broken.main@cjs"])
def test_syntax_error_is_user_code_syntax_error(tools, broken, handler):
    name, _, kind = handler.partition("@")
    out = invoke_once(tools, broken, name, file="broken.cjs" if kind else None)
    assert out.error["errorType"] == "Runtime.UserCodeSyntaxError"
    assert out.error["errorMessage"].startswith("SyntaxError: ")


def test_thrown_error_is_named_by_its_name(tools, broken):
    out = invoke_once(tools, broken, "throws.main")
    assert not out.ended  # a handler's error leaves the environment warm
    assert out.error["errorType"] == "ValidationError"
    assert out.error["errorMessage"] == "name is required"
    assert out.error["trace"][0] == "ValidationError: name is required"
    assert any("throws.mjs" in line for line in out.error["trace"][1:])
    logged = [ln.message for ln in out.logs if ln.level == "ERROR"]
    assert logged and logged[0].startswith("Invoke Error \t{")  # as CloudWatch shows it


def test_rejection_with_a_non_error_is_reported_by_its_type(tools, broken):
    out = invoke_once(tools, broken, "throws.rejects")
    assert out.error == {"errorType": "string", "errorMessage": "plain string", "trace": []}


def test_error_at_init_fails_the_invocation_and_ends_the_environment(tools, broken):
    out = invoke_once(tools, broken, "initfail.main")
    assert out.ended and out.init_ms is not None
    assert out.error["errorType"] == "TypeError"
    assert out.error["errorMessage"] == "config missing"
    assert out.logs[0].message == "loading"
    assert out.logs[0].request_id is None  # init-phase lines have no request id ("undefined")
