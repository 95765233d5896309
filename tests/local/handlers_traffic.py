"""Handlers for the traffic-picture tests: a tiny broadcast chat without a table, and handlers
that post a marker naming what started them (to check which invocation each POST is drawn in)."""

import asyncio
import json
import time

import boto3

CONNECTED = []
WATCHER = []  # the connection the authorizer, $connect and $disconnect report to
NAMES = {}  # connectionId → (name, seconds its $disconnect waits)


def _gateway(event):
    rc = event["requestContext"]
    return boto3.client(
        "apigatewaymanagementapi", endpoint_url=f"https://{rc['domainName']}/{rc['stage']}"
    )


def on_connect(event, context):
    CONNECTED.append(event["requestContext"]["connectionId"])
    return {"statusCode": 200}


def on_disconnect(event, context):
    cid = event["requestContext"]["connectionId"]
    if cid in CONNECTED:
        CONNECTED.remove(cid)
    return {"statusCode": 200}


def broadcast(event, context):
    gateway = _gateway(event)
    for cid in reversed(CONNECTED):  # newest first: the picture still lists client 1 first
        gateway.post_to_connection(ConnectionId=cid, Data=event["body"].encode())
    return {"statusCode": 200}


def ping(event, context):
    return {"statusCode": 200, "body": "pong $1"}


def boom(event, context):
    raise ValueError("boom")


def _post(event, cid, text):
    _gateway(event).post_to_connection(ConnectionId=cid, Data=text.encode())


def tagged(event, context):
    """{"action": "tagged", "tag": ..., "wait": s}: sleep, then post "done <tag>" to the sender."""
    body = json.loads(event["body"])
    time.sleep(body["wait"])
    _post(event, event["requestContext"]["connectionId"], f"done {body['tag']}")
    return {"statusCode": 200}


async def tagged_async(event, context):
    """As :func:`tagged`, from an ``async def`` handler (run on its worker's own loop)."""
    body = json.loads(event["body"])
    await asyncio.sleep(body["wait"])
    _post(event, event["requestContext"]["connectionId"], f"done {body['tag']}")
    return {"statusCode": 200}


def kick(event, context):
    """delete_connection on the sender's own connection."""
    _gateway(event).delete_connection(ConnectionId=event["requestContext"]["connectionId"])
    return {"statusCode": 200}


def authorize_report(event, context):
    """Allow everyone; tell the watcher "authorized <name>" (?name=...)."""
    name = event["queryStringParameters"]["name"]
    if WATCHER:
        _post(event, WATCHER[0], f"authorized {name}")
    return {
        "principalId": name,
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [
                {"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": event["methodArn"]}
            ],
        },
    }


def connect_report(event, context):
    """?watch=1: become the watcher; else sleep ?wait= seconds and tell the watcher
    "joined <name>" (its $disconnect will sleep ?leave= seconds and say "left <name>")."""
    query = event["queryStringParameters"]
    cid = event["requestContext"]["connectionId"]
    if "watch" in query:
        WATCHER.append(cid)
        return {"statusCode": 200}
    time.sleep(float(query.get("wait", 0)))
    NAMES[cid] = (query["name"], float(query.get("leave", 0)))
    _post(event, WATCHER[0], f"joined {query['name']}")
    return {"statusCode": 200}


def disconnect_report(event, context):
    cid = event["requestContext"]["connectionId"]
    if cid in NAMES:
        name, wait = NAMES.pop(cid)
        time.sleep(wait)
        _post(event, WATCHER[0], f"left {name}")
    return {"statusCode": 200}
