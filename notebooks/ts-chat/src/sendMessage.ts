import type { APIGatewayProxyResultV2, APIGatewayProxyWebsocketEventV2 } from "aws-lambda";
import {
  ApiGatewayManagementApiClient,
  GoneException,
  PostToConnectionCommand,
} from "@aws-sdk/client-apigatewaymanagementapi";
import { DeleteCommand, ScanCommand } from "@aws-sdk/lib-dynamodb";
import { db, TABLE_NAME } from "./lib/db";

interface ChatMessage {
  action: "sendMessage";
  data: string;
}

/** `sendMessage`: send `{"action": "sendMessage", "data": "hi"}`; everyone connected gets `hi`. */
export const main = async (
  event: APIGatewayProxyWebsocketEventV2,
): Promise<APIGatewayProxyResultV2> => {
  const message = JSON.parse(event.body ?? "{}") as ChatMessage;
  if (typeof message.data !== "string") {
    throw new TypeError("sendMessage needs a string 'data' field");
  }

  // The connection management API is at https://<domain>/<stage>: API Gateway on AWS,
  // the emulator locally. The code is the same.
  const { domainName, stage } = event.requestContext;
  const api = new ApiGatewayManagementApiClient({ endpoint: `https://${domainName}/${stage}` });

  const { Items = [] } = await db.send(
    new ScanCommand({ TableName: TABLE_NAME, ProjectionExpression: "id" }),
  );
  for (const { id } of Items as { id: string }[]) {
    try {
      await api.send(new PostToConnectionCommand({ ConnectionId: id, Data: message.data }));
    } catch (e: unknown) {
      if (!(e instanceof GoneException)) throw e;
      // 410 Gone: that client left without a goodbye; forget it
      await db.send(new DeleteCommand({ TableName: TABLE_NAME, Key: { id } }));
    }
  }
  console.log(`sent ${message.data.length} characters to ${Items.length} connections`);
  return { statusCode: 200, body: "Data sent" };
};
