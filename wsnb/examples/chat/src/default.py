"""``$default``: any message without a known ``action``; tell the sender how to chat."""

import json

import boto3

HELP = 'Send {"action": "sendMessage", "data": "your text"} to chat.'


def main(event, context):
    request = event["requestContext"]
    client = boto3.client(
        "apigatewaymanagementapi",
        endpoint_url=f"https://{request['domainName']}/{request['stage']}",
    )
    client.post_to_connection(
        ConnectionId=request["connectionId"],
        Data=json.dumps({"message": HELP}).encode(),
    )
    return {"statusCode": 200, "body": "Help sent"}
