# %% [markdown]
# # 05 · Permissions and binding resources
#
# A Lambda function can do nothing in AWS until its role allows it. wsnb (like SST) gives every
# route function one permission from the start — `execute-api:ManageConnections`, so handlers can
# send messages to connected clients — and you add the rest:
#
# - **`permissions`** grant IAM access: `"*"`, a whole service (`"s3"` → `s3:*`), one action
#   (`"s3:GetObject"`), a full IAM statement, or a wsnb `Table`/`Bucket`.
# - **`bind`** connects a resource to a function: it grants access *and* puts the resource's name
#   into the function's environment, so the handler does not need hard-coded names.
#
# Both can be given as function props (notebook 02), or attached later to the whole API or to
# one route — SST's `attachPermissions`, `attachPermissionsToRoute`, `bind` and `bindToRoute`.

# %%
import json

from wsnb import Bucket, Parameter, Secret, Table, WebSocketApi

ROUTES = {
    "$connect": "src/connect.main",
    "$default": "src/default.main",
    "$disconnect": "src/disconnect.main",
    "sendMessage": "src/sendMessage.main",
}

# %% [markdown]
# ## Attaching permissions
#
# To every route, present and future:

# %%
# seed: Attaching permissions for the entire API
api = WebSocketApi("Api", routes={
    "$connect": "src/connect.main",
    "$default": "src/default.main",
    "$disconnect": "src/disconnect.main",
    "sendMessage": "src/sendMessage.main",
})

api.attach_permissions(["s3"])
api

# %% [markdown]
# `^` in the table marks what was attached rather than given in the route or the defaults. To
# one route only:

# %%
# seed: Attaching permissions for a specific route
api = WebSocketApi("Api", routes={
    "$connect": "src/connect.main",
    "$default": "src/default.main",
    "$disconnect": "src/disconnect.main",
    "sendMessage": "src/sendMessage.main",
})

api.attach_permissions_to_route("$default", ["s3"])
for key in api.routes:
    print(f"{key:12}", api.get_function(key).get("permissions", ()))

# %% [markdown]
# The reference section's one-liners are the same calls:

# %%
# seed: attachPermissions
# seed: attachPermissionsToRoute
api = WebSocketApi("Api", routes=ROUTES)
api.attach_permissions(["s3"])
api.attach_permissions_to_route("$connect", ["s3"])
print(api.get_function("$connect")["permissions"], api.get_function("$connect").provenance["permissions"])

# %% [markdown]
# ### What ends up in IAM
#
# Every form of permission, on one route — then `synth()` shows the policy CloudFormation gets.
# A wsnb `Table` or `Bucket` is granted **least privilege**: read/write on that table (and its
# indexes) or that bucket only, where SST grants `dynamodb:*` / `s3:*` on everything.

# %%
notes = Table("Notes", fields={"id": "string", "at": "number"},
              primary_index={"partition_key": "id", "sort_key": "at"})
uploads = Bucket("Uploads")

api = WebSocketApi("Api", routes=ROUTES, access_log=False)
api.attach_permissions_to_route("sendMessage", [
    "sqs",                                   # a service: sqs:*
    "sns:Publish",                           # one action
    {"actions": ["kms:Decrypt"],             # an IAM statement
     "resources": ["arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"]},
    notes,                                   # least privilege on the table
    uploads,                                 # ... and on the bucket
])
result = api.synth(account="123456789012", region="us-east-1")


def resource_name(value):
    """A short readable name for an IAM Resource value (a string, Ref, GetAtt or Join)."""
    if isinstance(value, list):
        return ", ".join(resource_name(v) for v in value)
    if isinstance(value, dict) and "Fn::GetAtt" in value:
        return value["Fn::GetAtt"][0] + ".Arn"
    if isinstance(value, dict) and "Fn::Join" in value:
        return "".join(resource_name(v) if isinstance(v, dict) else v for v in value["Fn::Join"][1])
    if isinstance(value, dict) and "Ref" in value:
        return "${" + value["Ref"] + "}"
    return value


