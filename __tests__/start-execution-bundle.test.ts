import * as fs from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { LambdaHost } from "../local/lambda-host";
import { ServiceError } from "../local/service-error";
import { emfViolations, extractedMetrics } from "./support/embedded-metric-format";
import { postExecutions } from "./support/events";
import { type LocalTrigger, startLocalTrigger, synthesizeToDirectory } from "./support/local-trigger";

/**
 * The zip synth produces, run with HTTP API v2.0 events against a local Step Functions endpoint over
 * HTTP: the SDK's real wire protocol and error parsing, not a mock.
 */
describe("the synthesized start-execution bundle", () => {
  const { outdir, stackDir } = synthesizeToDirectory();
  let running: LocalTrigger; // Wait states in real time: executions stay RUNNING during the test
  let fast: LocalTrigger; // Wait states 1000x faster: executions close in milliseconds

  beforeAll(async () => {
    [running, fast] = await Promise.all([startLocalTrigger(stackDir, { timeScale: 1 }), startLocalTrigger(stackDir, { timeScale: 0.001 })]);
  });

  afterAll(async () => {
    await Promise.all([running?.stop(), fast?.stop()]);
    fs.rmSync(outdir, { recursive: true, force: true });
  });

  beforeEach(() => {
    for (const trigger of [running, fast]) {
      trigger.fail(undefined);
      trigger.calls.length = 0;
      trigger.logs.length = 0;
    }
  });

  // Whatever a test's requests were answered (started, already-running, already-exists, invalid-request,
  // throttled, unavailable, rejected), each request's line is a valid EMF document counting it under its outcome.
  afterEach(() => {
    for (const line of [running, fast].flatMap((trigger) =>
      trigger.logs.filter((candidate) => candidate.includes('"execution request"')),
    )) {
      expect(emfViolations(line)).toEqual([]);
      const { outcome } = JSON.parse(line);
      for (const metric of extractedMetrics(line)) {
        expect(metric).toMatchObject({
          namespace: "sfn-dedup",
          dimensions: { Environment: "default", Workflow: "notify-country", Outcome: outcome },
        });
      }
    }
  });

  const executionArnFor = (trigger: LocalTrigger, name: string) =>
    `${trigger.stack.stateMachines()[0].arn.replace(":stateMachine:", ":execution:")}:${name}`;

  it("starts a new execution: 202 with its ARN, name and start date", async () => {
    const response = await running.post({ country: "France" });

    expect(response.statusCode).toBe(202);
    expect(response.headers.location).toBe("/executions/0309a6c666a7a803fdb9db95de71cf01");
    expect(response.body).toEqual({
      executionArn: executionArnFor(running, "0309a6c666a7a803fdb9db95de71cf01"),
      executionName: "0309a6c666a7a803fdb9db95de71cf01",
      attempt: 1,
      redriveCount: 0,
      startDate: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      status: "RUNNING",
      duplicate: false,
    });
    expect(running.service.describeExecution({ executionArn: response.body.executionArn })).toMatchObject({
      status: "RUNNING",
      input: '{"country":"France"}',
    });
  });

  it("answers the same request while it runs with the original execution, marked duplicate, and starts nothing new", async () => {
    const first = await running.post({ country: "Portugal" });
    await sleep(1_100); // past the clock-skew margin within which a duplicate cannot be told apart
    const second = await running.post({ country: "Portugal" });

    expect(first.statusCode).toBe(202);
    expect(second.statusCode).toBe(200);
    // StartExecution's answer for a running duplicate does not say whether it was redriven: no redriveCount.
    expect(second.body).toEqual({ ...first.body, duplicate: true, redriveCount: undefined });
    const stateMachineArn = running.stack.stateMachines()[0].arn;
    const portugal = running.service
      .listExecutions({ stateMachineArn })
      .executions.filter((e) => e.executionArn === first.body.executionArn);
    expect(portugal).toHaveLength(1);
  });

  it("refuses the same name with different input while it runs: 409 with the running execution", async () => {
    const first = await running.post({ country: "Greece" });
    const second = await running.post({ country: "Greece", note: "not the same request" });

    expect(second.statusCode).toBe(409);
    expect(second.headers["content-type"]).toBe("application/problem+json");
    expect(second.body).toMatchObject({
      type: "urn:sfn-dedup:problem:execution-already-exists",
      status: 409,
      executionArn: first.body.executionArn,
      executionStatus: "RUNNING",
    });
  });

  it("refuses a name whose execution has closed: 409 with its status, after the message was published", async () => {
    const first = await fast.post({ country: "Spain" });
    const closed = await fast.service.settled(first.body.executionArn);
    const again = await fast.post({ country: "Spain" });

    expect(closed.status).toBe("SUCCEEDED");
    expect(fast.published).toContainEqual(
      expect.objectContaining({ topic: expect.stringMatching(/:sfn-dedup-default-notifications$/), message: "I love my Spain" }),
    );
    expect(again.statusCode).toBe(409);
    expect(again.body).toMatchObject({
      executionArn: first.body.executionArn,
      executionStatus: "SUCCEEDED",
      startDate: first.body.startDate,
      stopDate: closed.stopDate!.toISOString(),
    });
  });

  it("refuses a name whose execution was stopped, whatever the input", async () => {
    const first = await running.post({ country: "Italy" });
    running.service.stopExecution({ executionArn: first.body.executionArn });
    const again = await running.post({ country: "Italy" });

    expect(again.statusCode).toBe(409);
    expect(again.body).toMatchObject({ executionArn: first.body.executionArn, executionStatus: "ABORTED" });
  });

  it("refuses a bad request with 400 before anything reaches Step Functions", async () => {
    const response = await running.post('{"country": ');
    expect(response.statusCode).toBe(400);
    expect(response.body).toMatchObject({ type: "urn:sfn-dedup:problem:invalid-body", status: 400 });
    expect(running.calls).toEqual([]);
  });

  it("refuses a member named twice with 400 before anything reaches Step Functions", async () => {
    const response = await running.post('{"country":"France","country":"Spain"}');
    expect(response.statusCode).toBe(400);
    expect(response.body).toMatchObject({ type: "urn:sfn-dedup:problem:invalid-body", status: 400, member: "country" });
    expect(running.calls).toEqual([]);
  });

  // The validator generated from asl/notify-country.request.schema.json at synth, as the zip carries it.
  it.each([
    ["no country", { nation: "France" }, "is required"],
    ["a numeric country", { country: 33 }, "must be a string, not a number"],
    ["a null country", { country: null }, "must be a string, not null"],
    ["an empty country", { country: "" }, "must not be empty"],
    ["a blank country", { country: " \t " }, "must not be empty"],
    ["a country over 100 characters (code points)", { country: "🌍".repeat(101) }, "must be at most 100 characters"],
  ])("refuses %s from the workflow's schema: 400 invalid-field with its JSON pointer, nothing started", async (_case, payload, problem) => {
    const response = await running.post(payload);
    expect(response.statusCode).toBe(400);
    expect(response.headers["content-type"]).toBe("application/problem+json");
    expect(response.body).toEqual({
      type: "urn:sfn-dedup:problem:invalid-field",
      title: "Request field is missing or invalid",
      status: 400,
      detail: `Field "country" ${problem}.`,
      field: "country",
      violations: [{ pointer: "/country", problem }],
    });
    expect(running.calls).toEqual([]);
  });

  it("lists every violation of the schema: a blank country over 100 characters breaks two rules", async () => {
    const response = await running.post({ country: " ".repeat(101) });
    expect(response.statusCode).toBe(400);
    expect(response.body).toMatchObject({
      detail: 'Field "country" must be at most 100 characters, and the body has 1 more violation (see "violations").',
      field: "country",
      violations: [
        { pointer: "/country", problem: "must be at most 100 characters" },
        { pointer: "/country", problem: "must not be empty" },
      ],
    });
    expect(running.calls).toEqual([]);
  });

  it("accepts 100 characters of four UTF-8 bytes each: the schema counts code points", async () => {
    const response = await running.post({ country: "🌍".repeat(100) });
    expect(response.statusCode).toBe(202);
  });

  it("decodes a base64-encoded body", async () => {
    const response = await running.post({ country: "Norway" }, "application/octet-stream");
    expect(response.statusCode).toBe(202);
    expect(response.body.executionName).toBe("d5b9290a0b67727d4ba1ca6059dc31a6"); // md5("Norway")
  });

  it.each([
    ["ThrottlingException", new ServiceError("ThrottlingException", "Rate exceeded"), 429, "1"],
    ["ExecutionLimitExceeded", new ServiceError("ExecutionLimitExceeded", "Too many open executions"), 503, "60"],
    ["a 500 from the service", new ServiceError("InternalServerError", "Internal failure", 500), 503, "5"],
  ])("answers %s from the wire with a retryable status and Retry-After", async (_case, error, status, retryAfter) => {
    running.fail(error);
    const response = await running.post({ country: "Malta" });
    expect(response.statusCode).toBe(status);
    expect(response.headers["retry-after"]).toBe(retryAfter);
    expect(JSON.stringify(response.body)).not.toMatch(/\bat \S+:\d+/);
  });

  it("answers 502 when the state machine does not exist", async () => {
    running.fail(new ServiceError("StateMachineDoesNotExist", "State Machine Does Not Exist"));
    const response = await running.post({ country: "Malta" });
    expect(response.statusCode).toBe(502);
    expect(response.body.detail).toBe("Step Functions refused to start the execution (StateMachineDoesNotExist).");
  });

  it("answers 503 when Step Functions cannot be reached", async () => {
    const fn = running.starter;
    const unreachable = await LambdaHost.start({
      ...fn,
      region: running.stack.region,
      environment: { ...fn.environment, AWS_ENDPOINT_URL_SFN: "http://127.0.0.1:9" },
    });
    try {
      const response = (await unreachable.invoke(postExecutions({ country: "Malta" }))) as {
        statusCode: number;
        headers: Record<string, string>;
      };
      expect(response.statusCode).toBe(503);
      expect(response.headers["retry-after"]).toBe("5");
    } finally {
      await unreachable.stop();
    }
  });

  it(
    "logs one JSON line per request, without the payload, its metrics in it: Requests and Latency by environment, workflow and " +
      "outcome",
    async () => {
      await running.post({ country: "Iceland", email: "someone@example.com" });
      const lines = running.logs.filter((line) => line.startsWith("{"));
      expect(lines.map((line) => JSON.parse(line))).toEqual([
        expect.objectContaining({ message: "execution request", key: "country", outcome: "started", statusCode: 202, level: "INFO" }),
      ]);
      expect(running.logs.join("\n")).not.toMatch(/Iceland|someone@example\.com/);
      const dimensions = { Environment: "default", Workflow: "notify-country", Outcome: "started" };
      expect(extractedMetrics(lines[0])).toEqual([
        { namespace: "sfn-dedup", name: "Requests", unit: "Count", value: 1, dimensions },
        { namespace: "sfn-dedup", name: "Latency", unit: "Milliseconds", value: JSON.parse(lines[0]).latencyMs, dimensions },
      ]);
    },
  );
});
