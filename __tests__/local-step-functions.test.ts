import * as fs from "node:fs";
import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  RedriveExecutionCommand,
  SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
} from "@aws-sdk/client-sfn";
import type { ExecutionHistoryEvent } from "../local/execution-history";
import { executionStatusChangeEvent } from "../local/local-event-bus";
import { type ExecutionDescription, LocalStepFunctions, type LocalStepFunctionsOptions } from "../local/local-step-functions";
import { MockConfig } from "../local/mock-config";
import { type Sandbox, startSandbox } from "../local/sandbox";
import { type StepFunctionsEndpoint, startStepFunctionsEndpoint } from "../local/step-functions-endpoint";
import { synthesizeToDirectory } from "./support/local-trigger";

const DAY_MS = 86_400_000;

/** The sandbox's Step Functions endpoint through the AWS SDK, as any client would use it. */
describe("the local Step Functions endpoint", () => {
  const { outdir, stackDir } = synthesizeToDirectory();
  let sandbox: Sandbox;
  let sfn: SFNClient;
  let stateMachineArn: string;
  let clockOffsetMs = 0;

  beforeAll(async () => {
    sandbox = await startSandbox({ stackDir, port: null, sfnPort: 0, timeScale: 1, clock: () => new Date(Date.now() + clockOffsetMs) });
    sfn = new SFNClient({
      endpoint: sandbox.sfnUrl,
      region: "us-east-1",
      credentials: { accessKeyId: "local", secretAccessKey: "local" },
      maxAttempts: 1,
    });
    stateMachineArn = sandbox.stack.stateMachines()[0].arn;
  });

  afterAll(async () => {
    sfn?.destroy();
    await sandbox?.stop();
    fs.rmSync(outdir, { recursive: true, force: true });
  });

  const start = (name: string, input: unknown) =>
    sfn.send(new StartExecutionCommand({ stateMachineArn, name, input: JSON.stringify(input) }));
  const refusal = (promise: Promise<unknown>) =>
    promise.then(
      () => "started",
      (error: Error) => error.name,
    );

  it("starts, describes and lists executions", async () => {
    const started = await start("list-me", { country: "Peru" });
    expect(started.executionArn).toBe(`${stateMachineArn.replace(":stateMachine:", ":execution:")}:list-me`);
    const described = await sfn.send(new DescribeExecutionCommand({ executionArn: started.executionArn }));
    expect(described).toMatchObject({
      status: "RUNNING",
      name: "list-me",
      input: '{"country":"Peru"}',
      stateMachineArn,
      startDate: started.startDate,
    });
    const listed = await sfn.send(new ListExecutionsCommand({ stateMachineArn, statusFilter: "RUNNING" }));
    expect(listed.executions?.map((execution) => execution.name)).toContain("list-me");
  });

  it("returns the original for the same name and input while it runs", async () => {
    const first = await start("same-input", { country: "Chile" });
    const second = await start("same-input", { country: "Chile" });
    expect(second).toMatchObject({ executionArn: first.executionArn, startDate: first.startDate });
  });

  it("refuses the same name with other input while it runs", async () => {
    await start("other-input", { country: "Chile" });
    await expect(refusal(start("other-input", { country: "Bolivia" }))).resolves.toBe("ExecutionAlreadyExists");
  });

  it("refuses the name of a closed execution, whatever the input, until the history is gone", async () => {
    const { executionArn } = await start("closed", { country: "Cuba" });
    const stopped = await sfn.send(new StopExecutionCommand({ executionArn, error: "Test", cause: "stopped by the test" }));
    expect(stopped.stopDate).toBeInstanceOf(Date);
    expect(await sfn.send(new DescribeExecutionCommand({ executionArn }))).toMatchObject({
      status: "ABORTED",
      error: "Test",
      cause: "stopped by the test",
    });
    await expect(refusal(start("closed", { country: "Cuba" }))).resolves.toBe("ExecutionAlreadyExists");
    await expect(refusal(start("closed", { country: "Haiti" }))).resolves.toBe("ExecutionAlreadyExists");

    clockOffsetMs = 91 * DAY_MS;
    try {
      await expect(refusal(start("closed", { country: "Cuba" }))).resolves.toBe("started");
    } finally {
      clockOffsetMs = 0;
    }
  });

  it("pages through executions", async () => {
    for (const name of ["page-1", "page-2", "page-3"]) await start(name, { country: name });
    const first = await sfn.send(new ListExecutionsCommand({ stateMachineArn, maxResults: 2 }));
    expect(first.executions).toHaveLength(2);
    const second = await sfn.send(new ListExecutionsCommand({ stateMachineArn, maxResults: 2, nextToken: first.nextToken }));
    expect(second.executions!.length).toBeGreaterThan(0);
    expect(second.executions!.map((execution) => execution.name)).not.toContain(first.executions![0].name);
  });

  it("accepts every name AWS accepts, not only [0-9A-Za-z_-]: order.1, non-ASCII letters, 80 characters", async () => {
    for (const name of ["order.1", "a+b=c", "café-été", "(x)!@'", "x".repeat(80), "é".repeat(80)]) {
      await expect(refusal(start(name, { country: "Peru" }))).resolves.toBe("started");
    }
  });

  it.each([
    ["an empty name", ""],
    ["81 characters", "x".repeat(81)],
    ["whitespace", "not a name"],
    ["a tab", "tab\there"],
    ["a control character", "bell\u0007"],
    ["a C1 control character", "c1\u0085"],
    ...[...'<>{}[]?*"#%\\^|~`$&,;:/'].map((character) => [`"${character}"`, `bad${character}name`]),
  ])("refuses a name with %s as AWS does: InvalidName", async (_case, name) => {
    await expect(refusal(start(name, {}))).resolves.toBe("InvalidName");
  });

  it.each([
    ["an invalid name", () => start("not a name", {}), "InvalidName"],
    [
      "input that is not JSON",
      () => sfn.send(new StartExecutionCommand({ stateMachineArn, name: "bad-input", input: "{" })),
      "InvalidExecutionInput",
    ],
    [
      "an unknown state machine",
      () => sfn.send(new StartExecutionCommand({ stateMachineArn: `${stateMachineArn}-x`, name: "x" })),
      "StateMachineDoesNotExist",
    ],
    [
      "an unknown execution",
      () => sfn.send(new DescribeExecutionCommand({ executionArn: `${stateMachineArn.replace(":stateMachine:", ":execution:")}:nope` })),
      "ExecutionDoesNotExist",
    ],
  ])("answers %s with the error AWS gives", async (_case, call, errorName) => {
    await expect(refusal(call())).resolves.toBe(errorName);
  });
});

