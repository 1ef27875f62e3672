import type { SFNClient } from "@aws-sdk/client-sfn";
import type { Context } from "aws-lambda";
import { RECONCILER_METRICS } from "../shared/metrics-contract";
import { type ReconcilingLedger, type RecordLogRecord, type SweepReport, sweep } from "./reconcile";
import type { ServedStateMachines } from "./settings";

/**
 * The sweep's one line per run. The three counts the alarms and the dashboard read are top-level members named as
 * their metrics (functions/shared/metrics-contract.ts, RECONCILER_METRICS), so that an Embedded Metric Format writer
 * turns the line into metrics by adding its `_aws` member and the Environment dimension; the rest are plain fields.
 */
export interface SweepLogRecord {
  readonly level: "INFO" | "WARN" | "ERROR";
  readonly message: "ledger reconciled";
  readonly [RECONCILER_METRICS.examined]: number;
  readonly [RECONCILER_METRICS.healed]: number;
  readonly [RECONCILER_METRICS.settled]: number;
  readonly deferred: number;
  readonly forgotten: number;
  readonly closed: number;
  readonly superseded: number;
  readonly failed: number;
  readonly queries: number;
  readonly stoppedBecause?: SweepReport["stoppedBecause"];
  readonly errorName?: string;
  readonly durationMs: number;
}

export type ReconcilerHandler = (event: unknown, context: Pick<Context, "getRemainingTimeInMillis">) => Promise<SweepLogRecord>;

/** The ledger could not be read or written: the sweep stopped, and the invocation fails so that it shows as an error. */
export class SweepFailedError extends Error {
  public override readonly name = "SweepFailedError";
}

/**
 * The scheduled reconciler (functions/ledger-reconciler/reconcile.ts): one sweep per invocation, whatever the event
 * (a schedule's, or an operator's `aws lambda invoke`), then one line saying what it did.
 */
export function createReconcilerHandler({
  ledger,
  sfn,
  stateMachines,
  log,
  clock = () => new Date(),
}: {
  ledger: ReconcilingLedger;
  sfn: SFNClient;
  stateMachines: ServedStateMachines;
  log: (record: SweepLogRecord | RecordLogRecord) => void;
  /** The sweep's time: which records are due, whose lease is over. @default the system clock */
  clock?: () => Date;
}): ReconcilerHandler {
  return async (_event, context) => {
    const startedAt = Date.now();
    const report = await sweep({ ledger, sfn, stateMachines, log }, { now: clock(), timeLeftMs: () => context.getRemainingTimeInMillis() });
    const line: SweepLogRecord = {
      level:
        report.stoppedBecause === "ledger-unavailable"
          ? "ERROR"
          : report.failed > 0 || report.stoppedBecause === "throttled"
            ? "WARN"
            : "INFO",
      message: "ledger reconciled",
      [RECONCILER_METRICS.examined]: report.examined,
      [RECONCILER_METRICS.healed]: report.healed,
      [RECONCILER_METRICS.settled]: report.settled,
      deferred: report.deferred,
      forgotten: report.forgotten,
      closed: report.closed,
      superseded: report.superseded,
      failed: report.failed,
      queries: report.queries,
      ...(report.stoppedBecause ? { stoppedBecause: report.stoppedBecause } : {}),
      ...(report.errorName ? { errorName: report.errorName } : {}),
      durationMs: Date.now() - startedAt,
    };
    log(line);
    if (report.stoppedBecause === "ledger-unavailable") {
      throw new SweepFailedError(`The execution ledger is unavailable (${report.errorName}); the next sweep tries again.`);
    }
    return line;
  };
}
