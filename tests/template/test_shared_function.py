"""One template function serving several routes (a common SAM pattern), with a FunctionName."""

from __future__ import annotations

import asyncio
import json

import pytest

from wsnb import WebSocketApi

from ._templates import write_app

SHARED = """\
Transform: AWS::Serverless-2016-10-31
Resources:
  Api:
    Type: AWS::ApiGatewayV2::Api
    Properties: {Name: A, ProtocolType: WEBSOCKET, RouteSelectionExpression: $request.body.action}
  ConnectRoute:
    Type: AWS::ApiGatewayV2::Route
    Properties: {ApiId: !Ref Api, RouteKey: $connect, Target: !Sub "integrations/${Integ}"}
  DefaultRoute:
    Type: AWS::ApiGatewayV2::Route
    Properties:
      ApiId: !Ref Api
      RouteKey: $default
      RouteResponseSelectionExpression: $default
      Target: !Sub "integrations/${Integ}"
  Integ:
    Type: AWS::ApiGatewayV2::Integration
    Properties:
      ApiId: !Ref Api
      IntegrationType: AWS_PROXY
      IntegrationUri: !Sub "arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${ChatFn.Arn}/invocations"
  ChatFn:
    Type: AWS::Serverless::Function
    Properties: {CodeUri: fn, Handler: app.handler, Runtime: python3.11, FunctionName: chat-handler}
"""

HANDLER = """\
import json


def handler(event, context):
    route = event["requestContext"]["routeKey"]
    return {"statusCode": 200, "body": json.dumps({"route": route, "name": context.function_name})}
"""


def write_shared(folder):
    return write_app(folder, SHARED, HANDLER)


def _shared_entries(api):
    return [e for e in api.template_report.approximated if e.note.startswith("serves ")]


def test_a_named_function_serving_two_routes_loads(tmp_path):
    api = WebSocketApi.from_template(write_shared(tmp_path))
    assert api.routes == ["$connect", "$default"]
    # the same code and settings on both routes; the physical name on the first only
    connect, default = api.get_function("$connect"), api.get_function("$default")
    assert connect.handler == default.handler
    assert connect.function_name == "chat-handler"
    assert default.function_name is None
    assert api.route_functions == {"$connect": "ChatFn", "$default": "ChatFn"}
    (entry,) = _shared_entries(api)
    assert entry.logical_id == "ChatFn"
    assert "FunctionName 'chat-handler' is kept on $connect's function only" in entry.note
    assert not [f for f in api.lint() if f.level == "error"]
    # told where synth()/export() differ from the template
    assert any("FunctionName 'chat-handler' is kept" in f.message for f in api.lint())


def test_a_shared_function_without_a_name_is_reported_too(tmp_path):
    path = write_shared(tmp_path)
    path.write_text(path.read_text().replace(", FunctionName: chat-handler", ""))
    api = WebSocketApi.from_template(path)
    (entry,) = _shared_entries(api)
    assert entry.note.startswith("serves $connect, $default: wsnb makes one function per route")
    assert "FunctionName" not in entry.note


def test_serving_a_shared_function(tmp_path):
    pytest.importorskip("websockets")
    import websockets

    api = WebSocketApi.from_template(write_shared(tmp_path))

    async def go(url):
        async with websockets.connect(url) as ws:
            await ws.send(json.dumps({"hello": 1}))
            return json.loads(await asyncio.wait_for(ws.recv(), 10))

    with api.serve() as server:
        reply = asyncio.run(asyncio.wait_for(go(server.url), 60))
    assert reply["route"] == "$default"
    assert reply["name"] == "dev-app-Api-default"  # wsnb's generated name for the second use


def test_the_cli_prints_the_routes_of_a_shared_function(tmp_path, capsys):
    from wsnb.cli import main

    assert main(["routes", str(write_shared(tmp_path))]) == 0
    out = capsys.readouterr().out
    assert "$connect" in out and "$default" in out
