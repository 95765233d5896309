"""Handlers the local-emulator benchmark serves (a route-response echo and a management-API echo)."""

import json
import time

import _bench_stats
import boto3

from wsnb.local import _trace

client = None  # module-level client, created on first use and reused, as users write it
_times = _bench_stats.times


def echo_response(event, context):
    return {"statusCode": 200, "body": event["body"]}


def echo_mgmt(event, context):
    global client
    started = time.perf_counter()
    rc = event["requestContext"]
    if client is None:
        client = boto3.client(
            "apigatewaymanagementapi", endpoint_url=f"https://{rc['domainName']}/{rc['stage']}"
        )
    client.post_to_connection(ConnectionId=rc["connectionId"], Data=event["body"].encode())
    if len(_times) < 200_000:
        _times.append(time.perf_counter() - started)
    return {"statusCode": 200}


def stats(event, context):
    """Mean and median time spent inside echo_mgmt (the handler + boto3), and the emulator's
    per-message timestamps (see wsnb.local._trace), then reset both."""
    data = sorted(_times)
    _times.clear()
    out = {"n": len(data), "mean_us": 0.0, "p50_us": 0.0}
    if data:
        out = {
            "n": len(data),
            "mean_us": sum(data) / len(data) * 1e6,
            "p50_us": data[len(data) // 2] * 1e6,
        }
    out["trace"] = _trace.summary()
    return {"statusCode": 200, "body": json.dumps(out)}
