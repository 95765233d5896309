"""$connect: remember the new connection id in the connections table."""

import os

import boto3

# Built once per Lambda container, at import time.
TABLE = boto3.resource("dynamodb").Table(os.environ["TABLE_NAME"])


def handler(event, context):
    connection_id = event["requestContext"]["connectionId"]
    TABLE.put_item(Item={"connectionId": connection_id})
    return {"statusCode": 200, "body": "Connected."}
