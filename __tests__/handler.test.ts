import "aws-sdk-client-mock-jest";
import { createHash } from "node:crypto";
import {
  DescribeExecutionCommand,
  ExecutionAlreadyExists,
  ExecutionLimitExceeded,
  SFNClient,
  StartExecutionCommand,
  StateMachineDoesNotExist,
} from "@aws-sdk/client-sfn";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { mockClient } from "aws-sdk-client-mock";
import type { ExecutionNameStrategy } from "../functions/start-execution/contract";
import { createHandler } from "../functions/start-execution/handler";
import type { RequestLogRecord } from "../functions/start-execution/request-log";
import { postExecutions } from "./support/events";
import { notifyCountryRequestValidator } from "./support/request-validator";

const STATE_MACHINE_ARN = "arn:aws:states:eu-west-1:123456789012:stateMachine:sfn-dedup-test-notify-country";
const FRANCE = "0309a6c666a7a803fdb9db95de71cf01"; // md5("France")
const FRANCE_ARN = `arn:aws:states:eu-west-1:123456789012:execution:sfn-dedup-test-notify-country:${FRANCE}`;
const NOW = new Date("2026-11-25T10:00:00.000Z");

const sfnMock = mockClient(SFNClient);

function serviceError(name: string, status: number, fault: "client" | "server" = "client"): Error {
  return Object.assign(new Error(`${name} from the service`), { name, $fault: fault, $metadata: { httpStatusCode: status } });
}

