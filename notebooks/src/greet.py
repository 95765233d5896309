"""``greet`` (behind a non-proxy Lambda integration): the request template decides the event.

The event is not API Gateway's proxy event: it is exactly what the route's request template
made of the message, here ``{"name": ..., "connectionId": ...}``. The return value is not a
proxy answer either: the integration response's template turns it into the reply.
"""


def main(event, context):
    name = event.get("name") or "stranger"
    return {"greeting": f"Hello, {name}!", "letters": len(name), "connectionId": event["connectionId"]}
