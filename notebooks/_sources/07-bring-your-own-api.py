# %% [markdown]
# # 07 · Bring your own API: run an existing SAM or CloudFormation app
#
# Not every WebSocket API starts in a notebook. Many already exist as a **SAM template**, a plain
# **CloudFormation** template, or a **CDK app** — and the SAM CLI cannot run WebSocket APIs
# locally (`sam local start-api` serves REST and HTTP APIs only). wsnb can:
# `WebSocketApi.from_template(...)` reads the template into an ordinary `WebSocketApi`, so you can
# see it, lint it and **run it locally with its Python handlers unchanged**.
#
# Our example is a small chat room written as a SAM app, in `sam-chat/`:
#
# - `template.yaml` — a `TableName` parameter, a DynamoDB table, an `AWS::ApiGatewayV2::Api`
#   with three routes (`$connect`, `$disconnect`, `sendmessage`) whose integrations point at three
#   `AWS::Serverless::Function`s (each in its own `CodeUri` folder, with a `DynamoDBCrudPolicy`);
# - `onconnect/app.py`, `ondisconnect/app.py`, `sendmessage/app.py` — plain boto3 Lambda code.
#
# Here is the handler that broadcasts a message; nothing in it knows about wsnb:

# %%
print(open("sam-chat/sendmessage/app.py").read())

# %% [markdown]
# ## Load it
#
# `from_template` takes the template file (YAML with short-form tags such as `!Ref`, `!Sub` and
# `!GetAtt`, or JSON), a template dict, or a `cdk.out` folder. It evaluates the intrinsic
# functions with the parameters' defaults, follows each route to its integration and Lambda
# function, and reads the functions' handlers, runtimes, timeouts, memory, environment and
# policies. The result displays like any other API — with a note of where it came from:

# %%
# beyond: from_template
from wsnb import WebSocketApi, WsnbError

api = WebSocketApi.from_template("sam-chat/template.yaml")
api

# %% [markdown]
# The `TABLE_NAME` environment variable (`!Ref TableName` in the template) became a reference to
# the `ConnectionsTable` — a wsnb `Table` that keeps the template's physical name, so the handlers
# will find it locally under the name they read. Nothing is dropped silently: the report says
# what was read, what was approximated and what was ignored, resource by resource:

# %%
print(api.template_report)

# %% [markdown]
# It lints like any API. (`lint()` also notes, as an *info*, when a function declares a Python
# version other than this kernel's; that one depends on your machine, so it is left out here.)

# %%
for finding in api.lint():
    if finding.code != "template-runtime":
        print(finding)

# %% [markdown]
# ## Run it with two real clients
#
# Parameters can be overridden, as with `sam deploy --parameter-overrides`. We give the chat its
# own table name and serve it. Handler paths resolve from the template's folder, and the stage is
# the template's (`Prod`):

# %%
import asyncio
import json

from websockets.asyncio.client import connect

chat = WebSocketApi.from_template("sam-chat/template.yaml", parameters={"TableName": "tutorial_room"})
server = chat.serve()
print(server.url, server.stage)

# %%
async def wait_until(condition, seconds=5.0):
    """Poll `condition()` until it is true (the server works in the background)."""
    for _ in range(int(seconds / 0.05)):
        if condition():
            return True
        await asyncio.sleep(0.05)
    return False


alice = await connect(server.url)
bob = await connect(server.url)
await wait_until(lambda: len(server.connections) == 2)
dynamodb = server.client("dynamodb")
print("rows in tutorial_room:", dynamodb.scan(TableName="tutorial_room")["Count"])

# %% [markdown]
# Alice sends a message the SAM way (`{"action": "sendmessage", "data": ...}`); the
# `sendmessage` function scans the table and posts to every connection:

# %%
await alice.send(json.dumps({"action": "sendmessage", "data": "Hello from a SAM app!"}))
print("bob got:  ", await asyncio.wait_for(bob.recv(), 5))
print("alice got:", await asyncio.wait_for(alice.recv(), 5))

# %% [markdown]
# Bob leaves; `$disconnect` removes his row:

# %%
await bob.close()
await wait_until(lambda: dynamodb.scan(TableName="tutorial_room")["Count"] == 1)
print("rows in tutorial_room:", dynamodb.scan(TableName="tutorial_room")["Count"])
await alice.close()
server.stop()

# %% [markdown]
# ## From the terminal
#
# Every `wsnb` command takes a template (or a `cdk.out` folder) as its TARGET: `FILE:LogicalId`
# picks an API when there are several, and `--parameter NAME=VALUE` sets parameters, e.g.
# `wsnb serve sam-chat/template.yaml --parameter TableName=chat`. The same from Python:

# %%
from wsnb.cli import main

main(["routes", "sam-chat/template.yaml:ChatApi", "--parameter", "TableName=chat"])

# %% [markdown]
# ## What cannot run locally
#
# The emulator runs Python and Node.js handlers (tutorial 08 runs TypeScript ones). A function
# with another runtime (Java, Go, .NET, Ruby) is still read and shown (its runtime is in the
# table), and `serve()` refuses it by name. A template can also be a plain dict; this one's
# function is Node.js code written inline, which `serve()` runs with Node as Lambda would:

# %%
mixed = WebSocketApi.from_template(
    {
        "Resources": {
            "Api": {"Type": "AWS::ApiGatewayV2::Api", "Properties": {"ProtocolType": "WEBSOCKET"}},
            "Route": {
                "Type": "AWS::ApiGatewayV2::Route",
                "Properties": {
                    "ApiId": {"Ref": "Api"},
                    "RouteKey": "$default",
                    "Target": {"Fn::Sub": "integrations/${Integration}"},
                    "RouteResponseSelectionExpression": "$default",
                },
            },
            "RouteResponse": {
                "Type": "AWS::ApiGatewayV2::RouteResponse",
                "Properties": {
                    "ApiId": {"Ref": "Api"},
                    "RouteId": {"Ref": "Route"},
                    "RouteResponseKey": "$default",
                },
            },
            "Integration": {
                "Type": "AWS::ApiGatewayV2::Integration",
                "Properties": {
                    "ApiId": {"Ref": "Api"},
                    "IntegrationType": "AWS_PROXY",
                    "IntegrationUri": {
                        "Fn::Sub": "arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${NodeFunction.Arn}/invocations"
                    },
                },
            },
            "NodeFunction": {
                "Type": "AWS::Lambda::Function",
                "Properties": {
                    "Runtime": "nodejs22.x",
                    "Handler": "index.handler",
                    "Code": {
                        "ZipFile": "exports.handler = async (event) => "
                        "({ statusCode: 200, body: 'node got ' + event.body });"
                    },
                },
            },
        }
    }
)
print(repr(mixed).splitlines()[-1])
node_server = mixed.serve()
client = await connect(node_server.url)
await client.send("hello")
print(await client.recv())
await client.close()
node_server.stop()

# %% [markdown]
# An imported API also synthesizes (`chat.synth()`) and exports (`chat.export(path)`) where the
# model can express it — the table keeps its name, the stage its `Prod` — and
# `chat.template_report` lists what `synth()` leaves out (for instance SAM policy templates that
# have no wsnb equivalent). A `cdk.out` folder works the same way, so an SST or CDK app can be
# opened here too: `WebSocketApi.from_template("cdk.out")`.
