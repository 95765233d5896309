# %% [markdown]
# # 09 · Integrations beyond the Lambda proxy: mock, templates, async, SQS, HTTP
#
# So far every route called a Lambda function as a *proxy*: the function got API Gateway's event
# and its return value was the answer. API Gateway can do more with a message before (or
# instead of) running code. This notebook builds one API whose routes use each of the other
# kinds of *integration*, runs it locally with a real client, and ships it:
#
# | route | integration | what happens |
# |---|---|---|
# | `$connect` | **MOCK** | API Gateway answers by itself: every connection is accepted, no function runs |
# | `greet` | **Lambda, not a proxy** | a *request template* builds the function's event; a *response template* shapes the reply |
# | `ask` | **Lambda, `Event`** (asynchronous) | API Gateway does not wait; the function answers later through `@connections` |
# | `enqueue` | **AWS service** (SQS `SendMessage`) | the message goes straight into a queue, no code at all |
# | `note` | **HTTP** | the message is posted to an HTTP backend; its answer comes back |
# | `$default` | **MOCK** with a response template | a fixed help text for anything else |
#
# Everything runs with no AWS account: the local emulator renders the templates, runs the
# functions, and writes to a local (moto) SQS queue.

# %% [markdown]
# ## Mapping templates in five minutes
#
# The templates are written in Velocity (VTL), with the variables API Gateway defines for
# WebSocket APIs (AWS's pages "API Gateway WebSocket API mapping template reference" and "Data
# transformations for WebSocket APIs in API Gateway"). The ones used here:
#
# | in a template | gives |
# |---|---|
# | `$input.body` | the message, as the client sent it (text; put it in unquoted when it is JSON) |
# | `$input.json('$.name')` | the JSON of one part of the message: `"Ada"` with its quotes, `3`, `{...}` |
# | `$input.path('$.name')` | that part as a value (`Ada`), to use inside a string or a `#if` |
# | `$context.connectionId`, `$context.routeKey`, `$context.domainName`, `$context.stage` | who sent it, on which route, and where the `@connections` API is |
# | `$util.urlEncode(...)`, `$util.escapeJavaScript(...)`, `$util.base64Encode(...)` | encoders for form bodies, JSON strings and binary payloads |
#
# `wsnb.vtl.render` renders a template the way the emulator (and API Gateway) does, so a
# template can be tried before it is put on a route. The second one is the form body an SQS
# `SendMessage` integration sends (we meet it again below):

# %%
from wsnb.vtl import MappingContext, render

message = '{"action": "greet", "name": "Ada"}'
template = '{"name": $input.json(\'$.name\'), "connectionId": "$context.connectionId", "raw": "$util.escapeJavaScript($input.body)"}'
print(render(template, MappingContext(body=message, context={"connectionId": "abc123="})))
print(render("Action=SendMessage&MessageBody=$util.urlEncode($input.body)", MappingContext(body=message)))

# %% [markdown]
# ## The functions
#
# Only two routes run code. `greet` sits behind a non-proxy integration, so its event is
# whatever the request template makes (`{"name": ..., "connectionId": ...}`), and what it returns
# goes through a response template before the client sees it:

# %%
print(open("src/greet.py").read())

# %% [markdown]
# `ask` is invoked asynchronously (`Event`, the `X-Amz-Invocation-Type` header of AWS's page
# "Set up asynchronous invocation of the backend Lambda function"): API Gateway hands the event
# to Lambda and moves on, so the function replies by itself through the `@connections` API, one
# word at a time. Its request template has the shape a public SAM LLM-chat app uses:
# `$input.body` unquoted, so `event["body"]` is an object, next to the `requestContext` values
# needed to call back:

# %%
print(open("src/ask.py").read())

# %% [markdown]
# ## A first try, and what lint says
#
# A mock integration's status comes from its request template (`{"statusCode": 200}`, AWS's page
# "Set up mock integrations in API Gateway"); on `$connect` that status decides whether the
# connection opens. Forget it, and every connection fails. Putting a route response on an
# `Event` route is another classic: API Gateway allows it, but Lambda only acknowledges the
# event, so nothing ever comes back. `lint()` catches both (the two *infos* below are notes:
# this draft has no `$default` route, and wsnb would add a pass-through integration response for
# the route response):

# %%
import asyncio
import json

from wsnb import (
    AwsIntegration,
    HttpIntegration,
    IntegrationResponse,
    LambdaIntegration,
    MockIntegration,
    WebSocketApi,
)

