"""``from_template(region=..., account=...)``: serve() runs in that region and account too."""

from __future__ import annotations

import asyncio
import json

import pytest

from wsnb import TemplateError, WebSocketApi

from ._templates import default_route_api, write_app

pytest.importorskip("websockets")
pytest.importorskip("moto")

TEMPLATE = default_route_api(
    "Fn",
    """\
  Items:
    Type: AWS::Serverless::SimpleTable
    Properties: {TableName: region_items}
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: fn
      Handler: app.handler
      Runtime: python3.11
      Environment: {Variables: {X_REGION: !Ref "AWS::Region", X_ARN: !GetAtt Items.Arn}}
      Policies: [{DynamoDBCrudPolicy: {TableName: !Ref Items}}]
""",
    transform=True,
)

HANDLER = """\
import json
import os

import boto3


def handler(event, context):
    region = os.environ["AWS_REGION"]
    return {"statusCode": 200, "body": json.dumps({
        "region": region,
        "x_region": os.environ["X_REGION"],
        "tables": boto3.client("dynamodb").list_tables()["TableNames"],
        "arn": os.environ["X_ARN"],
        "function_arn": context.invoked_function_arn,
    })}
"""


@pytest.fixture
def template(tmp_path):
    return write_app(tmp_path, TEMPLATE, HANDLER)


def _ask(server):
    import websockets

    async def go():
        async with websockets.connect(server.url) as ws:
            await ws.send("{}")
            return json.loads(await asyncio.wait_for(ws.recv(), 10))

    return asyncio.run(asyncio.wait_for(go(), 60))


def test_serve_uses_the_region_and_account_the_template_was_read_with(template):
    api = WebSocketApi.from_template(template, region="eu-west-1", account="210987654321")
    with api.serve() as server:
        assert (server.region, server.account) == ("eu-west-1", "210987654321")
        reply = _ask(server)
    assert reply["region"] == reply["x_region"] == "eu-west-1"
    assert "region_items" in reply["tables"]  # the local table is where the handler looks
    assert reply["arn"] == "arn:aws:dynamodb:eu-west-1:210987654321:table/region_items"
    assert reply["function_arn"].startswith("arn:aws:lambda:eu-west-1:210987654321:function:")


def test_an_explicit_serve_region_still_wins(template):
    api = WebSocketApi.from_template(template, region="eu-west-1")
    with api.serve(region="us-west-2") as server:
        reply = _ask(server)
    assert reply["region"] == "us-west-2"
    assert "region_items" in reply["tables"]
    assert reply["x_region"] == "eu-west-1"  # resolved into the environment when read


def test_without_region_the_local_defaults(template):
    api = WebSocketApi.from_template(template)
    with api.serve() as server:
        assert (server.region, server.account) == ("us-east-1", "123456789012")


def test_account_must_be_an_account_id(template):
    with pytest.raises(TemplateError, match="account must be a non-empty string of 12 digits"):
        WebSocketApi.from_template(template, account="42")
