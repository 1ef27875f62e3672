import type { APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { parseAttemptName } from "../shared/execution-attempts";
import { PROBLEM_TYPES, problemResponse } from "../shared/problem";
import { executionNameOf, type StartOutcome } from "./start-execution-once";

/**
 * How each outcome is said over HTTP; README.md "HTTP contract" is the same table in prose.
 * @param statusPath the path of the route the request came in on (`/executions`): an execution's status is at
 *   `<statusPath>/<execution name>` (the workflow's GET route), which every answer naming an execution gives
 *   as its `Location`, a path relative to the host the client called (RFC 9110 allows a relative reference)
 */
export function responseFor(outcome: StartOutcome, statusPath: string): APIGatewayProxyStructuredResultV2 {
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
      return problemResponse(
        PROBLEM_TYPES.upstreamFailure,
        `Step Functions refused to start the execution (${outcome.errorName}).`,
      );
  }
}

/** Where the execution's status is: the workflow's GET route for it. */
export function statusUrl(statusPath: string, executionArn: string): string {
  return `${statusPath.replace(/\/+$/, "")}/${executionNameOf(executionArn)}`;
}

/** Which attempt of the request an execution is, and how many times it was redriven (when known). */
function attemptOf(executionArn: string, redriveCount: number | undefined): { attempt: number; redriveCount?: number } {
  return { attempt: parseAttemptName(executionNameOf(executionArn)).attempt, redriveCount };
}
