import * as fs from "node:fs";
import { httpApiEvent } from "../../local/http-api-event";
import { type LocalDynamoDb, startLocalDynamoDb } from "../../local/local-dynamodb";
import { MockConfig } from "../../local/mock-config";
import { ServiceError } from "../../local/service-error";
import { type LocalTrigger, startLocalTrigger, synthesizeToDirectory } from "../support/local-trigger";

const DAY_MS = 86_400_000;
const NOTIFY_COUNTRY = {
  definition: "asl/notify-country.asl.json",
  route: "POST /executions",
  request: "asl/notify-country.request.schema.json",
  executionName: { from: "country" },
} as const;
/** The default workflow, and the same ASL as a second workflow that shows its executions' output. */
const context = (settings: Record<string, unknown> = {}) => ({
  workflows: { "notify-country": NOTIFY_COUNTRY, shown: { ...NOTIFY_COUNTRY, route: "POST /shown", exposeOutput: true } },
  environments: { default: { account: "123456789012", region: "us-east-1", ...settings } },
});
/** A test case the tests start executions in (`<state machine ARN>#Refused`): the publish refused for good. */
const MOCKS = new MockConfig({
  StateMachines: { "sfn-dedup-default-notify-country": { TestCases: { Publishing: {}, Refused: { PublishLoveMessage: "NotAllowed" } } } },
  MockedResponses: { NotAllowed: { "0": { Throw: { Error: "SNS.AuthorizationErrorException", Cause: "not allowed to publish" } } } },
});

/**
 * The execution-status zips synth produces, run with HTTP API v2.0 events against the local Step Functions
 * endpoint over HTTP (and dynalite for the ledger): the SDK's real DescribeExecution, the ledger's real read.
 */
