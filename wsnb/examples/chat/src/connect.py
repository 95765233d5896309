"""``$connect``: remember the new connection in the Connections table."""

import os

import boto3


def main(event, context):
    table = boto3.resource("dynamodb").Table(os.environ["TABLE_NAME"])
    table.put_item(Item={"id": event["requestContext"]["connectionId"]})
    return {"statusCode": 200}
