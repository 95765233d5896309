"""A Lambda REQUEST authorizer for ``$connect``: allow clients that send the right token."""

import os


def main(event, context):
    headers = {k.lower(): v for k, v in (event.get("headers") or {}).items()}
    token = headers.get("authorization", "")
    allowed = token == os.environ.get("CHAT_TOKEN", "let-me-in")
    return {
        "principalId": "chat-user" if allowed else "anonymous",
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Action": "execute-api:Invoke",
                    "Effect": "Allow" if allowed else "Deny",
                    "Resource": event["methodArn"],
                }
            ],
        },
    }
