"""``$disconnect``: forget the connection."""

import os

import boto3


def main(event, context):
    table = boto3.resource("dynamodb").Table(os.environ["TABLE_NAME"])
    table.delete_item(Key={"id": event["requestContext"]["connectionId"]})
    return {"statusCode": 200}
