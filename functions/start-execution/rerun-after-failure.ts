import type { SFNClient } from "@aws-sdk/client-sfn";
import { RETRY_AFTER_SECONDS } from "../shared/aws-errors";
import { executionArnFor, executionNameOf } from "../shared/execution-arn";
import { attemptExecutionName, MAX_ATTEMPTS, parseAttemptName } from "../shared/execution-attempts";
import {
  type AlreadyExists,
  alreadyExists,
  describeExecution,
  describeFailure,
  failedInFailState,
  redriveExecution,
  type StartOutcome,
  type StartRequest,
  startExecutionOnce,
} from "./start-execution-once";

/** The ends after which a workflow that re-runs failed requests runs one again. */
export const RERUNNABLE_STATUSES: ReadonlySet<string> = new Set(["FAILED", "TIMED_OUT", "ABORTED"]);

/**
 * A concurrent request can change the latest attempt between this request's look and its action (it redrives
 * it, or starts the next): each change is seen again and answered, a bounded number of times.
 */
const MAX_RERUN_ROUNDS = 3;

/** How a workflow treats a request whose execution exists. */
export interface StartPolicy {
  /** `rerun: "after-failure"`: a request whose last attempt failed, timed out or was aborted runs again. */
  readonly rerunAfterFailure: boolean;
  /**
   * Named by an idempotency key: the same key with another payload is refused (422), not answered as a
   * duplicate. Other keys are made from the payload, or allow other fields to differ (a business key).
   */
  readonly refuseOtherInput: boolean;
}

/** The policy of a workflow that neither re-runs nor takes idempotency keys: the original behaviour. */
export const RUN_ONCE: StartPolicy = { rerunAfterFailure: false, refuseOtherInput: false };

/**
 * Starts a request without a ledger: its first attempt under its own name, and what the workflow's policy
 * says when that execution exists. Step Functions' names are the only record, so a request whose first
 * attempt it has forgotten starts again from attempt 1, as without re-runs.
 */
export async function startRequest(sfn: SFNClient, request: StartRequest, policy: StartPolicy): Promise<StartOutcome> {
  const outcome = await startExecutionOnce(sfn, request);
  if (outcome.outcome !== "already-exists") {
    return outcome;
  }
  if (outcome.describeError && (policy.refuseOtherInput || policy.rerunAfterFailure)) {
    // Without the execution's input and status, neither a reused key nor a re-runnable failure can be told:
    // a 409 could be final for a request that is due a 422 or a re-run. The client retries instead.
    return describeFailure(outcome.describeError);
  }
  if (isOtherInput(policy, request, outcome)) {
    return { outcome: "key-reused", executionArn: outcome.executionArn };
  }
  if (!policy.rerunAfterFailure || !RERUNNABLE_STATUSES.has(outcome.status ?? "")) {
    return outcome;
  }
  const latest = await latestAttempt(sfn, request, outcome);
  return latest.outcome === "already-exists" ? rerunLatest(sfn, request, policy, latest) : latest;
}

/**
 * Whether redriving would run the failed work again: an aborted or timed-out execution restarts in the state it
 * was in, and a failed one in the state that failed, unless that is a Fail state (a Catch led there), which would
 * only fail again. One GetExecutionHistory call for a FAILED execution, none otherwise.
 */
async function worthRedriving(sfn: SFNClient, execution: AlreadyExists): Promise<boolean | { readonly errorName: string }> {
  if (execution.status !== "FAILED") {
    return true;
  }
  const inFailState = await failedInFailState(sfn, execution.executionArn);
  return typeof inFailState === "object" ? inFailState : !inFailState;
}

/**
 * The answer when the function has no time left for another call: 503 with a short Retry-After. Nothing more is
 * started by this request; the next one goes on from what Step Functions (and the ledger) say then.
 */
export function outOfTime(request: StartRequest): StartOutcome | undefined {
  if (!request.hasTimeForCall || request.hasTimeForCall()) return undefined;
  return { outcome: "unavailable", service: "Step Functions", errorName: "OutOfTime", retryAfterSeconds: RETRY_AFTER_SECONDS.throttled };
}

/** Whether the request carries another input than the key's execution runs (only idempotency keys care). */
export function isOtherInput(policy: StartPolicy, request: StartRequest, existing: AlreadyExists): boolean {
  return policy.refuseOtherInput && existing.input !== undefined && existing.input !== request.input;
}

/**
 * The request's latest attempt, given that its first exists and failed. Attempts are started one after the
 * other, each only once the one before has failed, and Step Functions forgets the oldest first, so while
 * attempt 1 is remembered attempts 1..k all exist and k + 1 does not: the search probes 2, 4, 8… until one
 * is missing, then halves the gap between the last found and the first missing. That is one DescribeExecution
 * when the request has failed once, three when its second attempt exists, and at most 13 with MAX_ATTEMPTS
 * (100): 7 probes up to 100, then 6 halvings of the gap between 64 and 100.
 */