ASK_TEMPLATE = (
    '{"requestContext": {"connectionId": "$context.connectionId", '
    '"domainName": "$context.domainName", "stage": "$context.stage"}, "body": $input.body}'
)

draft = (
    WebSocketApi("Integrations", access_log=False)
    .route("$connect", MockIntegration(request_templates={"$default": '{"accepted": true}'}))
    .route(
        "ask",
        LambdaIntegration("src/ask.main", request_templates={"$default": ASK_TEMPLATE}, invocation_type="Event"),
        return_response=True,
    )
)
for finding in draft.lint():
    print(finding, end="\n\n")

# %% [markdown]
# Options are checked as they are given, with API Gateway's rules. An integration may wait 29
# seconds at most, for example:

# %% tags=["raises-exception"]
LambdaIntegration("src/greet.main", timeout=60)

# %% [markdown]
# ## The API
#
# Now the real thing. `return_response=True` gives a route a *route response*: the integration
# response's output is then sent back to the client (without one, a route is one-way; AWS's
# page "Set up route responses for WebSocket APIs in API Gateway").
# `IntegrationResponse("$default", templates=...)` is that integration response, the catch-all
# that every answer goes through ("Set up a WebSocket API integration response in API
# Gateway"). `AwsIntegration.sqs_send_message("jobs")` is a ready-made SQS
# integration: a form-encoded `SendMessage` request template and a role allowed to send to the
# queue.

# %%
# beyond: integrations
GREET_REQUEST = '{"name": $input.json(\'$.name\'), "connectionId": "$context.connectionId"}'
GREET_REPLY = '{"reply": $input.json(\'$.greeting\'), "letters": $input.json(\'$.letters\')}'
NOTE_REQUEST = '{"text": $input.json(\'$.text\'), "from": "$context.connectionId"}'
NOTE_REPLY = '{"saved": $input.json(\'$.stored.text\'), "notes": $input.json(\'$.count\')}'


def notes_backend(url):
    """An HTTP integration posting a note to `url`; the backend's answer becomes the reply."""
    return HttpIntegration(
        url,
        request_templates={"$default": NOTE_REQUEST},
        responses=[IntegrationResponse("$default", templates={"$default": NOTE_REPLY})],
    )


HELP = '{"help": "unknown action; try greet, ask, enqueue or note", "route": "$context.routeKey"}'
ACCEPT = {"$default": '{"statusCode": 200}'}

api = (
    WebSocketApi("Integrations", access_log=False)
    .route("$connect", MockIntegration(request_templates=ACCEPT))
    .route(
        "greet",
        LambdaIntegration(
            "src/greet.main",
            request_templates={"$default": GREET_REQUEST},
            responses=[IntegrationResponse("$default", templates={"$default": GREET_REPLY})],
        ),
        return_response=True,
    )
    .route(
        "ask",
        LambdaIntegration("src/ask.main", request_templates={"$default": ASK_TEMPLATE}, invocation_type="Event"),
    )
    .route("enqueue", AwsIntegration.sqs_send_message("jobs"))
    .route("note", notes_backend("https://notes.example.com/notes"), return_response=True)
    .route(
        "$default",
        MockIntegration(
            request_templates=ACCEPT,
            responses=[IntegrationResponse("$default", templates={"$default": HELP})],
        ),
        return_response=True,
    )
)
api

# %% [markdown]
# Every route is in the table with its integration type and its target: the handler of a
# Lambda, the URL of an HTTP backend, the service call of an AWS integration, "API Gateway
# answers" for a mock. The diagram writes the type on the arrow from each route to its target.
#
# The lint is clean now:

# %%
api.lint()

# %% [markdown]
# ## Run it locally
#
# `note` posts to `https://notes.example.com`, which does not exist. Locally, a stand-in will
# do: a tiny HTTP server on `127.0.0.1` (a free port) that stores notes and answers `201
# Created` with what it stored.

# %%
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

notes = []


class NotesBackend(BaseHTTPRequestHandler):
    def do_POST(self):
        note = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        notes.append(note)
        answer = json.dumps({"stored": note, "count": len(notes)}).encode()
        self.send_response(201)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args):  # keep the notebook quiet
        pass


backend = ThreadingHTTPServer(("127.0.0.1", 0), NotesBackend)
threading.Thread(target=backend.serve_forever, daemon=True).start()
backend_url = f"http://127.0.0.1:{backend.server_address[1]}/notes"

