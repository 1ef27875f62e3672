import { createHash } from "node:crypto";
import type { SFNClient } from "@aws-sdk/client-sfn";
import { errorName, RETRY_AFTER_SECONDS } from "../shared/aws-errors";
import { executionArnFor } from "../shared/execution-arn";
import { type ExecutionLedger, LedgerUnavailableError, type LedgerRecord, TERMINAL_STATUSES } from "../shared/execution-ledger";
import {
  describeExecution,
  type StartOutcome,
  type StartRequest,
  startExecutionOnce,
} from "./start-execution-once";

export interface LedgerSettings {
  readonly ledger: ExecutionLedger;
  /** How long a claim protects an invocation; longer than the function's timeout. */
  readonly leaseMs: number;
  /** Days after which a request may run again; undefined: never. */
  readonly retentionDays?: number;
}

export interface LedgerStart {
  readonly outcome: StartOutcome;
  /** A ledger write that failed after the fact (recording or releasing); the answer stays true. */
  readonly ledgerError?: string;
}

/**
 * StartExecution behind the ledger (write order and failure handling: functions/shared/execution-ledger.ts).
 * A duplicate is answered from the ledger, at any age, and never reaches StartExecution.
 */
export async function startWithLedger(
  sfn: SFNClient,
  settings: LedgerSettings,
  request: StartRequest & { readonly owner: string },
): Promise<LedgerStart> {
  const { ledger } = settings;
  const inputSha256 = createHash("sha256").update(request.input, "utf8").digest("hex");
  let claim;
  try {
    claim = await ledger.claim({
      executionName: request.executionName,
      owner: request.owner,
      inputSha256,
      now: request.requestedAt,
      leaseMs: settings.leaseMs,
      retentionDays: settings.retentionDays,
    });
  } catch (error) {
    if (!(error instanceof LedgerUnavailableError)) throw error;
    return {
      outcome: error.throttled
        ? { outcome: "throttled", service: "DynamoDB", errorName: error.errorName, retryAfterSeconds: RETRY_AFTER_SECONDS.throttled }
        : { outcome: "unavailable", service: "DynamoDB", errorName: error.errorName, retryAfterSeconds: RETRY_AFTER_SECONDS.unavailable },
    };
  }
  if (!claim.claimed) {
    return answerDuplicate(sfn, ledger, request, claim.record, inputSha256);
  }

  const firstSeenAt = new Date(claim.firstSeenAt);
  const outcome = await startExecutionOnce(sfn, request);
  switch (outcome.outcome) {
    case "started":
    case "already-running":
    case "already-exists": {
      const ledgerError = await attempt(() =>
        ledger.recordStarted(request.executionName, request.owner, {
          executionArn: outcome.executionArn,
          executionStatus: outcome.outcome === "already-exists" ? (outcome.status ?? "UNKNOWN") : "RUNNING",
          startDate: outcome.startDate,
          stopDate: outcome.outcome === "already-exists" ? outcome.stopDate : undefined,
        },
        // Only an execution this request started runs with its input; otherwise the claim's hash stays.
        outcome.outcome === "started" ? inputSha256 : undefined,
        ),
      );
      // A takeover can find the execution already there: say since when the ledger has known the request.
      return { outcome: outcome.outcome === "started" ? outcome : { ...outcome, firstSeenAt }, ledgerError };
    }
    case "outcome-unknown":
      // The execution may have started: keep the claim, so that it is taken over once its lease is over and
      // the takeover's StartExecution (same name) finds the execution or starts it. Releasing it would let
      // the status updater find no record to complete, and the request run again after 90 days.
      return {
        outcome: { ...outcome, retryAfterSeconds: Math.max(outcome.retryAfterSeconds, Math.ceil(settings.leaseMs / 1000)) },
      };
    default:
      // Step Functions answered with a refusal, or was never reached: nothing was started. Give the claim
      // up so that a retry can have it.
      return { outcome, ledgerError: await attempt(() => ledger.release(request.executionName, request.owner)) };
  }
}

async function answerDuplicate(
  sfn: SFNClient,
  ledger: ExecutionLedger,
  request: StartRequest,
  record: LedgerRecord,
  inputSha256: string,
): Promise<LedgerStart> {
  const executionArn = record.executionArn ?? executionArnFor(request.stateMachineArn, request.executionName);
  const firstSeenAt = new Date(record.firstSeenAt);
  if (record.state === "CLAIMED") {
    const leaseLeftMs = (record.leaseExpiresAt ?? 0) - request.requestedAt.getTime();
    return { outcome: { outcome: "claim-in-progress", executionArn, firstSeenAt, retryAfterSeconds: Math.max(1, Math.ceil(leaseLeftMs / 1000)) } };
  }
  const fromLedger: StartOutcome = {
    outcome: "already-exists",
    executionArn,
    status: record.executionStatus,
    startDate: record.startDate ? new Date(record.startDate) : undefined,
    stopDate: record.stopDate ? new Date(record.stopDate) : undefined,
    firstSeenAt,
  };
  if (record.executionStatus && TERMINAL_STATUSES.has(record.executionStatus)) {
    return { outcome: fromLedger };
  }
  // Not known to have ended: Step Functions may know better, or may have forgotten the execution.
  const current = await describeExecution(sfn, executionArn);
  if (!current.described) {
    return { outcome: { ...fromLedger, describeError: current.errorName } };
  }
  const ledgerError =
    current.status && current.status !== record.executionStatus
      ? await attempt(() =>
          ledger.recordStatus(request.executionName, {
            executionArn,
            executionStatus: current.status!,
            stopDate: current.stopDate,
            redriveCount: current.redriveCount,
          }),
        )
      : undefined;
  if (current.status === "RUNNING" && record.inputSha256 === inputSha256 && current.startDate) {
    return { outcome: { outcome: "already-running", executionArn, startDate: current.startDate, firstSeenAt }, ledgerError };
  }
  return {
    outcome: { ...fromLedger, status: current.status, startDate: current.startDate, stopDate: current.stopDate },
    ledgerError,
  };
}

/** Runs a ledger write whose failure must not change the answer; returns its error name, if any. */
async function attempt(write: () => Promise<boolean>): Promise<string | undefined> {
  try {
    await write();
    return undefined;
  } catch (error) {
    return error instanceof LedgerUnavailableError ? error.errorName : errorName(error);
  }
}
