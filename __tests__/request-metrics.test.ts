import * as fs from "node:fs";
import * as path from "node:path";
import {
  DescribeExecutionCommand,
  ExecutionAlreadyExists,
  ExecutionDoesNotExist,
  RedriveExecutionCommand,
  SFNClient,
  StartExecutionCommand,
  StateMachineDoesNotExist,
} from "@aws-sdk/client-sfn";
import type { APIGatewayProxyEventV2 } from "aws-lambda";
import { mockClient } from "aws-sdk-client-mock";
import type { ExecutionLedger, LedgerRecord } from "../functions/shared/execution-ledger";
import {
  LEDGER_STATUS_METRICS,
  METRIC_DIMENSIONS,
  METRICS_NAMESPACE,
  REQUEST_OUTCOMES,
  type RequestOutcome,
  START_METRICS,
} from "../functions/shared/metrics-contract";
import { createHandler } from "../functions/start-execution/handler";
import { type RequestLogRecord, requestLogWriter } from "../functions/start-execution/request-log";
import type { HandlerSettings } from "../functions/start-execution/settings";
import { PROJECT_ROOT } from "../lib/project-root";
import { emfViolations, extractedMetrics } from "./support/embedded-metric-format";
import { postExecutions } from "./support/events";
import { notifyCountryRequestValidator } from "./support/request-validator";

const STATE_MACHINE_ARN = "arn:aws:states:eu-west-1:123456789012:stateMachine:sfn-dedup-test-notify-country";
const FRANCE = "0309a6c666a7a803fdb9db95de71cf01"; // md5("France")
const FRANCE_ARN = `arn:aws:states:eu-west-1:123456789012:execution:sfn-dedup-test-notify-country:${FRANCE}`;
const NOW = new Date("2026-11-25T10:00:00.000Z");
const DIMENSIONS = { environment: "test", workflow: "notify-country" };

const sfnMock = mockClient(SFNClient);

function serviceError(name: string, status: number): Error {
  return Object.assign(new Error(`${name} from the service`), { name, $fault: "client", $metadata: { httpStatusCode: status } });
}

const alreadyExists = () => new ExecutionAlreadyExists({ message: "exists", $metadata: { httpStatusCode: 400 } });

/** A ledger in which another invocation holds the name's claim, its lease running. */
const claimedElsewhere = {
  claim: async () => ({
    claimed: false,
    record: {
      executionName: FRANCE,
      state: "CLAIMED",
      firstSeenAt: NOW.toISOString(),
      inputSha256: "x",
      claimedBy: "another-invocation",
      leaseExpiresAt: NOW.getTime() + 15_000,
    } satisfies LedgerRecord,
  }),
} as unknown as ExecutionLedger;

interface Scenario {
  /** Step Functions' answers. */
  readonly arrange?: () => void;
  readonly settings?: Partial<HandlerSettings>;
  readonly ledger?: ExecutionLedger;
  readonly event?: APIGatewayProxyEventV2;
}

/**
 * A request answered with each outcome the handler can give. Keyed by its outcome type: an outcome added to
 * the handler fails to compile until it has a scenario here.
 */
const SCENARIOS: { readonly [outcome in RequestOutcome]: Scenario } = {
  started: {
    arrange: () => sfnMock.on(StartExecutionCommand).resolves({ executionArn: FRANCE_ARN, startDate: new Date(NOW.getTime() + 40) }),
  },
  "already-running": {
    arrange: () => sfnMock.on(StartExecutionCommand).resolves({ executionArn: FRANCE_ARN, startDate: new Date(NOW.getTime() - 60_000) }),
  },
  "already-exists": {
    arrange: () => {
      sfnMock.on(StartExecutionCommand).rejects(alreadyExists());
      sfnMock.on(DescribeExecutionCommand).resolves({ executionArn: FRANCE_ARN, status: "SUCCEEDED", startDate: NOW, stopDate: NOW });
    },
  },
  "claim-in-progress": { ledger: claimedElsewhere },
  "rerun-started": {
    settings: { rerun: "after-failure" },
    arrange: () => {
      sfnMock.on(StartExecutionCommand).rejects(alreadyExists());
      sfnMock
        .on(DescribeExecutionCommand)
        .rejects(new ExecutionDoesNotExist({ message: "no attempt 2", $metadata: { httpStatusCode: 400 } }));
      sfnMock.on(DescribeExecutionCommand, { executionArn: FRANCE_ARN }).resolves({
        executionArn: FRANCE_ARN,
        status: "TIMED_OUT",
        redriveStatus: "REDRIVABLE",
        startDate: NOW,
        input: '{"country":"France"}',
      });
      sfnMock.on(RedriveExecutionCommand).resolves({ redriveDate: NOW });
    },
  },
  "key-reused": {
    settings: { executionName: { from: "header", header: "Idempotency-Key" } },
    event: { ...postExecutions({ country: "France" }), headers: { "content-type": "application/json", "idempotency-key": "order-1001" } },
    arrange: () => {
      sfnMock.on(StartExecutionCommand).rejects(alreadyExists());
      sfnMock.on(DescribeExecutionCommand).resolves({ status: "RUNNING", startDate: NOW, input: '{"country":"Spain"}' });
    },
  },
  "invalid-request": { event: postExecutions('{"country": ') },
  throttled: { arrange: () => sfnMock.on(StartExecutionCommand).rejects(serviceError("ThrottlingException", 400)) },
  unavailable: { arrange: () => sfnMock.on(StartExecutionCommand).rejects(serviceError("InternalServerError", 500)) },
  "outcome-unknown": {
    arrange: () =>
      sfnMock.on(StartExecutionCommand).rejects(Object.assign(new Error("timed out"), { name: "TimeoutError", $metadata: {} })),
  },
  rejected: {
    arrange: () =>
      sfnMock.on(StartExecutionCommand).rejects(new StateMachineDoesNotExist({ message: "gone", $metadata: { httpStatusCode: 400 } })),
  },
  // A StartExecution answer without an ARN: the handler's own code fails.
  "internal-error": { arrange: () => sfnMock.on(StartExecutionCommand).resolves({}) },
};