export async function latestAttempt(sfn: SFNClient, request: StartRequest, first: AlreadyExists): Promise<AlreadyExists | StartOutcome> {
  let latest = first;
  let known = 1;
  let missing = MAX_ATTEMPTS + 1;
  const probe = async (attempt: number): Promise<StartOutcome | "missing" | undefined> => {
    const late = outOfTime(request);
    if (late) return late;
    const arn = executionArnFor(request.stateMachineArn, attemptExecutionName(request.executionName, attempt));
    const found = await describeExecution(sfn, arn);
    if (!found.described) {
      return found.notFound ? "missing" : describeFailure(found.errorName);
    }
    if (found.startDate && first.startDate && found.startDate < first.startDate) {
      // Started before attempt 1 was: an attempt of an earlier run of this request, whose attempt 1 Step Functions
      // has forgotten (and which therefore started again from attempt 1). It is not this run's.
      return "missing";
    }
    latest = alreadyExists(arn, found);
    known = attempt;
    return undefined;
  };
  for (let attempt = 2; ; attempt = Math.min(attempt * 2, MAX_ATTEMPTS)) {
    const result = await probe(attempt);
    if (result === "missing") {
      missing = attempt;
      break;
    }
    if (result) return result;
    if (attempt === MAX_ATTEMPTS) break;
  }
  while (missing - known > 1) {
    const attempt = Math.floor((known + missing) / 2);
    const result = await probe(attempt);
    if (result === "missing") {
      missing = attempt;
    } else if (result) {
      return result;
    }
  }
  return latest;
}

/**
 * Runs the request again after its latest attempt, if that attempt failed: RedriveExecution while Step Functions
 * allows it (it reruns the execution's own input from the state that failed) and the failure was not in a Fail
 * state, else the next attempt under its own name with this request's input. Concurrent requests start at most
 * one: of concurrent redrives Step Functions accepts one, and of concurrent starts the name lets one run. A
 * running attempt answers as a duplicate, a succeeded one as a refusal, whoever started it.
 */
export async function rerunLatest(
  sfn: SFNClient,
  request: StartRequest,
  policy: StartPolicy,
  latest: AlreadyExists,
): Promise<StartOutcome> {
  let current = latest;
  for (let round = 0; round < MAX_RERUN_ROUNDS; round++) {
    if (isOtherInput(policy, request, current)) {
      return { outcome: "key-reused", executionArn: current.executionArn };
    }
    if (current.status === "RUNNING" && current.input === request.input && current.startDate) {
      return {
        outcome: "already-running",
        executionArn: current.executionArn,
        startDate: current.startDate,
        redriveCount: current.redriveCount,
      };
    }
    if (!RERUNNABLE_STATUSES.has(current.status ?? "")) {
      return current;
    }
    const late = outOfTime(request);
    if (late) return late;
    const redrivable = current.redriveStatus === "REDRIVABLE" && (await worthRedriving(sfn, current));
    if (typeof redrivable === "object") {
      return describeFailure(redrivable.errorName);
    }
    if (redrivable) {
      const lateToRedrive = outOfTime(request);
      if (lateToRedrive) return lateToRedrive;
      // The token names the run that failed: requests answering the same failure redrive it once between them.
      const redrive = await redriveExecution(sfn, current.executionArn, `rerun-after-run-${current.redriveCount ?? 0}`);
      if (redrive.redriven) {
        return {
          outcome: "rerun-started",
          executionArn: current.executionArn,
          startDate: current.startDate ?? request.requestedAt,
          redriveCount: (current.redriveCount ?? 0) + 1,
          redriveDate: redrive.redriveDate,
        };
      }
      if (!redrive.notRedrivable) {
        return redrive.failure;
      }
      // Another request redrove it first (or its redrive period ended just now): look again.
      const lateToLook = outOfTime(request);
      if (lateToLook) return lateToLook;
      const again = await describeExecution(sfn, current.executionArn);
      if (!again.described) {
        return describeFailure(again.errorName);
      }
      current = alreadyExists(current.executionArn, again);
      continue;
    }
    const { requestName, attempt } = parseAttemptName(executionNameOf(current.executionArn));
    if (attempt >= MAX_ATTEMPTS) {
      return { ...current, attemptsExhausted: true };
    }
    const lateToStart = outOfTime(request);
    if (lateToStart) return lateToStart;
    const next = await startExecutionOnce(sfn, { ...request, executionName: attemptExecutionName(requestName, attempt + 1) });
    if (next.outcome === "started") {
      return { outcome: "rerun-started", executionArn: next.executionArn, startDate: next.startDate, redriveCount: 0 };
    }
    if (next.outcome !== "already-exists") {
      return next;
    }
    // Another request started that attempt with other input, or it has already ended: answer for it.
    current = next;
  }
  return current;
}
