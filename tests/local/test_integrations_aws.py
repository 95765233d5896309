"""AWS service integrations served locally against moto's backends (SPEC §9), read back with
boto3.

AWS pages: "Set up a WebSocket API integration request in API Gateway" (an AWS service
integration's URI names an ``action`` or a ``path``; request parameters set headers such as the
form ``Content-Type`` SQS needs), "Set up a WebSocket API integration response in API Gateway"
(the service's status code selects the integration response), "Tutorial: Create a WebSocket
chat app with a WebSocket API, Lambda and DynamoDB" (the DynamoDB item shapes).
"""

from __future__ import annotations

import base64
import json
import logging
import uuid

from tests.local.conftest import exchange, exchange_in_turn, run
from tests.waiting import wait_until
from wsnb import AwsIntegration, IntegrationResponse, MockIntegration, Table, WebSocketApi
from wsnb.local import serve

PASS_THROUGH = [IntegrationResponse("$default", templates={"$default": "$input.body"})]


def unique(prefix: str) -> str:
    """A name no other test uses: local data lives as long as the process."""
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def _receive_all(sqs, queue: str) -> list[str]:
    url = sqs.get_queue_url(QueueName=queue)["QueueUrl"]
    out = []
    while True:
        messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
        if not messages:
            return out
        out += [m["Body"] for m in messages]


def test_sqs_send_message_lands_in_the_local_queue(caplog):
    # The SQS path form: POST {account}/queue with Action=SendMessage&MessageBody=... (form
    # encoded, as the Content-Type request parameter says). AWS answers the route with the JSON
    # form of SendMessageResponse (what a recorded WebSocket test against AWS shows).
    queue = unique("jobs")
    api = WebSocketApi("Sqs").route(
        "enqueue",
        AwsIntegration.sqs_send_message(queue, responses=PASS_THROUGH),
        return_response=True,
    )
    with caplog.at_level(logging.INFO, logger="wsnb.local"), serve(api) as srv:
        started = caplog.text
        (reply,) = run(exchange(srv.url, json.dumps({"action": "enqueue", "job": "resize a&b=c"})))
        bodies = _receive_all(srv.client("sqs"), queue)
        events = srv.events
    assert f"created local sqs queue {queue!r}" in started
    assert bodies == ['{"action": "enqueue", "job": "resize a&b=c"}']
    result = json.loads(reply)["SendMessageResponse"]["SendMessageResult"]
    assert result["MessageId"] and result["MD5OfMessageBody"]
    (record,) = [e for e in events if e["type"] == "result"]
    assert record["target"] == "AWS sqs" and record["integrationStatus"] == 200


def test_an_existing_queue_is_used_not_created(caplog):
    queue = unique("kept")
    api = WebSocketApi("SqsKept").route("$default", AwsIntegration.sqs_send_message(queue))
    from wsnb.local._moto import local_client  # the same local SQS the server uses

    local_client("sqs", "us-east-1").create_queue(QueueName=queue)
    with caplog.at_level(logging.INFO, logger="wsnb.local"), serve(api) as srv:
        run(exchange(srv.url, "one", expect=0))
        wait_until(lambda: any(e["type"] == "result" for e in srv.events))
        assert _receive_all(srv.client("sqs"), queue) == ["one"]
    assert "created local sqs queue" not in caplog.text


def test_dynamodb_put_item_writes_into_the_bound_table():
    # AwsIntegration.dynamodb_put_item(table): PutItem (X-Amz-Target DynamoDB_20120810.PutItem)
    # with the table's local name in the template; the item is read back.
    table = Table(unique("Msgs"), fields={"id": "string"}, primary_index={"partition_key": "id"})
    api = WebSocketApi("Ddb").route(
        "put", AwsIntegration.dynamodb_put_item(table, responses=PASS_THROUGH), return_response=True
    )
    with serve(api) as srv:
        (reply,) = run(exchange(srv.url, json.dumps({"action": "put", "text": 'say "hi"'})))
        items = srv.client("dynamodb").scan(TableName=srv.table_name(table))["Items"]
        events = srv.events
    assert json.loads(reply) == {}  # PutItem's answer
    (message,) = [e for e in events if e["type"] == "message"]
    (item,) = items
    assert item["id"] == {"S": message["requestId"]}
    assert item["connectionId"] == {"S": message["connectionId"]}
    assert json.loads(item["body"]["S"]) == {"action": "put", "text": 'say "hi"'}


