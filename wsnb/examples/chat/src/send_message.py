"""``sendMessage``: broadcast ``{"message": data}`` to every open connection.

The client sends ``{"action": "sendMessage", "data": "hello"}``. Connections that API Gateway
reports as gone are removed from the table.
"""

import json
import os

import boto3


def main(event, context):
    table = boto3.resource("dynamodb").Table(os.environ["TABLE_NAME"])
    request = event["requestContext"]
    try:
        data = json.loads(event.get("body") or "{}").get("data")
    except (ValueError, AttributeError):
        data = None
    payload = json.dumps({"message": data}).encode()

    client = boto3.client(
        "apigatewaymanagementapi",
        endpoint_url=f"https://{request['domainName']}/{request['stage']}",
    )
    for connection_id in _connection_ids(table):
        try:
            client.post_to_connection(ConnectionId=connection_id, Data=payload)
        except client.exceptions.GoneException:
            table.delete_item(Key={"id": connection_id})
    return {"statusCode": 200, "body": "Message sent"}


def _connection_ids(table):
    kwargs = {"ProjectionExpression": "id"}
    while True:
        page = table.scan(**kwargs)
        for item in page.get("Items", []):
            yield item["id"]
        if "LastEvaluatedKey" not in page:
            return
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
