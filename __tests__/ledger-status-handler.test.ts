import type { EventBridgeEvent } from "aws-lambda";
import { createStatusHandler, type StatusLogRecord } from "../functions/ledger-status/handler";
import { metricsEnvironmentFrom, statusLogWriter } from "../functions/ledger-status/status-log";
import { type ExecutionLedger, LedgerUnavailableError, type StatusUpdate } from "../functions/shared/execution-ledger";
import { LEDGER_STATUS_METRICS, METRICS_NAMESPACE } from "../functions/shared/metrics-contract";
import { emfViolations, extractedMetrics } from "./support/embedded-metric-format";

const ARN = "arn:aws:states:eu-west-1:123456789012:execution:sfn-dedup-test-notify-country:abc";
const STATE_MACHINE_ARN = "arn:aws:states:eu-west-1:123456789012:stateMachine:sfn-dedup-test-notify-country";

/** A status change event as Step Functions sends it; every one names its state machine. */
function statusEvent(
  detail: Record<string, unknown>,
  detailType = "Step Functions Execution Status Change",
): EventBridgeEvent<string, unknown> {
  const withStateMachine = Object.keys(detail).length > 0 ? { stateMachineArn: STATE_MACHINE_ARN, ...detail } : detail;
  return {
    version: "0",
    id: "1",
    "detail-type": detailType,
    source: "aws.states",
    account: "123456789012",
    time: "",
    region: "eu-west-1",
    resources: [],
    detail: withStateMachine,
  };
}

describe("ledger-status handler", () => {
  let updates: Array<[string, StatusUpdate]>;
  let logs: StatusLogRecord[];
  let result: boolean | Error;
  const ledger: Pick<ExecutionLedger, "recordStatus"> = {
    recordStatus: async (name, update) => {
      updates.push([name, update]);
      if (result instanceof Error) throw result;
      return result;
    },
  };
  const handler = createStatusHandler({ ledger: ledger as ExecutionLedger, log: (record) => logs.push(record) });

  beforeEach(() => {
    updates = [];
    logs = [];
    result = true;
  });

  it("records the status, start and stop of the execution the event names", async () => {
    await handler(
      statusEvent({ executionArn: ARN, name: "abc", status: "FAILED", startDate: 1_700_000_000_000, stopDate: 1_700_000_030_000 }),
    );
    expect(updates).toEqual([
      [
        "abc",
        {
          attempt: 1,
          executionArn: ARN,
          executionStatus: "FAILED",
          startDate: new Date(1_700_000_000_000),
          stopDate: new Date(1_700_000_030_000),
          redriveCount: 0,
        },
      ],
    ]);
    expect(logs).toEqual([
      { level: "INFO", message: "execution status", executionName: "abc", executionStatus: "FAILED", redriveCount: 0, recorded: true },
    ]);
  });

  it("passes on which run of a redriven execution the status belongs to", async () => {
    await handler(
      statusEvent({
        executionArn: ARN,
        name: "abc",
        status: "SUCCEEDED",
        startDate: 1_700_000_000_000,
        stopDate: 1_700_000_090_000,
        redriveCount: 2,
        redriveDate: 1_700_000_060_000,
      }),
    );
    expect(updates).toEqual([
      [
        "abc",
        {
          attempt: 1,
          executionArn: ARN,
          executionStatus: "SUCCEEDED",
          startDate: new Date(1_700_000_000_000),
          stopDate: new Date(1_700_000_090_000),
          redriveCount: 2,
        },
      ],
    ]);
    expect(logs[0]).toMatchObject({ executionStatus: "SUCCEEDED", redriveCount: 2 });
  });

  it("records a RUNNING event without a stop date", async () => {
    await handler(statusEvent({ executionArn: ARN, name: "abc", status: "RUNNING", startDate: 1_700_000_000_000, stopDate: null }));
    expect(updates[0][1]).toEqual({
      attempt: 1,
      executionArn: ARN,
      executionStatus: "RUNNING",
      startDate: new Date(1_700_000_000_000),
      stopDate: undefined,
      redriveCount: 0,
    });
  });

  it("records a later attempt of a re-run request (<name>-<attempt>) on the request's record", async () => {
    const attemptArn = `${ARN}-3`;
    await handler(
      statusEvent({ executionArn: attemptArn, name: "abc-3", status: "RUNNING", startDate: 1_700_000_000_000, stopDate: null }),
    );
    expect(updates).toEqual([
      [
        "abc",
        {
          attempt: 3,
          executionArn: attemptArn,
          executionStatus: "RUNNING",
          startDate: new Date(1_700_000_000_000),
          stopDate: undefined,
          redriveCount: 0,
        },
      ],
    ]);
    expect(logs[0]).toMatchObject({ executionName: "abc-3", recorded: true });
  });

  it("says when the ledger kept what it had", async () => {
    result = false;
    await handler(statusEvent({ executionArn: ARN, name: "abc", status: "RUNNING", startDate: 1, stopDate: null }));
    expect(logs[0]).toMatchObject({ recorded: false });
  });

  it.each([
    ["another kind of event", statusEvent({}, "Step Functions State Machine Status Change"), /not a status change event/],
    ["an event without the execution's fields", statusEvent({ name: "abc" }), /without executionArn/],
    [
      "an event whose redriveCount is not a count",
      statusEvent({ executionArn: ARN, name: "abc", status: "RUNNING", startDate: 1, stopDate: null, redriveCount: "1" }),
      /invalid redriveCount/,
    ],
  ])("drops %s with a warning: retrying it cannot help", async (_case, event, problem) => {
    await handler(event);
    expect(updates).toEqual([]);
    expect(logs).toEqual([{ level: "WARN", message: "execution status", problem: expect.stringMatching(problem) }]);
  });

  it("fails when the ledger cannot be written, so that Lambda retries the event and then dead-letters it", async () => {
    result = new LedgerUnavailableError(false, "ServiceUnavailable");
    await expect(handler(statusEvent({ executionArn: ARN, name: "abc", status: "SUCCEEDED", startDate: 1, stopDate: 2 }))).rejects.toBe(
      result,
    );
  });

  it("keys the records of a workflow that shares the ledger within its state machine, and the default's by the bare name", async () => {
    // Prepare
    const ordersArn = "arn:aws:states:eu-west-1:123456789012:stateMachine:sfn-dedup-test-orders";
    const shared = createStatusHandler({
      ledger: ledger as ExecutionLedger,
      log: (record) => logs.push(record),
      scopedStateMachines: new Set(["sfn-dedup-test-orders"]),
    });

    // Act
    await shared(
      statusEvent({
        stateMachineArn: ordersArn,
        executionArn: `${ordersArn.replace(":stateMachine:", ":execution:")}:abc`,
        name: "abc",
        status: "RUNNING",
        startDate: 1,
        stopDate: null,
      }),
    );
    await shared(statusEvent({ executionArn: ARN, name: "abc", status: "RUNNING", startDate: 1, stopDate: null }));

    // Assess
    expect(updates.map(([name]) => name)).toEqual(["sfn-dedup-test-orders:abc", "abc"]);
  });
});