const STATES = "arn:aws:states:us-east-1:000000000000";
const LAMBDA = "arn:aws:states:::lambda:invoke";
const PUBLISH = "arn:aws:states:::sns:publish";
const MINUTE_MS = 60_000;
const UNKNOWN_EXECUTION = `${STATES}:execution:two-tasks:nope`;
/** Emulator-driven tests wait on executions run by the library; a shared, busy machine gets time. */
const EMULATOR_TIMEOUT_MS = 60_000;

/**
 * Prepare (a local handler) succeeds, Deliver (mocked: throws at invocation "0", returns at "1") fails the first
 * run, and Summary shows what the end saw, the context object's execution input and redrive count included.
 */
const TWO_TASKS = {
  StartAt: "Prepare",
  States: {
    Prepare: {
      Type: "Task",
      Resource: LAMBDA,
      Parameters: { FunctionName: "prepare", "Payload.$": "$" },
      ResultPath: "$.prepared",
      Next: "Deliver",
    },
    Deliver: {
      Type: "Task",
      Resource: PUBLISH,
      Parameters: { TopicArn: "arn:aws:sns:us-east-1:000000000000:t", "Message.$": "$.order" },
      ResultPath: "$.delivered",
      Next: "Summary",
    },
    Summary: {
      Type: "Pass",
      Parameters: {
        "prepared.$": "$.prepared",
        "delivered.$": "$.delivered",
        "executionInput.$": "$$.Execution.Input",
        "redriveCount.$": "$$.Execution.RedriveCount",
      },
      End: true,
    },
  },
};
/** Enters Fail every time: each redrive re-enters the Fail state and fails again (the guide's redrive behaviour of Fail). */
const ALWAYS_FAILS = { StartAt: "Give up", States: { "Give up": { Type: "Fail", Error: "Team.GaveUp", Cause: "always" } } };
/** Hold's handler never answers its first call: the execution stays RUNNING until stopped or timed out. */
const HOLD = {
  StartAt: "Count",
  States: { Count: { Type: "Task", Resource: PUBLISH, Next: "Hold" }, Hold: { Type: "Task", Resource: LAMBDA, End: true } },
};
const HOLD_WITH_TIMEOUT = { ...HOLD, TimeoutSeconds: 1 };
/** A Parallel state whose Steady branch succeeds and whose Flaky branch (mocked) fails once. */
const PARALLEL = {
  StartAt: "Both",
  States: {
    Both: {
      Type: "Parallel",
      End: true,
      Branches: [
        { StartAt: "Steady", States: { Steady: { Type: "Task", Resource: LAMBDA, End: true } } },
        { StartAt: "Flaky", States: { Flaky: { Type: "Task", Resource: PUBLISH, End: true } } },
      ],
    },
  },
};
/**
 * Send (mocked: always throws) is caught into the Fail state Give up: the execution fails in a Fail state, and so
 * does every redrive of it, which restarts at Give up.
 */
const CATCH_TO_FAIL = {
  StartAt: "Send",
  States: {
    Send: {
      Type: "Task",
      Resource: PUBLISH,
      Parameters: { TopicArn: "arn:aws:sns:us-east-1:000000000000:t", "Message.$": "$.order" },
      Catch: [{ ErrorEquals: ["States.ALL"], ResultPath: "$.failure", Next: "Give up" }],
      End: true,
    },
    "Give up": { Type: "Fail", Error: "Team.DeliveryFailed", Cause: "the notification could not be sent" },
  },
};
/** A Map state over `$.items`, each item passed through: four history events per item. */
const EACH = {
  StartAt: "Each",
  States: {
    Each: {
      Type: "Map",
      ItemsPath: "$.items",
      ItemProcessor: { StartAt: "Echo", States: { Echo: { Type: "Pass", End: true } } },
      End: true,
    },
  },
};

const OUTAGE = { Error: "SNS.InternalErrorException", Cause: "mocked outage" };
const MOCKS = new MockConfig({
  StateMachines: {
    "two-tasks": { TestCases: { FailsOnce: { Deliver: "DeliverFailsOnce" }, Unmocked: {} } },
    parallel: { TestCases: { FailsOnce: { Flaky: "FlakyFailsOnce" } } },
    "catch-to-fail": { TestCases: { Outage: { Send: "SendFails" } } },
  },
  MockedResponses: {
    DeliverFailsOnce: { "0": { Throw: OUTAGE }, "1": { Return: { MessageId: "after-redrive" } } },
    FlakyFailsOnce: { "0": { Throw: OUTAGE }, "1": { Return: { MessageId: "flaky" } } },
    SendFails: { "0-9": { Throw: OUTAGE } },
  },
});

/**
 * A LocalStepFunctions with the state machines above and a clock the test moves; it counts each local handler's
 * calls and keeps every status change it reports. Executions use the test case Unmocked unless they name one
 * (`<state machine ARN>#FailsOnce`); catch-to-fail has only Outage, so uses it. The Lambda handler holds its first
 * call (for HOLD) if asked, else answers.
 */
/**
 * A fresh redrive service behind the project's own HTTP endpoint, and an AWS SDK client on it, for the tests of
 * one describe block: started before them, stopped after.
 */
function overTheWire(): { local: ReturnType<typeof redriveService>; sfn: SFNClient } {
  const wire = {} as { local: ReturnType<typeof redriveService>; sfn: SFNClient };
  let endpoint: StepFunctionsEndpoint | undefined;
  beforeAll(async () => {
    wire.local = redriveService();
    endpoint = await startStepFunctionsEndpoint(wire.local.service);
    const credentials = { accessKeyId: "local", secretAccessKey: "local" };
    wire.sfn = new SFNClient({ endpoint: endpoint.url, region: "us-east-1", credentials, maxAttempts: 1 });
  });
  afterAll(async () => {
    wire.sfn?.destroy();
    await endpoint?.close();
    wire.local?.service.abortAll();
  });
  return wire;
}