def test_a_service_error_status_selects_the_integration_response():
    # The service's status code selects the integration response: PutItem into a table that
    # does not exist answers 400 (ResourceNotFoundException).
    responses = [
        IntegrationResponse(
            "/4\\d\\d/", templates={"$default": '{"failed": "$input.path(\'$.message\')"}'}
        ),
        IntegrationResponse("$default", templates={"$default": '{"failed": false}'}),
    ]
    missing = unique("Missing")
    api = WebSocketApi("DdbMissing").route(
        "$default",
        AwsIntegration(
            "dynamodb",
            action="PutItem",
            permissions=["dynamodb:PutItem"],
            request_templates={
                "$default": f'{{"TableName": "{missing}", "Item": {{"id": {{"S": "1"}}}}}}'
            },
            responses=responses,
        ),
        return_response=True,
    )
    with serve(api) as srv:
        (reply,) = run(exchange(srv.url, "x"))
        (result,) = [e for e in srv.events if e["type"] == "result"]
    assert json.loads(reply) == {"failed": "Requested resource not found"}
    assert result["integrationStatus"] == 400


def test_kinesis_put_record_lands_in_the_local_stream():
    stream = unique("clicks")
    api = WebSocketApi("Kinesis").route(
        "$default",
        AwsIntegration.kinesis_put_record(stream, responses=PASS_THROUGH),
        return_response=True,
    )
    with serve(api) as srv:
        (reply,) = run(exchange(srv.url, '{"click": 1}'))
        kinesis = srv.client("kinesis")
        shard = kinesis.describe_stream(StreamName=stream)["StreamDescription"]["Shards"][0]
        iterator = kinesis.get_shard_iterator(
            StreamName=stream, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
        )["ShardIterator"]
        records = kinesis.get_records(ShardIterator=iterator)["Records"]
        (connect,) = [e for e in srv.events if e["type"] == "connect"]
    assert json.loads(reply)["SequenceNumber"]
    (record,) = records
    assert record["Data"] == b'{"click": 1}'  # the template base64-encodes; Kinesis decodes
    assert record["PartitionKey"] == connect["connectionId"]
    assert base64.b64encode(record["Data"]).decode()


def test_eventbridge_put_events_reaches_a_rule_target_queue():
    # PutEvents on a local bus; a rule on that bus forwards to a local queue, read back.
    bus, queue = unique("bus"), unique("audit")
    api = WebSocketApi("Events").route(
        "$default",
        AwsIntegration.eventbridge_put_events(
            source="chat", detail_type="message", event_bus=bus, responses=PASS_THROUGH
        ),
        return_response=True,
    )
    with serve(api) as srv:
        events_client, sqs = srv.client("events"), srv.client("sqs")
        url = sqs.create_queue(QueueName=queue)["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        events_client.put_rule(
            Name="all", EventBusName=bus, EventPattern=json.dumps({"source": ["chat"]})
        )
        events_client.put_targets(Rule="all", EventBusName=bus, Targets=[{"Id": "q", "Arn": arn}])
        (reply,) = run(exchange(srv.url, '{"text": "hello"}'))
        bodies = _receive_all(sqs, queue)
    assert json.loads(reply)["FailedEntryCount"] == 0
    (body,) = bodies
    event = json.loads(body)
    assert event["source"] == "chat" and event["detail-type"] == "message"
    assert event["detail"] == {"text": "hello"}


def test_sns_publish_through_the_query_protocol():
    topic = unique("orders")
    arn = f"arn:aws:sns:us-east-1:123456789012:{topic}"
    api = WebSocketApi("Sns").route(
        "$default",
        AwsIntegration(
            "sns",
            action="Publish",
            permissions=["sns:Publish"],
            request_parameters={
                "integration.request.header.Content-Type": "'application/x-www-form-urlencoded'"
            },
            request_templates={
                "$default": f"Message=$util.urlEncode($input.body)&TopicArn=$util.urlEncode('{arn}')"
            },
            responses=[
                IntegrationResponse(
                    "$default",
                    templates={"$default": '{"statusCode": 200, "message": "order created"}'},
                )
            ],
        ),
        return_response=True,
    )
    with serve(api) as srv:
        sqs, sns = srv.client("sqs"), srv.client("sns")
        queue = sqs.create_queue(QueueName=unique("sub"))["QueueUrl"]
        queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])[
            "Attributes"
        ]["QueueArn"]
        sns.subscribe(
            TopicArn=arn,
            Protocol="sqs",
            Endpoint=queue_arn,
            Attributes={"RawMessageDelivery": "true"},
        )
        (reply,) = run(exchange(srv.url, '{"order": 7}'))
        (message,) = sqs.receive_message(QueueUrl=queue)["Messages"]
    assert reply == '{"statusCode": 200, "message": "order created"}'
    assert message["Body"] == '{"order": 7}'


