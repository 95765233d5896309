"""``sendMessage``: send ``{"action": "sendMessage", "data": "hi"}``; everyone connected gets ``hi``."""

import json
import os

import boto3


def main(event, context):
    request = event["requestContext"]
    table = boto3.resource("dynamodb").Table(os.environ["TABLE_NAME"])
    message = json.loads(event["body"]).get("data", "")

    # The connection management API is at https://<domain>/<stage>: API Gateway in AWS,
    # the emulator locally. The code is the same.
    gateway = boto3.client(
        "apigatewaymanagementapi",
        endpoint_url=f"https://{request['domainName']}/{request['stage']}",
    )
    for item in table.scan(ProjectionExpression="id")["Items"]:
        try:
            gateway.post_to_connection(ConnectionId=item["id"], Data=message.encode())
        except gateway.exceptions.GoneException:
            table.delete_item(Key={"id": item["id"]})  # the client went away without a goodbye
    return {"statusCode": 200}
