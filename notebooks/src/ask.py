"""``ask`` (invoked asynchronously, ``Event``): answers later, word by word, through @connections.

API Gateway does not wait for this function (the client gets no route response); the request
template gives it the connection id, the domain and the stage, so it can post back itself.
"""

import boto3


def main(event, context):
    where = event["requestContext"]
    gateway = boto3.client(
        "apigatewaymanagementapi",
        endpoint_url=f"https://{where['domainName']}/{where['stage']}",
    )
    question = event["body"]["question"]  # an object: the template put $input.body in unquoted
    for word in f"You asked: {question}".split():
        gateway.post_to_connection(ConnectionId=where["connectionId"], Data=word.encode())
    gateway.post_to_connection(ConnectionId=where["connectionId"], Data=b"[done]")
