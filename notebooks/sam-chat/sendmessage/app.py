"""sendmessage: post the message's "data" to every open connection."""

import json
import os

import boto3

TABLE = boto3.resource("dynamodb").Table(os.environ["TABLE_NAME"])


def handler(event, context):
    ctx = event["requestContext"]
    data = json.loads(event.get("body") or "{}").get("data", "")
    management = boto3.client(
        "apigatewaymanagementapi",
        endpoint_url=f"https://{ctx['domainName']}/{ctx['stage']}",
    )
    connections = TABLE.scan(ProjectionExpression="connectionId").get("Items", [])
    for item in connections:
        try:
            management.post_to_connection(
                ConnectionId=item["connectionId"], Data=str(data).encode("utf-8")
            )
        except management.exceptions.GoneException:
            TABLE.delete_item(Key={"connectionId": item["connectionId"]})
    return {"statusCode": 200, "body": "Data sent."}
