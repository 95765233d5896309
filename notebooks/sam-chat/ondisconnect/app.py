"""$disconnect: forget the connection id."""

import os

import boto3


def handler(event, context):
    # Built at call time: the table name comes from the function's environment.
    table = boto3.resource("dynamodb").Table(os.environ["TABLE_NAME"])
    table.delete_item(Key={"connectionId": event["requestContext"]["connectionId"]})
    return {"statusCode": 200, "body": "Disconnected."}