# %% [markdown]
# We run a copy of the API whose `note` route points at the stand-in (`replace=True` swaps a
# route for a different one); `api` itself keeps the real URL for the deployment.
#
# `serve()` runs every integration: the mocks answer from their templates, the templates are
# rendered by a Velocity engine, `greet` and `ask` run in the kernel, the SQS queue `jobs` is
# created in an in-process SQS (moto), and `note` calls the stand-in. (An AWS service wsnb does
# not emulate would be named at start-up and in the table, never skipped silently.)

# %%
from websockets.asyncio.client import connect

local_api = api.copy().route("note", notes_backend(backend_url), return_response=True, replace=True)
server = local_api.serve()
print(server.url)


async def wait_until(condition, seconds=5.0):
    """Poll `condition()` until it is true: the server works in the background."""
    for _ in range(int(seconds / 0.05)):
        if condition():
            return True
        await asyncio.sleep(0.05)
    return False


def finished(route_key, kind="result"):
    """How many events of that kind the server logged for the route: `"result"`, an invocation
    finished; `"async"`, the background run of an asynchronous one; `"connect"`, a connection.
    Waiting for them before the next message keeps the log (and the traffic view) in order."""
    return sum(e["type"] == kind and e.get("routeKey") == route_key for e in server.events)


# %% [markdown]
# One client connects. No function runs for that: the mock `$connect` said 200, so the
# handshake completes:

# %%
client = await connect(server.url)
await wait_until(lambda: finished("$connect", "connect") == 1 and finished("$connect") == 1)
connect_events = [e for e in server.events if e["type"] == "connect"]
connection_id = connect_events[0]["connectionId"]
[(e["type"], e["routeKey"], e["target"]) for e in connect_events]

# %% [markdown]
# `greet`: the request template picks the name out of the message and adds the connection id;
# the function returns a dict; the response template keeps two of its fields. The client gets
# only what the response template made:

# %%
await client.send(json.dumps({"action": "greet", "name": "Ada"}))
reply = await asyncio.wait_for(client.recv(), 5)
await wait_until(lambda: finished("greet") == 1)
print(reply)

# %% [markdown]
# `ask`: API Gateway answers Lambda's `202 Accepted` at once and sends the client nothing; the
# function then posts its answer word by word through `@connections`:

# %%
await client.send(json.dumps({"action": "ask", "question": "what is a mock?"}))
words = []
while not words or words[-1] != "[done]":
    words.append(await asyncio.wait_for(client.recv(), 5))
await wait_until(lambda: finished("ask", "async") == 1)
print(" ".join(words))

# %% [markdown]
# `enqueue` is one-way: nothing comes back, the message goes into the queue `jobs`. Reading the
# queue with plain boto3 (`server.client("sqs")` is a boto3 client for the local SQS) shows it
# arrived, exactly as the client sent it:

# %%
await client.send(json.dumps({"action": "enqueue", "job": "resize cat.png", "size": "128x128"}))
await wait_until(lambda: finished("enqueue") == 1)

sqs = server.client("sqs")
queue_url = sqs.get_queue_url(QueueName="jobs")["QueueUrl"]
received = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10)["Messages"]
for m in received:  # a consumer deletes what it has handled
    sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=m["ReceiptHandle"])
[json.loads(m["Body"]) for m in received]

# %% [markdown]
# `note` goes to the HTTP backend. The backend got what the request template made (with the
# sender's connection id in `from`), and its `201` answer went through the response template:

# %%
await client.send(json.dumps({"action": "note", "text": "buy milk"}))
reply = await asyncio.wait_for(client.recv(), 5)
await wait_until(lambda: finished("note") == 1)
print(reply)
print(notes[-1]["text"], notes[-1]["from"] == connection_id)

# %% [markdown]
# Anything else lands in `$default`, a mock whose response template is the help text:

# %%
await client.send("hello?")
reply = await asyncio.wait_for(client.recv(), 5)
await wait_until(lambda: finished("$default") == 1)
print(reply)

# %% [markdown]
# ### See what happened
#
# `server.traffic()` draws the log as a sequence diagram. Each integration is a participant of
# its own: the `MOCK`, the functions (`λ ask (Event)` acknowledges with `202 accepted`, then
# posts to `@connections`), `AWS sqs` and the `HTTP` backend, with the status each one answered:

# %%
await client.close()
await wait_until(lambda: any(e["type"] == "disconnect" for e in server.events))
server.traffic()

# %% [markdown]
# The same as numbered text, and a summary per route:

