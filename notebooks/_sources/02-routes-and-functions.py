# %% [markdown]
# # 02 · Routes and function props
#
# Every route of a WebSocket API runs one Lambda function. This notebook shows the ways to
# describe those functions, how **defaults** combine with per-route props (SST's exact merge
# rules), how to ask wsnb *where* each prop came from, and what happens when you re-run a cell or
# make a mistake.

# %%
from wsnb import Bucket, Function, Table, WebSocketApi, WsnbError

# %% [markdown]
# ## Adding routes later
#
# A notebook grows cell by cell, so routes can be added after the API exists. SST calls it
# `addRoutes(scope, routes)`; wsnb's `add_routes` takes the dict alone (the SST form with a scope
# first is accepted too, and ignored).

# %%
# seed: Lazily adding routes
api = WebSocketApi("Api", routes={
    "$connect": "src/connect.main",
    "$default": "src/default.main",
    "$disconnect": "src/disconnect.main",
})

api.add_routes({
    "sendMessage": "src/sendMessage.main",
})
api.routes

# %% [markdown]
# The route value can also be SST's `WebSocketApiFunctionRouteProps` dict, `{"function": ...}`,
# where `function` is a handler string, a `Function(...)`, or a dict of function props:

# %%
# seed: addRoutes
# seed: WebSocketApiFunctionRouteProps
api = WebSocketApi("Api")
api.add_routes({
    "$connect": "src/connect.main",
})
api.add_routes({
    "sendMessage": {
        "function": "src/sendMessage.main",
    },
})
api

# %% [markdown]
# ## Props for every route: `defaults`
#
# Most functions of one API share settings: a timeout, the table they all use, its name in an
# environment variable. Put those in `defaults={"function": {...}}` (SST's `defaults.function`).
#
# `table.table_name` is a *placeholder*: it prints as a token such as
# `${wsnb:Table/Notes.table_name}` and becomes a CloudFormation reference at synth time and the
# real local table's name in the emulator.

# %%
table = Table("Notes", fields={"id": "string"}, primary_index={"partition_key": "id"})
bucket = Bucket("Uploads")
print(table.table_name)

# %%
# seed: Specifying function props for all the routes
api = WebSocketApi("Api",
    defaults={
        "function": {
            "timeout": 20,
            "permissions": [table],
            "environment": {"tableName": table.table_name},
        },
    },
    routes={
        "$connect": "src/connect.main",
        "$default": "src/default.main",
        "$disconnect": "src/disconnect.main",
    },
)
api

# %% [markdown]
# In the table, `*` marks a value that came from the defaults. The reference section of the SST
# doc shows `defaults` on an API with no routes yet — that is allowed, the routes can come later:

# %%
# seed: defaults.function
api = WebSocketApi("Api",
    defaults={
        "function": {
            "timeout": 20,
            "environment": {"tableName": table.table_name},
            "permissions": [table],
        },
    },
)
api.routes

# %% [markdown]
# ## Props for one route
#
# A route can carry its own function props: give `{"function": {...props, "handler": ...}}`.

# %%
# seed: Configuring an individual route
api = WebSocketApi("Api", routes={
    "$default": {
        "function": {
            "timeout": 20,
            "handler": "src/default.main",
            "permissions": [table],
            "environment": {"tableName": table.table_name},
        },
    },
})
api

# %% [markdown]
# ## How defaults and route props merge
#
# When both give a prop, the route wins — except for `environment` (merged key by key, the route
# wins on a clash), and `permissions`, `layers` and `bind` (concatenated, defaults first). This is
# SST's rule, reproduced exactly:

# %%
# seed: Configuring an individual route (merged with defaults)
api = WebSocketApi("Api",
    defaults={
        "function": {
            "timeout": 20,
            "permissions": [table],
            "environment": {"tableName": table.table_name},
        },
    },
    routes={
        "$default": {
            "function": {
                "handler": "src/default.main",
                "timeout": 10,
                "permissions": [bucket],
                "environment": {"bucketName": bucket.bucket_name},
            },
        },
        "$connect": "src/connect.main",
    },
)
api

# %% [markdown]
# ## Where did each prop come from?
#
# `api.get_function(key)` returns the route's function **with the defaults already merged**, and
# its `provenance` says where every prop came from: `route`, `defaults`, `merged` (both gave it),
# `attached` (from `attach_permissions`/`bind`, notebook 05) or `builtin` (wsnb's default).
# So `$default` has the route's 10 s timeout, both environment variables and both permissions:

