"""Notebook-style handler functions for the tests (a file, so their source is readable)."""

import json


def send(event, context):
    body = json.loads(event["body"])
    return {"statusCode": 200, "body": json.dumps(body)}


def one_arg(event):
    return None


def make_closure():
    secret = "x"

    def inner(event, context):
        return secret

    return inner


def _register(func):
    return func


@_register
def decorated(event, context):
    return {"statusCode": 200}