# %%
print(server.traffic().to_text())
[(row["route"], row["count"], row["errors"]) for row in server.traffic().summary()]

# %%
server.stop()
backend.shutdown()
server.running

# %% [markdown]
# ## Ship it: CloudFormation
#
# `api` still posts notes to the real backend's URL; that is what gets deployed:

# %%
result = api.synth(app="integrations", stage="prod")
result

# %% [markdown]
# Each route has an `AWS::ApiGatewayV2::Integration` with its `IntegrationType` (`MOCK`, `AWS`
# for both the non-proxy Lambda and SQS, `HTTP`), its `RequestTemplates`, and the request
# parameters: `X-Amz-Invocation-Type: 'Event'` makes `ask` asynchronous, the `Content-Type`
# header makes SQS read a form. SQS is called with `CredentialsArn`, a role wsnb created that
# may only send to `jobs`:

# %%
resources = result.template["Resources"]
route_ids = {r["Properties"]["RouteKey"]: logical_id for logical_id, r in resources.items() if r["Type"] == "AWS::ApiGatewayV2::Route"}


def integration_of(route_key):
    target = resources[route_ids[route_key]]["Properties"]["Target"]  # "integrations/<id>"
    return resources[target["Fn::Join"][1][1]["Ref"]]["Properties"]


for key in ("$connect", "greet", "ask", "enqueue", "note"):
    props = integration_of(key)
    shown = {name: props[name] for name in ("IntegrationType", "RequestParameters", "RequestTemplates") if name in props}
    print(key, json.dumps(shown, indent=2), sep="\n", end="\n\n")

# %%
role_id = integration_of("enqueue")["CredentialsArn"]["Fn::GetAtt"][0]
policy = next(
    r for r in resources.values()
    if r["Type"] == "AWS::IAM::Policy" and {"Ref": role_id} in r["Properties"]["Roles"]
)
print(resources[role_id]["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"])
policy["Properties"]["PolicyDocument"]["Statement"]

# %% [markdown]
# The answers: an `AWS::ApiGatewayV2::IntegrationResponse` holds each response template, and an
# `AWS::ApiGatewayV2::RouteResponse` (key `$default`) makes the route two-way. `ask` and
# `enqueue` have neither, so they send nothing back:

# %%
for r in resources.values():
    if r["Type"] == "AWS::ApiGatewayV2::IntegrationResponse":
        print(r["Properties"]["IntegrationResponseKey"], r["Properties"]["ResponseTemplates"]["$default"])
key_of = {logical_id: key for key, logical_id in route_ids.items()}
sorted(key_of[r["Properties"]["RouteId"]["Ref"]] for r in resources.values() if r["Type"] == "AWS::ApiGatewayV2::RouteResponse")

# %% [markdown]
# ## Ship it: a standalone CDK app
#
# `export()` writes the same as a plain CDK app: each route is a `WebSocketRoute` (its
# `return_response=True` makes the route response), the integrations are aws-cdk-lib's
# `WebSocketMockIntegration` and `WebSocketAwsIntegration` (also for the non-proxy Lambda and,
# with its `IntegrationType` overridden, the HTTP backend: CDK's `WebSocketLambdaIntegration` is
# always a proxy), and the response templates are L1 `CfnIntegrationResponse`s, for which CDK
# has no class. Running the app gives exactly the template above:

# %%
import os
import subprocess
import sys
import tempfile
from pathlib import Path

out = Path(tempfile.mkdtemp()) / "integrations-cdk"
exported = api.export(out, app="integrations", stage="prod")
cdk_out = out.parent / "cdk.out"
run = subprocess.run(
    [sys.executable, "app.py"], cwd=out, env={**os.environ, "CDK_OUTDIR": str(cdk_out)},
    capture_output=True, text=True, timeout=300,
)
print("exit code:", run.returncode)
exported_template = json.loads((cdk_out / f"{result.stack_name}.template.json").read_text())
exported_template == result.template

# %% [markdown]
# The SQS route in the exported `app.py`: the role API Gateway assumes, and the route with its
# `WebSocketAwsIntegration`:

# %%
import textwrap

app_py = (out / "app.py").read_text()
start = app_py.index("        # The role API Gateway assumes to call sqs for route 'enqueue'")
end = app_py.index("        # Route 'note'", start)
print(textwrap.dedent(app_py[start:end]).rstrip())

# %%
import shutil

shutil.rmtree(out.parent)
out.exists()
