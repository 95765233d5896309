"""Handlers for the traffic-picture tests: a tiny broadcast chat without a table."""

import boto3

CONNECTED = []


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
