"""Handlers whose answers carry a secret, to check it never reaches events, logs or renders."""

SECRET = "sk_live_DO_NOT_LOG_4242"


def authorize_with_secret(event, context):
    token = event["headers"].get("authorization") or event["headers"].get("Authorization") or ""
    if token == "malformed":
        return {"principalId": "user-7", "context": {"apiKey": SECRET}}  # no policyDocument
    return {
        "principalId": "user-7",
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Action": "execute-api:Invoke",
                    "Effect": "Allow" if token == "allow" else "Deny",
                    "Resource": event["methodArn"],
                }
            ],
        },
        "context": {"apiKey": SECRET},
    }


def whoami(event, context):
    import json

    auth = event["requestContext"]["authorizer"]
    return {"statusCode": 200, "body": json.dumps({"has_key": auth.get("apiKey") == SECRET})}
