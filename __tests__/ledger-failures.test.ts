import "aws-sdk-client-mock-jest";
import { createHash } from "node:crypto";
import { DynamoDBClient, GetItemCommand, PutItemCommand, UpdateItemCommand } from "@aws-sdk/client-dynamodb";
import { DescribeExecutionCommand, SFNClient, StartExecutionCommand } from "@aws-sdk/client-sfn";
import type { APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { mockClient } from "aws-sdk-client-mock";
import { DynamoDbLedger, MAX_CLAIM_ATTEMPTS } from "../functions/shared/dynamodb-ledger";
import { createHandler } from "../functions/start-execution/handler";
import type { RequestLogRecord } from "../functions/start-execution/request-log";
import { postExecutions } from "./support/events";
import { notifyCountryRequestValidator } from "./support/request-validator";

const STATE_MACHINE_ARN = "arn:aws:states:eu-west-1:123456789012:stateMachine:sfn-dedup-test-notify-country";
const FRANCE = "0309a6c666a7a803fdb9db95de71cf01"; // md5("France")
const FRANCE_ARN = `arn:aws:states:eu-west-1:123456789012:execution:sfn-dedup-test-notify-country:${FRANCE}`;
const NOW = new Date("2026-11-25T10:00:00.000Z");
const FIRST_SEEN = "2026-01-01T00:00:00.000Z";

const sfnMock = mockClient(SFNClient);
const dynamodbMock = mockClient(DynamoDBClient);

/** An error as the SDK throws it for a service's answer. */
function serviceError(name: string, status: number): Error {
  return Object.assign(new Error(`${name} from the service`), {
    name,
    $fault: status >= 500 ? "server" : "client",
    $metadata: { httpStatusCode: status },
  });
}

/**
 * The handler with the real DynamoDbLedger over a DynamoDB client that answers what each test scripts:
 * the ledger's failure paths, each of which dynalite cannot be made to take on demand.
 */
describe("the handler when the ledger fails", () => {
  let logs: RequestLogRecord[];

  async function invoke() {
    const handler = createHandler({
      settings: { stateMachineArn: STATE_MACHINE_ARN, executionName: { from: "country" } },
      sfn: new SFNClient({ region: "eu-west-1" }),
      validateRequest: notifyCountryRequestValidator(),
      ledger: { ledger: new DynamoDbLedger(new DynamoDBClient({ region: "eu-west-1" }), "sfn-dedup-test-ledger"), leaseMs: 20_000 },
      log: (record) => logs.push(record),
      now: () => NOW,
    });
    const response = (await handler(postExecutions({ country: "France" }), {
      awsRequestId: "request-1",
    })) as APIGatewayProxyStructuredResultV2;
    return { ...response, body: JSON.parse(response.body as string) };
  }

  beforeEach(() => {
    sfnMock.reset();
    dynamodbMock.reset();
    logs = [];
  });

  it("answers 202 when the execution started but could not be recorded, and logs the ledger's error", async () => {
    dynamodbMock.on(PutItemCommand).resolves({});
    dynamodbMock.on(UpdateItemCommand).rejects(serviceError("InternalServerError", 500));
    sfnMock.on(StartExecutionCommand).resolves({ executionArn: FRANCE_ARN, startDate: new Date(NOW.getTime() + 40) });

    const response = await invoke();

    expect(response.statusCode).toBe(202);
    expect(response.body).toMatchObject({ executionArn: FRANCE_ARN, duplicate: false });
    expect(dynamodbMock).toHaveReceivedCommandTimes(UpdateItemCommand, 1);
    expect(logs).toEqual([
      expect.objectContaining({ level: "WARN", outcome: "started", statusCode: 202, ledgerErrorName: "InternalServerError" }),
    ]);
  });

  it.each(["ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded"])(
    "answers DynamoDB's %s with 429 and Retry-After, and starts nothing",
    async (name) => {
      dynamodbMock.on(PutItemCommand).rejects(serviceError(name, 400));

      const response = await invoke();

      expect(response.statusCode).toBe(429);
      expect(response.headers).toEqual({ "content-type": "application/problem+json", "retry-after": "1" });
      expect(response.body).toMatchObject({
        type: "urn:sfn-dedup:problem:throttled",
        detail: `DynamoDB is throttling requests (${name}).`,
      });
      expect(sfnMock).not.toHaveReceivedAnyCommand();
      expect(logs).toEqual([expect.objectContaining({ level: "WARN", outcome: "throttled", statusCode: 429, errorName: name })]);
    },
  );

  it("answers 503 when the claim keeps losing races it cannot see (ClaimContention), and starts nothing", async () => {
    // Every claim finds the name taken, and every read finds it free again: released under it each time.
    dynamodbMock.on(PutItemCommand).rejects(serviceError("ConditionalCheckFailedException", 400));
    dynamodbMock.on(GetItemCommand).resolves({});

    const response = await invoke();

    expect(dynamodbMock).toHaveReceivedCommandTimes(PutItemCommand, MAX_CLAIM_ATTEMPTS);
    expect(response.statusCode).toBe(503);
    expect(response.headers).toEqual({ "content-type": "application/problem+json", "retry-after": "5" });
    expect(response.body).toEqual({
      type: "urn:sfn-dedup:problem:service-unavailable",
      title: "A service this API depends on is unavailable, try again later",
      status: 503,
      detail: "DynamoDB could not take the request (ClaimContention); nothing was started.",
    });
    expect(sfnMock).not.toHaveReceivedAnyCommand();
    expect(logs).toEqual([
      expect.objectContaining({ level: "ERROR", outcome: "unavailable", statusCode: 503, errorName: "ClaimContention" }),
    ]);
  });

  it("answers a duplicate from the ledger when DescribeExecution fails, and never starts it again", async () => {
    dynamodbMock.on(PutItemCommand).rejects(serviceError("ConditionalCheckFailedException", 400));
    dynamodbMock.on(GetItemCommand).resolves({
      Item: {
        executionName: { S: FRANCE },
        state: { S: "STARTED" },
        firstSeenAt: { S: FIRST_SEEN },
        // The same input as the request: only DescribeExecution could tell a running duplicate (200).
        inputSha256: { S: createHash("sha256").update('{"country":"France"}').digest("hex") },
        executionArn: { S: FRANCE_ARN },
        startDate: { S: FIRST_SEEN },
        executionStatus: { S: "RUNNING" },
      },
    });
    sfnMock.on(DescribeExecutionCommand).rejects(serviceError("ThrottlingException", 400));

    const response = await invoke();

    expect(sfnMock).toHaveReceivedCommandWith(DescribeExecutionCommand, { executionArn: FRANCE_ARN });
    expect(sfnMock).not.toHaveReceivedCommand(StartExecutionCommand);
    // The ledger's last known status is the answer: nothing newer could be learned.
    expect(response.statusCode).toBe(409);
    expect(response.body).toMatchObject({
      type: "urn:sfn-dedup:problem:execution-already-exists",
      executionArn: FRANCE_ARN,
      executionStatus: "RUNNING",
      firstSeenAt: FIRST_SEEN,
      startDate: FIRST_SEEN,
    });
    // Nothing was learned, so nothing is written back.
    expect(dynamodbMock).not.toHaveReceivedCommand(UpdateItemCommand);
    expect(logs).toEqual([
      expect.objectContaining({ level: "INFO", outcome: "already-exists", statusCode: 409, errorName: "ThrottlingException" }),
    ]);
  });
});
