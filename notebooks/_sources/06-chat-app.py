# %% [markdown]
# # 06 · A chat app, end to end
#
# Everything together: a real chat server on WebSocket, designed in this notebook, **run
# locally** with two real clients talking to each other, then **synthesized** to CloudFormation
# and **exported** as a standalone CDK app you can deploy. No AWS account is needed for any of it.
#
# The design is the classic serverless chat:
#
# 1. `$connect` stores the new connection's id in a DynamoDB table, `$disconnect` removes it;
# 2. a client sends `{"action": "sendMessage", "data": "hi"}`; the `sendMessage` function scans
#    the table and pushes `hi` to every connection through API Gateway's *connection management
#    API* (`post_to_connection`);
# 3. anything else lands in `$default`, which tells the sender how to chat.
#
# The handlers are ordinary Lambda code using boto3 — nothing wsnb-specific in them:

# %%
print(open("src/sendMessage.py").read())

# %% [markdown]
# ## The API

# %%
import asyncio
import json

from wsnb import Table, WebSocketApi

connections = Table("Connections", fields={"id": "string"}, primary_index={"partition_key": "id"})

api = (
    WebSocketApi("Chat")
    .defaults(environment={"TABLE_NAME": connections.table_name}, permissions=[connections])
    .route("$connect", "src/connect.main")
    .route("$disconnect", "src/disconnect.main")
    .route("sendMessage", "src/sendMessage.main")
    .route("$default", "src/default.main")
)
api

# %% [markdown]
# ## Run it locally
#
# `api.serve()` starts the local emulator in the background and returns at once. It speaks the
# WebSocket protocol on `127.0.0.1`, calls the handlers with API Gateway's event shapes, answers
# their `post_to_connection` calls, and backs the `Connections` table with an in-process DynamoDB
# (moto) — `TABLE_NAME` points the handlers at it. The port is a free one picked at random, so
# the URL printed below differs from run to run.

# %%
server = api.serve()
print(server.url)

# %% [markdown]
# Two clients connect — Alice and Bob — with the `websockets` library, exactly as a Python client
# would connect to the deployed API. The notebook's event loop lets us `await` at the top level.

# %%
from websockets.asyncio.client import connect


async def wait_until(condition, seconds=5.0):
    """Poll `condition()` until it is true (or give up after `seconds`): the server works in
    the background, so what a client triggers shows up on the server a moment later."""
    for _ in range(int(seconds / 0.05)):
        if condition():
            return True
        await asyncio.sleep(0.05)
    return False


alice = await connect(server.url)
bob = await connect(server.url)
await wait_until(lambda: len(server.connections) == 2)
len(server.connections)

# %% [markdown]
# Both connection ids are now in the table (`server.client("dynamodb")` is a boto3 client for the
# local DynamoDB; `server.table_name(...)` the table's local name):

# %%
dynamodb = server.client("dynamodb")
items = dynamodb.scan(TableName=server.table_name(connections))["Items"]
sorted(item["id"]["S"] for item in items) == sorted(c["connectionId"] for c in server.connections)

# %% [markdown]
# Alice says hello. `sendMessage` broadcasts it, so both receive it:

# %%
await alice.send(json.dumps({"action": "sendMessage", "data": "Hi Bob!"}))
print("bob got:  ", await asyncio.wait_for(bob.recv(), 5))
print("alice got:", await asyncio.wait_for(alice.recv(), 5))

# %% [markdown]
# Bob sends something that is not a chat message; only he gets the help text from `$default`:

# %%
await bob.send("hello?")
print("bob got:", await asyncio.wait_for(bob.recv(), 5))

# %% [markdown]
# The notebook can also talk to clients directly through the connection management API, with
# plain boto3 — the same call your backend would make against the deployed API:

# %%
gateway = server.client()  # boto3 "apigatewaymanagementapi", endpoint = this server
alice_id = next(e["connectionId"] for e in server.events if e["type"] == "connect")  # she came first
gateway.post_to_connection(ConnectionId=alice_id, Data=b"(a note from the server, just for Alice)")
print("alice got:", await asyncio.wait_for(alice.recv(), 5))

# %% [markdown]
# Bob leaves. API Gateway runs `$disconnect` after the socket closes, so we wait (at most a few
# seconds) for the table to shrink:

# %%
def rows():
    return dynamodb.scan(TableName=server.table_name(connections))["Count"]


await bob.close()
await wait_until(lambda: len(server.connections) == 1 and rows() == 1)
print("open connections:", len(server.connections))
print("rows in the table:", rows())

# %% [markdown]
# A connection that is gone answers with `GoneException` (HTTP 410) — the case `sendMessage`
# handles by deleting the stale row:

# %%
bob_id = next(e["connectionId"] for e in server.events if e["type"] == "disconnect")
try:
    gateway.post_to_connection(ConnectionId=bob_id, Data=b"anyone there?")
except gateway.exceptions.GoneException as gone:
    print(gone.response["Error"]["Code"], gone.response["ResponseMetadata"]["HTTPStatusCode"])

# %% [markdown]
# The server logged every event. A summary (the monitor, `server.monitor()`, shows them one by
# one with ids and times):

# %%
def finished(route_key):  # invocations of that route whose result is logged
    return sum(e["type"] == "result" and e.get("routeKey") == route_key for e in server.events)


await alice.close()
await wait_until(lambda: rows() == 0 and finished("$disconnect") == 2)

from collections import Counter

