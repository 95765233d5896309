import type { APIGatewayProxyResultV2, APIGatewayProxyWebsocketEventV2 } from "aws-lambda";
import { DeleteCommand } from "@aws-sdk/lib-dynamodb";
import { db, TABLE_NAME } from "./lib/db";

/** `$disconnect`: forget the connection. */
export const main = async (
  event: APIGatewayProxyWebsocketEventV2,
): Promise<APIGatewayProxyResultV2> => {
  const id = event.requestContext.connectionId;
  await db.send(new DeleteCommand({ TableName: TABLE_NAME, Key: { id } }));
  return { statusCode: 200, body: "Disconnected" };
};