def test_disconnect_writes_to_sqs_after_the_connection_closed():
    # A recorded AWS WebSocket test: an SQS integration on $disconnect sends "Client
    # disconnected" once the client has gone; a mock $connect lets it in.
    queue = unique("presence")
    api = (
        WebSocketApi("SqsDisconnect")
        .route("$connect", MockIntegration(request_templates={"$default": '{"statusCode": 200}'}))
        .route(
            "$disconnect",
            AwsIntegration.sqs_send_message(
                queue, message_body="$util.urlEncode('Client disconnected')"
            ),
        )
    )
    with serve(api) as srv:
        run(exchange(srv.url, expect=0))
        wait_until(
            lambda: any(
                e["type"] == "result" and e["routeKey"] == "$disconnect" for e in srv.events
            )
        )
        assert _receive_all(srv.client("sqs"), queue) == ["Client disconnected"]
        text = srv.traffic().to_text()
        summary = {r["route"]: r for r in srv.traffic().summary()}
    assert "API Gateway -> MOCK: CONNECT" in text
    assert "API Gateway -> AWS sqs: DISCONNECT" in text
    assert summary["$disconnect"]["count"] == 1 and summary["$disconnect"]["errors"] == 0
    assert summary["$disconnect"]["p50_ms"] is not None


def test_a_table_the_model_does_not_know_is_reported_at_start(caplog):
    name = unique("Legacy")
    api = WebSocketApi("DdbUnknown").route(
        "$default",
        AwsIntegration(
            "dynamodb",
            action="PutItem",
            permissions=["dynamodb:PutItem"],
            request_templates={"$default": f'{{"TableName": "{name}", "Item": {{}}}}'},
        ),
    )
    with caplog.at_level(logging.WARNING, logger="wsnb.local"), serve(api):
        pass
    assert f"writes to DynamoDB table {name!r}, which does not exist locally" in caplog.text


def test_the_traffic_view_names_each_integration_and_times_it():
    queue = unique("tq")
    api = (
        WebSocketApi("TrafficMix")
        .route("$connect", MockIntegration(request_templates={"$default": '{"statusCode": 200}'}))
        .route("q", AwsIntegration.sqs_send_message(queue))
        .route(
            "m",
            MockIntegration(
                request_templates={"$default": '{"statusCode": 200}'},
                responses=[IntegrationResponse(templates={"$default": '"mocked"'})],
            ),
            return_response=True,
        )
    )
    with serve(api) as srv:
        run(exchange_in_turn(srv.url, '{"action": "m"}'))
        run(exchange(srv.url, '{"action": "q"}', expect=0))
        wait_until(lambda: sum(e["type"] == "result" for e in srv.events) >= 4)
        traffic = srv.traffic()
    assert traffic.participants == ["client 1", "client 2", "API Gateway", "MOCK", "AWS sqs"]
    assert "AWS sqs --> API Gateway: 200" in traffic.to_text()
    mermaid = traffic.to_mermaid()
    assert "participant P" in mermaid and "as AWS sqs" in mermaid
    rows = {r["route"]: r for r in traffic.summary()}
    assert rows["q"]["count"] == 1 and rows["q"]["errors"] == 0 and rows["q"]["p50_ms"] is not None
    assert rows["m"]["count"] == 1 and rows["$connect"]["count"] == 2


def test_a_handler_reads_the_queue_an_integration_writes_to():
    # Handlers get AWS_ENDPOINT_URL_SQS when the API has an SQS integration: plain
    # boto3.client("sqs") in a proxy handler reaches the same local queue, no code change.
    from tests.local import handlers_integrations as h

    queue = unique("work")
    api = (
        WebSocketApi("SqsDrain")
        .route("enqueue", AwsIntegration.sqs_send_message(queue))
        .route("drain", h.drain, return_response=True)
    )
    with serve(api) as srv:
        run(exchange(srv.url, json.dumps({"action": "enqueue", "n": 1}), expect=0))
        wait_until(lambda: any(e["type"] == "result" for e in srv.events))
        (reply,) = run(exchange(srv.url, json.dumps({"action": "drain", "queue": queue})))
    assert json.loads(reply) == ['{"action": "enqueue", "n": 1}']