def print_policy(result, route_key):
    """The IAM statements of one route function's role."""
    for logical_id, resource in result.template["Resources"].items():
        if resource["Type"] == "AWS::IAM::Policy" and f"Lambda{route_key.strip('$')}Service" in logical_id:
            for statement in resource["Properties"]["PolicyDocument"]["Statement"]:
                actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
                print(f"{statement['Effect']} {', '.join(actions)}")
                print(f"      on {resource_name(statement['Resource'])}")


print_policy(result, "sendMessage")

# %% [markdown]
# Note the last statement: `ManageConnections` covers POST, GET **and** DELETE on
# `@connections`, so `post_to_connection`, `get_connection` and `delete_connection` all work (SST
# grants POST only). Other routes have just X-Ray and that:

# %%
print_policy(result, "$disconnect")

# %% [markdown]
# ## Binding resources
#
# `bind` takes `Table`, `Bucket`, `Secret` and `Parameter` resources:
#
# | resource | what the function gets |
# |---|---|
# | `Table("Notes", ...)` | read/write on the table; `WSNB_Table_Notes_table_name`, `WSNB_Table_Notes_table_arn` |
# | `Bucket("Uploads")` | read/write on the bucket; `WSNB_Bucket_Uploads_bucket_name` |
# | `Secret("STRIPE_KEY")` | `ssm:GetParameter` on its SSM parameter; `WSNB_Secret_STRIPE_KEY_parameter_name` (the value itself never sits in the template or the environment) |
# | `Parameter("STAGE_COLOR", "blue")` | the value: `WSNB_Parameter_STAGE_COLOR_value` |
#
# The naming is `WSNB_<Kind>_<id>_<attribute>`. Tables and buckets that are bound (or granted)
# are created in the same stack.

# %%
STRIPE_KEY = Secret("STRIPE_KEY")
bucket = Bucket("Uploads")
color = Parameter("STAGE_COLOR", "blue")

# %%
# seed: bind
api = WebSocketApi("Api", routes=ROUTES, access_log=False)
api.bind([STRIPE_KEY, bucket])

# %%
# seed: bindToRoute
api.bind_to_route("$connect", [STRIPE_KEY, bucket])
api.bind_to_route("$connect", [notes, color])
api

# %% [markdown]
# Binding the same resource twice (here `STRIPE_KEY` and `bucket` on `$connect`) is harmless. In
# the template, each function's environment carries the names — as CloudFormation references,
# since the real names exist only after deploy:

# %%
result = api.synth(account="123456789012", region="us-east-1")
for logical_id, resource in result.template["Resources"].items():
    if resource["Type"] == "AWS::Lambda::Function" and "Lambdaconnect" in logical_id:
        for name, value in resource["Properties"]["Environment"]["Variables"].items():
            print(f"{name:36} {resource_name(value)}")

# %% [markdown]
# ## Bound resources work locally too
#
# The local emulator resolves the same variables to local values — tables live in an in-process
# DynamoDB (moto), so handler code that uses them runs unchanged. This handler answers with what
# it sees (`return_response=True` sends its `body` back to the client):

# %%
import os

from websockets.asyncio.client import connect


def whoami(event, context):
    seen = {name: os.environ.get(name) for name in (
        "WSNB_Parameter_STAGE_COLOR_value",
        "WSNB_Table_Notes_table_name",
    )}
    return {"statusCode": 200, "body": json.dumps(seen)}


api = WebSocketApi("Api", access_log=False)
api.route("whoami", whoami, return_response=True, bind=[notes, color])

with api.serve() as server:
    async with connect(server.url) as ws:
        await ws.send(json.dumps({"action": "whoami"}))
        print(json.dumps(json.loads(await ws.recv()), indent=1))
