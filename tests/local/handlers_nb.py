"""Notebook-style handlers (plain functions) used by the emulator tests.

They live in a module file so their source is readable, as a notebook cell's would be.
``SEEN`` collects what the handlers saw, for the tests to inspect.
"""

import asyncio
import json
import os
import time

import boto3

SEEN = []
_CLIENTS = {}


def _ctx(context):
    return {
        "aws_request_id": context.aws_request_id,
        "function_name": context.function_name,
        "function_version": context.function_version,
        "invoked_function_arn": context.invoked_function_arn,
        "memory_limit_in_mb": context.memory_limit_in_mb,
        "log_group_name": context.log_group_name,
        "log_stream_name": context.log_stream_name,
        "remaining": context.get_remaining_time_in_millis(),
    }


def _mgmt(event):
    rc = event["requestContext"]
    url = f"https://{rc['domainName']}/{rc['stage']}"
    if url not in _CLIENTS:
        _CLIENTS[url] = boto3.client("apigatewaymanagementapi", endpoint_url=url)
    return _CLIENTS[url]


def on_connect(event, context):
    query = event.get("queryStringParameters") or {}
    if "reject" in query:
        return {"statusCode": int(query["reject"])}
    if "raise" in query:
        raise RuntimeError("connect refused by raising")
    if "sleep" in query:
        time.sleep(float(query["sleep"]))
    SEEN.append(("$connect", event, _ctx(context)))
    if "proto" in query:
        return {"statusCode": 200, "headers": {"Sec-WebSocket-Protocol": query["proto"]}}
    return {"statusCode": 200}


def on_disconnect(event, context):
    SEEN.append(("$disconnect", event, _ctx(context)))
    return {"statusCode": 200}


def dump(event, context):
    return {
        "statusCode": 200,
        "body": {"event": event, "context": _ctx(context), "who": os.environ.get("WHO")},
    }


def echo_mgmt(event, context):
    cid = event["requestContext"]["connectionId"]
    _mgmt(event).post_to_connection(ConnectionId=cid, Data=event["body"].encode())
    return {"statusCode": 200}


def manage(event, context):
    """{"action": "manage", "op": "get"|"delete"|"gone"} answers with what the management API said."""
    op = json.loads(event["body"])["op"]
    client = _mgmt(event)
    cid = event["requestContext"]["connectionId"]
    if op == "get":
        info = client.get_connection(ConnectionId=cid)
        client.post_to_connection(
            ConnectionId=cid,
            Data=json.dumps(
                {
                    "connectedAt": info["ConnectedAt"].isoformat(),
                    "sourceIp": info["Identity"]["SourceIp"],
                    "userAgent": info["Identity"]["UserAgent"],
                    "lastActiveAt": info["LastActiveAt"].isoformat(),
                }
            ),
        )
    elif op == "gone":
        try:
            client.post_to_connection(ConnectionId="AAAAAAAAAAAAAAA=", Data=b"x")
        except client.exceptions.GoneException as exc:
            client.post_to_connection(
                ConnectionId=cid, Data=json.dumps({"gone": exc.response["Error"]["Code"]})
            )
    elif op == "delete":
        client.delete_connection(ConnectionId=cid)
    return {"statusCode": 200}


def boom(event, context):
    raise ValueError("boom from a handler")


def slow(event, context):
    time.sleep(float(json.loads(event["body"]).get("s", 1)))
    SEEN.append(("slept", event, _ctx(context)))
    return {"statusCode": 200, "body": "slept"}


async def async_echo(event, context):
    await asyncio.sleep(0.01)
    return {"statusCode": 200, "body": "async:" + event["body"]}


def who(event, context):
    first = os.environ["WHO"]
    time.sleep(0.05)
    return {
        "statusCode": 200,
        "body": json.dumps([first, os.environ["WHO"], os.environ.get("AWS_LAMBDA_FUNCTION_NAME")]),
    }


def size(event, context):
    return {"statusCode": 200, "body": str(len(event["body"]))}


def unserializable(event, context):
    return {"statusCode": 200, "body": object()}


def authorize(event, context):
    SEEN.append(("authorizer", event, _ctx(context)))
    token = event["headers"].get("Authorization") or event["headers"].get("authorization")
    if token == "unauthorized":
        raise Exception("Unauthorized")
    if token == "crash":
        raise ValueError("authorizer bug")
    if token == "malformed":
        return {"principalId": "x"}
    effect = "Allow" if token.startswith("allow") else "Deny"
    return {
        "principalId": "user-1",
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [
                {"Action": "execute-api:Invoke", "Effect": effect, "Resource": event["methodArn"]}
            ],
        },
        "context": {"role": "admin", "n": 3},
    }


def s3_files(event, context):
    """{"action": "files", "key": ..., "text": ...}: put the object, read it back, list keys."""
    body = json.loads(event["body"])
    s3 = boto3.client("s3")
    bucket = os.environ["WSNB_Bucket_Uploads_bucket_name"]  # noqa: SIM112 - the documented name
    s3.put_object(Bucket=bucket, Key=body["key"], Body=body["text"].encode())
    got = s3.get_object(Bucket=bucket, Key=body["key"])["Body"].read().decode()
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]
    return {
        "statusCode": 200,
        "body": json.dumps(
            {"bucket": bucket, "got": got, "keys": keys, "via_env": os.environ.get("UPLOADS")}
        ),
    }


def read_secret(event, context):
    """Answers with the secret's length and prefix, or the error code AWS would raise."""
    ssm = boto3.client("ssm")
    name = os.environ["WSNB_Secret_STRIPE_KEY_parameter_name"]  # noqa: SIM112 - the documented name
    try:
        param = ssm.get_parameter(Name=name, WithDecryption=True)["Parameter"]
    except ssm.exceptions.ParameterNotFound:
        return {"statusCode": 200, "body": json.dumps({"name": name, "error": "ParameterNotFound"})}
    value = param["Value"]
    color = ssm.get_parameter(Name=name.replace("Secret/STRIPE_KEY", "Parameter/COLOR"))[
        "Parameter"
    ]["Value"]
    return {
        "statusCode": 200,
        "body": json.dumps(
            {
                "name": name,
                "type": param["Type"],
                "prefix": value[:8],
                "length": len(value),
                "color": color,
                "env_color": os.environ.get("WSNB_Parameter_COLOR_value"),  # noqa: SIM112
            }
        ),
    }
