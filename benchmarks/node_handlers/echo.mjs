// The Node.js handlers bench_local.py serves (and serverless-offline runs, from a copy whose
// endpoint is edited to its documented http://localhost:<websocketPort>): a route-response
// echo and an echo through the @connections management API.
import {
  ApiGatewayManagementApiClient,
  PostToConnectionCommand,
} from "@aws-sdk/client-apigatewaymanagementapi";

let client; // module-level, created on first use and reused, as users write it

export const echoResponse = async (event) => ({ statusCode: 200, body: event.body });

export const echoMgmt = async (event) => {
  const { connectionId, domainName, stage } = event.requestContext;
  client ??= new ApiGatewayManagementApiClient({ endpoint: `https://${domainName}/${stage}` });
  await client.send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: event.body }));
  return { statusCode: 200 };
};
