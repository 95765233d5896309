"""The Node.js runtime behind the emulator (wsnb.local._node_runtime): Lambda's rules for Node
handlers, through real WebSocket clients and real Node processes.

AWS pages: "Define Lambda function handler in Node.js" (async and callback handlers; callbacks
removed from nodejs24.x), "Using the Lambda context object to retrieve Node.js function
information" (getRemainingTimeInMillis), "Understanding the Lambda execution environment
lifecycle" (warm reuse, a timed-out environment is replaced), "Building Lambda functions with
TypeScript".
"""

from __future__ import annotations

import asyncio
import json
import re
import textwrap
from pathlib import Path

import pytest
import websockets

from tests.local.conftest import run
from tests.waiting import wait_until
from wsnb import HandlerFileWarning, Table, WebSocketApi
from wsnb.local import _node_runtime

FRAME = re.compile(r'^\{"message": "(?P<m>[^"]+)", "connectionId":"[^"]+", "requestId":"[^"]+"\}$')

ECHO = """
    const sleep = (ms) => new Promise((done) => setTimeout(done, ms));
    export const handler = async (event, context) => {
      const started = context.getRemainingTimeInMillis();
      if (event.body === "slow") await sleep(20000);
      if (event.body === "wait") await sleep(600);
      if (event.body === "tick") await sleep(200);
      return {
        statusCode: 200,
        body: JSON.stringify({
          pid: process.pid,
          body: event.body,
          started,
          later: context.getRemainingTimeInMillis(),
          greeting: process.env.GREETING ?? null,
          name: context.functionName,
          awsRequestId: context.awsRequestId,
          region: process.env.AWS_REGION,
          executionEnv: process.env.AWS_EXECUTION_ENV,
        }),
      };
    };
"""

FILES = {
    "fn/echo.mjs": ECHO,
    "fn/view.tsx": """
        /** @jsx h */
        type Node = { tag: string; children: unknown[] };
        const h = (tag: string, _props: unknown, ...children: unknown[]): Node => ({ tag, children });
        export const handler = async (event: { body: string }) => {
          const node = <b>{event.body}</b>;
          return { statusCode: 200, body: JSON.stringify(node) };
        };
    """,
    "fn/kinds.ts": """
        enum Kind { Echo = "echo", Shout = "shout" }
        export async function handler(event: { body: string }) {
          const kind: Kind = event.body === "loud" ? Kind.Shout : Kind.Echo;
          return { statusCode: 200, body: `${kind}:${event.body}` };
        }
    """,
    "fn/callback.js": """
        exports.handler = function (event, context, callback) {
          setTimeout(() => callback(null, { statusCode: 200, body: "called back " + event.body }), 5);
        };
    """,
}


