import type { APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { executionNameOf } from "../shared/execution-arn";
import { PROBLEM_TYPES, problemResponse } from "../shared/problem";
import type { ExecutionView, StatusOutcome } from "./execution-status";

/**
 * How long a client or a browser may reuse an answer. Only SUCCEEDED is final for good: a FAILED, TIMED_OUT
 * or ABORTED execution can be redriven (RedriveExecution reopens it under the same name), a running one
 * changes at any moment, a name not found may be started the next, and the ledger's answer is its last
 * known status. Those are never stored, so a poll always sees the change. A succeeded execution may be
 * reused for a minute, by the client only (`private`): the answer is per caller when authorization is on,
 * and may carry the output.
 */
export const CACHE_CONTROL = { final: "private, max-age=60", changing: "no-store" } as const;

/** How each outcome is said over HTTP; README.md "HTTP contract" has the same table. */
export function statusResponseFor(outcome: StatusOutcome): APIGatewayProxyStructuredResultV2 {
  switch (outcome.outcome) {
    case "described":
    case "from-ledger":
      return {
        statusCode: 200,
        headers: {
          "content-type": "application/json",
          "cache-control": outcome.execution.status === "SUCCEEDED" ? CACHE_CONTROL.final : CACHE_CONTROL.changing,
        },
        body: JSON.stringify(bodyOf(outcome.execution, outcome.outcome === "described" ? "step-functions" : "ledger")),
      };
    case "not-found":
      return problemResponse(
        PROBLEM_TYPES.executionNotFound,
        `No execution ${executionNameOf(outcome.executionArn)} of this workflow is known: ` +
          "it was never started, is being started at this moment, or has been forgotten.",
        { executionArn: outcome.executionArn },
        { "cache-control": CACHE_CONTROL.changing },
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
        `${outcome.service} could not answer (${outcome.errorName}).`,
        {},
        { "retry-after": String(outcome.retryAfterSeconds) },
      );
    case "refused":
      return problemResponse(PROBLEM_TYPES.internal, "The request could not be handled.");
  }
}

/**
 * The answer's members, in this order; absent ones are left out. `source` says who answered: Step Functions,
 * or the ledger once Step Functions has forgotten the execution (then without error, cause or output).
 */
function bodyOf(execution: ExecutionView, source: "step-functions" | "ledger") {
  return {
    executionArn: execution.executionArn,
    executionName: execution.executionName,
    status: execution.status,
    startDate: execution.startDate?.toISOString(),
    stopDate: execution.stopDate?.toISOString(),
    error: execution.error,
    cause: execution.cause,
    // Step Functions' output is JSON text; the answer carries it as the JSON value it is.
    output: execution.output === undefined ? undefined : (JSON.parse(execution.output) as unknown),
    attempt: execution.attempt,
    redriveCount: execution.redriveCount,
    redriveDate: execution.redriveDate?.toISOString(),
    firstSeenAt: execution.firstSeenAt?.toISOString(),
    source,
  };
}