describe("the start-execution log line's metrics (Embedded Metric Format)", () => {
  let lines: string[];
  let records: RequestLogRecord[];

  beforeEach(() => {
    sfnMock.reset();
    lines = [];
    records = [];
    // The real writer, down to the line it puts on stdout.
    jest.spyOn(process.stdout, "write").mockImplementation((chunk) => {
      lines.push(String(chunk));
      return true;
    });
  });

  afterEach(() => jest.restoreAllMocks());

  async function request({ arrange, settings, ledger, event = postExecutions({ country: "France" }) }: Scenario): Promise<string> {
    arrange?.();
    let clockMs = NOW.getTime();
    const write = requestLogWriter(DIMENSIONS);
    const handler = createHandler({
      settings: { stateMachineArn: STATE_MACHINE_ARN, executionName: { from: "country" }, ...settings },
      sfn: new SFNClient({ region: "eu-west-1" }),
      validateRequest: notifyCountryRequestValidator(),
      ledger: ledger && { ledger, leaseMs: 20_000 },
      log: (record) => {
        records.push(record);
        write(record);
      },
      // 7 ms pass during each request.
      now: () => {
        clockMs += 7;
        return new Date(clockMs - 7);
      },
    });
    await handler(event, { awsRequestId: "request-1" });
    expect(lines).toHaveLength(1);
    return lines[0];
  }

  it(
    "has a scenario for every outcome the handler's types allow, each named in README's Metrics and in metrics-contract.ts, as is each " +
      "metric",
    () => {
      expect(Object.keys(SCENARIOS).sort()).toEqual([...REQUEST_OUTCOMES].sort());
      const readme = fs.readFileSync(path.join(PROJECT_ROOT, "README.md"), "utf8");
      const metricsSection = readme.slice(readme.indexOf("\n### Metrics\n"), readme.indexOf("\n## Never twice"));
      const metricNames = fs.readFileSync(path.join(PROJECT_ROOT, "functions/shared/metrics-contract.ts"), "utf8");
      for (const outcome of REQUEST_OUTCOMES) {
        expect(metricsSection).toContain(`\`${outcome}\``);
        expect(metricNames).toContain(`\`${outcome}\``);
      }
      for (const metric of [...Object.values(START_METRICS), ...Object.values(LEDGER_STATUS_METRICS)])
        expect(metricsSection).toContain(`| \`${metric}\` |`);
    },
  );

  it.each(REQUEST_OUTCOMES)("writes a valid EMF document in the one log line of a request answered %s", async (outcome) => {
    const line = await request(SCENARIOS[outcome]);

    expect(line.endsWith("\n")).toBe(true);
    expect(emfViolations(line.trimEnd(), new Date())).toEqual([]);
    expect(records[0].outcome).toBe(outcome);
    const dimensions = {
      [METRIC_DIMENSIONS.environment]: "test",
      [METRIC_DIMENSIONS.workflow]: "notify-country",
      [METRIC_DIMENSIONS.outcome]: outcome,
    };
    expect(extractedMetrics(line)).toEqual([
      { namespace: METRICS_NAMESPACE, name: START_METRICS.requests, unit: "Count", value: 1, dimensions },
      { namespace: METRICS_NAMESPACE, name: START_METRICS.latency, unit: "Milliseconds", value: records[0].latencyMs, dimensions },
    ]);
    expect(records[0].latencyMs).toBeGreaterThan(0);
    // The log fields are all there, unchanged: no metric member took a field's name.
    expect(JSON.parse(line)).toMatchObject({ ...JSON.parse(JSON.stringify(records[0])), timestamp: expect.any(String) });
  });
});
