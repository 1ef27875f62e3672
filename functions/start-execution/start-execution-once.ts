import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  RedriveExecutionCommand,
  type SFNClient,
  StartExecutionCommand,
  type StartExecutionCommandOutput,
} from "@aws-sdk/client-sfn";
import { errorName, RETRY_AFTER_SECONDS, type ServiceErrorShape, STEP_FUNCTIONS_THROTTLING_ERRORS } from "../shared/aws-errors";
import { executionArnFor } from "../shared/execution-arn";

/**
 * A new execution's `startDate` is stamped by Step Functions after the request left; the original's date,
 * returned for a same-input duplicate, predates it. The margin absorbs clock skew between the caller and
 * the service. A duplicate sent within this margin of the original is reported as started, with the same
 * execution ARN, which is harmless.
 */
export const DUPLICATE_START_MARGIN_MS = 1_000;

export interface StartRequest {
  readonly stateMachineArn: string;
  readonly executionName: string;
  readonly input: string;
  /** When this request began, by the caller's clock. */
  readonly requestedAt: Date;
  /**
   * Whether the function still has time for one more AWS call and its answer. A re-run may take more calls than
   * the budget every other request fits in (aws-client-config.ts); it makes each only while this says yes.
   * Absent: no limit (tests of the logic alone).
   */
  readonly hasTimeForCall?: () => boolean;
}

/** The service whose failure a refusal reports: the client (and whoever reads its logs) is told which. */
export type AwsService = "Step Functions" | "DynamoDB";

/** What happened, in Step Functions terms; the HTTP edge decides how to say it. */
/** The refusal of a request whose execution exists. */
export type AlreadyExists = StartOutcome & { readonly outcome: "already-exists" };

export type StartOutcome =
  | { readonly outcome: "started"; readonly executionArn: string; readonly startDate: Date }
  | {
      readonly outcome: "already-running";
      readonly executionArn: string;
      readonly startDate: Date;
      /** How many times it was redriven, when known. */
      readonly redriveCount?: number;
      /** When the ledger first saw the request, with a ledger. */
      readonly firstSeenAt?: Date;
    }
  | {
      readonly outcome: "already-exists";
      readonly executionArn: string;
      readonly status?: string;
      readonly startDate?: Date;
      readonly stopDate?: Date;
      readonly firstSeenAt?: Date;
      readonly redriveCount?: number;
      /** Whether RedriveExecution may run the execution again now (DescribeExecution's redriveStatus). */
      readonly redriveStatus?: string;
      /** The execution's input, when described: a request that reuses an idempotency key is told from it. */
      readonly input?: string;
      /** Why the existing execution could not be described, if it could not. */
      readonly describeError?: string;
      /** Set when the request may not run again because its last attempt was the last one allowed. */
      readonly attemptsExhausted?: boolean;
      /** With a ledger retention: when the ledger's record stops counting. */
      readonly ledgerExpiresAt?: Date;
    }
  | {
      /**
       * A request whose execution failed runs again (`rerun: "after-failure"`): the execution was redriven
       * (same name, `redriveCount` one more) or the request's next attempt started under its own name.
       */
      readonly outcome: "rerun-started";
      readonly executionArn: string;
      readonly startDate: Date;
      readonly redriveCount: number;
      readonly redriveDate?: Date;
      /** When the ledger first saw the request, with a ledger. */
      readonly firstSeenAt?: Date;
    }
  | {
      /** An idempotency key sent again with another payload: the key's execution runs other input. Nothing starts. */
      readonly outcome: "key-reused";
      readonly executionArn: string;
    }
  | {
      /** With a ledger: another request holds the claim and is starting the execution right now. */
      readonly outcome: "claim-in-progress";
      readonly executionArn: string;
      readonly firstSeenAt: Date;
      /** Until the claim's lease is over: by then the holder has recorded its outcome or given up. */
      readonly retryAfterSeconds: number;
    }
  | { readonly outcome: "throttled"; readonly service: AwsService; readonly errorName: string; readonly retryAfterSeconds: number }
  | { readonly outcome: "unavailable"; readonly service: AwsService; readonly errorName: string; readonly retryAfterSeconds: number }
  | {
      /**
       * StartExecution failed after the request may have reached Step Functions (a timeout, a reset): the
       * execution may have started. Retrying is safe, the name sees to that; forgetting the attempt is not.
       */
      readonly outcome: "outcome-unknown";
      readonly errorName: string;
      readonly retryAfterSeconds: number;
    }
  | { readonly outcome: "rejected"; readonly errorName: string };

