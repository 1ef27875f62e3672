import { randomUUID } from "node:crypto";
import {
  DeleteItemCommand,
  DynamoDBClient,
  DynamoDBServiceException,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
} from "@aws-sdk/client-dynamodb";
import type { TaskHandler } from "./local-step-functions";
import { ServiceError } from "./service-error";

/** The optimized DynamoDB integrations Step Functions offers, each by its resource ARN. */
const COMMANDS = {
  "arn:aws:states:::dynamodb:putItem": PutItemCommand,
  "arn:aws:states:::dynamodb:getItem": GetItemCommand,
  "arn:aws:states:::dynamodb:updateItem": UpdateItemCommand,
  "arn:aws:states:::dynamodb:deleteItem": DeleteItemCommand,
} as const;

export type DynamoDbTaskResource = keyof typeof COMMANDS;
export const DYNAMODB_TASK_RESOURCES = Object.keys(COMMANDS) as DynamoDbTaskResource[];

/**
 * The DynamoDB Task resources run against the sandbox's DynamoDB: the task's resolved Parameters are the
 * API's own request (TableName, Item, Key, ConditionExpression…), sent as they are; the result is the API's
 * response as Step Functions hands it on, with the SdkHttpMetadata and SdkResponseMetadata it adds.
 *
 * Errors are named as Step Functions names them for optimized integrations, `DynamoDB.<exception>`
 * (`DynamoDB.ConditionalCheckFailedException`), so that the workflow's Retry and Catch match locally as
 * they would on AWS. `hintFor` may add a sandbox-specific hint to the cause (a table nobody declared).
 */
export function dynamoDbTaskHandlers(options: {
  readonly endpoint: string;
  readonly region: string;
  readonly hintFor?: (errorName: string, parameters: Record<string, unknown>) => string | undefined;
}): { handlers: Record<DynamoDbTaskResource, TaskHandler>; close: () => void } {
  const client = new DynamoDBClient({
    endpoint: options.endpoint,
    region: options.region,
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
    // Retrying is the workflow's decision (its Retry), as on AWS: the task reports the first failure.
    maxAttempts: 1,
  });
  type AnyItemCommand = new (input: never) => Parameters<typeof client.send>[0];
  const handler =
    (Command: AnyItemCommand): TaskHandler =>
    async (input) => {
      const parameters = (input ?? {}) as Record<string, unknown>;
      try {
        const { $metadata, ...response } = (await client.send(new Command(parameters as never))) as { $metadata?: { requestId?: string } };
        return { ...response, ...stepFunctionsMetadata($metadata?.requestId) };
      } catch (error) {
        throw taskError(error, options.hintFor?.((error as Error).name, parameters));
      }
    };
  const handlers = Object.fromEntries(
    Object.entries(COMMANDS).map(([resource, Command]) => [resource, handler(Command as AnyItemCommand)]),
  );
  return { handlers: handlers as Record<DynamoDbTaskResource, TaskHandler>, close: () => client.destroy() };
}

/** Whether a Task resource is one of the DynamoDB integrations run locally. */
export function isDynamoDbTaskResource(resource: string): resource is DynamoDbTaskResource {
  return resource in COMMANDS;
}

/**
 * What Step Functions adds to a DynamoDB result: the HTTP status and headers, and the request id. Workflows
 * that keep the whole result (ResultPath) see these fields on AWS, so they are there locally too.
 */
function stepFunctionsMetadata(requestId: string = randomUUID()) {
  const headers = { "Content-Type": "application/x-amz-json-1.0", "x-amzn-RequestId": requestId };
  return {
    SdkHttpMetadata: {
      AllHttpHeaders: Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, [value]])),
      HttpHeaders: headers,
      HttpStatusCode: 200,
    },
    SdkResponseMetadata: { RequestId: requestId },
  };
}

/**
 * An exception DynamoDB's model names keeps its name (`DynamoDB.ResourceNotFoundException`); one it does not
 * (ValidationException, SerializationException) reaches Step Functions' SDK as the generic
 * AmazonDynamoDBException, which is how AWS reports it. The cause has AWS's shape, error code included.
 */
function taskError(error: unknown, hint: string | undefined): ServiceError {
  const failure = error as Error & { $metadata?: { httpStatusCode?: number; requestId?: string } };
  const modelled = error instanceof DynamoDBServiceException && error.constructor !== DynamoDBServiceException;
  const name = modelled ? failure.name : "AmazonDynamoDBException";
  const status = failure.$metadata?.httpStatusCode ?? 400;
  const cause =
    `${failure.message} (Service: AmazonDynamoDBv2; Status Code: ${status}; Error Code: ${failure.name}; ` +
    `Request ID: ${failure.$metadata?.requestId ?? randomUUID()}; Proxy: null)`;
  return new ServiceError(`DynamoDB.${name}`, hint ? `${cause} ${hint}` : cause);
}
