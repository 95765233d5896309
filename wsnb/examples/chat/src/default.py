"""``$default``: anything without a known ``action`` lands here; explain how to chat."""

import boto3

HELP = 'Unknown action. Send {"action": "sendMessage", "data": "..."}'


def main(event, context):
    request = event["requestContext"]
    gateway = boto3.client(
        "apigatewaymanagementapi",
        endpoint_url=f"https://{request['domainName']}/{request['stage']}",
    )
    gateway.post_to_connection(ConnectionId=request["connectionId"], Data=HELP.encode())
    return {"statusCode": 200}
