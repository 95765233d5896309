"""APIs with every integration kind (SPEC §9), mixed with Lambda proxies, for the synth,
export (and template read-back) tests. Handlers are the seed project's (``make_project``).

``mixed_api()`` holds: a MOCK ``$connect`` behind a Lambda authorizer (passthrough NEVER,
return_response → a ``$default`` pass-through integration response), a Lambda proxy
``$default``, a non-proxy ``Event`` Lambda (``ask``), a non-proxy Lambda with two integration
responses (``echo``), an HTTP integration with a route response (``fwd``), an HTTP proxy
(``raw``), SQS ``SendMessage`` (``enqueue``), DynamoDB ``PutItem`` into a wsnb Table whose
name the template references (``put``), EventBridge with an imported role (``events``), and
a DynamoDB ``Query`` granted through the Table itself (``query``).
"""

from __future__ import annotations

from wsnb import (
    AwsIntegration,
    HttpIntegration,
    IntegrationResponse,
    LambdaAuthorizer,
    LambdaIntegration,
    MockIntegration,
    Table,
    WebSocketApi,
)

MOCK_CONNECT = MockIntegration(
    request_templates={"$default": '{"statusCode": 200}'}, passthrough_behavior="NEVER"
)
ASK_TEMPLATE = '{"connectionId": "$context.connectionId", "body": $input.body}'
ECHO_TEMPLATE = "{\"answer\": $input.json('$')}"
EVENTS_ROLE = "arn:aws:iam::{account}:role/events-writer"


def messages_table() -> Table:
    return Table("Messages", fields={"id": "string"}, primary_index={"partition_key": "id"})


def mixed_api(name: str = "Api") -> WebSocketApi:
    table = messages_table()
    return (
        WebSocketApi(name)
        .authorizer(LambdaAuthorizer("src/authorizer.main"))
        .route("$connect", MOCK_CONNECT, return_response=True)
        .route("$default", "src/default.main")
        .route(
            "ask",
            LambdaIntegration(
                "src/send.main",
                request_templates={"$default": ASK_TEMPLATE},
                template_selection_expression="\\$default",
                invocation_type="Event",
                timeout=10,
            ),
        )
        .route(
            "echo",
            LambdaIntegration(
                "src/send.main",
                responses=[
                    IntegrationResponse(
                        "$default",
                        templates={"$default": ECHO_TEMPLATE},
                        template_selection_expression="\\$default",
                    ),
                    IntegrationResponse("/4\\d\\d/", content_handling="CONVERT_TO_TEXT"),
                ],
            ),
            return_response=True,
        )
        .route(
            "fwd",
            HttpIntegration(
                "https://backend.example.com/hook",
                method="PUT",
                request_templates={"$default": "$input.body"},
                request_parameters={"integration.request.header.cid": "context.connectionId"},
                timeout=5,
            ),
            return_response=True,
        )
        .route("raw", HttpIntegration("https://backend.example.com/raw", proxy=True))
        .route("enqueue", AwsIntegration.sqs_send_message("jobs"))
        .route("put", AwsIntegration.dynamodb_put_item(table), return_response=True)
        .route(
            "events",
            AwsIntegration.eventbridge_put_events(
                source="chat", detail_type="message", credentials_role=EVENTS_ROLE
            ),
        )
        .route(
            "query",
            AwsIntegration(
                "dynamodb",
                action="Query",
                permissions=[table],
                request_templates={"$default": f'{{"TableName": "{table.table_name}"}}'},
                timeout=3.5,
            ),
        )
    )


def mock_only_api(name: str = "Mocks") -> WebSocketApi:
    """No function at all: only integrations API Gateway answers by itself."""
    return (
        WebSocketApi(name)
        .route("$connect", MOCK_CONNECT)
        .route(
            "$default",
            MockIntegration(
                request_templates={"$default": '{"statusCode": 200}'},
                responses=[IntegrationResponse(templates={"$default": '{"echo": $input.body}'})],
            ),
            return_response=True,
        )
    )
