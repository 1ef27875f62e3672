import { createHash } from "node:crypto";
import { DescribeExecutionCommand, type SFNClient } from "@aws-sdk/client-sfn";
import { errorName, STEP_FUNCTIONS_THROTTLING_ERRORS } from "../shared/aws-errors";
import type { DueRecordsPage, DynamoDbLedger, OpenRecord } from "../shared/dynamodb-ledger";
import { executionArnFor, executionNameOf } from "../shared/execution-arn";
import { attemptExecutionName, MAX_ATTEMPTS, parseAttemptName } from "../shared/execution-attempts";
import { LedgerUnavailableError, type StatusUpdate, TERMINAL_STATUSES } from "../shared/execution-ledger";
import { OPEN_SHARDS, RECONCILE_AFTER_MS } from "../shared/ledger-index";
import type { RecordTarget, ServedStateMachines } from "./settings";

/**
 * The sweep: the ledger's open records whose time has come, read from the open-records index (never the table),
 * each checked against Step Functions and brought up to date.
 *
 * - STARTED, no claim: DescribeExecution of its execution. A status the ledger does not have is recorded, as
 *   ledger-status would have recorded it from the event that was lost (a final one takes the record out of the
 *   index); an execution still running is looked at again later, the longer it has run the later (up to
 *   MAX_RECHECK_MS). Step Functions no longer knowing the execution (its history is gone: 90 days after it
 *   closed, or 30) leaves the last known status, notes `forgottenAt` and takes the record out of the index: no one
 *   can tell more.
 * - CLAIMED (its holder's lease long over: the record has been open RECONCILE_AFTER_MS): DescribeExecution of the
 *   name's execution. If it exists, the holder started it and died before recording it: it is recorded, as the
 *   holder would have (with the hash of the input it runs). If it does not, nothing ran under the name and nothing
 *   can any more: the claim is deleted, and the name is free for the request's retry, which starts it once. See
 *   settleClaim for why that is safe.
 * - STARTED with a re-run claim whose holder died: the failed attempt redriven, or the next attempt started,
 *   is recorded; if neither happened the claim is given up (the record is the failure it was).
 *
 * Every write is conditional on the record as the index showed it (the claim's holder, the check time), so a
 * request or a status event that got there first wins and the sweep's write does nothing, and sweeps may overlap
 * (a retried invocation, or reserved concurrency switched off): functions/shared/ledger-protocol.ts.
 */

/** The longest an open record waits between two looks, however long its execution has been running. */
export const MAX_RECHECK_MS = 6 * 3_600_000;
/** At most this many records a sweep: it then stops, and the next sweep goes on from the longest due. */
export const MAX_RECORDS_PER_SWEEP = 100;
/** Records a Query of the index returns at most. */
export const QUERY_PAGE_SIZE = 25;
/**
 * A record is not started with less time than this left: it takes at most three AWS calls (two DescribeExecution
 * and a write), each stopped after 700 ms (functions/shared/aws-client-config.ts), and a Query may come first.
 */
export const RECORD_TIME_BUDGET_MS = 5_000;

/** What a sweep did, by record. The counts are the reconciler's metrics (functions/shared/metrics-contract.ts). */
export interface SweepReport {
  /** Open records looked at. */
  examined: number;
  /** Records whose execution's status (or the claim's execution) the sweep learned from Step Functions and recorded. */
  healed: number;
  /** Claims whose lease ended with nothing started, settled: a CLAIMED record deleted, a re-run claim given up. */
  settled: number;
  /** Records whose execution still runs (or whose workflow is not served here), looked at again later. */
  deferred: number;
  /** Records whose execution Step Functions no longer knows, closed with their last known status. */
  forgotten: number;
  /** Records already final, only taken out of the index (none, while every write keeps the index right). */
  closed: number;
  /** Records a request or a status event changed while the sweep looked: its write did nothing. */
  superseded: number;
  /** Records that could not be checked (Step Functions failed, or refused); each is looked at again later. */
  failed: number;
  /** Index Queries made. */
  queries: number;
  /** Why the sweep stopped before it had looked at every due record, if it did. */
  stoppedBecause?: "record-limit" | "time-limit" | "throttled" | "ledger-unavailable";
  /** The error that stopped it, when one did. */
  errorName?: string;
}

export type RecordAction = "healed" | "settled" | "deferred" | "forgotten" | "closed" | "superseded" | "failed";

/** One line per record the sweep changed, or could not check. */
export interface RecordLogRecord {
  readonly level: "INFO" | "WARN";
  readonly message: "ledger record reconciled";
  readonly recordKey: string;
  readonly action: RecordAction;
  /** The record's state and status before, and the execution's as Step Functions told it. */
  readonly state: string;
  readonly recordedStatus?: string;
  readonly executionArn?: string;
  readonly executionStatus?: string;
  readonly errorName?: string;
  readonly problem?: string;
}

