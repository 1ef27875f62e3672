import "aws-sdk-client-mock-jest";
import { DescribeExecutionCommand, ExecutionDoesNotExist, SFNClient } from "@aws-sdk/client-sfn";
import type { APIGatewayProxyEventV2 } from "aws-lambda";
import { mockClient } from "aws-sdk-client-mock";
import { createStatusHandler } from "../functions/execution-status/handler";
import { statusLedgerFromEnvironment, statusSettingsFromEnvironment } from "../functions/execution-status/settings";
import type { StatusLogRecord } from "../functions/execution-status/status-log";
import { type LedgerRecord, LedgerUnavailableError } from "../functions/shared/execution-ledger";
import { getExecutionStatus } from "./support/events";

const STATE_MACHINE_ARN = "arn:aws:states:eu-west-1:123456789012:stateMachine:sfn-dedup-test-notify-country";
const FRANCE = "0309a6c666a7a803fdb9db95de71cf01"; // md5("France")
const EXECUTIONS = "arn:aws:states:eu-west-1:123456789012:execution:sfn-dedup-test-notify-country";
const FRANCE_ARN = `${EXECUTIONS}:${FRANCE}`;
const STARTED = new Date("2026-11-25T10:00:00.040Z");
const STOPPED = new Date("2026-11-25T10:00:30.291Z");
const NOW = new Date("2026-11-25T10:01:00.000Z");

const sfnMock = mockClient(SFNClient);

function serviceError(name: string, status: number | undefined, fault: "client" | "server" = "client"): Error {
  return Object.assign(new Error(`${name} from the service: internal detail`), {
    name,
    $fault: fault,
    $metadata: { httpStatusCode: status },
  });
}

/** Step Functions answering as for a name it never knew, or has forgotten. */
function executionForgotten(): void {
  sfnMock
    .on(DescribeExecutionCommand)
    .rejects(new ExecutionDoesNotExist({ message: "Execution Does Not Exist", $metadata: { httpStatusCode: 400 } }));
}

/** What DescribeExecution answers with ALL_DATA: the input and output too. */
const described = (fields: Record<string, unknown>) => ({
  executionArn: FRANCE_ARN,
  stateMachineArn: STATE_MACHINE_ARN,
  name: FRANCE,
  startDate: STARTED,
  input: '{"country":"France"}',
  ...fields,
});