def write(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"))
    return root


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return write(tmp_path / "app", FILES)


def node_api(root: Path, handler: str = "fn/echo.handler", **props) -> WebSocketApi:
    runtime = props.pop("runtime", "nodejs22.x")
    return WebSocketApi("Node", root=root).route(
        "$default", handler, return_response=True, runtime=runtime, **props
    )


async def _each(url: str, *bodies: str) -> list[str]:
    """One connection; each message waits for its reply before the next."""
    async with websockets.connect(url) as ws:
        out = []
        for body in bodies:
            await ws.send(body)
            out.append(await asyncio.wait_for(ws.recv(), 30))
        return out


async def _at_once(url: str, *bodies: str) -> list[str]:
    """One connection per message, all sent at once."""

    async def one(body: str) -> str:
        async with websockets.connect(url) as ws:
            await ws.send(body)
            return await asyncio.wait_for(ws.recv(), 30)

    return list(await asyncio.gather(*(one(b) for b in bodies)))


def test_warm_reuse_context_and_lambda_variables(root):
    with node_api(root, timeout=3).serve() as server:
        first, second = (json.loads(r) for r in run(_each(server.url, "tick", "again")))
    assert first["pid"] == second["pid"]  # one warm environment, reused
    assert first["body"] == "tick" and first["awsRequestId"] != second["awsRequestId"]
    # getRemainingTimeInMillis counts down from the function's timeout (3 s)
    assert 0 < first["later"] < first["started"] <= 3000
    assert first["started"] > 1000
    assert first["name"] == "dev-app-Node-default" and first["region"] == "us-east-1"
    assert first["executionEnv"] == "AWS_Lambda_nodejs22.x"


def test_concurrent_calls_get_more_environments(root):
    with node_api(root).serve() as server:
        replies = [json.loads(r) for r in run(_at_once(server.url, "wait", "wait", "wait"))]
        (after,) = [json.loads(r) for r in run(_each(server.url, "again"))]
    pids = {r["pid"] for r in replies}
    assert len(pids) == 3  # each busy environment takes one invocation at a time
    assert after["pid"] in pids  # and they stay warm


def test_reserved_concurrency_bounds_the_environments(root):
    # "Configuring reserved concurrency": beyond it the invocation is throttled.
    with node_api(root, reserved_concurrent_executions=1).serve() as server:
        replies = run(_at_once(server.url, "wait", "wait"))
    throttled = [r for r in replies if FRAME.match(r)]
    assert len(throttled) == 1 and FRAME.match(throttled[0])["m"] == "Internal server error"


def test_a_timed_out_environment_is_replaced(root):
    with node_api(root, timeout=1).serve(integration_timeout=10) as server:
        (before, slow) = run(_each(server.url, "pid", "slow"))
        (after,) = run(_each(server.url, "pid"))
        events = server.events
    assert FRAME.match(slow)["m"] == "Internal server error"
    assert json.loads(before)["pid"] != json.loads(after)["pid"]  # a cold start after it
    assert any(e["type"] == "error" and "timed out" in e["detail"].lower() for e in events)


def test_a_changed_file_or_environment_gets_a_new_environment(root):
    api = node_api(root)
    with api.serve() as server:
        (first,) = [json.loads(r) for r in run(_each(server.url, "one"))]
        source = (root / "fn/echo.mjs").read_text()
        (root / "fn/echo.mjs").write_text(source.replace("body: event.body", 'body: "v2"'))
        (second,) = [json.loads(r) for r in run(_each(server.url, "two"))]
        api.defaults(environment={"GREETING": "hello"})  # the model is read at every event
        (third,) = [json.loads(r) for r in run(_each(server.url, "three"))]
    assert (first["body"], second["body"]) == ("one", "v2")
    assert second["pid"] != first["pid"]
    assert (third["greeting"], third["body"]) == ("hello", "v2") and third["pid"] != second["pid"]


def test_idle_environments_are_reaped(root, monkeypatch):
    monkeypatch.setattr(_node_runtime.NodeRuntime, "idle_seconds", 0.2)
    with node_api(root).serve() as server:
        (first,) = [json.loads(r) for r in run(_each(server.url, "one"))]
        runtime = server._invoker.runtimes._made["nodejs"]
        pool = runtime._pools["$default"]
        wait_until(lambda: pool.idle_count == 0, timeout=10)
        (second,) = [json.loads(r) for r in run(_each(server.url, "two"))]
    assert first["pid"] != second["pid"]


def test_tsx_and_enum_handlers_are_transpiled(root):
    api = node_api(root, "fn/view.handler").route(
        "kinds", "fn/kinds.handler", return_response=True, runtime="nodejs22.x"
    )
    with api.serve() as server:
        (view,) = run(_each(server.url, "hello"))
        (kind,) = run(_each(server.url, json.dumps({"action": "kinds"})))
    assert json.loads(view) == {"tag": "b", "children": ["hello"]}
    assert kind == 'echo:{"action": "kinds"}'


def test_callback_handlers_run_through_nodejs22_and_are_refused_on_nodejs24(root):
    with node_api(root, "fn/callback.handler").serve() as server:
        assert run(_each(server.url, "x")) == ["called back x"]
    with node_api(root, "fn/callback.handler", runtime="nodejs24.x").serve() as server:
        (reply,) = run(_each(server.url, "x"))
        errors = wait_until(lambda: [e for e in server.events if e["type"] == "error"], 10)
    assert FRAME.match(reply)["m"] == "Internal server error"
    assert errors[0]["detail"].startswith("Runtime.CallbackHandlerDeprecated")


@pytest.mark.filterwarnings("ignore::wsnb.HandlerFileWarning")
@pytest.mark.parametrize(
    ("file", "source", "error"),
    [
        # Lambda's runtime names a CommonJS module it cannot find Runtime.ImportModuleError; an
        # ES module's missing package stays Node's own Error (ERR_MODULE_NOT_FOUND), as AWS's
        # runtime interface client only maps MODULE_NOT_FOUND (its UserFunction.js).
        (
            "fn/broken.cjs",
            'const pad = require("left-pad-not-installed");\nexports.handler = async () => pad;\n',
            "Runtime.ImportModuleError: Error: Cannot find module 'left-pad-not-installed'",
        ),
        (
            "fn/broken.mjs",
            'import pad from "left-pad-not-installed";\nexport const handler = async () => pad;\n',
            "Error [ERR_MODULE_NOT_FOUND]: Cannot find package 'left-pad-not-installed'",
        ),
        (
            "fn/broken.mjs",
            "export const handler = async () => {\n",
            "Runtime.UserCodeSyntaxError: SyntaxError: Unexpected end of input",
        ),
    ],
)
def test_init_errors_are_named_as_lambda_names_them(root, file, source, error):
    (root / file).write_text(source)
    with node_api(root, "fn/broken.handler").serve() as server:
        (reply,) = run(_each(server.url, "x"))
        errors = wait_until(lambda: [e for e in server.events if e["type"] == "error"], 10)
    assert FRAME.match(reply)["m"] == "Internal server error"
    assert errors[0]["detail"].startswith(error)


def test_a_missing_handler_file_is_runtime_import_module_error(root):
    with pytest.warns(HandlerFileWarning) as warned:  # at route() and at serve()
        server = node_api(root, "fn/absent.handler").serve()
    assert "no handler file fn/absent.ts/.tsx/.mts/.js/.mjs/.cjs/.jsx exists" in str(
        warned[-1].message
    )
    with server:
        (reply,) = run(_each(server.url, "x"))
        errors = wait_until(lambda: [e for e in server.events if e["type"] == "error"], 10)
    assert FRAME.match(reply)["m"] == "Internal server error"
    assert errors[0]["detail"].startswith("Runtime.ImportModuleError: Error: Cannot find module")


def test_an_export_removed_while_serving_is_runtime_handler_not_found(root):
    with node_api(root).serve() as server:
        run(_each(server.url, "one"))
        (root / "fn/echo.mjs").write_text("export const other = async () => ({});\n")
        (reply,) = run(_each(server.url, "two"))
        errors = wait_until(lambda: [e for e in server.events if e["type"] == "error"], 10)
    assert FRAME.match(reply)["m"] == "Internal server error"
    assert errors[0]["detail"].startswith("Runtime.HandlerNotFound: fn/echo.handler is undefined")


def _python_connect(event, context):
    import os

    import boto3

    name = os.environ["WSNB_Table_Seen_table_name"]  # noqa: SIM112 - the documented name
    boto3.client("dynamodb").put_item(
        TableName=name, Item={"id": {"S": event["requestContext"]["connectionId"]}}
    )
    return {"statusCode": 200}


def test_python_and_node_handlers_see_the_same_local_table(root):
    write(
        root,
        {
            "fn/seen.mjs": """
                import { DynamoDBClient, GetItemCommand } from "@aws-sdk/client-dynamodb";
                const ddb = new DynamoDBClient({});
                export const handler = async (event) => {
                  const { Item } = await ddb.send(new GetItemCommand({
                    TableName: process.env.WSNB_Table_Seen_table_name,
                    Key: { id: { S: event.requestContext.connectionId } },
                  }));
                  return { statusCode: 200, body: Item ? "seen by python" : "not seen" };
                };
            """
        },
    )
    seen = Table("Seen", fields={"id": "string"}, primary_index={"partition_key": "id"})
    api = (
        WebSocketApi("Mixed", root=root)
        .bind([seen])
        .route("$connect", _python_connect)
        .route("$default", "fn/seen.handler", return_response=True, runtime="nodejs22.x")
    )
    with api.serve() as server:
        assert run(_each(server.url, "x")) == ["seen by python"]
