import { DescribeExecutionCommand, type DescribeExecutionCommandOutput, type SFNClient } from "@aws-sdk/client-sfn";
import { errorName, RETRY_AFTER_SECONDS, type ServiceErrorShape, STEP_FUNCTIONS_THROTTLING_ERRORS } from "../shared/aws-errors";
import { executionArnFor } from "../shared/execution-arn";
import { parseAttemptName } from "../shared/execution-attempts";
import { type LedgerRecord, LedgerUnavailableError } from "../shared/execution-ledger";

/** A request's ledger record by the request's name (attempt 1's), read consistently; undefined: none. */
export type LedgerRead = (requestName: string) => Promise<LedgerRecord | undefined>;

export interface StatusRequest {
  readonly stateMachineArn: string;
  /** Already checked against EXECUTION_NAME_PATTERN. */
  readonly executionName: string;
  readonly exposeOutput: boolean;
}

/** Statuses whose execution ended in failure: only they have an error and a cause worth telling. */
const FAILED_STATUSES: ReadonlySet<string> = new Set(["FAILED", "TIMED_OUT", "ABORTED"]);

/** An execution as the status route tells it. */
export interface ExecutionView {
  readonly executionArn: string;
  readonly executionName: string;
  readonly status: string;
  readonly startDate?: Date;
  readonly stopDate?: Date;
  /** Which attempt of its request the execution is (functions/shared/execution-attempts.ts). */
  readonly attempt: number;
  readonly redriveCount: number;
  readonly redriveDate?: Date;
  readonly error?: string;
  readonly cause?: string;
  /** The output's JSON text: only for a succeeded execution of a workflow that exposes it. */
  readonly output?: string;
  /** With the ledger's answer: when the ledger first saw the request. */
  readonly firstSeenAt?: Date;
}

export type AwsService = "Step Functions" | "DynamoDB";

export type StatusOutcome =
  /** Step Functions described it. */
  | { readonly outcome: "described"; readonly execution: ExecutionView }
  /** Step Functions has forgotten it; the ledger's record of it is the answer: its last known status. */
  | { readonly outcome: "from-ledger"; readonly execution: ExecutionView }
  | { readonly outcome: "not-found"; readonly executionArn: string }
  | { readonly outcome: "throttled"; readonly service: AwsService; readonly errorName: string; readonly retryAfterSeconds: number }
  | { readonly outcome: "unavailable"; readonly service: AwsService; readonly errorName: string; readonly retryAfterSeconds: number }
  /** Step Functions refused in a way retrying does not mend (access denied, an ARN it refuses): a 500. */
  | { readonly outcome: "refused"; readonly errorName: string };

/**
 * The status of one execution of the function's own state machine: DescribeExecution on the ARN its name
 * makes, so no other state machine's execution can be named. A name Step Functions does not know is looked
 * up in the ledger, when there is one: Step Functions forgets an execution 90 days after it closed.
 */
export async function executionStatus(sfn: SFNClient, readLedger: LedgerRead | undefined, request: StatusRequest): Promise<StatusOutcome> {
  const executionArn = executionArnFor(request.stateMachineArn, request.executionName);
  const { attempt } = parseAttemptName(request.executionName);
  let described: DescribeExecutionCommandOutput;
  try {
    described = await sfn.send(
      new DescribeExecutionCommand({
        executionArn,
        // Without the output the function never holds the execution's data, input or output, at all.
        includedData: request.exposeOutput ? "ALL_DATA" : "METADATA_ONLY",
      }),
    );
  } catch (error) {
    if (errorName(error) === "ExecutionDoesNotExist") {
      return readLedger ? fromLedger(readLedger, request.executionName, executionArn) : { outcome: "not-found", executionArn };
    }
    return stepFunctionsFailure(error);
  }
  const status = described.status ?? "UNKNOWN";
  const failed = FAILED_STATUSES.has(status);
  return {
    outcome: "described",
    execution: {
      executionArn,
      executionName: request.executionName,
      status,
      startDate: described.startDate,
      stopDate: described.stopDate,
      attempt,
      redriveCount: described.redriveCount ?? 0,
      redriveDate: described.redriveDate,
      error: failed ? described.error : undefined,
      cause: failed ? described.cause : undefined,
      output: request.exposeOutput && status === "SUCCEEDED" ? described.output : undefined,
    },
  };
}

/**
 * The ledger keeps one record per request, for its latest attempt: it answers for this execution only if
 * the record names this very execution (attempt and ARN) and the execution started. A claim still being
 * started, or a record of another attempt, is not this execution's.
 */
async function fromLedger(readLedger: LedgerRead, executionName: string, executionArn: string): Promise<StatusOutcome> {
  const { requestName, attempt } = parseAttemptName(executionName);
  let record: LedgerRecord | undefined;
  try {
    record = await readLedger(requestName);
  } catch (error) {
    if (!(error instanceof LedgerUnavailableError)) throw error;
    return error.throttled
      ? { outcome: "throttled", service: "DynamoDB", errorName: error.errorName, retryAfterSeconds: RETRY_AFTER_SECONDS.throttled }
      : { outcome: "unavailable", service: "DynamoDB", errorName: error.errorName, retryAfterSeconds: RETRY_AFTER_SECONDS.unavailable };
  }
  if (record?.state !== "STARTED" || record.executionArn !== executionArn || (record.attempt ?? 1) !== attempt) {
    return { outcome: "not-found", executionArn };
  }
  return {
    outcome: "from-ledger",
    execution: {
      executionArn,
      executionName,
      status: record.executionStatus ?? "UNKNOWN",
      startDate: record.startDate ? new Date(record.startDate) : undefined,
      stopDate: record.stopDate ? new Date(record.stopDate) : undefined,
      attempt,
      redriveCount: record.redriveCount ?? 0,
      firstSeenAt: new Date(record.firstSeenAt),
    },
  };
}

/** A read changes nothing, so any failure without an answer (unreachable, timed out, reset) is safe to retry. */
function stepFunctionsFailure(error: unknown): StatusOutcome {
  const name = errorName(error);
  if (STEP_FUNCTIONS_THROTTLING_ERRORS.has(name)) {
    return { outcome: "throttled", service: "Step Functions", errorName: name, retryAfterSeconds: RETRY_AFTER_SECONDS.throttled };
  }
  const shape = (typeof error === "object" && error !== null ? error : {}) as ServiceErrorShape;
  const status = shape.$metadata?.httpStatusCode;
  if (status === undefined || shape.$fault === "server" || status >= 500) {
    return { outcome: "unavailable", service: "Step Functions", errorName: name, retryAfterSeconds: RETRY_AFTER_SECONDS.unavailable };
  }
  return { outcome: "refused", errorName: name };
}