describe("Function: execution-status handler", () => {
  let logs: StatusLogRecord[];

  function invoke(
    event: APIGatewayProxyEventV2,
    options: { exposeOutput?: boolean; readLedger?: (name: string) => Promise<LedgerRecord | undefined> } = {},
  ) {
    const handler = createStatusHandler({
      settings: { stateMachineArn: STATE_MACHINE_ARN, exposeOutput: options.exposeOutput ?? false },
      sfn: new SFNClient({ region: "eu-west-1" }),
      readLedger: options.readLedger,
      log: (record) => logs.push(record),
      now: () => NOW,
    });
    return handler(event, { awsRequestId: "request-1" }) as Promise<{ statusCode: number; headers: Record<string, string>; body: string }>;
  }
  const bodyOf = (response: { body: string }) => JSON.parse(response.body);

  beforeEach(() => {
    sfnMock.reset();
    logs = [];
  });

  describe("an execution Step Functions knows", () => {
    it("answers a running one: 200 with its ARN, name, status and start, never stored by a cache", async () => {
      // Prepare
      sfnMock.on(DescribeExecutionCommand).resolves(described({ status: "RUNNING" }));

      // Act
      const response = await invoke(getExecutionStatus(FRANCE));

      // Assess
      expect(sfnMock).toHaveReceivedCommandTimes(DescribeExecutionCommand, 1);
      expect(sfnMock).toHaveReceivedCommandWith(DescribeExecutionCommand, { executionArn: FRANCE_ARN, includedData: "METADATA_ONLY" });
      expect(response.statusCode).toBe(200);
      expect(response.headers).toEqual({ "content-type": "application/json", "cache-control": "no-store" });
      expect(bodyOf(response)).toEqual({
        executionArn: FRANCE_ARN,
        executionName: FRANCE,
        status: "RUNNING",
        startDate: "2026-11-25T10:00:00.040Z",
        attempt: 1,
        redriveCount: 0,
        source: "step-functions",
      });
      expect(logs).toEqual([
        {
          level: "INFO",
          message: "status request",
          requestId: "request-1",
          executionName: FRANCE,
          outcome: "described",
          statusCode: 200,
          executionStatus: "RUNNING",
          latencyMs: 0,
        },
      ]);
    });

    it("answers a succeeded one with its stop date, which a client may reuse for a minute, and without its input or output", async () => {
      sfnMock.on(DescribeExecutionCommand).resolves(described({ status: "SUCCEEDED", stopDate: STOPPED, output: '{"delivered":true}' }));

      const response = await invoke(getExecutionStatus(FRANCE));

      expect(response.headers["cache-control"]).toBe("private, max-age=60");
      expect(bodyOf(response)).toEqual({
        executionArn: FRANCE_ARN,
        executionName: FRANCE,
        status: "SUCCEEDED",
        startDate: "2026-11-25T10:00:00.040Z",
        stopDate: "2026-11-25T10:00:30.291Z",
        attempt: 1,
        redriveCount: 0,
        source: "step-functions",
      });
    });

    it.each(["FAILED", "TIMED_OUT", "ABORTED"])(
      "answers a %s one with its error and cause, never stored: it may be redriven",
      async (status) => {
        sfnMock
          .on(DescribeExecutionCommand)
          .resolves(described({ status, stopDate: STOPPED, error: "SNS.NotFoundException", cause: "Topic does not exist" }));

        const response = await invoke(getExecutionStatus(FRANCE));

        expect(response.statusCode).toBe(200);
        expect(response.headers["cache-control"]).toBe("no-store");
        expect(bodyOf(response)).toMatchObject({
          status,
          error: "SNS.NotFoundException",
          cause: "Topic does not exist",
          stopDate: STOPPED.toISOString(),
        });
      },
    );

    it("leaves out an error and cause a redriven, running execution still carries from its last run; tells its redrives", async () => {
      const redriven = new Date("2026-11-26T08:00:00.000Z");
      sfnMock
        .on(DescribeExecutionCommand)
        .resolves(described({ status: "RUNNING", error: "States.Timeout", cause: "old", redriveCount: 2, redriveDate: redriven }));

      const body = bodyOf(await invoke(getExecutionStatus(FRANCE)));

      expect(body).not.toHaveProperty("error");
      expect(body).not.toHaveProperty("cause");
      expect(body).toMatchObject({ redriveCount: 2, redriveDate: "2026-11-26T08:00:00.000Z" });
    });

    it("tells which attempt of its request a suffixed name is", async () => {
      sfnMock.on(DescribeExecutionCommand).resolves(described({ status: "RUNNING" }));

      const body = bodyOf(await invoke(getExecutionStatus(`${FRANCE}-3`)));

      expect(sfnMock).toHaveReceivedCommandWith(DescribeExecutionCommand, { executionArn: `${FRANCE_ARN}-3` });
      expect(body).toMatchObject({ executionName: `${FRANCE}-3`, executionArn: `${FRANCE_ARN}-3`, attempt: 3 });
    });
  });

  describe("with exposeOutput", () => {
    it("asks for the execution's data and answers a succeeded one's output as JSON, never its input", async () => {
      sfnMock
        .on(DescribeExecutionCommand)
        .resolves(described({ status: "SUCCEEDED", stopDate: STOPPED, output: '{"delivered":true,"to":["ops"]}' }));

      const response = await invoke(getExecutionStatus(FRANCE), { exposeOutput: true });

      expect(sfnMock).toHaveReceivedCommandWith(DescribeExecutionCommand, { executionArn: FRANCE_ARN, includedData: "ALL_DATA" });
      expect(bodyOf(response).output).toEqual({ delivered: true, to: ["ops"] });
      expect(response.body).not.toContain("France");
      // The output is never logged.
      expect(JSON.stringify(logs)).not.toContain("delivered");
    });

    it("answers no output for an execution that has not succeeded", async () => {
      sfnMock
        .on(DescribeExecutionCommand)
        .resolves(described({ status: "FAILED", stopDate: STOPPED, output: '{"partial":1}', error: "E", cause: "C" }));

      const body = bodyOf(await invoke(getExecutionStatus(FRANCE), { exposeOutput: true }));

      expect(body).not.toHaveProperty("output");
      expect(body).toMatchObject({ error: "E", cause: "C" });
    });
  });

  describe("a name that cannot be an execution's", () => {
    it.each([
      ["an empty name", ""],
      ["a space", "not a name"],
      ["a dot", "order.1"],
      ["a colon, which would name another resource in the ARN", "x:y"],
      ["81 characters", "a".repeat(81)],
      ["non-ASCII letters", "Grèce"],
    ])("refuses %s: 400 invalid-execution-name, nothing asked of Step Functions, nothing of it logged", async (_case, name) => {
      const response = await invoke(getExecutionStatus(name));

      expect(response.statusCode).toBe(400);
      expect(response.headers["content-type"]).toBe("application/problem+json");
      expect(bodyOf(response)).toMatchObject({ type: "urn:sfn-dedup:problem:invalid-execution-name", status: 400 });
      expect(sfnMock).toHaveReceivedCommandTimes(DescribeExecutionCommand, 0);
      expect(logs).toEqual([expect.objectContaining({ level: "INFO", outcome: "invalid-name", statusCode: 400 })]);
      expect(logs[0]).not.toHaveProperty("executionName");
    });

    it("refuses an event without the path parameter (a route without {executionName})", async () => {
      const response = await invoke({ ...getExecutionStatus(FRANCE), pathParameters: undefined });
      expect(response.statusCode).toBe(400);
    });

    it("accepts every name of 80 characters of the allowed ones", async () => {
      sfnMock.on(DescribeExecutionCommand).resolves(described({ status: "RUNNING" }));
      const name = `${"Az09_-".repeat(13)}ab`;
      expect((await invoke(getExecutionStatus(name))).statusCode).toBe(200);
    });
  });

  describe("a name Step Functions does not know, without a ledger", () => {
    it("answers 404 execution-not-found with the ARN it looked for, never stored: it may start any moment", async () => {
      executionForgotten();

      const response = await invoke(getExecutionStatus(FRANCE));

      expect(response.statusCode).toBe(404);
      expect(response.headers).toEqual({ "content-type": "application/problem+json", "cache-control": "no-store" });
      expect(bodyOf(response)).toEqual({
        type: "urn:sfn-dedup:problem:execution-not-found",
        title: "No execution of that name",
        status: 404,
        detail: expect.stringContaining(FRANCE),
        executionArn: FRANCE_ARN,
      });
      expect(logs).toEqual([expect.objectContaining({ level: "INFO", outcome: "not-found", statusCode: 404, executionName: FRANCE })]);
    });
  });

  describe("a name Step Functions has forgotten, with the ledger", () => {
    const record = (fields: Partial<LedgerRecord> = {}): LedgerRecord => ({
      executionName: FRANCE,
      state: "STARTED",
      firstSeenAt: "2026-08-01T09:59:59.000Z",
      inputSha256: "0".repeat(64),
      executionArn: FRANCE_ARN,
      startDate: STARTED.toISOString(),
      executionStatus: "FAILED",
      stopDate: STOPPED.toISOString(),
      ...fields,
    });
    const forgotten = executionForgotten;

    it("answers 200 from the record, saying the ledger answered: the last known status, without error or cause", async () => {
      forgotten();
      const readLedger = jest.fn(async () => record({ redriveCount: 1 }));

      const response = await invoke(getExecutionStatus(FRANCE), { readLedger });

      expect(readLedger).toHaveBeenCalledWith(FRANCE);
      expect(response.statusCode).toBe(200);
      expect(response.headers["cache-control"]).toBe("no-store");
      expect(bodyOf(response)).toEqual({
        executionArn: FRANCE_ARN,
        executionName: FRANCE,
        status: "FAILED",
        startDate: STARTED.toISOString(),
        stopDate: STOPPED.toISOString(),
        attempt: 1,
        redriveCount: 1,
        firstSeenAt: "2026-08-01T09:59:59.000Z",
        source: "ledger",
      });
      expect(logs).toEqual([expect.objectContaining({ outcome: "from-ledger", statusCode: 200, executionStatus: "FAILED" })]);
    });

    it("reads the request's record for a later attempt, and answers from it when it is that attempt's", async () => {
      forgotten();
      const readLedger = jest.fn(async () => record({ attempt: 2, executionArn: `${FRANCE_ARN}-2`, executionStatus: "SUCCEEDED" }));

      const response = await invoke(getExecutionStatus(`${FRANCE}-2`), { readLedger });

      expect(readLedger).toHaveBeenCalledWith(FRANCE);
      expect(bodyOf(response)).toMatchObject({ executionName: `${FRANCE}-2`, attempt: 2, status: "SUCCEEDED", source: "ledger" });
      expect(response.headers["cache-control"]).toBe("private, max-age=60");
    });

    it.each([
      ["no record", undefined],
      [
        "a claim still being started",
        record({ state: "CLAIMED", executionArn: undefined, executionStatus: undefined, claimedBy: "other", leaseExpiresAt: 1 }),
      ],
      ["a record of the next attempt", record({ attempt: 2, executionArn: `${FRANCE_ARN}-2` })],
      ["a record of another execution under the name", record({ executionArn: `${EXECUTIONS}:${"f".repeat(32)}` })],
    ])("answers 404 for %s", async (_case, found) => {
      forgotten();
      const response = await invoke(getExecutionStatus(FRANCE), { readLedger: async () => found });
      expect(response.statusCode).toBe(404);
      expect(bodyOf(response).type).toBe("urn:sfn-dedup:problem:execution-not-found");
    });

    it("never reads the ledger for an execution Step Functions describes", async () => {
      sfnMock.on(DescribeExecutionCommand).resolves(described({ status: "RUNNING" }));
      const readLedger = jest.fn(async () => record());
      await invoke(getExecutionStatus(FRANCE), { readLedger });
      expect(readLedger).not.toHaveBeenCalled();
    });

    it.each([
      ["throttled: 429 with Retry-After 1", true, 429, "throttled", "1", "WARN"],
      ["unavailable: 503 with Retry-After 5", false, 503, "service-unavailable", "5", "ERROR"],
    ] as const)("DynamoDB %s, naming DynamoDB", async (_case, throttled, status, type, retryAfter, level) => {
      forgotten();
      const readLedger = async () => {
        throw new LedgerUnavailableError(throttled, throttled ? "ProvisionedThroughputExceededException" : "TimeoutError");
      };

      const response = await invoke(getExecutionStatus(FRANCE), { readLedger });

      expect(response.statusCode).toBe(status);
      expect(response.headers["retry-after"]).toBe(retryAfter);
      expect(bodyOf(response)).toMatchObject({ type: `urn:sfn-dedup:problem:${type}`, detail: expect.stringMatching(/^DynamoDB /) });
      expect(logs).toEqual([expect.objectContaining({ level, statusCode: status })]);
    });
  });

  describe("Step Functions failing", () => {
    it.each([
      ["throttling", serviceError("ThrottlingException", 400), 429, "throttled", "1"],
      ["throttling its KMS key", serviceError("KmsThrottlingException", 400), 429, "throttled", "1"],
      ["with a 5xx", serviceError("ServiceUnavailable", 503, "server"), 503, "service-unavailable", "5"],
      ["not answering in time", Object.assign(new Error("timed out"), { name: "TimeoutError" }), 503, "service-unavailable", "5"],
      [
        "unreachable",
        Object.assign(new Error("connect ECONNREFUSED"), { name: "Error", code: "ECONNREFUSED" }),
        503,
        "service-unavailable",
        "5",
      ],
    ])("%s: a problem with Retry-After, naming Step Functions", async (_case, error, status, type, retryAfter) => {
      sfnMock.on(DescribeExecutionCommand).rejects(error);

      const response = await invoke(getExecutionStatus(FRANCE));

      expect(response.statusCode).toBe(status);
      expect(response.headers["retry-after"]).toBe(retryAfter);
      expect(bodyOf(response)).toMatchObject({ type: `urn:sfn-dedup:problem:${type}`, detail: expect.stringMatching(/^Step Functions /) });
    });

    it("refusing (access denied): 500 internal-error without internals, the error's name in the log", async () => {
      sfnMock.on(DescribeExecutionCommand).rejects(serviceError("AccessDeniedException", 400));

      const response = await invoke(getExecutionStatus(FRANCE));

      expect(response.statusCode).toBe(500);
      expect(bodyOf(response)).toEqual({
        type: "urn:sfn-dedup:problem:internal-error",
        title: "Internal error",
        status: 500,
        detail: "The request could not be handled.",
      });
      expect(logs).toEqual([
        expect.objectContaining({ level: "ERROR", outcome: "refused", statusCode: 500, errorName: "AccessDeniedException" }),
      ]);
    });

    it("a bug: 500 internal-error, the error's name in the log", async () => {
      executionForgotten();
      const readLedger = async (): Promise<LedgerRecord | undefined> => {
        throw new TypeError("a bug");
      };

      const response = await invoke(getExecutionStatus(FRANCE), { readLedger });

      expect(response.statusCode).toBe(500);
      expect(response.body).not.toContain("a bug");
      expect(logs).toEqual([
        expect.objectContaining({ level: "ERROR", outcome: "internal-error", errorName: "TypeError", executionName: FRANCE }),
      ]);
    });
  });
});