/** An execution as DescribeExecution tells it, or why it could not. */
export type DescribedExecution =
  | {
      readonly described: true;
      readonly status?: string;
      readonly startDate?: Date;
      readonly stopDate?: Date;
      readonly redriveCount?: number;
      /** REDRIVABLE, NOT_REDRIVABLE or REDRIVABLE_BY_MAP_RUN: whether RedriveExecution may run it again now. */
      readonly redriveStatus?: string;
      /** The execution's input, to tell a request with the same key and another payload. */
      readonly input?: string;
    }
  | { readonly described: false; readonly errorName: string; readonly notFound: boolean };

/**
 * Starts the execution under its deterministic name. Step Functions itself guarantees at most one
 * execution per name (for as long as it remembers the name), so no lock is needed here.
 */
export async function startExecutionOnce(sfn: SFNClient, request: StartRequest): Promise<StartOutcome> {
  let started: StartExecutionCommandOutput;
  try {
    started = await sfn.send(
      new StartExecutionCommand({
        stateMachineArn: request.stateMachineArn,
        name: request.executionName,
        input: request.input,
      }),
    );
  } catch (error) {
    const name = errorName(error);
    if (name === "ExecutionAlreadyExists") {
      return describeExisting(sfn, executionArnFor(request.stateMachineArn, request.executionName));
    }
    return classifyFailure(error, name);
  }
  const { executionArn, startDate } = started;
  if (!executionArn || !startDate) {
    throw new TypeError("StartExecution answered without executionArn or startDate.");
  }
  const predatesRequest = startDate.getTime() < request.requestedAt.getTime() - DUPLICATE_START_MARGIN_MS;
  return { outcome: predatesRequest ? "already-running" : "started", executionArn, startDate };
}

/** An execution that could not be described: throttled, or otherwise unavailable; nothing was started. */
export function describeFailure(errorName: string): StartOutcome {
  return STEP_FUNCTIONS_THROTTLING_ERRORS.has(errorName)
    ? { outcome: "throttled", service: "Step Functions", errorName, retryAfterSeconds: RETRY_AFTER_SECONDS.throttled }
    : { outcome: "unavailable", service: "Step Functions", errorName, retryAfterSeconds: RETRY_AFTER_SECONDS.unavailable };
}

export async function describeExecution(sfn: SFNClient, executionArn: string): Promise<DescribedExecution> {
  try {
    const execution = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    return {
      described: true,
      status: execution.status,
      startDate: execution.startDate,
      stopDate: execution.stopDate,
      redriveCount: execution.redriveCount,
      redriveStatus: execution.redriveStatus,
      input: execution.input,
    };
  } catch (error) {
    const name = errorName(error);
    return { described: false, errorName: name, notFound: name === "ExecutionDoesNotExist" };
  }
}

/**
 * Whether a FAILED execution ended in a Fail state: its history's last two events are FailStateEntered and
 * ExecutionFailed. A redrive restarts at the state that did not succeed, which is then that Fail state (a Catch
 * led there), so it would only fail again: such a request needs a new execution to run again. Reads two events,
 * newest first, without input or output.
 */
export async function failedInFailState(sfn: SFNClient, executionArn: string): Promise<boolean | { readonly errorName: string }> {
  try {
    const { events = [] } = await sfn.send(
      new GetExecutionHistoryCommand({ executionArn, reverseOrder: true, maxResults: 2, includeExecutionData: false }),
    );
    return events[0]?.type === "ExecutionFailed" && events[1]?.type === "FailStateEntered";
  } catch (error) {
    return { errorName: errorName(error) };
  }
}

/** What RedriveExecution did: the execution runs again, it may not be redriven (now), or the call failed. */
export type RedriveResult =
  | { readonly redriven: true; readonly redriveDate?: Date }
  | { readonly redriven: false; readonly notRedrivable: true; readonly errorName: string }
  | { readonly redriven: false; readonly notRedrivable: false; readonly failure: StartOutcome };