function redriveService(options: Partial<LocalStepFunctionsOptions> & { holdFirstLambdaCall?: boolean } = {}) {
  const calls = { lambda: 0, publish: 0 };
  let offsetMs = 0;
  const statusChanges: ExecutionDescription[] = [];
  const service = new LocalStepFunctions({
    timeScale: 0.001,
    mocks: MOCKS,
    defaultTestCase: "Unmocked",
    clock: () => new Date(Date.now() + offsetMs),
    onStatusChange: (execution) => statusChanges.push(execution),
    ...options,
    taskHandlers: {
      [LAMBDA]: () => {
        calls.lambda++;
        return options.holdFirstLambdaCall && calls.lambda === 1 ? new Promise(() => {}) : { ready: true };
      },
      [PUBLISH]: () => {
        calls.publish++;
        return { MessageId: `publish-${calls.publish}` };
      },
    },
  });
  const definitions: Record<string, unknown> = {
    "two-tasks": TWO_TASKS,
    "always-fails": ALWAYS_FAILS,
    hold: HOLD,
    "hold-with-timeout": HOLD_WITH_TIMEOUT,
    parallel: PARALLEL,
    "catch-to-fail": CATCH_TO_FAIL,
    each: EACH,
  };
  const created = new Set<string>();
  const start = (stateMachine: string, name: string, input: unknown = { order: name }) => {
    // Created at first use: validating a definition takes asl-validator a good 100 ms.
    const machineName = stateMachine.split("#")[0];
    if (!created.has(machineName)) {
      service.createStateMachine(`${STATES}:stateMachine:${machineName}`, JSON.stringify(definitions[machineName]));
      created.add(machineName);
    }
    const stateMachineArn = `${STATES}:stateMachine:${stateMachine}`;
    return service.startExecution({ stateMachineArn, name, input: JSON.stringify(input) }).executionArn;
  };
  return {
    service,
    calls,
    statusChanges,
    start,
    /** Starts an execution and waits until it has closed. */
    run: async (stateMachine: string, name: string, input?: unknown) => service.settled(start(stateMachine, name, input)),
    moveClock: (ms: number) => {
      offsetMs += ms;
    },
  };
}

/** The error a call threw, by name and message; "answered" if it did not throw. */
function refusal(call: () => unknown): { name: string; message: string } | "answered" {
  try {
    call();
    return "answered";
  } catch (error) {
    return { name: (error as Error).name, message: (error as Error).message };
  }
}

