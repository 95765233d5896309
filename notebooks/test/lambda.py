"""The authorizer from SST's reference example (``"test/lambda.handler"``): allow everyone."""


def handler(event, context):
    return {
        "principalId": "anyone",
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [
                {"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": event["methodArn"]}
            ],
        },
    }