describe("Function: statusSettingsFromEnvironment", () => {
  it('reads the state machine and whether the output is shown, off unless "true"', () => {
    expect(statusSettingsFromEnvironment({ STATE_MACHINE_ARN })).toEqual({ stateMachineArn: STATE_MACHINE_ARN, exposeOutput: false });
    expect(statusSettingsFromEnvironment({ STATE_MACHINE_ARN, EXPOSE_OUTPUT: "true" }).exposeOutput).toBe(true);
    expect(statusSettingsFromEnvironment({ STATE_MACHINE_ARN, EXPOSE_OUTPUT: "false" }).exposeOutput).toBe(false);
  });

  it.each([
    [{ STATE_MACHINE_ARN: "arn:aws:sns:eu-west-1:123456789012:topic" }, /STATE_MACHINE_ARN must be a state machine ARN/],
    [{ STATE_MACHINE_ARN, EXPOSE_OUTPUT: "yes" }, /EXPOSE_OUTPUT must be "true", "false" or unset; got "yes"/],
  ])("refuses to start misconfigured (%j)", (env, message) => {
    expect(() => statusSettingsFromEnvironment(env)).toThrow(message);
  });

  it("reads the ledger's table and key scope for the ledger build", () => {
    expect(statusLedgerFromEnvironment({ LEDGER_TABLE_NAME: "sfn-dedup-test-ledger", LEDGER_KEY_SCOPE: "sfn-dedup-test-orders" })).toEqual({
      tableName: "sfn-dedup-test-ledger",
      keyScope: "sfn-dedup-test-orders",
    });
    expect(() => statusLedgerFromEnvironment({})).toThrow(/LEDGER_TABLE_NAME must name the ledger's DynamoDB table/);
  });
});