describe("RedriveExecution in the local Step Functions, with Step Functions' rules", () => {
  jest.setTimeout(EMULATOR_TIMEOUT_MS);

  it("redrives a FAILED execution from the state that failed: earlier states do not run again; same ARN, name, input, start", async () => {
    const { service, calls, run } = redriveService();
    const failed = await run("two-tasks#FailsOnce", "order-1");
    expect(failed).toMatchObject({ status: "FAILED", error: "SNS.InternalErrorException", cause: "mocked outage", redriveCount: 0 });
    expect(calls.lambda).toBe(1);

    const { redriveDate } = service.redriveExecution({ executionArn: failed.executionArn });
    const redriven = await service.settled(failed.executionArn);
    expect(redriven).toMatchObject({ executionArn: failed.executionArn, name: "order-1", startDate: failed.startDate });
    expect(redriven.status).toBe("SUCCEEDED");
    expect(redriven.redriveDate).toEqual(redriveDate);
    // Prepare ran once in all; Deliver twice (its mock returns only at invocation "1"), with the input it had failed with.
    expect(calls.lambda).toBe(1);
    expect(JSON.parse(redriven.output!)).toEqual({
      prepared: { ready: true },
      delivered: { MessageId: "after-redrive" },
      executionInput: { order: "order-1" },
      redriveCount: 1,
    });
    expect(redriven.error).toBeUndefined();
  });

  it("redrives a TIMED_OUT execution from the state that was running when it timed out", async () => {
    const { service, calls, run } = redriveService({ holdFirstLambdaCall: true });
    const timedOut = await run("hold-with-timeout", "slow-1");
    expect(timedOut).toMatchObject({ status: "TIMED_OUT", error: "States.Timeout" });
    expect(calls).toEqual({ publish: 1, lambda: 1 });

    service.redriveExecution({ executionArn: timedOut.executionArn });
    expect(await service.settled(timedOut.executionArn)).toMatchObject({ status: "SUCCEEDED", redriveCount: 1, output: '{"ready":true}' });
    expect(calls).toEqual({ publish: 1, lambda: 2 });
  });

  it("redrives an ABORTED execution right after StopExecution, from the state it was stopped in", async () => {
    const { service, calls, start } = redriveService({ holdFirstLambdaCall: true });
    const executionArn = start("hold", "stopped-1");
    await until(() => calls.lambda === 1);
    service.stopExecution({ executionArn, error: "Operator", cause: "stopped by the test" });
    expect(service.describeExecution({ executionArn })).toMatchObject({ status: "ABORTED", redriveStatus: "REDRIVABLE" });

    service.redriveExecution({ executionArn });
    expect(service.describeExecution({ executionArn })).toMatchObject({ status: "RUNNING", redriveCount: 1 });
    expect(await service.settled(executionArn)).toMatchObject({ status: "SUCCEEDED", redriveCount: 1 });
    expect(calls).toEqual({ publish: 1, lambda: 2 });
  });

  it("restarts a failed Parallel state as a whole: its branch that had succeeded runs again (AWS reruns the failed one only)", async () => {
    const { service, calls, run } = redriveService();
    const failed = await run("parallel#FailsOnce", "parallel-1");
    expect(failed.status).toBe("FAILED");
    service.redriveExecution({ executionArn: failed.executionArn });
    const redriven = await service.settled(failed.executionArn);
    expect(redriven).toMatchObject({ status: "SUCCEEDED", output: '[{"ready":true},{"MessageId":"flaky"}]' });
    expect(calls.lambda).toBe(2);
  });

  it("refuses a RUNNING or SUCCEEDED execution with ExecutionNotRedrivable, and says why in DescribeExecution", async () => {
    const { service, calls, start, run } = redriveService({ holdFirstLambdaCall: true });
    const running = start("hold", "running-1");
    await until(() => calls.lambda === 1);
    expect(refusal(() => service.redriveExecution({ executionArn: running }))).toEqual({
      name: "ExecutionNotRedrivable",
      message: `Execution is RUNNING and cannot be redriven: '${running}'`,
    });
    expect(service.describeExecution({ executionArn: running })).toMatchObject({
      redriveCount: 0,
      redriveStatus: "NOT_REDRIVABLE",
      redriveStatusReason: "Execution is RUNNING and cannot be redriven",
    });

    const succeeded = await run("two-tasks", "succeeded-1");
    expect(succeeded.status).toBe("SUCCEEDED");
    expect(refusal(() => service.redriveExecution({ executionArn: succeeded.executionArn }))).toMatchObject({
      name: "ExecutionNotRedrivable",
      message: expect.stringMatching(/^Execution is SUCCEEDED and cannot be redriven/),
    });
    expect(service.describeExecution({ executionArn: succeeded.executionArn })).toMatchObject({
      redriveStatus: "NOT_REDRIVABLE",
      redriveStatusReason: "Execution is SUCCEEDED and cannot be redriven",
    });
  });

  it("allows a redrive for 14 days after the stop, then refuses it: Execution redrivable period exceeded", async () => {
    const { service, run, moveClock } = redriveService();
    const early = await run("always-fails", "period-1");
    const late = await run("always-fails", "period-2");
    moveClock(14 * DAY_MS - MINUTE_MS);
    expect(service.describeExecution({ executionArn: early.executionArn })).toMatchObject({ redriveStatus: "REDRIVABLE" });
    expect(service.describeExecution({ executionArn: early.executionArn }).redriveStatusReason).toBeUndefined();
    expect(refusal(() => service.redriveExecution({ executionArn: early.executionArn }))).toBe("answered");

    moveClock(2 * MINUTE_MS);
    expect(service.describeExecution({ executionArn: late.executionArn })).toMatchObject({
      status: "FAILED",
      redriveStatus: "NOT_REDRIVABLE",
      redriveStatusReason: "Execution redrivable period exceeded",
    });
    expect(refusal(() => service.redriveExecution({ executionArn: late.executionArn }))).toMatchObject({
      name: "ExecutionNotRedrivable",
      message: expect.stringMatching(/^Execution redrivable period exceeded/),
    });
  });

  it("refuses an execution started before RedriveExecution existed (15 November 2023) or open for more than a year", async () => {
    const before = redriveService({ clock: () => new Date("2023-11-14T12:00:00Z") });
    const old = await before.run("always-fails", "old-1");
    expect(refusal(() => before.service.redriveExecution({ executionArn: old.executionArn }))).toMatchObject({
      name: "ExecutionNotRedrivable",
      message: expect.stringMatching(/^Execution was started before the launch of RedriveExecution/),
    });

    const { service, run, moveClock } = redriveService();
    const failed = await run("always-fails", "year-1");
    // Redriven every 14 days (less a minute) for 364 days: each time within the redrivable period, until the year is over.
    for (let redrive = 0; redrive < 26; redrive++) {
      moveClock(14 * DAY_MS - MINUTE_MS);
      service.redriveExecution({ executionArn: failed.executionArn });
      await service.settled(failed.executionArn);
    }
    moveClock(2 * DAY_MS);
    expect(service.describeExecution({ executionArn: failed.executionArn })).toMatchObject({
      redriveCount: 26,
      redriveStatus: "NOT_REDRIVABLE",
      redriveStatusReason: "Execution has exceeded the max execution time",
    });
  });

  it.each([
    ["an unknown execution", { executionArn: UNKNOWN_EXECUTION }, "ExecutionDoesNotExist"],
    ["a state machine ARN", { executionArn: `${STATES}:stateMachine:two-tasks` }, "InvalidArn"],
    ["something that is no ARN", { executionArn: "order-1" }, "InvalidArn"],
    ["no executionArn", {}, "ValidationException"],
    ["an empty clientToken", { executionArn: UNKNOWN_EXECUTION, clientToken: "" }, "ValidationException"],
    ["a clientToken with a space", { executionArn: UNKNOWN_EXECUTION, clientToken: "a b" }, "ValidationException"],
    ["a clientToken of 65 characters", { executionArn: UNKNOWN_EXECUTION, clientToken: "x".repeat(65) }, "ValidationException"],
  ])("answers %s with the error AWS gives", (_case, request, errorName) => {
    const { service } = redriveService();
    expect(refusal(() => service.redriveExecution(request))).toMatchObject({ name: errorName });
  });

  it("answers ExecutionLimitExceeded when the open executions are at the limit", async () => {
    const { service, run, start } = redriveService({ holdFirstLambdaCall: true, openExecutionsLimit: 1 });
    const failed = await run("always-fails", "limit-1");
    start("hold", "limit-2");
    const refused = refusal(() => service.redriveExecution({ executionArn: failed.executionArn }));
    expect(refused).toMatchObject({ name: "ExecutionLimitExceeded" });
    expect(refusal(() => start("always-fails", "limit-3"))).toMatchObject({ name: "ExecutionLimitExceeded" });
  });

  it("makes a clientToken idempotent: the same token answers the same redrive, for the last 10 tokens and 15 minutes", async () => {
    const { service, run, moveClock } = redriveService();
    const { executionArn } = await run("always-fails", "tokens-1");
    const first = service.redriveExecution({ executionArn, clientToken: "token-0" });
    expect(service.redriveExecution({ executionArn, clientToken: "token-0" })).toEqual(first);
    await service.settled(executionArn);
    expect(service.redriveExecution({ executionArn, clientToken: "token-0" })).toEqual(first);
    expect(service.describeExecution({ executionArn })).toMatchObject({ status: "FAILED", redriveCount: 1 });

    // Ten more successful redrives push token-0 out of the last 10: it is a new request again.
    const dates: Date[] = [first.redriveDate];
    for (let token = 1; token <= 10; token++) {
      moveClock(1000);
      dates.push(service.redriveExecution({ executionArn, clientToken: `token-${token}` }).redriveDate);
      await service.settled(executionArn);
    }
    expect(service.describeExecution({ executionArn }).redriveCount).toBe(11);
    expect(service.redriveExecution({ executionArn, clientToken: "token-10" }).redriveDate).toEqual(dates[10]);
    expect(service.redriveExecution({ executionArn, clientToken: "token-1" }).redriveDate).toEqual(dates[1]);
    expect(service.describeExecution({ executionArn }).redriveCount).toBe(11);
    const again = service.redriveExecution({ executionArn, clientToken: "token-0" });
    expect(again.redriveDate).not.toEqual(first.redriveDate);
    expect(service.describeExecution({ executionArn }).redriveCount).toBe(12);
    await service.settled(executionArn);

    // 15 minutes after its first use a token no longer answers: the execution is FAILED again, so it redrives.
    moveClock(15 * MINUTE_MS);
    expect(service.redriveExecution({ executionArn, clientToken: "token-10" }).redriveDate).not.toEqual(dates[10]);
    expect(service.describeExecution({ executionArn }).redriveCount).toBe(13);
  });

  it("reports redriveCount and redriveDate in DescribeExecution and ListExecutions; METADATA_ONLY leaves out input, output", async () => {
    const { service, run } = redriveService();
    const failed = await run("two-tasks#FailsOnce", "described-1");
    const before = service.describeExecution({ executionArn: failed.executionArn });
    expect(before).toMatchObject({ redriveCount: 0, redriveStatus: "REDRIVABLE" });
    expect(before.redriveDate).toBeUndefined();

    const { redriveDate } = service.redriveExecution({ executionArn: failed.executionArn });
    await service.settled(failed.executionArn);
    const described = service.describeExecution({ executionArn: failed.executionArn, includedData: "ALL_DATA" });
    expect(described).toMatchObject({ status: "SUCCEEDED", redriveCount: 1, redriveDate, input: '{"order":"described-1"}' });
    expect(described.output).toEqual(expect.any(String));
    const listed = service.listExecutions({ stateMachineArn: `${STATES}:stateMachine:two-tasks` }).executions;
    expect(listed.find((execution) => execution.name === "described-1")).toMatchObject({ redriveCount: 1, redriveDate });

    const metadata = service.describeExecution({ executionArn: failed.executionArn, includedData: "METADATA_ONLY" });
    expect(metadata).not.toHaveProperty("input");
    expect(metadata).not.toHaveProperty("output");
    expect(metadata).toMatchObject({ status: "SUCCEEDED", name: "described-1", redriveCount: 1, redriveDate });
    expect(metadata.redriveStatus).toBe("NOT_REDRIVABLE");
    expect(refusal(() => service.describeExecution({ executionArn: failed.executionArn, includedData: "SOME_DATA" }))).toMatchObject({
      name: "ValidationException",
    });
  });

  it("reports each status change with its redriveCount: RUNNING and FAILED, then RUNNING again and the redriven run's end", async () => {
    const { service, run, statusChanges } = redriveService();
    const failed = await run("two-tasks#FailsOnce", "events-1");
    const { redriveDate } = service.redriveExecution({ executionArn: failed.executionArn });
    await service.settled(failed.executionArn);
    const changes = statusChanges.map(({ status, redriveCount, redriveDate: date, stopDate }) => {
      return { status, redriveCount, date, stopped: stopDate !== undefined };
    });
    expect(changes).toEqual([
      { status: "RUNNING", redriveCount: 0, date: undefined, stopped: false },
      { status: "FAILED", redriveCount: 0, date: undefined, stopped: true },
      { status: "RUNNING", redriveCount: 1, date: redriveDate, stopped: false },
      { status: "SUCCEEDED", redriveCount: 1, date: redriveDate, stopped: true },
    ]);

    const event = executionStatusChangeEvent(statusChanges[2], "us-east-1", "000000000000");
    expect(event.detail).toMatchObject({
      status: "RUNNING",
      startDate: failed.startDate.getTime(),
      stopDate: null,
      redriveCount: 1,
      redriveDate: redriveDate.getTime(),
      redriveStatus: "NOT_REDRIVABLE",
      redriveStatusReason: "Execution is RUNNING and cannot be redriven",
    });
    expect(executionStatusChangeEvent(statusChanges[1], "us-east-1", "000000000000").detail).toMatchObject({
      status: "FAILED",
      redriveCount: 0,
      redriveDate: null,
      redriveStatus: "REDRIVABLE",
      redriveStatusReason: null,
    });
  });

  it("keeps a redriven execution's history for the retention after its latest stop", async () => {
    const { service, run, moveClock } = redriveService({ historyRetentionDays: 90 });
    const { executionArn } = await run("always-fails", "retained-1");
    moveClock(10 * DAY_MS);
    service.redriveExecution({ executionArn });
    await service.settled(executionArn);
    moveClock(85 * DAY_MS);
    expect(service.describeExecution({ executionArn })).toMatchObject({ status: "FAILED", redriveCount: 1 });
    moveClock(6 * DAY_MS);
    expect(refusal(() => service.describeExecution({ executionArn }))).toMatchObject({ name: "ExecutionDoesNotExist" });
  });

  describe("through the HTTP endpoint, with the AWS SDK", () => {
    const wire = overTheWire();

    it("serves RedriveExecution, and DescribeExecution and ListExecutions with the redrive fields, on the wire AWS uses", async () => {
      const failed = await wire.local.run("two-tasks#FailsOnce", "wire-1");
      const redriven = await wire.sfn.send(new RedriveExecutionCommand({ executionArn: failed.executionArn, clientToken: "wire-token" }));
      expect(redriven.redriveDate).toBeInstanceOf(Date);
      expect(
        await wire.sfn.send(new RedriveExecutionCommand({ executionArn: failed.executionArn, clientToken: "wire-token" })),
      ).toMatchObject({
        redriveDate: redriven.redriveDate,
      });
      await wire.local.service.settled(failed.executionArn);

      const described = await wire.sfn.send(new DescribeExecutionCommand({ executionArn: failed.executionArn }));
      expect(described).toMatchObject({
        status: "SUCCEEDED",
        redriveCount: 1,
        redriveDate: redriven.redriveDate,
        redriveStatus: "NOT_REDRIVABLE",
        redriveStatusReason: "Execution is SUCCEEDED and cannot be redriven",
        input: '{"order":"wire-1"}',
      });
      const metadata = await wire.sfn.send(
        new DescribeExecutionCommand({ executionArn: failed.executionArn, includedData: "METADATA_ONLY" }),
      );
      expect(metadata).toMatchObject({ status: "SUCCEEDED", redriveCount: 1 });
      expect(metadata.input).toBeUndefined();
      expect(metadata.output).toBeUndefined();
      const listed = await wire.sfn.send(new ListExecutionsCommand({ stateMachineArn: `${STATES}:stateMachine:two-tasks` }));
      const item = listed.executions?.find((execution) => execution.name === "wire-1");
      expect(item).toMatchObject({ redriveCount: 1, redriveDate: redriven.redriveDate });

      const refused = await wire.sfn
        .send(new RedriveExecutionCommand({ executionArn: failed.executionArn }))
        .catch((error: unknown) => error);
      expect(refused).toMatchObject({
        name: "ExecutionNotRedrivable",
        message: expect.stringMatching(/^Execution is SUCCEEDED and cannot be redriven/),
        $metadata: { httpStatusCode: 400 },
      });
    });

    it("redrives once among 50 concurrent RedriveExecution calls with distinct client tokens; 49 get ExecutionNotRedrivable", async () => {
      // The redriven run succeeds: the calls after the one that redrove find it RUNNING, or SUCCEEDED.
      const failed = await wire.local.run("two-tasks#FailsOnce", "concurrent-1");
      const outcomes = await Promise.all(
        Array.from({ length: 50 }, (_, index) =>
          wire.sfn.send(new RedriveExecutionCommand({ executionArn: failed.executionArn, clientToken: `concurrent-${index}` })).then(
            () => "redriven",
            (error: Error) => error.name,
          ),
        ),
      );
      expect(outcomes.filter((outcome) => outcome === "redriven")).toHaveLength(1);
      expect(outcomes.filter((outcome) => outcome === "ExecutionNotRedrivable")).toHaveLength(49);
      expect(await wire.local.service.settled(failed.executionArn)).toMatchObject({ status: "SUCCEEDED", redriveCount: 1 });
    });
  });
});