# %%
fn = api.get_function("$default")
print(fn["timeout"], fn.provenance["timeout"])
print(sorted(fn["environment"]), fn.provenance["environment"])
print(fn["permissions"], fn.provenance["permissions"])

# %%
for prop, source in api.get_function("$connect").provenance.items():
    print(f"{prop:13} {source}")

# %% [markdown]
# `get_function` is SST's `getFunction`. In SST it returns the CDK `Function`; in the notebook,
# before any CDK exists, it returns this merged description (after `api.to_cdk(stack)`, the CDK
# construct's `get_function` gives the real `aws_lambda.Function`).

# %%
# seed: Getting the function for a route
api = WebSocketApi("Api", routes={
    "$connect": "src/connect.main",
    "$default": "src/default.main",
    "$disconnect": "src/disconnect.main",
    "sendMessage": "src/sendMessage.main",
})

function = api.get_function("sendMessage")
function

# %%
# seed: getFunction
fn = api.get_function("$connect")
fn.handler

# %% [markdown]
# `get_route` gives the route as you defined it (before merging):

# %%
# seed: getRoute
route = api.get_route("$connect")
route

# %% [markdown]
# ## The fluent builder
#
# Everything above can also be written with chained calls; keyword arguments of `route(...)` are
# function props. A `Function(...)` object is a finished function: use it for a route with
# settings of its own.

# %%
api = (
    WebSocketApi("Api")
    .defaults(timeout=20, environment={"tableName": table.table_name}, permissions=[table])
    .route("$connect", "src/connect.main")
    .route("$disconnect", "src/disconnect.main")
    .route("$default", "src/default.main", timeout=10, memory_size=256)
    .route("sendMessage", "src/sendMessage.main", environment={"MAX_LENGTH": "500"})
)
api

# %% [markdown]
# ## Re-running a cell is safe
#
# In a notebook you re-run cells all the time. SST throws on any duplicate route; wsnb treats
# adding an *identical* route as a no-op, so the cell below can run any number of times:

# %%
api.route("sendMessage", "src/sendMessage.main", environment={"MAX_LENGTH": "500"})
api.route("sendMessage", "src/sendMessage.main", environment={"MAX_LENGTH": "500"})
len(api.routes)

# %% [markdown]
# A *different* definition under an existing key is most likely a mistake, so it raises — and
# the error shows both definitions and how to replace on purpose:

# %% tags=["raises-exception"]
api.route("sendMessage", "src/sendMessage.main", timeout=30)

# %%
api.route("sendMessage", "src/sendMessage.main", timeout=30, replace=True)
api.get_function("sendMessage")["timeout"]

# %% [markdown]
# ## Mistakes get a message with a fix
#
# Every bad input raises a `wsnb.WsnbError` that says what was given, what is allowed and how to
# fix it — and it raises *before* the model changes, so a failed call never leaves a half-built
# API behind.

# %% tags=["raises-exception"]
api.route("$conect", "src/connect.main")

# %% tags=["raises-exception"]
api.route("typing", "src/default.main", timout=3)

# %% tags=["raises-exception"]
api.route("typing", "src/default.main", timeout=2000)

# %% [markdown]
# A `Function(...)` is final: its props are fixed, so SST's defaults could not apply to it. wsnb
# says so instead of silently ignoring the defaults:

# %% tags=["raises-exception"]
api.route("typing", Function("src/default.main", timeout=5))

# %% [markdown]
# The failed calls changed nothing:

# %%
api.routes

# %% [markdown]
# Errors are ordinary exceptions, so code can catch them; each carries `given`, `allowed` and
# `fix` attributes too.

# %%
try:
    api.get_function("typing")
except WsnbError as error:
    print(type(error).__name__)
    print(error.fix)

# %% [markdown]
# A handler file that does not exist (yet) is only a warning: you may write the file in the next
# cell. Synth and the local emulator need it, and say so.

# %%
import warnings

with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    WebSocketApi("Draft").route("$default", "src/not_written_yet.main")
print(caught[0].category.__name__)

# %% [markdown]
# ## Beyond SST: notebook functions and route responses
#
# A handler can also be a plain Python function defined in the notebook. The local emulator calls
# it directly; synth and export write its source into the Lambda asset. With
# `return_response=True` (API Gateway route responses, which SST lacks) the `body` the handler
# returns is sent back to the client that sent the message.

# %%
def echo(event, context):
    return {"statusCode": 200, "body": event["body"]}


api.route("echo", echo, return_response=True)
api.get_function("echo").handler

# %%
api