/** What the sweep does with the ledger: query the index, and the conditional writes (functions/shared/ledger-protocol.ts). */
export type ReconcilingLedger = Pick<
  DynamoDbLedger,
  "dueRecords" | "deferCheck" | "closeOpenRecord" | "recordStarted" | "recordStatus" | "release" | "releaseRerun"
>;

export interface SweepDependencies {
  readonly ledger: ReconcilingLedger;
  readonly sfn: SFNClient;
  readonly stateMachines: ServedStateMachines;
  readonly log: (record: RecordLogRecord) => void;
}

export interface SweepOptions {
  readonly now: Date;
  /** Time left in the invocation (Lambda's context.getRemainingTimeInMillis). */
  readonly timeLeftMs: () => number;
  /** @default MAX_RECORDS_PER_SWEEP */
  readonly maxRecords?: number;
  /** @default QUERY_PAGE_SIZE */
  readonly pageSize?: number;
}

/** A sweep cannot go on: the ledger cannot be read or written, or an AWS API throttles it. */
class StopSweep extends Error {
  constructor(
    public readonly reason: "throttled" | "ledger-unavailable",
    public readonly errorName: string,
  ) {
    super(`${reason}: ${errorName}`);
  }
}

export async function sweep(deps: SweepDependencies, options: SweepOptions): Promise<SweepReport> {
  const report: SweepReport = {
    examined: 0,
    healed: 0,
    settled: 0,
    deferred: 0,
    forgotten: 0,
    closed: 0,
    superseded: 0,
    failed: 0,
    queries: 0,
  };
  const maxRecords = options.maxRecords ?? MAX_RECORDS_PER_SWEEP;
  const pageSize = options.pageSize ?? QUERY_PAGE_SIZE;
  // Another shard first each minute: when a sweep stops at its limit, the next one does not start where it did.
  const firstShard = Math.floor(options.now.getTime() / 60_000) % OPEN_SHARDS;
  try {
    for (let i = 0; i < OPEN_SHARDS; i++) {
      const shard = (firstShard + i) % OPEN_SHARDS;
      let startKey: DueRecordsPage["next"];
      do {
        const left = maxRecords - report.examined;
        if (left <= 0) return { ...report, stoppedBecause: "record-limit" };
        if (options.timeLeftMs() < RECORD_TIME_BUDGET_MS) return { ...report, stoppedBecause: "time-limit" };
        report.queries++;
        const page = await ledgerCall(() => deps.ledger.dueRecords(shard, options.now, Math.min(pageSize, left), startKey));
        for (const record of page.records) {
          if (options.timeLeftMs() < RECORD_TIME_BUDGET_MS) return { ...report, stoppedBecause: "time-limit" };
          report.examined++;
          try {
            report[await reconcileRecord(deps, record, options.now)]++;
          } catch (error) {
            // The record could not be finished either: it stays due, for the next sweep.
            if (error instanceof StopSweep) report.failed++;
            throw error;
          }
        }
        startKey = page.next;
      } while (startKey);
    }
    return report;
  } catch (error) {
    if (error instanceof StopSweep) return { ...report, stoppedBecause: error.reason, errorName: error.errorName };
    throw error;
  }
}

async function reconcileRecord(deps: SweepDependencies, record: OpenRecord, now: Date): Promise<RecordAction> {
  const log = (action: RecordAction, details: Partial<RecordLogRecord> = {}): RecordAction => {
    deps.log({
      level: action === "failed" || details.problem ? "WARN" : "INFO",
      message: "ledger record reconciled",
      recordKey: record.recordKey,
      action,
      state: record.state,
      ...(record.executionStatus ? { recordedStatus: record.executionStatus } : {}),
      ...details,
    });
    return action;
  };
  const target = deps.stateMachines.targetOf(record.recordKey);
  if (!target) {
    // A workflow removed from the configuration, or a record this reconciler cannot describe: say so, rarely.
    const deferred = await ledgerCall(() => deps.ledger.deferCheck(record, now.getTime() + MAX_RECHECK_MS));
    return log(deferred ? "deferred" : "superseded", { problem: "the record's workflow is not one this reconciler serves" });
  }
  if (record.claimedBy !== undefined && (record.leaseExpiresAt ?? 0) > now.getTime()) {
    // A live claim: a request is acting on the record right now. Its own write moves the record on.
    return "superseded";
  }
  if (record.state === "CLAIMED") {
    return settleClaim(deps, record, target, now, log);
  }
  if (record.claimedBy !== undefined) {
    return settleRerunClaim(deps, record, target, now, log);
  }
  return healStatus(deps, record, now, log);
}

