import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SFNClient } from "@aws-sdk/client-sfn";
import { AWS_CALL_LIMIT_SCALE_VARIABLE, AWS_CALL_LIMITS, awsCallLimitsFrom, awsClientConfig } from "../functions/shared/aws-client-config";
import { DynamoDbLedger, MAX_CLAIM_ATTEMPTS } from "../functions/shared/dynamodb-ledger";
import { createHandler } from "../functions/start-execution/handler";
import type { RequestLogRecord } from "../functions/start-execution/request-log";
import { FUNCTION_LIMITS } from "../lib/function-entries";
import { EMULATOR_CALL_LIMITS_ENVIRONMENT } from "../local/emulator-time-limits";
import { postExecutions } from "./support/events";
import { notifyCountryRequestValidator } from "./support/request-validator";
import { type SilentServer, startSilentServer } from "./support/silent-server";
import { synthTrigger } from "./support/synth";

const STATE_MACHINE_ARN = "arn:aws:states:us-east-1:123456789012:stateMachine:sfn-dedup-test-notify-country";
/** The test fails, as the client would, if the answer comes no sooner than the Lambda timeout. */
const FUNCTION_TIMEOUT_MS = FUNCTION_LIMITS.startExecution.timeoutSeconds * 1000;
const LOCAL = { region: "us-east-1", credentials: { accessKeyId: "local", secretAccessKey: "local" } };

