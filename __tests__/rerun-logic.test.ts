import { type DescribeExecutionCommand, SFNClient } from "@aws-sdk/client-sfn";
import { attemptExecutionName, MAX_ATTEMPTS } from "../functions/shared/execution-attempts";
import { latestAttempt, rerunLatest, startRequest } from "../functions/start-execution/rerun-after-failure";
import { type AlreadyExists, alreadyExists, describeExecution } from "../functions/start-execution/start-execution-once";
import { LocalStepFunctions } from "../local/local-step-functions";
import { ServiceError } from "../local/service-error";
import { type StepFunctionsEndpoint, startStepFunctionsEndpoint } from "../local/step-functions-endpoint";

const STATE_MACHINE_ARN = "arn:aws:states:us-east-1:000000000000:stateMachine:sfn-dedup-test-flaky";
const credentials = { accessKeyId: "local", secretAccessKey: "local" };
/** A Task with no local service: it fails every time it runs (States.Runtime), in the Task itself, not a Fail state. */
const ALWAYS_FAILS = { StartAt: "Work", States: { Work: { Type: "Task", Resource: "arn:aws:states:::lambda:invoke", End: true } } };

/** The re-run decisions of functions/start-execution/rerun-after-failure.ts, against the local Step Functions endpoint. */
describe("re-running a failed request", () => {
  let service: LocalStepFunctions;
  let endpoint: StepFunctionsEndpoint;
  let sfn: SFNClient;
  let failing: string | undefined;
  let counter = 0;
  const request = (overrides: Record<string, unknown> = {}) => ({
    stateMachineArn: STATE_MACHINE_ARN,
    executionName: `request-${++counter}`,
    input: "{}",
    requestedAt: new Date(),
    ...overrides,
  });
  const policy = { rerunAfterFailure: true, refuseOtherInput: false };
  const failedRequest = async () => {
    const first = request();
    const { executionArn } = service.startExecution({ stateMachineArn: STATE_MACHINE_ARN, name: first.executionName, input: "{}" });
    await service.settled(executionArn);
    return { first, executionArn };
  };
  const described = async (executionArn: string): Promise<AlreadyExists> =>
    alreadyExists(executionArn, await describeExecution(sfn, executionArn));

  beforeAll(async () => {
    service = new LocalStepFunctions({ taskHandlers: {} });
    service.createStateMachine(STATE_MACHINE_ARN, JSON.stringify(ALWAYS_FAILS));
    endpoint = await startStepFunctionsEndpoint(service, {
      intercept: (operation) => {
        if (operation === failing) throw new ServiceError("ThrottlingException", "Rate exceeded");
      },
    });
    sfn = new SFNClient({ endpoint: endpoint.url, region: "us-east-1", credentials, maxAttempts: 1 });
  });

  afterAll(async () => {
    sfn?.destroy();
    service?.abortAll();
    await endpoint?.close();
  });

  beforeEach(() => {
    failing = undefined;
  });

  it("redrives a failure once, however many requests saw it: a late one finds the redrive made, even after it failed again", async () => {
    const { first, executionArn } = await failedRequest();
    const stale = await described(executionArn);
    expect(await rerunLatest(sfn, first, policy, stale)).toMatchObject({ outcome: "rerun-started", redriveCount: 1 });
    await service.settled(executionArn); // the redriven run fails again at once
    // A request that read the first failure before that redrive answers it with the same client token.
    expect(await rerunLatest(sfn, first, policy, stale)).toMatchObject({ outcome: "rerun-started", executionArn, redriveCount: 1 });
    expect(service.describeExecution({ executionArn })).toMatchObject({ status: "FAILED", redriveCount: 1 });
    // A request that reads the second failure re-runs that one.
    expect(await rerunLatest(sfn, first, policy, await described(executionArn))).toMatchObject({ redriveCount: 2 });
    await service.settled(executionArn);
  });

  it("makes no call once the invocation has no time left for one, and starts nothing: 503, retry soon", async () => {
    const { first, executionArn } = await failedRequest();
    const outcome = await startRequest(sfn, { ...first, hasTimeForCall: () => false }, policy);
    expect(outcome).toEqual({ outcome: "unavailable", service: "Step Functions", errorName: "OutOfTime", retryAfterSeconds: 1 });
    expect(service.describeExecution({ executionArn })).toMatchObject({ status: "FAILED", redriveCount: 0 });
  });

  it.each([
    ["a workflow that re-runs", { rerunAfterFailure: true, refuseOtherInput: false }],
    ["a workflow keyed by idempotency keys", { rerunAfterFailure: false, refuseOtherInput: true }],
  ])("answers 429 rather than a final 409 when the existing execution cannot be described (%s)", async (_case, startPolicy) => {
    const { first } = await failedRequest();
    failing = "DescribeExecution";
    expect(await startRequest(sfn, first, startPolicy)).toMatchObject({ outcome: "throttled", errorName: "ThrottlingException" });
  });
});

/**
 * The latest-attempt search without a ledger, against a fake Step Functions that knows attempts 1..k: it finds k
 * for every k, within the bound README states (13 DescribeExecution calls for 100 attempts).
 */
describe("the latest-attempt search", () => {
  const arnOf = (name: string) => `${STATE_MACHINE_ARN.replace(":stateMachine:", ":execution:")}:${name}`;
  const fakeStepFunctions = (attempts: number, startOf: (attempt: number) => Date) => {
    const calls: string[] = [];
    const known = new Map(Array.from({ length: attempts }, (_, index) => [arnOf(attemptExecutionName("r", index + 1)), index + 1]));
    const client = {
      send: async (command: DescribeExecutionCommand) => {
        calls.push(command.input.executionArn!);
        const attempt = known.get(command.input.executionArn!);
        if (attempt === undefined) throw Object.assign(new Error("gone"), { name: "ExecutionDoesNotExist" });
        return { executionArn: command.input.executionArn, status: "FAILED", startDate: startOf(attempt) };
      },
    } as unknown as SFNClient;
    return { client, calls };
  };
  const first = (startDate: Date): AlreadyExists => ({ outcome: "already-exists", executionArn: arnOf("r"), status: "FAILED", startDate });

  it.each(Array.from({ length: MAX_ATTEMPTS }, (_, index) => index + 1))("finds attempt %d of %d within 13 calls", async (attempts) => {
    const startOf = (attempt: number) => new Date(Date.UTC(2026, 0, 1, 0, attempt));
    const { client, calls } = fakeStepFunctions(attempts, startOf);
    const found = await latestAttempt(
      client,
      { stateMachineArn: STATE_MACHINE_ARN, executionName: "r", input: "{}", requestedAt: new Date() },
      first(startOf(1)),
    );
    expect(found).toMatchObject({ outcome: "already-exists", executionArn: arnOf(attemptExecutionName("r", attempts)) });
    expect(calls.length).toBeLessThanOrEqual(13);
  });

  it("ignores attempts that started before attempt 1: an earlier run's, whose attempt 1 Step Functions forgot", async () => {
    // Attempts 2 and 3 ran last year; attempt 1 of this run started today.
    const { client } = fakeStepFunctions(3, (attempt) => new Date(Date.UTC(2025, 0, attempt)));
    const found = await latestAttempt(
      client,
      { stateMachineArn: STATE_MACHINE_ARN, executionName: "r", input: "{}", requestedAt: new Date() },
      first(new Date()),
    );
    expect(found).toMatchObject({ executionArn: arnOf("r") });
  });
});
