"""Functions behind the non-proxy Lambda integrations of tests/local/test_integrations_*.py.

Each gets the event its route's request template makes (not a proxy event) and records it in
:data:`SEEN` so the tests can check what reached it.
"""

from __future__ import annotations

import threading
import time

SEEN: list[tuple[str, object]] = []
DONE = threading.Event()


def remember(event, context):
    """Returns what it got (a two-way route's response template then shapes the reply)."""
    SEEN.append(("remember", event))
    return {"got": event, "function": context.function_name}


def answer_text(event, context):
    """Returns a plain string: Lambda serializes it as a JSON string."""
    return f"hello {event['name']}"


def fail_not_found(event, context):
    """Fails with an error message an integration response key can match."""
    raise LookupError(f"item {event.get('id')} not found")


def slow(event, context):
    time.sleep(3)
    return {"late": True}


def _mgmt(request_context):
    import boto3

    endpoint = f"https://{request_context['domainName']}/{request_context['stage']}"
    return boto3.client("apigatewaymanagementapi", endpoint_url=endpoint)


def stream_answer(event, context):
    """The LLM-chat app's shape: invoked with ``Event``, it answers through @connections,
    one post per word of the prompt, then a final ``done``."""
    SEEN.append(("stream", event))
    request_context = event["requestContext"]
    body = event["body"]  # an object: the template puts $input.body in unquoted
    client = _mgmt(request_context)
    for word in body["prompt"].split():
        client.post_to_connection(
            ConnectionId=request_context["connectionId"], Data=word.upper().encode()
        )
    client.post_to_connection(ConnectionId=request_context["connectionId"], Data=b"done")
    return {"statusCode": 200}


def async_boom(event, context):
    SEEN.append(("async_boom", event))
    try:
        raise RuntimeError("background failure")
    finally:
        DONE.set()


def on_connect_record(event, context):
    SEEN.append(("connect", event))
    return {"ok": True}


def drain(event, context):
    """A Lambda proxy that reads the queue an SQS integration route writes to (plain boto3:
    AWS_ENDPOINT_URL_SQS points at the local SQS)."""
    import json as _json

    import boto3

    sqs = boto3.client("sqs")
    url = sqs.get_queue_url(QueueName=_json.loads(event["body"])["queue"])["QueueUrl"]
    messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
    return {"statusCode": 200, "body": _json.dumps([m["Body"] for m in messages])}