describe("GetExecutionHistory in the local Step Functions, with the events AWS records", () => {
  jest.setTimeout(EMULATOR_TIMEOUT_MS);

  /** The whole history, oldest first. */
  const historyOf = (service: LocalStepFunctions, executionArn: string) => service.getExecutionHistory({ executionArn }).events;
  const typesOf = (events: readonly ExecutionHistoryEvent[]) => events.map((event) => event.type);
  /** The start-execution function's question: did the execution fail in a Fail state? */
  const lastTwo = (service: LocalStepFunctions, executionArn: string) =>
    service.getExecutionHistory({ executionArn, reverseOrder: true, maxResults: 2, includeExecutionData: false });

  it("ends FailStateEntered, ExecutionFailed for a Fail state reached through a Catch; a redrive fails there again", async () => {
    const { service, run } = redriveService();
    const failed = await run("catch-to-fail", "caught-1");
    expect(failed).toMatchObject({ status: "FAILED", error: "Team.DeliveryFailed", cause: "the notification could not be sent" });
    const events = historyOf(service, failed.executionArn);
    expect(typesOf(events)).toEqual([
      "ExecutionStarted",
      "TaskStateEntered",
      "TaskFailed",
      "TaskStateExited",
      "FailStateEntered",
      "ExecutionFailed",
    ]);
    expect(events.map(({ id, previousEventId }) => [id, previousEventId])).toEqual(events.map((_, index) => [index + 1, index]));
    expect(events[0].executionStartedEventDetails).toEqual({ input: '{"order":"caught-1"}', inputDetails: { truncated: false } });
    expect(events[1].stateEnteredEventDetails).toEqual({ name: "Send", input: '{"order":"caught-1"}', inputDetails: { truncated: false } });
    const outage = { error: OUTAGE.Error, cause: OUTAGE.Cause };
    expect(events[2].taskFailedEventDetails).toEqual({ resourceType: "sns", resource: "publish", ...outage });
    const caughtOutput = { order: "caught-1", failure: { Error: OUTAGE.Error, Cause: OUTAGE.Cause } };
    expect(JSON.parse(events[3].stateExitedEventDetails!.output!)).toEqual(caughtOutput);
    expect(events[4].stateEnteredEventDetails).toMatchObject({ name: "Give up" });
    expect(events[5].executionFailedEventDetails).toEqual({ error: failed.error, cause: failed.cause });
    // Stamped in order, the last with the stop date DescribeExecution gives.
    const times = events.map((event) => event.timestamp.getTime());
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(events[0].timestamp).toEqual(failed.startDate);
    expect(events[5].timestamp).toEqual(failed.stopDate);

    const newest = lastTwo(service, failed.executionArn);
    expect(newest.events.map(({ id, type }) => [id, type])).toEqual([
      [6, "ExecutionFailed"],
      [5, "FailStateEntered"],
    ]);
    expect(newest.events[1].stateEnteredEventDetails).toEqual({ name: "Give up" });
    expect(newest.nextToken).toEqual(expect.any(String));

    const { redriveDate } = service.redriveExecution({ executionArn: failed.executionArn });
    const again = await service.settled(failed.executionArn);
    expect(again).toMatchObject({ status: "FAILED", redriveCount: 1 });
    const redriven = historyOf(service, failed.executionArn);
    expect(redriven.slice(0, 6)).toEqual(events);
    expect(redriven.slice(6).map(({ id, type }) => [id, type])).toEqual([
      [7, "ExecutionRedriven"],
      [8, "FailStateEntered"],
      [9, "ExecutionFailed"],
    ]);
    expect(redriven[6]).toMatchObject({ timestamp: redriveDate, executionRedrivenEventDetails: { redriveCount: 1 } });
    expect(redriven[7].stateEnteredEventDetails).toEqual(events[4].stateEnteredEventDetails);
    expect(redriven[8]).toMatchObject({ timestamp: again.stopDate, executionFailedEventDetails: { error: "Team.DeliveryFailed" } });
    expect(typesOf(lastTwo(service, failed.executionArn).events)).toEqual(["ExecutionFailed", "FailStateEntered"]);
  });

  it("ends TaskStateEntered, TaskFailed, ExecutionFailed for a Task without Catch; the redriven run re-enters that Task", async () => {
    const { service, run } = redriveService();
    const failed = await run("two-tasks#FailsOnce", "uncaught-1");
    const events = historyOf(service, failed.executionArn);
    expect(typesOf(events)).toEqual([
      "ExecutionStarted",
      "TaskStateEntered",
      "TaskSucceeded",
      "TaskStateExited",
      "TaskStateEntered",
      "TaskFailed",
      "ExecutionFailed",
    ]);
    // TaskSucceeded has the task's own result; TaskStateExited the state's output, after ResultPath.
    expect(events[2].taskSucceededEventDetails).toEqual({
      resourceType: "lambda",
      resource: "invoke",
      output: '{"ready":true}',
      outputDetails: { truncated: false },
    });
    expect(JSON.parse(events[3].stateExitedEventDetails!.output!)).toEqual({ order: "uncaught-1", prepared: { ready: true } });
    expect(events[4].stateEnteredEventDetails).toMatchObject({ name: "Deliver" });
    expect(events[6].executionFailedEventDetails).toEqual({ error: OUTAGE.Error, cause: OUTAGE.Cause });
    expect(typesOf(lastTwo(service, failed.executionArn).events)).toEqual(["ExecutionFailed", "TaskFailed"]);

    service.redriveExecution({ executionArn: failed.executionArn });
    const succeeded = await service.settled(failed.executionArn);
    const redriven = historyOf(service, failed.executionArn).slice(events.length);
    expect(typesOf(redriven)).toEqual([
      "ExecutionRedriven",
      "TaskStateEntered",
      "TaskSucceeded",
      "TaskStateExited",
      "PassStateEntered",
      "PassStateExited",
      "ExecutionSucceeded",
    ]);
    expect(redriven[1].stateEnteredEventDetails).toEqual(events[4].stateEnteredEventDetails);
    expect(redriven[2].taskSucceededEventDetails).toMatchObject({ resourceType: "sns", output: '{"MessageId":"after-redrive"}' });
    expect(redriven[6].executionSucceededEventDetails).toEqual({ output: succeeded.output, outputDetails: { truncated: false } });
  });

  it("records a succeeded execution from ExecutionStarted to ExecutionSucceeded", async () => {
    const { service, run } = redriveService();
    const succeeded = await run("two-tasks", "succeeded-1");
    const events = historyOf(service, succeeded.executionArn);
    expect(typesOf(events)).toEqual([
      "ExecutionStarted",
      "TaskStateEntered",
      "TaskSucceeded",
      "TaskStateExited",
      "TaskStateEntered",
      "TaskSucceeded",
      "TaskStateExited",
      "PassStateEntered",
      "PassStateExited",
      "ExecutionSucceeded",
    ]);
    const published = { resourceType: "sns", resource: "publish", output: '{"MessageId":"publish-1"}' };
    expect(events[5].taskSucceededEventDetails).toMatchObject(published);
    expect(events[9]).toMatchObject({ timestamp: succeeded.stopDate, executionSucceededEventDetails: { output: succeeded.output } });
  });

  it("ends ExecutionAborted with StopExecution's error and cause, also for a redrive stopped before it ran", async () => {
    const { service, calls, start } = redriveService({ holdFirstLambdaCall: true });
    const executionArn = start("hold", "aborted-1");
    await until(() => calls.lambda === 1);
    const { stopDate } = service.stopExecution({ executionArn, error: "Operator", cause: "stopped by the test" });
    // A redrive stopped at once never runs: its history is the redrive and the stop.
    service.redriveExecution({ executionArn });
    service.stopExecution({ executionArn, error: "Operator", cause: "stopped again" });
    await service.settled(executionArn);
    const events = historyOf(service, executionArn);
    expect(typesOf(events)).toEqual([
      "ExecutionStarted",
      "TaskStateEntered",
      "TaskSucceeded",
      "TaskStateExited",
      "TaskStateEntered",
      "ExecutionAborted",
      "ExecutionRedriven",
      "ExecutionAborted",
    ]);
    expect(events[4].stateEnteredEventDetails).toMatchObject({ name: "Hold" });
    const stopped = { error: "Operator", cause: "stopped by the test" };
    expect(events[5]).toMatchObject({ timestamp: stopDate, executionAbortedEventDetails: stopped });
    expect(events[7].executionAbortedEventDetails).toEqual({ error: "Operator", cause: "stopped again" });
    expect(service.describeExecution({ executionArn })).toMatchObject({ status: "ABORTED", redriveCount: 1 });
  });

  it("records a Parallel state's and a Map state's own events around their branches' and iterations'", async () => {
    const { service, run } = redriveService();
    const parallel = historyOf(service, (await run("parallel#FailsOnce", "parallel-1")).executionArn);
    expect(typesOf(parallel).slice(0, 3)).toEqual(["ExecutionStarted", "ParallelStateEntered", "ParallelStateStarted"]);
    expect(typesOf(parallel).at(-1)).toBe("ExecutionFailed");
    // The branches run at once, and the library forwards their events as they come: no order is promised among them.
    expect(typesOf(parallel).slice(3, -1).sort()).toEqual(
      ["TaskStateEntered", "TaskSucceeded", "TaskStateExited", "TaskStateEntered", "TaskFailed", "ParallelStateFailed"].sort(),
    );
    expect(parallel.find(({ type }) => type === "TaskFailed")?.taskFailedEventDetails).toMatchObject({ error: OUTAGE.Error });

    const each = historyOf(service, (await run("each", "each-1", { items: ["a", "b"] })).executionArn);
    expect(typesOf(each).slice(0, 3)).toEqual(["ExecutionStarted", "MapStateEntered", "MapStateStarted"]);
    expect(typesOf(each).slice(-3)).toEqual(["MapStateSucceeded", "MapStateExited", "ExecutionSucceeded"]);
    const iterations = each.slice(3, -3);
    expect(iterations.filter(({ type }) => type === "MapIterationStarted").map((event) => event.mapIterationStartedEventDetails)).toEqual([
      { name: "Each", index: 0 },
      { name: "Each", index: 1 },
    ]);
    expect(typesOf(iterations).filter((type) => type === "PassStateEntered" || type === "PassStateExited")).toHaveLength(4);
    expect(typesOf(iterations).filter((type) => type === "MapIterationSucceeded")).toHaveLength(2);
  });

  it("pages: maxResults per page (100 for 0 or none), nextToken to the next, reverseOrder newest first", async () => {
    const { service, run } = redriveService();
    // 30 items make 120 iteration events: more than one default page.
    const { executionArn } = await run("each", "paged-1", { items: Array.from({ length: 30 }, (_, index) => index) });
    const all = service.getExecutionHistory({ executionArn, maxResults: 1000 });
    expect(all.nextToken).toBeUndefined();
    expect(all.events).toHaveLength(126);
    for (const maxResults of [undefined, 0]) {
      const first = service.getExecutionHistory({ executionArn, maxResults });
      expect(first.events).toEqual(all.events.slice(0, 100));
      const rest = service.getExecutionHistory({ executionArn, maxResults, nextToken: first.nextToken });
      expect(rest).toEqual({ events: all.events.slice(100), nextToken: undefined });
    }

    const pages = (reverseOrder: boolean) => {
      const events: ExecutionHistoryEvent[] = [];
      let nextToken: string | undefined;
      do {
        const page = service.getExecutionHistory({ executionArn, reverseOrder, maxResults: 7, nextToken });
        expect(page.events.length).toBeLessThanOrEqual(7);
        events.push(...page.events);
        nextToken = page.nextToken;
      } while (nextToken);
      return events;
    };
    expect(pages(false)).toEqual(all.events);
    expect(pages(true)).toEqual([...all.events].reverse());
  });

  it("leaves out inputs and outputs with includeExecutionData false, and keeps names, errors and causes", async () => {
    const { service, run } = redriveService();
    const failed = await run("catch-to-fail", "no-data-1");
    const events = service.getExecutionHistory({ executionArn: failed.executionArn, includeExecutionData: false }).events;
    expect(events.map(({ id, previousEventId, timestamp, type, ...details }) => details)).toEqual([
      { executionStartedEventDetails: {} },
      { stateEnteredEventDetails: { name: "Send" } },
      { taskFailedEventDetails: { resourceType: "sns", resource: "publish", error: OUTAGE.Error, cause: OUTAGE.Cause } },
      { stateExitedEventDetails: { name: "Send" } },
      { stateEnteredEventDetails: { name: "Give up" } },
      { executionFailedEventDetails: { error: "Team.DeliveryFailed", cause: "the notification could not be sent" } },
    ]);
    // The answer is a copy: changing it leaves the history as it was.
    events[1].stateEnteredEventDetails!.name = "changed";
    const entered = historyOf(service, failed.executionArn)[1].stateEnteredEventDetails;
    expect(entered).toMatchObject({ name: "Send", input: '{"order":"no-data-1"}' });
  });

  it("answers errors as AWS does: ExecutionDoesNotExist, InvalidArn, ValidationException, InvalidToken", async () => {
    const { service, run } = redriveService();
    const { executionArn } = await run("always-fails", "errors-1");
    const { executionArn: other } = await run("always-fails", "errors-2");
    const { nextToken } = service.getExecutionHistory({ executionArn, maxResults: 1 });
    const cases: [Parameters<LocalStepFunctions["getExecutionHistory"]>[0], string][] = [
      [{ executionArn: UNKNOWN_EXECUTION }, "ExecutionDoesNotExist"],
      [{ executionArn: `${STATES}:stateMachine:always-fails` }, "InvalidArn"],
      [{ executionArn: "errors-1" }, "InvalidArn"],
      [{}, "ValidationException"],
      [{ executionArn, maxResults: 1001 }, "ValidationException"],
      [{ executionArn, maxResults: -1 }, "ValidationException"],
      [{ executionArn, maxResults: 1.5 }, "ValidationException"],
      [{ executionArn, nextToken: "" }, "ValidationException"],
      [{ executionArn, nextToken: "not-a-token" }, "InvalidToken"],
      [{ executionArn, nextToken, reverseOrder: true }, "InvalidToken"],
      [{ executionArn: other, nextToken }, "InvalidToken"],
      [{ executionArn, nextToken, maxResults: 1000 }, "answered"],
    ];
    expect(cases.map(([request]) => refusal(() => service.getExecutionHistory(request)))).toEqual(
      cases.map(([, outcome]) => (outcome === "answered" ? outcome : expect.objectContaining({ name: outcome }))),
    );
  });

  it("forgets the history with the execution, at the end of the retention", async () => {
    const { service, run, moveClock } = redriveService({ historyRetentionDays: 90 });
    const { executionArn } = await run("always-fails", "retention-1");
    expect(typesOf(historyOf(service, executionArn))).toEqual(["ExecutionStarted", "FailStateEntered", "ExecutionFailed"]);
    moveClock(90 * DAY_MS - MINUTE_MS);
    expect(historyOf(service, executionArn)).toHaveLength(3);
    moveClock(2 * MINUTE_MS);
    expect(refusal(() => historyOf(service, executionArn))).toMatchObject({ name: "ExecutionDoesNotExist" });
  });

  describe("through the HTTP endpoint, with the AWS SDK", () => {
    const wire = overTheWire();

    it("serves GetExecutionHistory on the wire AWS uses: the newest two events, then the next page by nextToken", async () => {
      const failed = await wire.local.run("catch-to-fail", "wire-1");
      const newestTwo = { executionArn: failed.executionArn, reverseOrder: true, maxResults: 2 };
      const newest = await wire.sfn.send(new GetExecutionHistoryCommand({ ...newestTwo, includeExecutionData: false }));
      expect(newest.events).toEqual([
        {
          id: 6,
          previousEventId: 5,
          timestamp: failed.stopDate,
          type: "ExecutionFailed",
          executionFailedEventDetails: { error: "Team.DeliveryFailed", cause: "the notification could not be sent" },
        },
        { id: 5, previousEventId: 4, timestamp: expect.any(Date), type: "FailStateEntered", stateEnteredEventDetails: { name: "Give up" } },
      ]);
      const older = await wire.sfn.send(new GetExecutionHistoryCommand({ ...newestTwo, nextToken: newest.nextToken }));
      expect(older.events?.map(({ id, type }) => [id, type])).toEqual([
        [4, "TaskStateExited"],
        [3, "TaskFailed"],
      ]);
      expect(older.events?.[0].stateExitedEventDetails).toMatchObject({ name: "Send", output: expect.stringContaining('"failure"') });

      const all = await wire.sfn.send(new GetExecutionHistoryCommand({ executionArn: failed.executionArn }));
      expect(all.nextToken).toBeUndefined();
      expect(all.events).toEqual(wire.local.service.getExecutionHistory({ executionArn: failed.executionArn }).events);

      const refused = await wire.sfn
        .send(new GetExecutionHistoryCommand({ executionArn: failed.executionArn, nextToken: newest.nextToken }))
        .catch((error: unknown) => error);
      expect(refused).toMatchObject({ name: "InvalidToken", $metadata: { httpStatusCode: 400 } });
    });
  });
});

/** Waits, a tick at a time, until the condition holds. */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 1));
}
