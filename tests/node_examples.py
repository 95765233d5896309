"""Node.js projects the synth and export tests share: an SST-style TypeScript chat
(connect/disconnect/sendMessage in ``src/*.ts``, AWS SDK v3 from the runtime — in no
package.json —, ``https://${domainName}/${stage}`` endpoint) and a mixed Python + Node.js API."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

from wsnb import Function, LambdaAuthorizer, LambdaIntegration, Table, WebSocketApi

CHAT_SOURCES = {
    "package.json": '{ "name": "chat", "private": true, "type": "module" }\n',
    "tsconfig.json": """
        {
          "compilerOptions": {
            "strict": true,
            "target": "ES2022",
            "module": "ESNext",
            "moduleResolution": "Bundler"
          }
        }
    """,
    "src/lib/connections.ts": """
        import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
        import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";

        export interface WebSocketEvent {
          body?: string;
          requestContext: { connectionId: string; domainName: string; stage: string };
        }

        export const db = DynamoDBDocumentClient.from(new DynamoDBClient({}));
        export const tableName = (): string => process.env.TABLE_NAME!;
    """,
    "src/connect.ts": """
        import { PutCommand } from "@aws-sdk/lib-dynamodb";
        import { db, tableName, type WebSocketEvent } from "./lib/connections";

        export const main = async (event: WebSocketEvent) => {
          await db.send(
            new PutCommand({ TableName: tableName(), Item: { id: event.requestContext.connectionId } }),
          );
          return { statusCode: 200, body: "Connected" };
        };
    """,
    "src/disconnect.ts": """
        import { DeleteCommand } from "@aws-sdk/lib-dynamodb";
        import { db, tableName, type WebSocketEvent } from "./lib/connections";

        export async function main(event: WebSocketEvent) {
          await db.send(
            new DeleteCommand({ TableName: tableName(), Key: { id: event.requestContext.connectionId } }),
          );
          return { statusCode: 200, body: "Disconnected" };
        }
    """,
    "src/sendMessage.ts": """
        import {
          ApiGatewayManagementApiClient,
          PostToConnectionCommand,
        } from "@aws-sdk/client-apigatewaymanagementapi";
        import { DeleteCommand, ScanCommand } from "@aws-sdk/lib-dynamodb";
        import { db, tableName, type WebSocketEvent } from "./lib/connections";

        export async function main(event: WebSocketEvent) {
          const { domainName, stage } = event.requestContext;
          const api = new ApiGatewayManagementApiClient({ endpoint: `https://${domainName}/${stage}` });
          const message: string = JSON.parse(event.body ?? "{}").data;
          const { Items } = await db.send(new ScanCommand({ TableName: tableName(), ProjectionExpression: "id" }));
          await Promise.all(
            (Items ?? []).map(async ({ id }) => {
              try {
                await api.send(new PostToConnectionCommand({ ConnectionId: id, Data: message }));
              } catch (e: any) {
                if (e.$metadata?.httpStatusCode !== 410) throw e;
                await db.send(new DeleteCommand({ TableName: tableName(), Key: { id } }));
              }
            }),
          );
          return { statusCode: 200, body: "Message sent" };
        }
    """,
}

#: more handler files for the mixed API: CommonJS, CommonJS inside an ES module, a Node.js
#: authorizer, a Python folder of its own
MIXED_SOURCES = {
    "src/legacy.cjs": """
        const { shout } = require("./lib/shout.cjs");
        exports.main = async (event) => ({ statusCode: 200, body: shout(event.body) });
    """,
    "src/lib/shout.cjs": """
        exports.shout = (s) => require("node:os").EOL.length + ":" + String(s).toUpperCase();
    """,
    "src/ask.mjs": """
        import { shout } from "./lib/shout.cjs";
        export const main = async (event) => ({ answer: shout(JSON.stringify(event)) });
    """,
    "src/authorizer.ts": """
        export const main = async (event: { headers?: Record<string, string> }) => ({
          isAuthorized: event.headers?.Authorization === "let-me-in",
        });
    """,
    "py/default.py": """
        import json


        def main(event, context):
            return {"statusCode": 200, "body": json.dumps({"echo": event.get("body")})}
    """,
}


def write(root: Path, files: dict[str, str]) -> Path:
    """Write ``files`` (relative path → source, dedented) under ``root``; return ``root``."""
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"))
    return root


def connections_table() -> Table:
    return Table("Connections", fields={"id": "string"}, primary_index={"partition_key": "id"})


def chat_api(root: Path | None = None) -> WebSocketApi:
    """The SST-style chat: every route's handler a TypeScript file under ``src/``."""
    table = connections_table()
    return (
        WebSocketApi("Chat", root=root)
        .defaults(
            runtime="nodejs22.x",
            environment={"TABLE_NAME": table.table_name},
            permissions=[table],
        )
        .route("$connect", "src/connect.main")
        .route("$disconnect", "src/disconnect.main")
        .route("sendMessage", "src/sendMessage.main")
    )


def shout(event: Any, context: Any) -> dict[str, Any]:
    """A notebook-style function: Python even under a Node.js default runtime."""
    return {"statusCode": 200, "body": str(event.get("body")).upper()}


def mixed_api(root: Path | None = None) -> WebSocketApi:
    """Node.js (ES module, CommonJS, CommonJS inside an ES module, a non-proxy
    LambdaIntegration, a Node.js authorizer) and Python (a file, a function) in one API."""
    return (
        chat_api(root)
        .route("$default", "py/default.main", runtime="python3.12")
        .route("legacy", "src/legacy.main", runtime="nodejs20.x")
        .route("louder", shout)
        .route(
            "ask",
            LambdaIntegration(
                "src/ask.main",
                request_templates={"$default": '{"body": $input.body}'},
                template_selection_expression="\\$default",
            ),
        )
        .authorizer(LambdaAuthorizer(Function(handler="src/authorizer.main", runtime="nodejs24.x")))
    )
