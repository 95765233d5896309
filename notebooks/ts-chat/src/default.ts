import type { APIGatewayProxyResultV2, APIGatewayProxyWebsocketEventV2 } from "aws-lambda";
import {
  ApiGatewayManagementApiClient,
  PostToConnectionCommand,
} from "@aws-sdk/client-apigatewaymanagementapi";

const HELP = 'Unknown action. Send {"action": "sendMessage", "data": "..."}';

/** `$default`: anything without a known `action` lands here; explain how to chat. */
export async function main(
  event: APIGatewayProxyWebsocketEventV2,
): Promise<APIGatewayProxyResultV2> {
  const { connectionId, domainName, stage } = event.requestContext;
  const api = new ApiGatewayManagementApiClient({ endpoint: `https://${domainName}/${stage}` });
  await api.send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: HELP }));
  console.log(`no route for ${JSON.stringify(event.body)}`);
  return { statusCode: 200 };
}