type Log = (action: RecordAction, details?: Partial<RecordLogRecord>) => RecordAction;

/**
 * A claim whose holder died, RECONCILE_AFTER_MS (15 minutes) after it was last written, its 20-second lease long
 * over. Its name's execution, if it exists, is recorded as the holder would have. If Step Functions says it does
 * not exist, the claim is deleted, and the name is neither lost nor run twice:
 * - nothing ran: the holder's StartExecution either created the execution (StartExecution is synchronous: it
 *   exists when the call returns) or did not, and the holder, stopped by Lambda at its 10-second timeout, has been
 *   gone for almost 15 minutes; no request of its can still be on its way to Step Functions. DescribeExecution is
 *   eventually consistent, for seconds, not minutes;
 * - nothing else can lose by it: the delete is conditional on the claim as the index showed it (its holder), so a
 *   request that took the claim over since, and may be starting the execution now, keeps it;
 * - the name is as if never claimed: the request's retry (the holder's client was answered with an error, or with
 *   a Retry-After) claims it and starts the execution, once. Even if an execution did exist after all, its name
 *   would make that retry's StartExecution find it (ExecutionAlreadyExists) and record it, for the 90 days Step
 *   Functions remembers it.
 * Keeping a marker instead would change nothing for the retry (an expired claim is taken over as a free name is
 * claimed) but would leave the status route and duplicates a claim that will never be completed.
 */
async function settleClaim(deps: SweepDependencies, record: OpenRecord, target: RecordTarget, now: Date, log: Log): Promise<RecordAction> {
  const executionArn = executionArnFor(target.stateMachineArn, target.requestName);
  const holder = record.claimedBy;
  const found = await describe(deps.sfn, executionArn);
  if (found.kind === "failed" || holder === undefined) {
    return failed(deps, record, now, log, {
      executionArn,
      ...(found.kind === "failed" ? { errorName: found.errorName } : { problem: "a claim without its holder" }),
    });
  }
  if (found.kind === "absent") {
    const released = await ledgerCall(() => deps.ledger.release(record.recordKey, holder));
    return log(released ? "settled" : "superseded", { executionArn });
  }
  const recorded = await ledgerCall(() =>
    deps.ledger.recordStarted(
      record.recordKey,
      holder,
      statusOf(executionArn, found),
      found.input === undefined ? undefined : sha256(found.input),
    ),
  );
  return log(recorded ? "healed" : "superseded", { executionArn, executionStatus: found.status });
}

/**
 * A re-run claim whose holder died: it may have redriven the failed attempt (same ARN, one more redrive) or started
 * the next attempt (`<name>-<attempt + 1>`) before it died; either is recorded as the holder would have. If it did
 * neither, the claim is given up, for the same reasons a claim is deleted (settleClaim): the record is the failure it
 * was, and the request's retry re-runs it, once.
 */
async function settleRerunClaim(
  deps: SweepDependencies,
  record: OpenRecord,
  target: RecordTarget,
  now: Date,
  log: Log,
): Promise<RecordAction> {
  const holder = record.claimedBy!;
  const attempt = record.attempt ?? 1;
  const latestArn = record.executionArn ?? executionArnFor(target.stateMachineArn, target.requestName);
  const latest = await describe(deps.sfn, latestArn);
  if (latest.kind === "failed") {
    return failed(deps, record, now, log, { executionArn: latestArn, errorName: latest.errorName });
  }
  if (latest.kind === "found" && ((latest.redriveCount ?? 0) !== (record.redriveCount ?? 0) || latest.status !== record.executionStatus)) {
    const recorded = await ledgerCall(() =>
      deps.ledger.recordStarted(record.recordKey, holder, { ...statusOf(latestArn, latest), attempt }),
    );
    return log(recorded ? "healed" : "superseded", { executionArn: latestArn, executionStatus: latest.status });
  }
  if (attempt < MAX_ATTEMPTS) {
    const nextArn = executionArnFor(target.stateMachineArn, attemptExecutionName(target.requestName, attempt + 1));
    const next = await describe(deps.sfn, nextArn);
    if (next.kind === "failed") {
      return failed(deps, record, now, log, { executionArn: nextArn, errorName: next.errorName });
    }
    if (next.kind === "found") {
      const recorded = await ledgerCall(() =>
        deps.ledger.recordStarted(
          record.recordKey,
          holder,
          { ...statusOf(nextArn, next), attempt: attempt + 1 },
          next.input === undefined ? undefined : sha256(next.input),
        ),
      );
      return log(recorded ? "healed" : "superseded", { executionArn: nextArn, executionStatus: next.status });
    }
  }
  const released = await ledgerCall(() => deps.ledger.releaseRerun(record.recordKey, holder));
  return log(released ? "settled" : "superseded", { executionArn: latestArn });
}

