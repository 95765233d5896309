import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";

/** One DynamoDB client per Lambda environment: made when the module loads, reused while warm. */
export const db = DynamoDBDocumentClient.from(new DynamoDBClient({}));

/** The Connections table (`environment: { TABLE_NAME: ... }` in the API's defaults). */
export const TABLE_NAME = process.env.TABLE_NAME;
