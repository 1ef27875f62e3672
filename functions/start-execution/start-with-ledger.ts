import { createHash } from "node:crypto";
import type { SFNClient } from "@aws-sdk/client-sfn";
import { errorName, RETRY_AFTER_SECONDS } from "../shared/aws-errors";
import { executionArnFor, executionNameOf } from "../shared/execution-arn";
import { parseAttemptName } from "../shared/execution-attempts";
import {
  type ClaimResult,
  type ExecutionLedger,
  type LedgerRecord,
  LedgerUnavailableError,
  TERMINAL_STATUSES,
} from "../shared/execution-ledger";
import { isOtherInput, outOfTime, RERUNNABLE_STATUSES, RUN_ONCE, rerunLatest, type StartPolicy } from "./rerun-after-failure";
import {
  type AlreadyExists,
  alreadyExists,
  describeExecution,
  describeFailure,
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
 * StartExecution behind the ledger (write order and failure handling: functions/shared/ledger-protocol.ts).
 * A duplicate is answered from the ledger, at any age, and never reaches StartExecution.
 */
export async function startWithLedger(
  sfn: SFNClient,
  settings: LedgerSettings,
  request: StartRequest & { readonly owner: string },
  policy: StartPolicy = RUN_ONCE,
): Promise<LedgerStart> {
  const { ledger } = settings;
  const inputSha256 = sha256(request.input);
  let claim: ClaimResult;
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
    return { outcome: ledgerUnavailable(error) };
  }
  if (!claim.claimed) {
    if (policy.refuseOtherInput && claim.record.inputSha256 !== inputSha256) {
      // The key's first request had another body: refused whatever became of it, and nothing changes.
      return {
        outcome: {
          outcome: "key-reused",
          executionArn: claim.record.executionArn ?? executionArnFor(request.stateMachineArn, request.executionName),
        },
      };
    }
    return answerDuplicate(sfn, settings, request, claim.record, inputSha256, policy);
  }

  const firstSeenAt = new Date(claim.firstSeenAt);
  const outcome = await startExecutionOnce(sfn, request);
  switch (outcome.outcome) {
    case "started":
    case "already-running":
    case "already-exists": {
      const ledgerError = await tryWrite(() =>
        ledger.recordStarted(
          request.executionName,
          request.owner,
          {
            executionArn: outcome.executionArn,
            executionStatus: outcome.outcome === "already-exists" ? (outcome.status ?? "UNKNOWN") : "RUNNING",
            startDate: outcome.startDate,
            stopDate: outcome.outcome === "already-exists" ? outcome.stopDate : undefined,
            redriveCount: outcome.outcome === "already-exists" ? outcome.redriveCount : undefined,
          },
          // The hash of the input the execution runs: this request's if it started it, the execution's own if
          // it could be described; otherwise the claim's stays.
          outcome.outcome === "started"
            ? inputSha256
            : outcome.outcome === "already-exists" && outcome.input !== undefined
              ? sha256(outcome.input)
              : undefined,
        ),
      );
      if (outcome.outcome === "already-exists" && outcome.describeError && (policy.refuseOtherInput || policy.rerunAfterFailure)) {
        // Neither a reused key nor a re-runnable failure can be told without the execution: the client retries.
        return { outcome: describeFailure(outcome.describeError), ledgerError };
      }
      if (outcome.outcome === "already-exists" && isOtherInput(policy, request, outcome)) {
        return { outcome: { outcome: "key-reused", executionArn: outcome.executionArn }, ledgerError };
      }
      if (
        outcome.outcome === "already-exists" &&
        policy.rerunAfterFailure &&
        RERUNNABLE_STATUSES.has(outcome.status ?? "") &&
        !ledgerError
      ) {
        // A takeover (or a ledger added after the fact) found the request's execution failed: run it again.
        return rerunFromLedger(sfn, settings, request, policy);
      }
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
      return { outcome, ledgerError: await tryWrite(() => ledger.release(request.executionName, request.owner)) };
  }
}

async function answerDuplicate(
  sfn: SFNClient,
  settings: LedgerSettings,
  request: StartRequest & { readonly owner: string },
  record: LedgerRecord,
  inputSha256: string,
  policy: StartPolicy,
): Promise<LedgerStart> {
  const { ledger } = settings;
  const executionArn = record.executionArn ?? executionArnFor(request.stateMachineArn, request.executionName);
  const firstSeenAt = new Date(record.firstSeenAt);
  const claimInProgress = inProgress(record, executionArn, request.requestedAt);
  if (claimInProgress) {
    return { outcome: claimInProgress };
  }
  const fromLedger: StartOutcome = {
    ...recordedExecution(record, executionArn),
    firstSeenAt,
    ledgerExpiresAt: record.expiresAt === undefined ? undefined : new Date(record.expiresAt * 1000),
  };
  if (record.executionStatus && TERMINAL_STATUSES.has(record.executionStatus)) {
    return policy.rerunAfterFailure && RERUNNABLE_STATUSES.has(record.executionStatus)
      ? rerunFromLedger(sfn, settings, request, policy, record)
      : { outcome: fromLedger };
  }
  // Not known to have ended: Step Functions may know better, or may have forgotten the execution.
  const current = await describeExecution(sfn, executionArn);
  if (!current.described) {
    return { outcome: { ...fromLedger, describeError: current.errorName } };
  }
  const ledgerError =
    current.status && (current.status !== record.executionStatus || (current.redriveCount ?? 0) !== (record.redriveCount ?? 0))
      ? await tryWrite(() =>
          ledger.recordStatus(request.executionName, {
            executionArn,
            executionStatus: current.status!,
            stopDate: current.stopDate,
            redriveCount: current.redriveCount,
            attempt: record.attempt,
          }),
        )
      : undefined;
  if (current.status === "RUNNING" && record.inputSha256 === inputSha256 && current.startDate) {
    return { outcome: { outcome: "already-running", executionArn, startDate: current.startDate, firstSeenAt }, ledgerError };
  }
  if (policy.rerunAfterFailure && RERUNNABLE_STATUSES.has(current.status ?? "") && !ledgerError) {
    return rerunFromLedger(sfn, settings, request, policy);
  }
  return {
    outcome: {
      ...fromLedger,
      status: current.status,
      startDate: current.startDate,
      stopDate: current.stopDate,
      redriveCount: current.redriveCount,
    },
    ledgerError,
  };
}

/**
 * Re-runs the attempt the record names, as Step Functions describes it now. An attempt Step Functions has
 * forgotten (past its history) is the failure the record says it was, and can no longer be redriven: the next
 * attempt starts.
 */
async function rerunRecorded(
  sfn: SFNClient,
  request: StartRequest,
  policy: StartPolicy,
  record: LedgerRecord,
  latestArn: string,
): Promise<StartOutcome> {
  const late = outOfTime(request);
  if (late) return late;
  const latest = await describeExecution(sfn, latestArn);
  if (latest.described) {
    return rerunLatest(sfn, request, policy, alreadyExists(latestArn, latest));
  }
  if (!latest.notFound) {
    return describeFailure(latest.errorName);
  }
  return rerunLatest(sfn, request, policy, recordedExecution(record, latestArn));
}

/** The execution as the ledger's record last knew it: its status, dates and redrive count. */
function recordedExecution(record: LedgerRecord, executionArn: string): AlreadyExists {
  return {
    outcome: "already-exists",
    executionArn,
    status: record.executionStatus,
    startDate: record.startDate ? new Date(record.startDate) : undefined,
    stopDate: record.stopDate ? new Date(record.stopDate) : undefined,
    redriveCount: record.redriveCount,
  };
}

/** A request being started (CLAIMED), or re-run (a live claim on a STARTED record), by another request now. */
function inProgress(record: LedgerRecord, executionArn: string, now: Date): StartOutcome | undefined {
  const leaseLeftMs = (record.leaseExpiresAt ?? 0) - now.getTime();
  if (record.state !== "CLAIMED" && !(record.claimedBy !== undefined && leaseLeftMs > 0)) {
    return undefined;
  }
  return {
    outcome: "claim-in-progress",
    executionArn,
    firstSeenAt: new Date(record.firstSeenAt),
    retryAfterSeconds: Math.max(1, Math.ceil(leaseLeftMs / 1000)),
  };
}

/**
 * Re-runs a request whose recorded execution failed (rerun: "after-failure"). The re-run is claimed on the
 * record first, so that of concurrent re-runs one acts; it then looks at the execution itself (a re-run that
 * died after acting may have redriven it or started the next attempt) and acts as without a ledger. The
 * record follows the attempt that runs; a re-run that started nothing gives its claim up.
 * @param seen the record as read, when the caller has it; otherwise it is read here
 */
async function rerunFromLedger(
  sfn: SFNClient,
  settings: LedgerSettings,
  request: StartRequest & { readonly owner: string },
  policy: StartPolicy,
  seen?: LedgerRecord,
): Promise<LedgerStart> {
  const { ledger } = settings;
  let record: LedgerRecord | undefined;
  try {
    record = seen ?? (await ledger.read(request.executionName));
    const claimed =
      record &&
      (await ledger.claimRerun(request.executionName, {
        seen: record,
        owner: request.owner,
        now: request.requestedAt,
        leaseMs: settings.leaseMs,
      }));
    if (!claimed) {
      // Another request re-ran it, or holds the re-run now: answer from what the record says after it, as for
      // any duplicate (being re-run, running, ended), without trying again.
      const after = await ledger.read(request.executionName);
      if (!after) throw new LedgerUnavailableError(false, "RecordVanished");
      return answerDuplicate(sfn, settings, request, after, sha256(request.input), { ...policy, rerunAfterFailure: false });
    }
  } catch (error) {
    if (!(error instanceof LedgerUnavailableError)) throw error;
    return { outcome: ledgerUnavailable(error) };
  }
  const latestArn = record!.executionArn ?? executionArnFor(request.stateMachineArn, request.executionName);
  const outcome = await rerunRecorded(sfn, request, policy, record!, latestArn);
  switch (outcome.outcome) {
    case "rerun-started":
    case "already-running":
    case "already-exists": {
      const { attempt } = parseAttemptName(executionNameOf(outcome.executionArn));
      const running = outcome.outcome !== "already-exists";
      const ledgerError = await tryWrite(() =>
        ledger.recordStarted(
          request.executionName,
          request.owner,
          {
            executionArn: outcome.executionArn,
            executionStatus: running ? "RUNNING" : (outcome.status ?? "UNKNOWN"),
            startDate: outcome.startDate,
            stopDate: running ? undefined : outcome.stopDate,
            redriveCount: outcome.redriveCount,
            attempt,
          },
          // A new attempt runs this request's input; a redriven execution runs its own.
          outcome.outcome === "rerun-started" && outcome.redriveCount === 0 ? sha256(request.input) : undefined,
        ),
      );
      return { outcome: { ...outcome, firstSeenAt: new Date(record!.firstSeenAt) }, ledgerError };
    }
    case "outcome-unknown":
      // The next attempt may have started: keep the claim, so that a later request takes it over once its lease
      // is over, finds what this one did, and records it.
      return { outcome: { ...outcome, retryAfterSeconds: Math.max(outcome.retryAfterSeconds, Math.ceil(settings.leaseMs / 1000)) } };
    default:
      return { outcome, ledgerError: await tryWrite(() => ledger.releaseRerun(request.executionName, request.owner)) };
  }
}

function ledgerUnavailable(error: LedgerUnavailableError): StartOutcome {
  return error.throttled
    ? { outcome: "throttled", service: "DynamoDB", errorName: error.errorName, retryAfterSeconds: RETRY_AFTER_SECONDS.throttled }
    : { outcome: "unavailable", service: "DynamoDB", errorName: error.errorName, retryAfterSeconds: RETRY_AFTER_SECONDS.unavailable };
}

function sha256(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}

/** Runs a ledger write whose failure must not change the answer; returns its error name, if any. */
async function tryWrite(write: () => Promise<boolean>): Promise<string | undefined> {
  try {
    await write();
    return undefined;
  } catch (error) {
    return error instanceof LedgerUnavailableError ? error.errorName : errorName(error);
  }
}
