import type { APIGatewayProxyResultV2, APIGatewayProxyWebsocketEventV2 } from "aws-lambda";
import { PutCommand } from "@aws-sdk/lib-dynamodb";
import { db, TABLE_NAME } from "./lib/db";

/** `$connect`: remember the new connection in the Connections table. */
export async function main(
  event: APIGatewayProxyWebsocketEventV2,
): Promise<APIGatewayProxyResultV2> {
  const id = event.requestContext.connectionId;
  await db.send(new PutCommand({ TableName: TABLE_NAME, Item: { id } }));
  return { statusCode: 200, body: "Connected" };
}