describe("the ledger-status log line's metrics (Embedded Metric Format)", () => {
  let lines: string[];
  let result: boolean | Error;
  const ledger = { recordStatus: async () => (result instanceof Error ? Promise.reject(result) : result) } as unknown as ExecutionLedger;
  const handler = createStatusHandler({ ledger, log: statusLogWriter("prod") });
  const event = statusEvent({ executionArn: ARN, name: "abc", status: "SUCCEEDED", startDate: 1, stopDate: 2 });

  beforeEach(() => {
    lines = [];
    result = true;
    // The real writer, down to the line it puts on stdout.
    jest.spyOn(process.stdout, "write").mockImplementation((chunk) => {
      lines.push(String(chunk));
      return true;
    });
  });

  afterEach(() => jest.restoreAllMocks());

  it.each([
    ["a status recorded", true, event, { recorded: 1, ignored: 0, dropped: 0 }],
    ["a status the ledger kept out (stale, or of a name it never claimed)", false, event, { recorded: 0, ignored: 1, dropped: 0 }],
    ["an event dropped (not a status change it can read)", true, statusEvent({ name: "abc" }), { recorded: 0, ignored: 0, dropped: 1 }],
  ])("counts %s in a valid EMF document in its one log line, all three metrics on every line", async (_case, recorded, input, counts) => {
    result = recorded;
    await handler(input);

    expect(lines).toHaveLength(1);
    expect(emfViolations(lines[0].trimEnd(), new Date())).toEqual([]);
    const dimensions = { Environment: "prod" };
    expect(extractedMetrics(lines[0])).toEqual([
      { namespace: METRICS_NAMESPACE, name: LEDGER_STATUS_METRICS.recorded, unit: "Count", value: counts.recorded, dimensions },
      { namespace: METRICS_NAMESPACE, name: LEDGER_STATUS_METRICS.ignored, unit: "Count", value: counts.ignored, dimensions },
      { namespace: METRICS_NAMESPACE, name: LEDGER_STATUS_METRICS.dropped, unit: "Count", value: counts.dropped, dimensions },
    ]);
    expect(JSON.parse(lines[0])).toMatchObject({ message: "execution status", level: counts.dropped ? "WARN" : "INFO" });
  });

  it("writes no line for an event it could not record: it throws, Lambda retries it, then dead-letters it", async () => {
    result = new LedgerUnavailableError(false, "ServiceUnavailable");
    await expect(handler(event)).rejects.toBe(result);
    expect(lines).toEqual([]);
  });

  it("takes its environment from METRICS_ENVIRONMENT, and refuses to start without", () => {
    expect(metricsEnvironmentFrom({ METRICS_ENVIRONMENT: "prod" })).toBe("prod");
    expect(() => metricsEnvironmentFrom({})).toThrow(/^METRICS_ENVIRONMENT must be a metric dimension value/);
  });
});