describe("start-execution handler", () => {
  let logs: RequestLogRecord[];
  /** The handler's clock; a test moves it to make time pass during a request. */
  let clockMs: number;

  function invoke(event: APIGatewayProxyEventV2, executionName: ExecutionNameStrategy = { from: "country" }) {
    const handler = createHandler({
      settings: { stateMachineArn: STATE_MACHINE_ARN, executionName },
      sfn: new SFNClient({ region: "eu-west-1" }),
      validateRequest: notifyCountryRequestValidator(),
      log: (record) => logs.push(record),
      now: () => new Date(clockMs),
    });
    return handler(event, { awsRequestId: "request-1" }) as Promise<
      APIGatewayProxyStructuredResultV2 & { statusCode: number; body: string }
    >;
  }

  const bodyOf = (response: { body: string }) => JSON.parse(response.body);

  beforeEach(() => {
    sfnMock.reset();
    logs = [];
    clockMs = NOW.getTime();
  });

  describe("a new request", () => {
    beforeEach(() => {
      sfnMock.on(StartExecutionCommand).resolves({ executionArn: FRANCE_ARN, startDate: new Date(NOW.getTime() + 40) });
    });

    it("starts the execution named by the md5 of the country, with the payload as canonical JSON input", async () => {
      const response = await invoke(postExecutions('{ "note": "hi",  "country": "France" }'));

      expect(sfnMock).toHaveReceivedCommandTimes(StartExecutionCommand, 1);
      expect(sfnMock).toHaveReceivedCommandWith(StartExecutionCommand, {
        stateMachineArn: STATE_MACHINE_ARN,
        name: FRANCE,
        input: '{"country":"France","note":"hi"}',
      });
      expect(response.statusCode).toBe(202);
      // Location: the workflow's status route for the execution, relative to the host the client called.
      expect(response.headers).toEqual({ "content-type": "application/json", location: `/executions/${FRANCE}` });
      expect(bodyOf(response)).toEqual({
        executionArn: FRANCE_ARN,
        executionName: FRANCE,
        startDate: "2026-11-25T10:00:00.040Z",
        status: "RUNNING",
        duplicate: false,
        attempt: 1,
        redriveCount: 0,
      });
    });

    it("decodes a base64-encoded body", async () => {
      const response = await invoke(postExecutions({ country: "France" }, "application/octet-stream"));
      expect(response.statusCode).toBe(202);
      expect(sfnMock).toHaveReceivedCommandWith(StartExecutionCommand, { name: FRANCE, input: '{"country":"France"}' });
    });

    it.each(["Côte d'Ivoire", "日本"])("decodes a base64-encoded body as UTF-8 (%s)", async (country) => {
      const event = postExecutions({ country }, "application/octet-stream");
      expect(event).toMatchObject({ isBase64Encoded: true, body: Buffer.from(`{"country":"${country}"}`, "utf8").toString("base64") });
      const response = await invoke(event);
      expect(response.statusCode).toBe(202);
      expect(sfnMock).toHaveReceivedCommandWith(StartExecutionCommand, {
        name: createHash("md5").update(country, "utf8").digest("hex"),
        input: JSON.stringify({ country }),
      });
    });

    it.each(["text/plain", "application/json; charset=utf-8"])("takes a UTF-8 body sent as %s as text", async (type) => {
      const response = await invoke(postExecutions(Buffer.from('{"country":"Grèce"}', "utf8"), type));
      expect(response.statusCode).toBe(202);
      expect(sfnMock).toHaveReceivedCommandWith(StartExecutionCommand, { name: createHash("md5").update("Grèce", "utf8").digest("hex") });
    });

    it("counts the country's length in characters (code points), not UTF-16 units", async () => {
      // Each flag-less emoji is one code point but two UTF-16 units: 100 of them are 200 units long.
      const response = await invoke(postExecutions({ country: "🌍".repeat(100) }));
      expect(response.statusCode).toBe(202);
      const tooLong = await invoke(postExecutions({ country: "🌍".repeat(101) }));
      expect(tooLong.statusCode).toBe(400);
      expect(bodyOf(tooLong)).toMatchObject({ field: "country", detail: expect.stringMatching(/at most 100 characters/) });
    });

    it("names the execution by a configured business key", async () => {
      await invoke(postExecutions({ country: "France", orderId: "A-1001" }), { from: "field", field: "orderId" });
      expect(sfnMock).toHaveReceivedCommandWith(StartExecutionCommand, {
        name: createHash("sha256").update("A-1001").digest("hex"),
      });
    });

    it("names the execution by the whole payload, whatever its key order", async () => {
      await invoke(postExecutions('{"country":"France","orderId":42}'), { from: "payload" });
      await invoke(postExecutions('{"orderId":42,"country":"France"}'), { from: "payload" });
      const calls = sfnMock.commandCalls(StartExecutionCommand).map((call) => call.args[0].input);
      expect(calls[0]).toEqual(calls[1]);
      expect(calls[0].name).toBe(createHash("sha256").update('{"country":"France","orderId":42}').digest("hex"));
    });

    it("writes one JSON log line with key, name, outcome and latency, and nothing of the payload", async () => {
      // Step Functions takes 37 ms to answer: the latency is measured across the whole request.
      sfnMock.on(StartExecutionCommand).callsFake(() => {
        clockMs += 37;
        return { executionArn: FRANCE_ARN, startDate: new Date(NOW.getTime() + 40) };
      });
      await invoke(postExecutions({ country: "France", email: "someone@example.com" }));
      expect(logs).toEqual([
        {
          level: "INFO",
          message: "execution request",
          requestId: "request-1",
          key: "country",
          executionName: FRANCE,
          outcome: "started",
          statusCode: 202,
          latencyMs: 37,
        },
      ]);
      expect(JSON.stringify(logs)).not.toMatch(/France|someone@example\.com/);
    });
  });

  describe("the same request while its execution runs", () => {
    it("answers 200 with the original execution, marked as a duplicate", async () => {
      sfnMock.on(StartExecutionCommand).resolves({ executionArn: FRANCE_ARN, startDate: new Date("2026-11-25T09:59:30.000Z") });
      const response = await invoke(postExecutions({ country: "France" }));
      expect(response.statusCode).toBe(200);
      expect(response.headers).toEqual({ "content-type": "application/json", location: `/executions/${FRANCE}` });
      expect(bodyOf(response)).toEqual({
        executionArn: FRANCE_ARN,
        executionName: FRANCE,
        startDate: "2026-11-25T09:59:30.000Z",
        status: "RUNNING",
        duplicate: true,
        attempt: 1,
      });
      expect(logs[0]).toMatchObject({ outcome: "already-running", statusCode: 200 });
    });

    it("reports a start within the clock-skew margin as new: it cannot be told apart", async () => {
      sfnMock.on(StartExecutionCommand).resolves({ executionArn: FRANCE_ARN, startDate: new Date(NOW.getTime() - 900) });
      expect((await invoke(postExecutions({ country: "France" }))).statusCode).toBe(202);
    });
  });

  describe("a name already used", () => {
    beforeEach(() => {
      sfnMock
        .on(StartExecutionCommand)
        .rejects(new ExecutionAlreadyExists({ message: "Execution Already Exists", $metadata: { httpStatusCode: 400 } }));
    });

    it.each(["SUCCEEDED", "FAILED", "RUNNING"] as const)(
      "answers 409 naming the existing execution and its status (%s)",
      async (status) => {
        sfnMock.on(DescribeExecutionCommand).resolves({
          executionArn: FRANCE_ARN,
          status,
          startDate: new Date("2026-08-01T08:00:00.000Z"),
          stopDate: status === "RUNNING" ? undefined : new Date("2026-08-01T08:00:31.000Z"),
        });
        const response = await invoke(postExecutions({ country: "France" }));

        expect(sfnMock).toHaveReceivedCommandWith(DescribeExecutionCommand, { executionArn: FRANCE_ARN });
        expect(response.statusCode).toBe(409);
        expect(response.headers).toEqual({ "content-type": "application/problem+json", location: `/executions/${FRANCE}` });
        expect(bodyOf(response)).toEqual({
          type: "urn:sfn-dedup:problem:execution-already-exists",
          title: "This request already has an execution",
          status: 409,
          detail: `Execution ${FRANCE} already exists with status ${status}; it is not started again.`,
          executionArn: FRANCE_ARN,
          executionName: FRANCE,
          executionStatus: status,
          startDate: "2026-08-01T08:00:00.000Z",
          // Without a ledger the name is free again 90 days after the stop (AWS's default history).
          ...(status === "RUNNING" ? {} : { stopDate: "2026-08-01T08:00:31.000Z", reusableAfter: "2026-10-30T08:00:31.000Z" }),
          attempt: 1,
        });
        expect(sfnMock).toHaveReceivedCommandTimes(StartExecutionCommand, 1);
      },
    );

    it.each([
      [1_700, false],
      [1_699, true],
    ])("re-runs only while the invocation has time for one more call and a second to answer (%d ms left)", async (left, outOfTime) => {
      sfnMock.on(DescribeExecutionCommand).resolves({ executionArn: FRANCE_ARN, status: "FAILED", startDate: NOW, stopDate: NOW });
      const handler = createHandler({
        settings: { stateMachineArn: STATE_MACHINE_ARN, executionName: { from: "country" }, rerun: "after-failure" },
        sfn: new SFNClient({ region: "eu-west-1" }),
        validateRequest: notifyCountryRequestValidator(),
        log: (record) => logs.push(record),
        now: () => new Date(clockMs),
        callTimeLimitMs: 700,
      });
      const response = (await handler(postExecutions({ country: "France" }), {
        awsRequestId: "r",
        getRemainingTimeInMillis: () => left,
      })) as {
        statusCode: number;
        body: string;
      };
      if (outOfTime) {
        expect(response.statusCode).toBe(503);
        expect(bodyOf(response)).toMatchObject({ detail: expect.stringMatching(/OutOfTime/) });
        expect(sfnMock).toHaveReceivedCommandTimes(DescribeExecutionCommand, 1);
      } else {
        // Time enough: the search for a later attempt goes ahead.
        expect(sfnMock).toHaveReceivedCommandWith(DescribeExecutionCommand, { executionArn: `${FRANCE_ARN}-2` });
      }
    });

    it(
      "says the name is free again 30 days after the stop " + "in an account whose Step Functions keeps 30 days (stepFunctionsHistoryDays)",
      async () => {
        sfnMock.on(DescribeExecutionCommand).resolves({
          executionArn: FRANCE_ARN,
          status: "SUCCEEDED",
          startDate: new Date("2026-08-01T08:00:00.000Z"),
          stopDate: new Date("2026-08-01T08:00:31.000Z"),
        });
        const handler = createHandler({
          settings: { stateMachineArn: STATE_MACHINE_ARN, executionName: { from: "country" }, stepFunctionsHistoryDays: 30 },
          sfn: new SFNClient({ region: "eu-west-1" }),
          validateRequest: notifyCountryRequestValidator(),
          log: (record) => logs.push(record),
          now: () => new Date(clockMs),
        });
        const response = (await handler(postExecutions({ country: "France" }), { awsRequestId: "request-1" })) as { body: string };
        expect(bodyOf(response)).toMatchObject({ status: 409, reusableAfter: "2026-08-31T08:00:31.000Z" });
      },
    );

    it("still answers 409 with the ARN when the execution cannot be described", async () => {
      sfnMock.on(DescribeExecutionCommand).rejects(serviceError("AccessDeniedException", 400));
      const response = await invoke(postExecutions({ country: "France" }));
      expect(response.statusCode).toBe(409);
      expect(bodyOf(response)).toEqual({
        type: "urn:sfn-dedup:problem:execution-already-exists",
        title: "This request already has an execution",
        status: 409,
        detail: `Execution ${FRANCE} already exists; it is not started again.`,
        executionArn: FRANCE_ARN,
        executionName: FRANCE,
        attempt: 1,
      });
      expect(logs[0]).toMatchObject({ outcome: "already-exists", statusCode: 409, errorName: "AccessDeniedException" });
    });
  });

  describe("a bad request", () => {
    it.each([
      ["an empty body", "", "invalid-body", /empty/],
      ["invalid JSON", '{"country": "France"', "invalid-body", /not valid JSON/],
      ["an array", '["France"]', "invalid-body", /must be a JSON object, not an array/],
      ["null", "null", "invalid-body", /must be a JSON object, not null/],
      ["a string", '"France"', "invalid-body", /must be a JSON object, not a string/],
      ["no country", '{"nation":"France"}', "invalid-field", /Field "country" is required/],
      ["an empty country", '{"country":""}', "invalid-field", /Field "country" must not be empty/],
      ["a blank country", '{"country":"   "}', "invalid-field", /Field "country" must not be empty/],
      ["a numeric country", '{"country":33}', "invalid-field", /Field "country" must be a string, not a number/],
      ["a null country", '{"country":null}', "invalid-field", /Field "country" must be a string, not null/],
      ["an absurdly long country", JSON.stringify({ country: "x".repeat(101) }), "invalid-field", /at most 100 characters/],
      ["a lone surrogate", '{"country":"France","x":"\\ud800"}', "invalid-body", /cannot be canonicalised/],
    ])("refuses %s with 400 and starts nothing", async (_case, body, problem, detail) => {
      const response = await invoke(postExecutions(body));
      expect(response.statusCode).toBe(400);
      expect(response.headers).toEqual({ "content-type": "application/problem+json" });
      expect(bodyOf(response)).toMatchObject({
        type: `urn:sfn-dedup:problem:${problem}`,
        status: 400,
        detail: expect.stringMatching(detail),
      });
      expect(sfnMock).not.toHaveReceivedAnyCommand();
      expect(logs).toEqual([expect.objectContaining({ outcome: "invalid-request", statusCode: 400 })]);
    });

    it("answers a body its workflow's schema refuses with each violation's JSON pointer, and starts nothing", async () => {
      const response = await invoke(postExecutions({ country: 33 }));
      expect(response.statusCode).toBe(400);
      expect(bodyOf(response)).toEqual({
        type: "urn:sfn-dedup:problem:invalid-field",
        title: "Request field is missing or invalid",
        status: 400,
        detail: 'Field "country" must be a string, not a number.',
        field: "country",
        violations: [{ pointer: "/country", problem: "must be a string, not a number" }],
      });
      expect(sfnMock).not.toHaveReceivedAnyCommand();
    });

    it("validates with the validator it is given, the workflow's", async () => {
      const handler = createHandler({
        settings: { stateMachineArn: STATE_MACHINE_ARN, executionName: { from: "payload" } },
        sfn: new SFNClient({ region: "eu-west-1" }),
        validateRequest: Object.assign(() => false, {
          errors: [{ instancePath: "", schemaPath: "#/required", keyword: "required", params: { missingProperty: "sku" }, message: "" }],
        }),
        log: (record) => logs.push(record),
      });
      const response = (await handler(postExecutions({ country: "France" }), { awsRequestId: "request-1" })) as { body: string };
      expect(bodyOf(response)).toMatchObject({
        detail: 'Field "sku" is required.',
        field: "sku",
        violations: [{ pointer: "/sku", problem: "is required" }],
      });
      expect(sfnMock).not.toHaveReceivedAnyCommand();
    });

    it("checks the schema after the size: an oversized body is 413 whatever its fields", async () => {
      const response = await invoke(postExecutions({ blob: "x".repeat(262_144) }));
      expect(response.statusCode).toBe(413);
    });

    it("refuses a body that is not UTF-8", async () => {
      const event = { ...postExecutions("{}"), isBase64Encoded: true, body: Buffer.from([0x7b, 0xff, 0x7d]).toString("base64") };
      const response = await invoke(event);
      expect(response.statusCode).toBe(400);
      expect(bodyOf(response).detail).toMatch(/not UTF-8/);
    });

    // Latin-1 "Grèce" once decoded lossily and started "Gr\uFFFDce"; a different Latin-1 country then got 409.
    const latin1Types = ["text/plain", "application/json; charset=iso-8859-1"];
    it.each(latin1Types)("refuses Latin-1 bytes sent as %s with 400 and starts nothing", async (type) => {
      const response = await invoke(postExecutions(Buffer.from('{"country":"Grèce"}', "latin1"), type));
      expect(response.statusCode).toBe(400);
      expect(bodyOf(response)).toMatchObject({ type: "urn:sfn-dedup:problem:invalid-body", detail: expect.stringMatching(/not UTF-8/) });
      expect(sfnMock).not.toHaveReceivedAnyCommand();
    });

    it.each([
      ["missing", { country: "France" }, /Field "orderId" is required/],
      ["empty", { country: "France", orderId: " " }, /Field "orderId" must not be empty/],
      ["an object", { country: "France", orderId: { id: 1 } }, /Field "orderId" must be a string or a number, not a object/],
      ["too long", { country: "France", orderId: "9".repeat(257) }, /at most 256 characters/],
    ])("refuses a business key that is %s", async (_case, payload, detail) => {
      const response = await invoke(postExecutions(payload), { from: "field", field: "orderId" });
      expect(response.statusCode).toBe(400);
      expect(bodyOf(response)).toMatchObject({
        type: "urn:sfn-dedup:problem:invalid-field",
        field: "orderId",
        detail: expect.stringMatching(detail),
      });
      expect(sfnMock).not.toHaveReceivedAnyCommand();
    });

    it.each([
      ["a business key", '{"country":"France","orderId":9007199254740993}', "orderId"],
      ["2^53 itself", '{"country":"France","orderId":9007199254740992}', "orderId"],
      ["a negative one", '{"country":"France","orderId":-9007199254740993}', "orderId"],
      ["one nested in an array", '{"country":"France","items":[{"sku":1},{"sku":12345678901234567890}]}', "items[1].sku"],
      ["one in exponent notation", '{"country":"France","total":1e300}', "total"],
    ])("refuses an integer beyond 2^53 - 1 (%s) instead of changing it, and asks for a string", async (_case, body, field) => {
      const response = await invoke(postExecutions(body), { from: "payload" });
      expect(response.statusCode).toBe(400);
      expect(bodyOf(response)).toMatchObject({
        type: "urn:sfn-dedup:problem:invalid-field",
        field,
        detail: expect.stringMatching(/send it as a string/),
      });
      expect(sfnMock).not.toHaveReceivedAnyCommand();
    });

    // JSON.parse keeps the last of a repeated member: the first body once named and started an execution for Spain.
    it.each([
      ["at the top level", '{"country":"France","country":"Spain"}', "country"],
      ["escaped, in an array's object", '{"country":"France","items":[{"sku":"tea"},{"sku":"tea","\\u0073ku":"rum"}]}', "items[1].sku"],
    ])("refuses a member named twice (%s) with 400 invalid-body naming it, and starts nothing", async (_case, body, member) => {
      const response = await invoke(postExecutions(body));
      expect(response.statusCode).toBe(400);
      expect(response.headers).toEqual({ "content-type": "application/problem+json" });
      expect(bodyOf(response)).toEqual({
        type: "urn:sfn-dedup:problem:invalid-body",
        title: "Request body is not a valid JSON object",
        status: 400,
        detail: `The request body has member "${member}" more than once; RFC 7493 (I-JSON) forbids duplicate member names.`,
        member,
      });
      expect(sfnMock).not.toHaveReceivedAnyCommand();
      expect(logs).toEqual([expect.objectContaining({ outcome: "invalid-request", statusCode: 400 })]);
    });

    it("gives two large ids sent as strings two names, and takes the largest safe integer as a number", async () => {
      sfnMock.on(StartExecutionCommand).resolves({ executionArn: FRANCE_ARN, startDate: NOW });
      await invoke(postExecutions('{"country":"France","orderId":"9007199254740993"}'), { from: "field", field: "orderId" });
      await invoke(postExecutions('{"country":"France","orderId":"9007199254740992"}'), { from: "field", field: "orderId" });
      const response = await invoke(postExecutions('{"country":"France","orderId":9007199254740991,"price":1.5}'), {
        from: "field",
        field: "orderId",
      });
      expect(response.statusCode).toBe(202);
      const [first, second, third] = sfnMock.commandCalls(StartExecutionCommand).map((call) => call.args[0].input);
      expect(first.name).not.toBe(second.name);
      expect(third.input).toBe('{"country":"France","orderId":9007199254740991,"price":1.5}');
    });

    it("refuses with 413 a payload larger than Step Functions accepts as input", async () => {
      const response = await invoke(postExecutions({ country: "France", blob: "x".repeat(262_144 - 29) }));
      expect(response.statusCode).toBe(413);
      expect(bodyOf(response)).toMatchObject({ type: "urn:sfn-dedup:problem:payload-too-large", limit: 262_144, size: 262_145 });
      expect(sfnMock).not.toHaveReceivedAnyCommand();
    });

    it("counts the input's size in UTF-8 bytes, not UTF-16 units", async () => {
      // "é" is one UTF-16 unit but two UTF-8 bytes: 131,058 of them are 262,146 bytes of input with the rest.
      const response = await invoke(postExecutions({ country: "France", blob: "é".repeat(131_058) }));
      expect(response.statusCode).toBe(413);
      expect(bodyOf(response)).toMatchObject({ type: "urn:sfn-dedup:problem:payload-too-large", limit: 262_144, size: 262_146 });
      expect(sfnMock).not.toHaveReceivedAnyCommand();
    });

    it("refuses an oversized payload with 413 before looking at its fields", async () => {
      const response = await invoke(postExecutions({ blob: "x".repeat(262_144) }));
      expect(response.statusCode).toBe(413);
      expect(bodyOf(response)).toMatchObject({ type: "urn:sfn-dedup:problem:payload-too-large" });
    });

    it.each([
      [
        "a plain body",
        { ...postExecutions("\uFEFF" + '{"country":"France"}'), isBase64Encoded: false, body: "\uFEFF" + '{"country":"France"}' },
      ],
      [
        "a base64 body",
        { ...postExecutions("{}"), isBase64Encoded: true, body: Buffer.from("\uFEFF" + '{"country":"France"}', "utf8").toString("base64") },
      ],
    ])("accepts a leading byte order mark in %s, and leaves it out of the input", async (_case, event) => {
      sfnMock.on(StartExecutionCommand).resolves({ executionArn: FRANCE_ARN, startDate: NOW });
      const response = await invoke(event);
      expect(response.statusCode).toBe(202);
      expect(sfnMock).toHaveReceivedCommandWith(StartExecutionCommand, { name: FRANCE, input: '{"country":"France"}' });
    });

    it("accepts a payload of exactly the input limit", async () => {
      sfnMock.on(StartExecutionCommand).resolves({ executionArn: FRANCE_ARN, startDate: NOW });
      const response = await invoke(postExecutions({ country: "France", blob: "x".repeat(262_144 - 30) }));
      expect(response.statusCode).toBe(202);
    });
  });

  describe("Step Functions failing", () => {
    it.each([
      ["ThrottlingException", serviceError("ThrottlingException", 400), 429, "throttled", "1"],
      ["KmsThrottlingException", serviceError("KmsThrottlingException", 400), 429, "throttled", "1"],
      [
        "ExecutionLimitExceeded",
        new ExecutionLimitExceeded({ message: "limit", $metadata: { httpStatusCode: 400 } }),
        503,
        "service-unavailable",
        "60",
      ],
      ["a 500 from the service", serviceError("InternalServerError", 500, "server"), 503, "service-unavailable", "5"],
      [
        "a connection failure",
        Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), { code: "ECONNREFUSED", $metadata: {} }),
        503,
        "service-unavailable",
        "5",
      ],
    ])("answers %s with a retryable status and Retry-After", async (_case, error, status, problem, retryAfter) => {
      sfnMock.on(StartExecutionCommand).rejects(error);
      const response = await invoke(postExecutions({ country: "France" }));
      expect(response.statusCode).toBe(status);
      expect(response.headers).toEqual({ "content-type": "application/problem+json", "retry-after": retryAfter });
      expect(bodyOf(response)).toMatchObject({ type: `urn:sfn-dedup:problem:${problem}`, status });
      if (status === 503) {
        expect(bodyOf(response)).toMatchObject({
          title: "A service this API depends on is unavailable, try again later",
          detail: expect.stringMatching(/^Step Functions could not take the request/),
        });
      }
    });

    it.each([
      ["a timeout", Object.assign(new Error("the request socket timed out"), { name: "TimeoutError", $metadata: {} })],
      ["a reset connection", Object.assign(new Error("socket hang up"), { code: "ECONNRESET", $metadata: {} })],
    ])("answers %s with 503 saying the execution may have started: the request may have reached Step Functions", async (_case, error) => {
      sfnMock.on(StartExecutionCommand).rejects(error);
      const response = await invoke(postExecutions({ country: "France" }));
      expect(response.statusCode).toBe(503);
      expect(response.headers).toEqual({ "content-type": "application/problem+json", "retry-after": "5" });
      expect(bodyOf(response).detail).toMatch(/may or may not have started/);
      expect(logs[0]).toMatchObject({ outcome: "outcome-unknown", statusCode: 503 });
    });

    it.each([
      ["StateMachineDoesNotExist", new StateMachineDoesNotExist({ message: "gone", $metadata: { httpStatusCode: 400 } })],
      ["AccessDeniedException", serviceError("AccessDeniedException", 400)],
      ["KmsAccessDeniedException", serviceError("KmsAccessDeniedException", 400)],
    ])("answers %s with 502: retrying would not help", async (name, error) => {
      sfnMock.on(StartExecutionCommand).rejects(error);
      const response = await invoke(postExecutions({ country: "France" }));
      expect(response.statusCode).toBe(502);
      expect(bodyOf(response)).toEqual({
        type: "urn:sfn-dedup:problem:upstream-failure",
        title: "The workflow service refused the request",
        status: 502,
        detail: `Step Functions refused to start the execution (${name}).`,
      });
      expect(logs[0]).toMatchObject({ level: "ERROR", outcome: "rejected", statusCode: 502, errorName: name });
    });

    it("answers an unexpected error with 500 and no internals", async () => {
      sfnMock.on(StartExecutionCommand).resolves({});
      const response = await invoke(postExecutions({ country: "France" }));
      expect(response.statusCode).toBe(500);
      expect(bodyOf(response)).toEqual({
        type: "urn:sfn-dedup:problem:internal-error",
        title: "Internal error",
        status: 500,
        detail: "The request could not be handled.",
      });
      expect(response.body).not.toMatch(/TypeError|at |\.ts/);
      expect(logs[0]).toMatchObject({ level: "ERROR", outcome: "internal-error", errorName: "TypeError" });
    });
  });
});
