import type { APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { PROBLEM_TYPES, problemResponse } from "../shared/problem";
import type { StartOutcome } from "./start-execution-once";

/** How each outcome is said over HTTP; README.md "HTTP contract" is the same table in prose. */
export function responseFor(outcome: StartOutcome, executionName: string): APIGatewayProxyStructuredResultV2 {
  switch (outcome.outcome) {
    case "started":
    case "already-running":
      return {
        statusCode: outcome.outcome === "started" ? 202 : 200,
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          executionArn: outcome.executionArn,
          executionName,
          startDate: outcome.startDate.toISOString(),
          status: "RUNNING",
          duplicate: outcome.outcome === "already-running",
          firstSeenAt: outcome.outcome === "already-running" ? outcome.firstSeenAt?.toISOString() : undefined,
        }),
      };
    case "already-exists":
      return problemResponse(
        PROBLEM_TYPES.executionExists,
        outcome.status
          ? `Execution ${executionName} already exists with status ${outcome.status}; it is not started again.`
          : `Execution ${executionName} already exists; it is not started again.`,
        {
          executionArn: outcome.executionArn,
          executionName,
          executionStatus: outcome.status,
          startDate: outcome.startDate?.toISOString(),
          stopDate: outcome.stopDate?.toISOString(),
          firstSeenAt: outcome.firstSeenAt?.toISOString(),
        },
      );
    case "claim-in-progress":
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
        { "retry-after": String(outcome.retryAfterSeconds) },
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