describe("the synthesized execution-status bundles", () => {
  const plain = synthesizeToDirectory(context());
  const ledgered = synthesizeToDirectory(context({ ledger: true }));
  let dynamodb: LocalDynamoDb;
  let running: LocalTrigger; // no ledger; Wait states in real time: executions stay RUNNING
  let fast: LocalTrigger; // the ledger; executions close in milliseconds, on a clock the test can move
  let clockOffsetMs = 0;
  const clock = () => new Date(Date.now() + clockOffsetMs);
  const stateMachineArn = (trigger: LocalTrigger, workflow: string) =>
    trigger.stack.stateMachines().find((machine) => machine.name === `sfn-dedup-default-${workflow}`)!.arn;

  /** POST to a workflow's start route, as API Gateway would invoke its function. */
  async function start(trigger: LocalTrigger, path: string, body: unknown): Promise<any> {
    const host = trigger.sandbox.hosts.get(trigger.sandbox.routeFunction(`POST ${path}`).functionName)!;
    const event = httpApiEvent({
      method: "POST",
      path,
      routeKey: `POST ${path}`,
      headers: { "content-type": "application/json" },
      body: Buffer.from(JSON.stringify(body)),
    });
    const response = (await host.invoke(event)) as { statusCode: number; body: string };
    expect(response.statusCode).toBe(202);
    return JSON.parse(response.body);
  }

  beforeAll(async () => {
    dynamodb = await startLocalDynamoDb();
    [running, fast] = await Promise.all([
      startLocalTrigger(plain.stackDir, { timeScale: 1, mocks: MOCKS, mockCase: "Publishing" }),
      startLocalTrigger(ledgered.stackDir, { timeScale: 0.001, clock, dynamodb, mocks: MOCKS, mockCase: "Publishing" }),
    ]);
  });

  afterAll(async () => {
    await Promise.all([running?.stop(), fast?.stop()]);
    await dynamodb?.close();
    for (const { outdir } of [plain, ledgered]) fs.rmSync(outdir, { recursive: true, force: true });
  });

  beforeEach(() => {
    clockOffsetMs = 0;
    for (const trigger of [running, fast]) {
      trigger.fail(undefined);
      trigger.calls.length = 0;
    }
  });

  it("answers a running execution: 200 RUNNING with its start, never to be cached", async () => {
    const started = await start(running, "/executions", { country: "France" });
    running.calls.length = 0;

    const response = await running.status(started.executionName);

    expect(response.statusCode).toBe(200);
    expect(response.headers).toMatchObject({ "content-type": "application/json", "cache-control": "no-store" });
    expect(response.body).toEqual({
      executionArn: started.executionArn,
      executionName: started.executionName,
      status: "RUNNING",
      startDate: started.startDate,
      attempt: 1,
      redriveCount: 0,
      source: "step-functions",
    });
    expect(running.calls).toEqual(["DescribeExecution"]);
  });

  it("answers a succeeded execution with its stop date, without its output where the workflow does not show it", async () => {
    const started = await start(fast, "/executions", { country: "Spain" });
    const closed = await fast.service.settled(started.executionArn);

    const response = await fast.status(started.executionName);

    expect(closed.status).toBe("SUCCEEDED");
    expect(closed.output).toBeDefined();
    expect(response.headers["cache-control"]).toBe("private, max-age=60");
    expect(response.body).toEqual({
      executionArn: started.executionArn,
      executionName: started.executionName,
      status: "SUCCEEDED",
      startDate: started.startDate,
      stopDate: closed.stopDate!.toISOString(),
      attempt: 1,
      redriveCount: 0,
      source: "step-functions",
    });
  });

  it("shows a succeeded execution's output where the workflow sets exposeOutput, and never its input", async () => {
    const started = await start(fast, "/shown", { country: "Chile", note: "private" });
    const closed = await fast.service.settled(started.executionArn);

    const response = await fast.status(started.executionName, "/shown");

    expect(response.body).toMatchObject({ executionArn: started.executionArn, status: "SUCCEEDED", output: JSON.parse(closed.output!) });
    expect(JSON.stringify(response.body)).not.toContain("private");
  });

  it("answers a failed execution with Step Functions' error and cause", async () => {
    const { executionArn } = fast.service.startExecution({
      stateMachineArn: `${stateMachineArn(fast, "notify-country")}#Refused`,
      name: "refused-1",
      input: JSON.stringify({ country: "Peru" }),
    });
    await fast.service.settled(executionArn);

    const response = await fast.status("refused-1");

    expect(response.headers["cache-control"]).toBe("no-store");
    expect(response.body).toMatchObject({
      executionArn,
      status: "FAILED",
      error: "SNS.AuthorizationErrorException",
      cause: "not allowed to publish",
      source: "step-functions",
    });
  });

  it("answers 404 for a name never started, and 400 for one no execution can have, without asking Step Functions", async () => {
    const unknown = await running.status("0".repeat(32));
    expect(unknown.statusCode).toBe(404);
    expect(unknown.body).toMatchObject({
      type: "urn:sfn-dedup:problem:execution-not-found",
      executionArn: expect.stringMatching(/:execution:sfn-dedup-default-notify-country:0{32}$/),
    });
    running.calls.length = 0;

    const malformed = await running.status("not.a.name");
    expect(malformed.statusCode).toBe(400);
    expect(malformed.body).toMatchObject({ type: "urn:sfn-dedup:problem:invalid-execution-name" });
    expect(running.calls).toEqual([]);
  });

  it("answers 503 with Retry-After when Step Functions fails", async () => {
    running.fail(new ServiceError("ServiceUnavailable", "down", 503));
    const response = await running.status("0".repeat(32));
    expect(response.statusCode).toBe(503);
    expect(response.headers["retry-after"]).toBe("5");
    expect(response.body).toMatchObject({
      type: "urn:sfn-dedup:problem:service-unavailable",
      detail: expect.stringMatching(/^Step Functions /),
    });
  });

  it("with the ledger, answers from it once Step Functions has forgotten the execution, for every workflow", async () => {
    const france = await start(fast, "/executions", { country: "Latvia" });
    const chile = await start(fast, "/shown", { country: "Latvia" });
    await Promise.all([fast.service.settled(france.executionArn), fast.service.settled(chile.executionArn)]);
    // The status updater records how they ended.
    await fast.eventsDelivered();

    clockOffsetMs = 91 * DAY_MS;
    expect(() => fast.service.describeExecution({ executionArn: france.executionArn })).toThrow(/Execution Does Not Exist/);
    // Two workflows keyed alike: the same name, a record for each within its own state machine.
    expect(chile.executionName).toBe(france.executionName);
    for (const [started, path] of [
      [france, "/executions"],
      [chile, "/shown"],
    ] as const) {
      const response = await fast.status(started.executionName, path);
      expect(response.statusCode).toBe(200);
      expect(response.body).toEqual({
        executionArn: started.executionArn,
        executionName: started.executionName,
        status: "SUCCEEDED",
        startDate: started.startDate,
        stopDate: expect.any(String),
        attempt: 1,
        redriveCount: 0,
        firstSeenAt: expect.any(String),
        source: "ledger",
      });
    }
    const unknown = await fast.status("f".repeat(32));
    expect(unknown.statusCode).toBe(404);
  });
});