/**
 * Restarts a failed execution from the state that failed. `clientToken` names the failure being answered:
 * every request that saw the same failure sends the same token, and Step Functions answers a repeated token with
 * the redrive it already made (the last 10 tokens, for 15 minutes) instead of redriving again. Without it,
 * requests that read the failure before a quick redriven run failed again would each redrive once more; while
 * the redriven run is still running, other tokens are refused (ExecutionNotRedrivable) anyway.
 */
export async function redriveExecution(sfn: SFNClient, executionArn: string, clientToken: string): Promise<RedriveResult> {
  try {
    const { redriveDate } = await sfn.send(new RedriveExecutionCommand({ executionArn, clientToken }));
    return { redriven: true, redriveDate };
  } catch (error) {
    const name = errorName(error);
    if (name === "ExecutionNotRedrivable") {
      return { redriven: false, notRedrivable: true, errorName: name };
    }
    return { redriven: false, notRedrivable: false, failure: classifyFailure(error, name) };
  }
}

async function describeExisting(sfn: SFNClient, executionArn: string): Promise<StartOutcome> {
  const existing = await describeExecution(sfn, executionArn);
  // The refusal itself is certain; if describing fails, only the detail is missing.
  return alreadyExists(executionArn, existing);
}

/** The refusal of a request whose execution exists, with what is known of it. */
export function alreadyExists(executionArn: string, existing: DescribedExecution): AlreadyExists {
  return existing.described
    ? {
        outcome: "already-exists",
        executionArn,
        status: existing.status,
        startDate: existing.startDate,
        stopDate: existing.stopDate,
        redriveCount: existing.redriveCount,
        redriveStatus: existing.redriveStatus,
        input: existing.input,
      }
    : { outcome: "already-exists", executionArn, describeError: existing.errorName };
}

export function classifyFailure(error: unknown, name: string): StartOutcome {
  if (STEP_FUNCTIONS_THROTTLING_ERRORS.has(name)) {
    return { outcome: "throttled", service: "Step Functions", errorName: name, retryAfterSeconds: RETRY_AFTER_SECONDS.throttled };
  }
  if (name === "ExecutionLimitExceeded") {
    return { outcome: "unavailable", service: "Step Functions", errorName: name, retryAfterSeconds: RETRY_AFTER_SECONDS.executionLimit };
  }
  const shape = (typeof error === "object" && error !== null ? error : {}) as ServiceErrorShape;
  const status = shape.$metadata?.httpStatusCode;
  if (status === undefined) {
    // No answer at all. Only a connection that was never made proves that nothing reached Step Functions;
    // a timeout or a reset may come after the request was sent, and the execution started.
    return NOTHING_SENT_ERRORS.has(systemErrorCode(shape))
      ? { outcome: "unavailable", service: "Step Functions", errorName: name, retryAfterSeconds: RETRY_AFTER_SECONDS.unavailable }
      : { outcome: "outcome-unknown", errorName: name, retryAfterSeconds: RETRY_AFTER_SECONDS.unavailable };
  }
  if (shape.$fault === "server" || status >= 500) {
    return { outcome: "unavailable", service: "Step Functions", errorName: name, retryAfterSeconds: RETRY_AFTER_SECONDS.unavailable };
  }
  // StateMachineDoesNotExist, AccessDenied, KMS and validation errors: retrying will not help the client.
  return { outcome: "rejected", errorName: name };
}

/** Connection failures that happen before a byte of the request is sent. */
const NOTHING_SENT_ERRORS = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN"]);

/**
 * The system error code (ECONNREFUSED…) of a failure below HTTP. The SDK's retry layer replaces an error
 * that is not `instanceof Error` in its own realm (as Node's socket errors are inside a vm context) with
 * `new Error("AWS SDK error wrapper for <original>")`, which keeps only the message.
 */
function systemErrorCode(error: ServiceErrorShape): string {
  if (error.code) return error.code;
  return /^AWS SDK error wrapper for .*\b(E[A-Z_]+)\b/.exec(error.message ?? "")?.[1] ?? "";
}
