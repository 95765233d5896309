"""Notebook-style handlers for the API Gateway / Lambda fidelity tests (test_fidelity.py).

They live in a module file so their source is readable, as a notebook cell's would be.
``SEEN`` collects what they saw; ``BLOCK`` holds blocked handlers until a test releases them.
"""

import json
import threading
import time

import boto3

SEEN = []
BLOCK = threading.Event()


def route_key(event, context):
    return {"statusCode": 200, "body": event["requestContext"]["routeKey"]}


def identity(event, context):
    return {"statusCode": 200, "body": json.dumps(event["requestContext"]["identity"])}


def blocked(event, context):
    SEEN.append(("blocked",))  # running: the test may now count on it being in flight
    BLOCK.wait(20)
    return {"statusCode": 200, "body": "released"}


def sleeper(event, context):
    """Sleeps ``s`` seconds, then records that it finished (it outlives a timed-out answer)."""
    seconds = float(json.loads(event["body"]).get("s", 1))
    time.sleep(seconds)
    SEEN.append(("finished", seconds))
    return {"statusCode": 200, "body": "slept"}


def held(event, context):
    """Runs until the test releases it, then records that it finished."""
    SEEN.append(("held",))
    BLOCK.wait(20)
    SEEN.append(("finished", "held"))
    return {"statusCode": 200, "body": "held"}


async def async_blocking(event, context):
    SEEN.append(("async blocking",))
    BLOCK.wait(20)  # blocks its own event loop (only) until the test releases it
    return {"statusCode": 200, "body": "blocked"}


async def async_quick(event, context):
    return {"statusCode": 200, "body": "quick"}


def slow_connect(event, context):
    time.sleep(float((event.get("queryStringParameters") or {}).get("sleep", 0)))
    return {"statusCode": 200}


def big_context_authorizer(event, context):
    size = int((event.get("queryStringParameters") or {}).get("size", 10))
    return {
        "principalId": "user-1",
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [
                {"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": event["methodArn"]}
            ],
        },
        "context": {"blob": "x" * size},
    }


def post_back(event, context):
    """Posts ``n`` KB back to the caller through @connections."""
    rc = event["requestContext"]
    mgmt = boto3.client(
        "apigatewaymanagementapi", endpoint_url=f"https://{rc['domainName']}/{rc['stage']}"
    )
    n = int(json.loads(event["body"]).get("kb", 1))
    mgmt.post_to_connection(ConnectionId=rc["connectionId"], Data=("z" * (n * 1024)).encode())
    return {"statusCode": 200}


def post_numbers(event, context):
    """Posts ``count`` numbered messages to the caller, then returns the count as its reply."""
    rc = event["requestContext"]
    mgmt = boto3.client(
        "apigatewaymanagementapi", endpoint_url=f"https://{rc['domainName']}/{rc['stage']}"
    )
    count = int(json.loads(event["body"])["count"])
    for i in range(count):
        mgmt.post_to_connection(ConnectionId=rc["connectionId"], Data=str(i).encode())
    return {"statusCode": 200, "body": f"done {count}"}