describe("AWS call limits", () => {
  it("keep the worst case of every call a request makes well inside the function's timeout", () => {
    // Claim: a write and a read per attempt; then StartExecution, DescribeExecution, recording (two writes).
    const maxSequentialCalls = 2 * MAX_CLAIM_ATTEMPTS + 3;
    const worstCaseMs = maxSequentialCalls * AWS_CALL_LIMITS.maxAttempts * AWS_CALL_LIMITS.requestTimeoutMs;
    expect(worstCaseMs).toBeLessThanOrEqual(0.75 * FUNCTION_LIMITS.startExecution.timeoutSeconds * 1000);
    expect(AWS_CALL_LIMITS.connectionTimeoutMs).toBeLessThanOrEqual(AWS_CALL_LIMITS.requestTimeoutMs);
  });

  it("take credentials from the environment alone, as Lambda's Node.js runtime provides them", async () => {
    const saved = { ...process.env };
    try {
      Object.assign(process.env, { AWS_ACCESS_KEY_ID: "role-key", AWS_SECRET_ACCESS_KEY: "role-secret", AWS_SESSION_TOKEN: "role-token" });
      await expect(awsClientConfig().credentials()).resolves.toMatchObject({
        accessKeyId: "role-key",
        secretAccessKey: "role-secret",
        sessionToken: "role-token",
      });
      delete process.env.AWS_ACCESS_KEY_ID;
      await expect(awsClientConfig().credentials()).rejects.toThrow("Unable to find environment variable credentials");
    } finally {
      process.env = saved;
    }
  });

  describe("in force", () => {
    it("are AWS's wherever the scale variable is not set: the stacks never set it, with or without the ledger", () => {
      expect(awsCallLimitsFrom({})).toEqual(AWS_CALL_LIMITS);
      expect(awsCallLimitsFrom({ [AWS_CALL_LIMIT_SCALE_VARIABLE]: "" })).toEqual(AWS_CALL_LIMITS);
      for (const { tf } of [synthTrigger(), synthTrigger({ ledger: true })]) {
        const variables = Object.values(tf.resource.aws_lambda_function).flatMap((fn) => Object.keys(fn.environment?.variables ?? {}));
        expect(variables.length).toBeGreaterThan(0);
        expect(variables).not.toContain(AWS_CALL_LIMIT_SCALE_VARIABLE);
      }
    });

    it("are scaled for local emulators, one attempt still", () => {
      expect(awsCallLimitsFrom(EMULATOR_CALL_LIMITS_ENVIRONMENT)).toEqual({
        connectionTimeoutMs: AWS_CALL_LIMITS.connectionTimeoutMs * 20,
        requestTimeoutMs: AWS_CALL_LIMITS.requestTimeoutMs * 20,
        maxAttempts: 1,
      });
      expect(awsClientConfig({}, awsCallLimitsFrom({ [AWS_CALL_LIMIT_SCALE_VARIABLE]: "2" })).requestHandler).toMatchObject({
        connectionTimeout: 600,
        requestTimeout: 1400,
      });
    });

    it.each(["0", "0.5", "-3", "fast", "Infinity"])("refuses the scale %j at cold start", (scale) => {
      expect(() => awsCallLimitsFrom({ [AWS_CALL_LIMIT_SCALE_VARIABLE]: scale })).toThrow(
        `${AWS_CALL_LIMIT_SCALE_VARIABLE} must be a number of at least 1; got "${scale}".`,
      );
    });
  });

  describe("against an endpoint that accepts connections and never answers", () => {
    let silent: SilentServer;
    let untouched: SilentServer;
    const clients: Array<{ destroy(): void }> = [];
    let logs: RequestLogRecord[];

    beforeEach(async () => {
      [silent, untouched] = await Promise.all([startSilentServer(), startSilentServer()]);
      logs = [];
    });

    afterEach(async () => {
      for (const client of clients.splice(0)) client.destroy();
      await Promise.all([silent.close(), untouched.close()]);
    });

    function sfnAt(url: string): SFNClient {
      const client = new SFNClient(awsClientConfig({ ...LOCAL, endpoint: url }));
      clients.push(client);
      return client;
    }

    it(
      "answers a hanging StartExecution with 503, Retry-After and a log line, before the function's timeout",
      async () => {
        const handler = createHandler({
          settings: { stateMachineArn: STATE_MACHINE_ARN, executionName: { from: "country" } },
          sfn: sfnAt(silent.url),
          validateRequest: notifyCountryRequestValidator(),
          log: (record) => logs.push(record),
        });

        const response = await handler(postExecutions({ country: "France" }), { awsRequestId: "request-1" });

        expect(response.statusCode).toBe(503);
        expect(response.headers).toMatchObject({
          "content-type": "application/problem+json",
          "retry-after": expect.stringMatching(/^\d+$/),
        });
        expect(JSON.parse(response.body as string)).toMatchObject({ type: "urn:sfn-dedup:problem:service-unavailable" });
        expect(logs).toEqual([expect.objectContaining({ level: "ERROR", statusCode: 503, errorName: "TimeoutError" })]);
        expect(silent.connections()).toBe(1);
      },
      FUNCTION_TIMEOUT_MS,
    );

    it(
      "answers a hanging DynamoDB with 503 and starts nothing",
      async () => {
        const dynamodb = new DynamoDBClient(awsClientConfig({ ...LOCAL, endpoint: silent.url }));
        clients.push(dynamodb);
        const handler = createHandler({
          settings: { stateMachineArn: STATE_MACHINE_ARN, executionName: { from: "country" } },
          sfn: sfnAt(untouched.url),
          validateRequest: notifyCountryRequestValidator(),
          ledger: { ledger: new DynamoDbLedger(dynamodb, "sfn-dedup-test-ledger"), leaseMs: 20_000 },
          log: (record) => logs.push(record),
        });

        const response = await handler(postExecutions({ country: "France" }), { awsRequestId: "request-1" });

        expect(response.statusCode).toBe(503);
        expect(response.headers).toMatchObject({ "retry-after": expect.stringMatching(/^\d+$/) });
        expect(JSON.parse(response.body as string).detail).toBe("DynamoDB could not take the request (TimeoutError); nothing was started.");
        expect(logs).toEqual([expect.objectContaining({ statusCode: 503, errorName: "TimeoutError" })]);
        expect(untouched.connections()).toBe(0);
      },
      FUNCTION_TIMEOUT_MS,
    );
  });
});