sorted(Counter((e["type"], e["routeKey"]) for e in server.events if e.get("routeKey")).items())

# %% [markdown]
# ### See what happened
#
# `server.traffic()` draws the same log as a sequence diagram: each client (numbered in the order
# it connected, never by connection id) → API Gateway → the route's function → the
# `@connections` API → the clients it posts to. Dashed arrows are answers; red ones failed (like
# the post to Bob after he left: `410 Gone`). Under it, a summary per route: how many
# invocations, how many failed, and their median and 95th-percentile latency.

# %%
server.traffic()

# %% [markdown]
# The same picture as Mermaid text (paste it into a ```` ```mermaid ```` block of your docs), and
# the summary as data:

# %%
print(server.traffic().to_mermaid())
[(row["route"], row["count"], row["errors"]) for row in server.traffic().summary()]

# %%
server.stop()
server.running

# %% [markdown]
# ## The live view
#
# `api` shows a static picture. `api.show()` is the interactive one: a widget with the routes,
# the diagram, lint findings, the CloudFormation template on demand (a *Synthesize* button) and a
# *Run locally* section that starts and stops the emulator. It follows the API, so a route added
# in a later cell shows up in it. (Opened without a running kernel — on GitHub, say — the same
# output shows the static table and diagram instead.)

# %%
widget = api.show()
widget

# %% [markdown]
# To see it follow changes without changing our chat app, let us play with a copy. Its widget
# starts with the chat app's four routes:

# %%
draft = api.copy()
draft_view = draft.show()
draft_view

# %% [markdown]
# Now a later cell adds a route to the copy. Nothing is displayed again: the widget just above
# gains a `typing` row (and a box in its diagram) when this cell finishes — one update per
# cell, however many routes the cell adds.

# %%
draft.route("typing", "src/default.main")
print("routes of the copy:", draft.routes)

# %% [markdown]
# The widget's own list of routes, read in the next cell, has caught up:

# %%
[route["key"] for route in draft_view.routes]

# %% [markdown]
# The buttons have Python counterparts, e.g. `widget.synthesize(wait=True)` is the *Synthesize*
# button of the first widget; its *CloudFormation* tab now shows the template:

# %%
widget.synthesize(wait=True)
print(widget.synth_status)

# %% [markdown]
# ## Ship it: CloudFormation
#
# `synth()` builds the CDK tree in this kernel and returns the template. App and stage name the
# stack (`<stage>-<app>`) and the resources (`<stage>-<app>-Chat`), as in SST.

# %%
result = api.synth(app="chat", stage="prod")
result

# %%
template = result.template
api_resource = next(r for r in template["Resources"].values() if r["Type"] == "AWS::ApiGatewayV2::Api")
table_resource = next(r for r in template["Resources"].values() if r["Type"] == "AWS::DynamoDB::Table")
print(api_resource["Properties"]["Name"])
print(table_resource["Properties"]["TableName"])

# %% [markdown]
# ## Already have a CDK app? Add the API to your stack
#
# `api.to_cdk(scope)` adds the same constructs to a stack of yours and returns a construct with
# SST's handles: `cdk.web_socket_api`, `cdk.web_socket_stage`, `url`, and `get_function(key)` —
# here the real `aws_lambda.Function`, as in SST, so you can keep customizing it with CDK:

# %%
import aws_cdk

app = aws_cdk.App()
stack = aws_cdk.Stack(app, "MyStack", env=aws_cdk.Environment(account="123456789012", region="eu-west-1"))
chat = api.to_cdk(stack)

send = chat.get_function("sendMessage")
send.add_environment("LOG_LEVEL", "debug")
print(type(send).__module__, type(send).__name__)
print(type(chat.cdk.web_socket_api).__name__, type(chat.cdk.web_socket_stage).__name__)

# %% [markdown]
# `chat.url` is a CDK token until deploy; resolved, it is the CloudFormation expression of the URL.
# And the extra environment variable is in the template next to wsnb's:

# %%
print(json.dumps(stack.resolve(chat.url)))
my_template = app.synth().get_stack_by_name("MyStack").template
send_function = next(
    r for logical_id, r in my_template["Resources"].items()
    if r["Type"] == "AWS::Lambda::Function" and "sendMessage" in logical_id
)
send_function["Properties"]["Environment"]

# %% [markdown]
# ## Ship it: a standalone CDK app
#
# `export()` writes a plain CDK app — `app.py`, `cdk.json`, `requirements.txt` and the handler
# sources — that depends on `aws-cdk-lib` and `constructs` only, not on wsnb. Commit it, review
# it, and deploy it with `cdk deploy` like any CDK app. Here it goes to a temporary folder:

# %%
import tempfile
from pathlib import Path

out = Path(tempfile.mkdtemp()) / "chat-cdk"
exported = api.export(out, app="chat", stage="prod")
exported.files

# %%
print((out / "app.py").read_text().split("class ")[0].rstrip())

# %% [markdown]
# `cdk synth` runs `python3 app.py` (see `cdk.json`). Doing that here shows the exported app
# produces exactly the template we synthesized in the notebook:

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
exported_template == result.template

# %% [markdown]
# From here, `cdk bootstrap` once per account and region, then `cdk deploy` in that folder. The
# deployed API behaves like the local one: point the same `websockets` client at its `wss://` URL.
#
# (This notebook wrote to a temporary folder; tidy up.)

# %%
import shutil

shutil.rmtree(out.parent)
out.exists()
