"""Node handlers talk to AWS unchanged: the SDK for JavaScript v3 the runtime provides (a
handler's own node_modules wins), the local DynamoDB/S3/SSM through the moto HTTP front (the
same data Python handlers see), and the @connections API through both endpoint forms, a gone
connection being a real 410 GoneException (AWS: "Building Lambda functions with Node.js",
"Use @connections commands in your backend service")."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import pytest

from tests.node.conftest import invoke_once, write
from wsnb.node import NodeFunctionSpec, NodeWorker

REGION = "us-east-1"

HANDLERS = {
    # no package.json anywhere: the SDK is the one Lambda (here: wsnb's cache) provides
    "data.mjs": """
        import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
        import { DynamoDBDocumentClient, PutCommand, GetCommand } from "@aws-sdk/lib-dynamodb";
        import { S3Client, PutObjectCommand, GetObjectCommand } from "@aws-sdk/client-s3";
        import { SSMClient, GetParameterCommand } from "@aws-sdk/client-ssm";

        const ddb = DynamoDBDocumentClient.from(new DynamoDBClient({}));
        const s3 = new S3Client({});
        const ssm = new SSMClient({});

        export const main = async (event) => {
          await ddb.send(new PutCommand({ TableName: event.table, Item: { pk: "from-node", n: 2 } }));
          const seen = await ddb.send(new GetCommand({ TableName: event.table, Key: { pk: "from-python" } }));
          await s3.send(new PutObjectCommand({ Bucket: event.bucket, Key: "node.txt", Body: "written by node" }));
          const obj = await s3.send(new GetObjectCommand({ Bucket: event.bucket, Key: "python.txt" }));
          const param = await ssm.send(new GetParameterCommand({ Name: event.parameter }));
          return { seen: seen.Item, object: await obj.Body.transformToString(), parameter: param.Parameter.Value };
        };
    """,
    "data-cjs.cjs": """
        const { DynamoDBClient, DescribeTableCommand } = require("@aws-sdk/client-dynamodb");
        const client = new DynamoDBClient({});
        exports.main = async (event) => {
          const out = await client.send(new DescribeTableCommand({ TableName: event.table }));
          return out.Table.TableName;
        };
    """,
    "own/package.json": '{"type": "module"}',
    "own/node_modules/@aws-sdk/client-dynamodb/package.json": (
        '{"name": "@aws-sdk/client-dynamodb", "version": "0.0.1", "main": "index.js"}'
    ),
    "own/node_modules/@aws-sdk/client-dynamodb/index.js": 'exports.marker = "the handler\'s own";',
    "own/esm.js": """
        import * as sdk from "@aws-sdk/client-dynamodb";
        export const main = async () => ({ marker: sdk.marker ?? null, client: typeof sdk.DynamoDBClient });
    """,
    "own/cjs.cjs": """
        const sdk = require("@aws-sdk/client-dynamodb");
        exports.main = async () => ({ marker: sdk.marker ?? null, client: typeof sdk.DynamoDBClient });
    """,
    "provided.mjs": """
        import * as sdk from "@aws-sdk/client-dynamodb";
        export const main = async () => ({ marker: sdk.marker ?? null, client: typeof sdk.DynamoDBClient });
    """,
    "send.ts": """
        import {
          ApiGatewayManagementApiClient,
          PostToConnectionCommand,
        } from "@aws-sdk/client-apigatewaymanagementapi";

        export const main = async (event: { endpoint: string; id: string; data: string }) => {
          const api = new ApiGatewayManagementApiClient({ endpoint: event.endpoint });
          try {
            await api.send(new PostToConnectionCommand({ ConnectionId: event.id, Data: event.data }));
            return { sent: true };
          } catch (e: any) {
            return { name: e.name, status: e.$metadata?.httpStatusCode, statusCode: e.statusCode ?? null };
          }
        };
    """,
    "fetching.mjs": """
        export const main = async (event) => {
          try {
            const res = await fetch(event.url, { method: "POST", body: event.body });
            return { status: res.status };
          } catch (e) {
            return { failed: String(e.cause?.code ?? e.code ?? e.message) };
          }
        };
    """,
}


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write(tmp_path_factory.mktemp("aws"), HANDLERS)


@pytest.fixture(scope="module")
def local():
    """boto3 clients on the in-process backends, exactly as Python handlers reach them."""
    from wsnb.local import _moto

    _moto.register()
    return lambda service: _moto.local_client(service, REGION)


def _table(client: Any, name: str) -> None:
    client.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )


def test_sdk_clients_reach_the_data_python_handlers_see(tools, root, moto_front, local):
    ddb, s3, ssm = local("dynamodb"), local("s3"), local("ssm")
    _table(ddb, "node-shared")
    ddb.put_item(TableName="node-shared", Item={"pk": {"S": "from-python"}, "n": {"N": "1"}})
    s3.create_bucket(Bucket="node-shared-bucket")
    s3.put_object(Bucket="node-shared-bucket", Key="python.txt", Body=b"written by python")
    ssm.put_parameter(Name="/node/shared", Value="on", Type="String")
    event = {"table": "node-shared", "bucket": "node-shared-bucket", "parameter": "/node/shared"}
    out = invoke_once(tools, root, "data.main", event, environment=moto_front.environment())
    assert out.ok, out.error
    assert out.result == {
        "seen": {"pk": "from-python", "n": 1},
        "object": "written by python",
        "parameter": "on",
    }
    item = ddb.get_item(TableName="node-shared", Key={"pk": {"S": "from-node"}})["Item"]
    assert item == {"pk": {"S": "from-node"}, "n": {"N": "2"}}
    body = s3.get_object(Bucket="node-shared-bucket", Key="node.txt")["Body"].read()
    assert body == b"written by node"


def test_commonjs_handlers_get_the_provided_sdk_too(tools, root, moto_front, local):
    _table(local("dynamodb"), "node-cjs")
    event = {"table": "node-cjs"}
    out = invoke_once(tools, root, "data-cjs.main", event, environment=moto_front.environment())
    assert out.result == "node-cjs", out.error


def test_moto_http_front_shares_moto_mock_aws_state(moto_front):
    import boto3
    from moto import mock_aws

    keys = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
    with mock_aws():
        in_process = boto3.client("dynamodb", region_name=REGION, **keys)
        over_http = boto3.client(
            "dynamodb", region_name=REGION, endpoint_url=moto_front.base_url, **keys
        )
        _table(over_http, "front-and-mock")
        over_http.put_item(TableName="front-and-mock", Item={"pk": {"S": "k"}})
        got = in_process.get_item(TableName="front-and-mock", Key={"pk": {"S": "k"}})
        assert got["Item"] == {"pk": {"S": "k"}}
        with pytest.raises(in_process.exceptions.ResourceNotFoundException):
            over_http.get_item(TableName="absent", Key={"pk": {"S": "k"}})


def test_moto_http_front_refuses_services_it_does_not_serve(moto_front):
    import urllib.error
    import urllib.request

    req = urllib.request.Request(
        moto_front.base_url + "/",
        data=b"{}",
        headers={
            "Authorization": "AWS4-HMAC-SHA256 Credential=k/20260101/us-east-1/ses/aws4_request"
        },
    )
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(req, timeout=10)
    assert err.value.code == 400


@pytest.mark.parametrize(
    ("handler", "marker"),
    [("own/esm.main", "the handler's own"), ("own/cjs.main", "the handler's own")],
)
def test_a_handlers_own_node_modules_wins(tools, root, handler, marker):
    assert invoke_once(tools, root, handler).result == {"marker": marker, "client": "undefined"}


def test_without_its_own_the_handler_gets_the_provided_sdk(tools, root):
    assert invoke_once(tools, root, "provided.main").result == {
        "marker": None,
        "client": "function",
    }


@pytest.fixture(scope="module")
def sender(tools, root, recorder):
    spec = NodeFunctionSpec(
        "send.main",
        root,
        management_url=recorder.url,
        domain_names=(f"127.0.0.1:{recorder.port}",),
    )
    with NodeWorker(spec, tools=tools) as worker:
        yield worker


@pytest.mark.parametrize(
    "endpoint",
    [
        "https://abc123xyz.execute-api.us-east-1.amazonaws.com/dev",  # AWS's sample's form
        "https://{domain}/dev",  # SST's https://${domainName}/${stage}
    ],
)
def test_post_to_connection_reaches_the_management_listener(sender, recorder, endpoint):
    endpoint = endpoint.format(domain=f"127.0.0.1:{recorder.port}")
    recorder.requests.clear()
    out = sender.invoke({"endpoint": endpoint, "id": "Abc123=", "data": "hello"})
    assert out.result == {"sent": True}, out.error
    [request] = recorder.requests
    assert request["method"] == "POST"
    assert request["path"] == "/dev/@connections/Abc123%3D"
    assert request["body"] == b"hello"
    assert request["host"] == endpoint.split("/")[2]  # the Host the SDK signed for
    assert request["headers"]["authorization"].startswith("AWS4-HMAC-SHA256 ")


@pytest.mark.parametrize(
    "endpoint",
    ["https://abc123xyz.execute-api.us-east-1.amazonaws.com/dev", "https://{domain}/dev"],
)
def test_gone_connection_is_the_sdks_gone_exception(sender, recorder, endpoint):
    endpoint = endpoint.format(domain=f"127.0.0.1:{recorder.port}")
    out = sender.invoke({"endpoint": endpoint, "id": "gone-1", "data": "x"})
    # SDK v3 puts the status in $metadata; the sample's `e.statusCode === 410` check misses it
    assert out.result == {"name": "GoneException", "status": 410, "statusCode": None}


def test_fetch_is_redirected_too_and_other_hosts_are_not(tools, root, recorder):
    spec = NodeFunctionSpec(
        "fetching.main",
        root,
        management_url=recorder.url,
        domain_names=(f"127.0.0.1:{recorder.port}",),
    )
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]  # a port nobody listens on once this socket closes
    recorder.requests.clear()
    with NodeWorker(spec, tools=tools) as worker:
        url = f"https://127.0.0.1:{recorder.port}/dev/@connections/f1"
        assert worker.invoke({"url": url, "body": "via fetch"}).result == {"status": 200}
        other = f"https://127.0.0.1:{closed}/dev/@connections/f2"
        assert worker.invoke({"url": other, "body": "x"}).result == {"failed": "ECONNREFUSED"}
    assert [(r["path"], r["body"]) for r in recorder.requests] == [
        ("/dev/@connections/f1", b"via fetch")
    ]
