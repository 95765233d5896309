# %% [markdown]
# # 03 · Authorization: IAM and Lambda authorizers
#
# A WebSocket client is authorized **once, when it connects**. API Gateway runs the authorizer on
# the `$connect` route only; once the connection is open, every message on it is trusted. So an
# authorizer needs a `$connect` route — wsnb checks that for you (SST does not).
#
# Two kinds exist:
#
# - `"iam"`: the client signs its connection request with AWS credentials (SigV4), and IAM
#   decides. Good for backends and apps that already hold AWS credentials (Cognito identity pools).
# - a **Lambda authorizer**: your function looks at the request (a header, a query string
#   parameter) and returns an IAM policy that allows or denies the connection. Good for tokens
#   your own app issues.

# %%
from wsnb import Function, LambdaAuthorizer, WebSocketApi

# %% [markdown]
# ## IAM authorization

# %%
# seed: Adding IAM authorization
api = WebSocketApi("Api",
    authorizer="iam",
    routes={
        "$connect": "src/connect.main",
        "$default": "src/default.main",
        "$disconnect": "src/disconnect.main",
    },
)
api

# %% [markdown]
# The diagram shows the authorizer guarding `$connect` only. The SST reference shows the prop on
# an API without routes. That is fine while you build — `$connect` may come in a later cell — but
# `lint()` reminds you, and `synth()` refuses to produce an authorizer that would never run:

# %%
# seed: authorizer: iam
api = WebSocketApi("Api", authorizer="iam")
for finding in api.lint():
    print(finding.level, finding.code, "-", finding.fix)

# %% [markdown]
# ## Lambda authorizer
#
# The authorizer is a function like any other. `src/authorizer.py` allows a client whose
# `Authorization` header holds the right token, and denies everyone else:

# %%
print(open("src/authorizer.py").read())

# %%
# seed: Adding Lambda authorization
api = WebSocketApi("Api",
    authorizer={
        "type": "lambda",
        "function": Function("src/authorizer.main"),
    },
    routes={
        "$connect": "src/connect.main",
        "$default": "src/default.main",
        "$disconnect": "src/disconnect.main",
    },
)
api

# %% [markdown]
# SST's reference shows the same with a test handler. (Its snippet has a typo — it builds a
# `WebSocketApi` where it means a `Function`; in wsnb it is simply `Function(...)`.)

# %%
# seed: authorizer: lambda
api = WebSocketApi("Api",
    authorizer={
        "type": "lambda",
        "function": Function("test/lambda.handler"),
    },
)
api.spec.authorizer

# %% [markdown]
# The dict form is SST's `WebSocketApiLambdaAuthorizer`. wsnb also has a class for it,
# `LambdaAuthorizer`, with the same options: `identity_source` (where the credential is; default
# the `Authorization` header) and `name` (default `WebSocketAuthorizer`). Browsers cannot set
# headers on a WebSocket, so a token in the query string is common:

# %%
# seed: WebSocketApiLambdaAuthorizer
api = WebSocketApi("Api",
    authorizer={
        "type": "lambda",
        "function": Function("test/lambda.handler"),
    },
)
browser_friendly = LambdaAuthorizer(
    Function("src/authorizer.main"),
    identity_source=["route.request.querystring.token"],
    name="TokenAuthorizer",
)
browser_friendly

# %% [markdown]
# ## Try it locally
#
# The local emulator runs authorizers on `$connect` exactly like API Gateway: a missing identity
# source is refused with **401** without calling your function, a Deny policy with **403**, an
# Allow lets the client in. Let us connect three clients with the `websockets` library (the
# notebook's event loop lets us `await` at the top level of a cell).

# %%
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus


def hello(event, context):
    """A $connect handler defined right here: accept everyone the authorizer let through."""
    return {"statusCode": 200}


api = WebSocketApi("Api",
    authorizer={"type": "lambda", "function": Function("src/authorizer.main")},
    routes={"$connect": hello},
    access_log=False,
)
server = api.serve()


async def try_connect(headers):
    try:
        async with connect(server.url, additional_headers=headers):
            return "connected"
    except InvalidStatus as refused:
        return f"refused with HTTP {refused.response.status_code}"


print("no token:   ", await try_connect({}))
print("wrong token:", await try_connect({"Authorization": "guess"}))
print("right token:", await try_connect({"Authorization": "let-me-in"}))

# %% [markdown]
# The server keeps a log of what happened (`server.events`, newest last; `server.monitor()`
# renders it as a table). The three `$connect` attempts and their verdicts are in it:

# %%
for event in server.events:
    if event.get("routeKey") == "$connect":
        print(event["type"], event.get("status", ""))

# %% [markdown]
# Stop the server when you are done (or use `with api.serve() as server:`).

# %%
server.stop()
server.running

# %% [markdown]
# ## In CloudFormation
#
# `synth()` turns the model into the template (aws-cdk-lib runs in-process; the first synth in a
# kernel takes a few seconds). The authorizer is attached to `$connect`, and every other route
# carries `AuthorizationType: NONE`:

# %%
api = WebSocketApi("Api",
    authorizer={"type": "lambda", "function": Function("src/authorizer.main")},
    routes={
        "$connect": "src/connect.main",
        "$default": "src/default.main",
        "$disconnect": "src/disconnect.main",
    },
)
result = api.synth()
resources = result.template["Resources"]
for resource in resources.values():
    if resource["Type"] == "AWS::ApiGatewayV2::Route":
        props = resource["Properties"]
        print(f'{props["RouteKey"]:12} {props["AuthorizationType"]}')

# %%
for resource in resources.values():
    if resource["Type"] == "AWS::ApiGatewayV2::Authorizer":
        props = resource["Properties"]
        print(props["Name"], props["AuthorizerType"], props["IdentitySource"])
