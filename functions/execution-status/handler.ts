import type { SFNClient } from "@aws-sdk/client-sfn";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from "aws-lambda";
import { errorName } from "../shared/aws-errors";
import { EXECUTION_NAME_PATTERN } from "../shared/execution-arn";
import { PROBLEM_TYPES, problemResponse } from "../shared/problem";
import { EXECUTION_NAME_PARAMETER } from "./contract";
import { executionStatus, type LedgerRead } from "./execution-status";
import type { StatusSettings } from "./settings";
import type { StatusLogRecord, StatusLogWriter } from "./status-log";
import { statusResponseFor } from "./status-response";

export interface StatusHandlerDependencies {
  readonly settings: StatusSettings;
  readonly sfn: SFNClient;
  /** With a ledger: executions Step Functions has forgotten are answered from their records. */
  readonly readLedger?: LedgerRead;
  readonly log: StatusLogWriter;
  readonly now?: () => Date;
}

export type StatusHandler = (
  event: APIGatewayProxyEventV2,
  context: Pick<Context, "awsRequestId">,
) => Promise<APIGatewayProxyStructuredResultV2>;

/**
 * The status route's HTTP edge: path -> execution name -> status -> response, one log line per request.
 * Every path answers; an unexpected error becomes a 500 problem without internals.
 */
export function createStatusHandler(dependencies: StatusHandlerDependencies): StatusHandler {
  const { settings, sfn, readLedger, log, now = () => new Date() } = dependencies;

  return async (event, context) => {
    const requestedAt = now();
    const record = (fields: Omit<StatusLogRecord, "message" | "requestId" | "latencyMs" | "level">) =>
      log({
        level: levelFor(fields.statusCode),
        message: "status request",
        requestId: context.awsRequestId,
        latencyMs: now().getTime() - requestedAt.getTime(),
        ...fields,
      });

    const executionName = event.pathParameters?.[EXECUTION_NAME_PARAMETER];
    if (executionName === undefined || !EXECUTION_NAME_PATTERN.test(executionName)) {
      const problem = PROBLEM_TYPES.invalidExecutionName;
      record({ outcome: "invalid-name", statusCode: problem.status });
      return problemResponse(
        problem,
        'An execution name is 1 to 80 characters of A-Z, a-z, 0-9, "_" and "-", as the POST route\'s answer gives it (executionName).',
      );
    }
    try {
      const outcome = await executionStatus(sfn, readLedger, {
        stateMachineArn: settings.stateMachineArn,
        executionName,
        exposeOutput: settings.exposeOutput,
      });
      const response = statusResponseFor(outcome);
      record({
        executionName,
        outcome: outcome.outcome,
        statusCode: response.statusCode!,
        executionStatus: "execution" in outcome ? outcome.execution.status : undefined,
        errorName: "errorName" in outcome ? outcome.errorName : undefined,
      });
      return response;
    } catch (error) {
      record({ executionName, outcome: "internal-error", statusCode: PROBLEM_TYPES.internal.status, errorName: errorName(error) });
      return problemResponse(PROBLEM_TYPES.internal, "The request could not be handled.");
    }
  };
}

function levelFor(statusCode: number): StatusLogRecord["level"] {
  if (statusCode >= 500) return "ERROR";
  return statusCode === 429 ? "WARN" : "INFO";
}
