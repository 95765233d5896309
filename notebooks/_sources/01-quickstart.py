# %% [markdown]
# # 01 · Quickstart: a WebSocket API in one cell
#
# **wsnb** lets you design an AWS API Gateway *WebSocket* API in a notebook, look at it, run it
# locally and ship it as CloudFormation. It re-implements the `WebSocketApi` construct of SST v1
# in Python: the same props (in `snake_case`), the same defaults, the same CloudFormation.
#
# A WebSocket API is a set of **routes**. API Gateway keeps the socket open and, for every
# event, calls the Lambda function of the matching route:
#
# | route | when it runs |
# |---|---|
# | `$connect` | a client opens a connection (return non-2xx to refuse it) |
# | `$disconnect` | the connection closed (best effort) |
# | `sendMessage` (any name you like) | a message arrives whose JSON has `"action": "sendMessage"` |
# | `$default` | a message matched no other route (or was not JSON) |
#
# A handler is written `"path/to/file.function"`, relative to the working directory — the same
# convention as SST. This notebook runs from the `notebooks/` folder, whose `src/` holds the
# handlers used throughout the tutorials (a small chat app that notebook 06 runs, and the two
# functions behind notebook 09's integrations).

# %%
from pathlib import Path

from wsnb import WebSocketApi

sorted(p.name for p in Path("src").glob("*.py"))

# %% [markdown]
# ## The minimal config
#
# This is SST's first example, in Python. The only required argument is the construct id,
# `"Api"`; `routes` maps each route key to its handler.

# %%
# seed: Minimal Config
api = WebSocketApi("Api", routes={
    "$connect": "src/connect.main",
    "$default": "src/default.main",
    "$disconnect": "src/disconnect.main",
    "sendMessage": "src/sendMessage.main",
})
api

# %% [markdown]
# Leaving `api` as the last expression of a cell shows it: a route table with every function's
# **merged** props (the timeout and memory you would get if you deployed now, and the runtime
# wherever it is not wsnb's default, `python3.12`) and a diagram of how a client's messages flow
# to your functions. The mark after a value says where it came from: `°` is wsnb's default.
#
# The display is plain HTML without scripts, so every viewer shows it, as far as it trusts the
# notebook. Once you have run the cell (or used *File › Trust Notebook*), and in a page exported
# with `jupyter nbconvert --to html`, the diagram is drawn as an SVG in your theme's colours. A
# notebook freshly cloned from git, or read on GitHub, is not trusted: the viewer removes
# drawings from its outputs, and you see the same diagram as a text drawing, with a note saying
# so. The table reads the same either way.
#
# `print(api)` gives the text form, handy in a terminal or a log:

# %%
print(api)

# %% [markdown]
# ## The same API, built step by step
#
# SST-style props are one way; the fluent builder is the other. Each call returns the same
# `api`, so calls chain, and each call checks its input *before* changing anything. Both forms
# build the same model:

# %%
fluent = (
    WebSocketApi("Api")
    .route("$connect", "src/connect.main")
    .route("$default", "src/default.main")
    .route("$disconnect", "src/disconnect.main")
    .route("sendMessage", "src/sendMessage.main")
)
fluent == api

# %% [markdown]
# The SST reference shows the `routes` prop on its own too; it is the same dictionary:

# %%
# seed: routes
api = WebSocketApi("Api", routes={
    "$connect": "src/connect.main",
    "$default": "src/default.main",
    "$disconnect": "src/disconnect.main",
    "sendMessage": "src/sendMessage.main",
})
api.routes

# %% [markdown]
# ## Reading the model
#
# `api.id`, `api.routes` and `api.url` are SST's properties. Before a deploy nobody knows the
# API's id, so `url` is the *shape* of the URL; after a deploy (or in CDK) it is the real one.

# %%
print(api.id)
print(api.url)
print(api.custom_domain_url)  # None: no custom domain yet (see notebook 04)

# %% [markdown]
# ## Lint: what would fail or surprise at deploy time
#
# `api.lint()` never raises; it returns findings with a level, a short code, a message and a fix.
# Here it has one piece of news: access logs are **on by default** (as in SST), and API Gateway
# can only write them once your AWS account has an API Gateway CloudWatch role — a classic
# first-deploy failure that SST does not warn about.

# %%
for finding in api.lint():
    print(finding.level, finding.code)
    print("  ", finding.message)
    print("  fix:", finding.fix)

# %% [markdown]
# Turning access logs off (or setting the role up once per account) clears it:

# %%
WebSocketApi("Api", routes={"$default": "src/default.main"}, access_log=False).lint()

# %% [markdown]
# ## Other views of the same model
#
# The diagram is also available as Mermaid (paste it in a Markdown file on GitHub) and Graphviz
# DOT; `to_dict()` is a JSON-safe description that round-trips.

# %%
print(api.to_mermaid())

# %%
import json

print(json.dumps(api.to_dict(), indent=2))

# %%
WebSocketApi.from_dict(api.to_dict()) == api

# %% [markdown]
# ## Next
#
# - [02 · Routes and functions](02-routes-and-functions.ipynb) — defaults, per-route config,
#   where each prop came from, safe re-runs and error messages.
# - [03 · Authorization](03-auth.ipynb) — IAM or a Lambda authorizer.
# - [04 · Domains, logs and CDK](04-domains-logs-and-cdk.ipynb) — custom domains, access logs and
#   the CloudFormation wsnb synthesizes.
# - [05 · Permissions and bind](05-permissions-and-bind.ipynb) — binding tables, buckets, secrets
#   and parameters.
# - [06 · A chat app, end to end](06-chat-app.ipynb) — run it locally, talk to it, ship it.
# - [07 · Bring your own API](07-bring-your-own-api.ipynb) — load an existing SAM, CloudFormation
#   or CDK app from its template, see it, lint it and run it locally.
#
# Running a tutorial saves its new outputs into the `.ipynb` file (git then shows it as
# changed). To get the committed versions back, run `git checkout notebooks/` in the
# repository.
