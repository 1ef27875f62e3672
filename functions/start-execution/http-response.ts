import type { APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { executionNameOf } from "../shared/execution-arn";
import { parseAttemptName } from "../shared/execution-attempts";
import { PROBLEM_TYPES, problemResponse } from "../shared/problem";
import { DEFAULT_STEP_FUNCTIONS_HISTORY_DAYS } from "./contract";
import type { StartOutcome } from "./start-execution-once";

/**
 * How each outcome is said over HTTP; README.md "HTTP contract" is the same table in prose.
 * @param statusPath the path of the route the request came in on (`/executions`): an execution's status is at
 *   `<statusPath>/<execution name>` (the workflow's GET route), which every answer naming an execution gives
 *   as its `Location`, a path relative to the host the client called (RFC 9110 allows a relative reference)
 */
export function responseFor(
  outcome: StartOutcome,
  statusPath: string,
  memory: NameMemory = STEP_FUNCTIONS_ONLY,
): APIGatewayProxyStructuredResultV2 {
  switch (outcome.outcome) {
    case "started":
    case "already-running":
    case "rerun-started":
      return {
        statusCode: outcome.outcome === "already-running" ? 200 : 202,
        headers: { "content-type": "application/json", location: statusUrl(statusPath, outcome.executionArn) },
        body: JSON.stringify({
          executionArn: outcome.executionArn,
          executionName: executionNameOf(outcome.executionArn),
          startDate: outcome.startDate.toISOString(),
          status: "RUNNING",
          duplicate: outcome.outcome === "already-running",
          firstSeenAt: outcome.outcome === "started" ? undefined : outcome.firstSeenAt?.toISOString(),
          ...attemptOf(outcome.executionArn, outcome.outcome === "started" ? 0 : outcome.redriveCount),
          rerun: outcome.outcome === "rerun-started" ? true : undefined,
          redriveDate: outcome.outcome === "rerun-started" ? outcome.redriveDate?.toISOString() : undefined,
        }),
      };
    case "already-exists": {
      const executionName = executionNameOf(outcome.executionArn);
      const detail = outcome.attemptsExhausted
        ? `Execution ${executionName} ended with status ${outcome.status} and was the request's last allowed attempt; it is not run again.`
        : outcome.status
          ? `Execution ${executionName} already exists with status ${outcome.status}; it is not started again.`
          : `Execution ${executionName} already exists; it is not started again.`;
      return problemResponse(
        PROBLEM_TYPES.executionExists,
        detail,
        {
          executionArn: outcome.executionArn,
          executionName,
          executionStatus: outcome.status,
          startDate: outcome.startDate?.toISOString(),
          stopDate: outcome.stopDate?.toISOString(),
          firstSeenAt: outcome.firstSeenAt?.toISOString(),
          ...attemptOf(outcome.executionArn, outcome.redriveCount),
          reusableAfter: reusableAfter(outcome, memory)?.toISOString(),
        },
        { location: statusUrl(statusPath, outcome.executionArn) },
      );
    }
    case "claim-in-progress": {
      const executionName = executionNameOf(outcome.executionArn);
      return problemResponse(
        PROBLEM_TYPES.executionExists,
        `Execution ${executionName} is being started by another request at this moment; this request starts nothing. ` +
          "Whether that start succeeds is not known yet: retry after the time given to learn the outcome.",
        {
          executionArn: outcome.executionArn,
          executionName,
          executionStatus: "STARTING",
          firstSeenAt: outcome.firstSeenAt.toISOString(),
        },
        { "retry-after": String(outcome.retryAfterSeconds), location: statusUrl(statusPath, outcome.executionArn) },
      );
    }
    case "key-reused":
      return problemResponse(
        PROBLEM_TYPES.idempotencyKeyReused,
        "This idempotency key was first sent with another request body; this request starts nothing and changes nothing. " +
          "Send the original body to learn how that request went, or use a new key for a new request.",
      );
    case "throttled":
      return problemResponse(
        PROBLEM_TYPES.throttled,
        `${outcome.service} is throttling requests (${outcome.errorName}).`,
        {},
        { "retry-after": String(outcome.retryAfterSeconds) },
      );
    case "unavailable":
      return problemResponse(
        PROBLEM_TYPES.unavailable,
        `${outcome.service} could not take the request (${outcome.errorName}); nothing was started.`,
        {},
        { "retry-after": String(outcome.retryAfterSeconds) },
      );
    case "outcome-unknown":
      return problemResponse(
        PROBLEM_TYPES.unavailable,
        `Step Functions did not answer (${outcome.errorName}); the execution may or may not have started. ` +
          "Retry after the time given: the same request never starts a second execution, and the retry tells which.",
        {},
        { "retry-after": String(outcome.retryAfterSeconds) },
      );
    case "rejected":
      return problemResponse(PROBLEM_TYPES.upstreamFailure, `Step Functions refused to start the execution (${outcome.errorName}).`);
  }
}

/** What remembers a request's name, and so when the same request would start a new execution. */
export interface NameMemory {
  /** Days Step Functions keeps a closed execution's name (stepFunctionsHistoryDays): 90, or 30. */
  readonly historyDays: number;
  /** With a ledger: whether its records expire (`retentionDays`); a ledger without one never forgets. */
  readonly ledger?: { readonly expires: boolean };
}

const STEP_FUNCTIONS_ONLY: NameMemory = { historyDays: DEFAULT_STEP_FUNCTIONS_HISTORY_DAYS };
const DAY_MS = 86_400_000;

/**
 * When the same request would start a new execution, for a closed one: once Step Functions has forgotten the
 * name (its stop plus the account's history days) and, with a ledger that expires, once its record has expired
 * too (a record past its retention lets the request through, and Step Functions then decides). Undefined while
 * the execution runs, when its stop or the record's expiry is not known, and with a ledger that never forgets.
 */
export function reusableAfter(outcome: StartOutcome & { outcome: "already-exists" }, memory: NameMemory): Date | undefined {
  if (!outcome.stopDate) return undefined;
  const forgotten = new Date(outcome.stopDate.getTime() + memory.historyDays * DAY_MS);
  if (!memory.ledger) return forgotten;
  if (!memory.ledger.expires || !outcome.ledgerExpiresAt) return undefined;
  return outcome.ledgerExpiresAt > forgotten ? outcome.ledgerExpiresAt : forgotten;
}

/** Where the execution's status is: the workflow's GET route for it. */
export function statusUrl(statusPath: string, executionArn: string): string {
  return `${statusPath.replace(/\/+$/, "")}/${executionNameOf(executionArn)}`;
}

/** Which attempt of the request an execution is, and how many times it was redriven (when known). */
function attemptOf(executionArn: string, redriveCount: number | undefined): { attempt: number; redriveCount?: number } {
  return { attempt: parseAttemptName(executionNameOf(executionArn)).attempt, redriveCount };
}
