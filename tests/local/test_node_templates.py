"""Node.js functions read from templates run (SPEC §7, §8): a CDK cloud assembly's asset already
holds bundled JavaScript (``index.mjs`` or ``index.js``, Handler ``index.handler``), served
through a link out of the API's root; CloudFormation's inline ``ZipFile`` code; Java & co. are
still refused by name.

The cdk.out is written the way aws-cdk-lib writes one ("Cloud assembly": ``manifest.json``, the
stack's template, an ``asset.<hash>`` folder per Lambda asset named in the function's
``aws:asset:path`` metadata).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.local.conftest import exchange, run
from wsnb import EmulatorError, WebSocketApi

HASH = "3f1c0d9e5b2a4c6d8e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d"

# what esbuild writes for an ES module handler (NodejsFunction's format: "esm")
BUNDLE_ESM = """\
// src/echo.ts
var handler = async (event) => ({ statusCode: 200, body: `esm:${event.body}` });
export {
  handler
};
"""
# NodejsFunction's default: a CommonJS bundle named index.js
BUNDLE_CJS = """\
"use strict";
var __defProp = Object.defineProperty;
var __export = (target, all) => {
  for (var name in all) __defProp(target, name, { get: all[name], enumerable: true });
};
var echo_exports = {};
__export(echo_exports, { handler: () => handler });
module.exports = echo_exports;
var handler = async (event) => ({ statusCode: 200, body: `cjs:${event.body}` });
"""


def _function(asset: str, runtime: str) -> dict:
    return {
        "Type": "AWS::Lambda::Function",
        "Properties": {
            "Code": {
                "S3Bucket": {"Fn::Sub": "cdk-hnb659fds-assets-${AWS::AccountId}-${AWS::Region}"},
                "S3Key": f"{asset.removeprefix('asset.')}.zip",
            },
            "Handler": "index.handler",
            "Runtime": runtime,
            "Role": {"Fn::GetAtt": ["Role", "Arn"]},
        },
        "Metadata": {
            "aws:cdk:path": "Chat/Fn/Resource",
            "aws:asset:path": asset,
            "aws:asset:is-bundled": True,
            "aws:asset:property": "Code",
        },
    }


def _route(key: str, function: str) -> dict:
    integ = f"{function}Integ"
    return {
        f"{function}Route": {
            "Type": "AWS::ApiGatewayV2::Route",
            "Properties": {
                "ApiId": {"Ref": "Api"},
                "RouteKey": key,
                "RouteResponseSelectionExpression": "$default",
                "Target": {"Fn::Join": ["", ["integrations/", {"Ref": integ}]]},
            },
        },
        integ: {
            "Type": "AWS::ApiGatewayV2::Integration",
            "Properties": {
                "ApiId": {"Ref": "Api"},
                "IntegrationType": "AWS_PROXY",
                "IntegrationUri": {
                    "Fn::Join": [
                        "",
                        [
                            "arn:",
                            {"Ref": "AWS::Partition"},
                            ":apigateway:",
                            {"Ref": "AWS::Region"},
                            ":lambda:path/2015-03-31/functions/",
                            {"Fn::GetAtt": [function, "Arn"]},
                            "/invocations",
                        ],
                    ]
                },
            },
        },
    }


def write_cdk_out(out: Path, runtime: str = "nodejs22.x") -> Path:
    esm, cjs = f"asset.{HASH}", f"asset.{HASH[::-1]}"
    for asset, name, code in ((esm, "index.mjs", BUNDLE_ESM), (cjs, "index.js", BUNDLE_CJS)):
        (out / asset).mkdir(parents=True)
        (out / asset / name).write_text(code)
    resources = {
        "Api": {
            "Type": "AWS::ApiGatewayV2::Api",
            "Properties": {
                "Name": "Chat",
                "ProtocolType": "WEBSOCKET",
                "RouteSelectionExpression": "$request.body.action",
            },
        },
        "Role": {
            "Type": "AWS::IAM::Role",
            "Properties": {
                "AssumeRolePolicyDocument": {
                    "Statement": [
                        {
                            "Action": "sts:AssumeRole",
                            "Effect": "Allow",
                            "Principal": {"Service": "lambda.amazonaws.com"},
                        }
                    ],
                    "Version": "2012-10-17",
                }
            },
        },
        "EsmFn": _function(esm, runtime),
        "CjsFn": _function(cjs, runtime),
        **_route("$default", "EsmFn"),
        **_route("cjs", "CjsFn"),
        "Stage": {
            "Type": "AWS::ApiGatewayV2::Stage",
            "Properties": {"ApiId": {"Ref": "Api"}, "StageName": "dev", "AutoDeploy": True},
        },
    }
    (out / "Chat.template.json").write_text(json.dumps({"Resources": resources}, indent=1))
    manifest = {
        "version": "36.0.0",
        "artifacts": {
            "Chat": {
                "type": "aws:cloudformation:stack",
                "environment": "aws://unknown-account/unknown-region",
                "properties": {"templateFile": "Chat.template.json"},
            }
        },
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1))
    return out


def test_a_cdk_out_serves_its_bundled_javascript_assets(tmp_path):
    api = WebSocketApi.from_template(write_cdk_out(tmp_path / "cdk.out"))
    assert api.runtimes == {"CjsFn": "nodejs22.x", "EsmFn": "nodejs22.x"}
    with api.serve() as server:
        replies = run(exchange(server.url, "hello"))
        replies += run(exchange(server.url, json.dumps({"action": "cjs"})))
    assert replies == ["esm:hello", 'cjs:{"action": "cjs"}']


def test_other_runtimes_in_a_cdk_out_are_refused_by_name(tmp_path):
    api = WebSocketApi.from_template(write_cdk_out(tmp_path / "cdk.out", runtime="java21"))
    with pytest.raises(EmulatorError) as err:
        api.serve()
    assert err.value.message == (
        "serve() runs Python and Node.js handlers only; this API uses CjsFn (java21), "
        "EsmFn (java21)."
    )