/** A STARTED record whose end the ledger has not learned: what Step Functions says now, recorded. */
async function healStatus(deps: SweepDependencies, record: OpenRecord, now: Date, log: Log): Promise<RecordAction> {
  const executionArn = record.executionArn;
  if (executionArn === undefined) {
    return failed(deps, record, now, log, { problem: "a STARTED record without its execution's ARN" });
  }
  const found = await describe(deps.sfn, executionArn);
  if (found.kind === "failed") {
    return failed(deps, record, now, log, { executionArn, errorName: found.errorName });
  }
  if (found.kind === "absent") {
    const closed = await ledgerCall(() => deps.ledger.closeOpenRecord(record, now));
    return log(closed ? "forgotten" : "superseded", {
      executionArn,
      problem: closed ? "Step Functions no longer knows the execution" : undefined,
    });
  }
  const status = found.status ?? "UNKNOWN";
  if (status === record.executionStatus && (found.redriveCount ?? 0) === (record.redriveCount ?? 0)) {
    if (TERMINAL_STATUSES.has(status)) {
      // Nothing to learn, and nothing will change it but a request: out of the index.
      const closed = await ledgerCall(() => deps.ledger.closeOpenRecord(record));
      return closed ? "closed" : "superseded";
    }
    // Still running: look again after as long again as it has run so far, between 15 minutes and 6 hours.
    const runningSince = (found.redriveDate ?? found.startDate ?? now).getTime();
    const wait = Math.min(Math.max(now.getTime() - runningSince, RECONCILE_AFTER_MS), MAX_RECHECK_MS);
    const deferred = await ledgerCall(() => deps.ledger.deferCheck(record, now.getTime() + wait));
    return deferred ? "deferred" : "superseded";
  }
  // Which attempt of the request the execution is, as ledger-status reads it from the event's execution name.
  const { attempt } = parseAttemptName(executionNameOf(executionArn));
  const recorded = await ledgerCall(() => deps.ledger.recordStatus(record.recordKey, { ...statusOf(executionArn, found), attempt }));
  if (recorded) {
    return log("healed", { executionArn, executionStatus: status });
  }
  // Refused: something newer is recorded (a status event got there first) or the record is not what it showed.
  await ledgerCall(() => deps.ledger.deferCheck(record, now.getTime() + RECONCILE_AFTER_MS));
  return "superseded";
}

/** A record that could not be checked now: looked at again after RECONCILE_AFTER_MS, so that it cannot hold up the rest. */
async function failed(
  deps: SweepDependencies,
  record: OpenRecord,
  now: Date,
  log: Log,
  details: Partial<RecordLogRecord>,
): Promise<RecordAction> {
  if (details.errorName !== undefined && STEP_FUNCTIONS_THROTTLING_ERRORS.has(details.errorName)) {
    log("failed", details);
    // Asking faster would not help: the rest waits for the next sweep, as this record does.
    throw new StopSweep("throttled", details.errorName);
  }
  await ledgerCall(() => deps.ledger.deferCheck(record, now.getTime() + RECONCILE_AFTER_MS));
  return log("failed", details);
}

/** A ledger call; a ledger that cannot be read or written stops the sweep, and the handler then fails the invocation. */
async function ledgerCall<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof LedgerUnavailableError) {
      throw new StopSweep(error.throttled ? "throttled" : "ledger-unavailable", error.errorName);
    }
    throw error;
  }
}

type Described =
  | {
      readonly kind: "found";
      readonly status?: string;
      readonly startDate?: Date;
      readonly stopDate?: Date;
      readonly redriveCount?: number;
      readonly redriveDate?: Date;
      readonly input?: string;
    }
  | { readonly kind: "absent" }
  | { readonly kind: "failed"; readonly errorName: string };

async function describe(sfn: SFNClient, executionArn: string): Promise<Described> {
  try {
    const execution = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    return {
      kind: "found",
      status: execution.status,
      startDate: execution.startDate,
      stopDate: execution.stopDate,
      redriveCount: execution.redriveCount,
      redriveDate: execution.redriveDate,
      input: execution.input,
    };
  } catch (error) {
    const name = errorName(error);
    return name === "ExecutionDoesNotExist" ? { kind: "absent" } : { kind: "failed", errorName: name };
  }
}

/** The execution as the ledger records it: what ledger-status would have written from its event. */
function statusOf(executionArn: string, found: Extract<Described, { kind: "found" }>): StatusUpdate {
  return {
    executionArn,
    executionStatus: found.status ?? "UNKNOWN",
    startDate: found.startDate,
    stopDate: found.stopDate,
    redriveCount: found.redriveCount ?? 0,
  };
}

function sha256(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}
