import type { SFNClient } from "@aws-sdk/client-sfn";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from "aws-lambda";
import { executionNameOf } from "../shared/execution-arn";
import { PROBLEM_TYPES, ProblemError, problemResponse } from "../shared/problem";
import { DEFAULT_STEP_FUNCTIONS_HISTORY_DAYS } from "./contract";
import { describeStrategy, executionNameFor } from "./execution-name";
import { type NameMemory, responseFor } from "./http-response";
import type { RequestLogRecord, RequestLogWriter } from "./request-log";
import type { RequestValidator } from "./request-validator";
import { type StartPolicy, startRequest } from "./rerun-after-failure";
import type { HandlerSettings } from "./settings";
import { type LedgerSettings, startWithLedger } from "./start-with-ledger";
import { parseTriggerRequest } from "./trigger-request";

export interface HandlerDependencies {
  readonly settings: HandlerSettings;
  readonly sfn: SFNClient;
  /** The workflow's request schema as code; the bundle's is generated from it at synth. */
  readonly validateRequest: RequestValidator;
  /** With a ledger, a request is refused forever, not only while Step Functions remembers its name. */
  readonly ledger?: LedgerSettings;
  readonly log: RequestLogWriter;
  readonly now?: () => Date;
  /**
   * The longest one AWS call may take (aws-client-config.ts): a re-run makes another call only while the
   * invocation has that much time left, and ANSWER_MARGIN_MS to answer. Absent: no limit.
   */
  readonly callTimeLimitMs?: number;
}

/** Time kept back to answer (and log) after the last call, so that the client gets the function's answer. */
export const ANSWER_MARGIN_MS = 1_000;

export type TriggerHandler = (
  event: APIGatewayProxyEventV2,
  context: Pick<Context, "awsRequestId"> & Partial<Pick<Context, "getRemainingTimeInMillis">>,
) => Promise<APIGatewayProxyStructuredResultV2>;

/**
 * The HTTP edge: request -> key -> StartExecution -> response, with one log line per request.
 * Every path answers; an unexpected error becomes a 500 problem without internals.
 */
export function createHandler(dependencies: HandlerDependencies): TriggerHandler {
  const { settings, sfn, validateRequest, ledger, log, now = () => new Date(), callTimeLimitMs } = dependencies;
  const key = describeStrategy(settings.executionName);
  const memory: NameMemory = {
    historyDays: settings.stepFunctionsHistoryDays ?? DEFAULT_STEP_FUNCTIONS_HISTORY_DAYS,
    ledger: ledger && { expires: ledger.retentionDays !== undefined },
  };
  const policy: StartPolicy = {
    rerunAfterFailure: settings.rerun === "after-failure",
    refuseOtherInput: settings.executionName.from === "header",
  };

  return async (event, context) => {
    const requestedAt = now();
    const record = (fields: Omit<RequestLogRecord, "message" | "requestId" | "key" | "latencyMs">) =>
      log({
        message: "execution request",
        requestId: context.awsRequestId,
        key,
        latencyMs: now().getTime() - requestedAt.getTime(),
        ...fields,
      });

    let executionName: string | undefined;
    try {
      const request = parseTriggerRequest(event, settings.executionName, validateRequest);
      executionName = executionNameFor(request.payload, settings.executionName, request.idempotencyKey);
      const timeLeftMs = context.getRemainingTimeInMillis?.bind(context);
      const start = {
        stateMachineArn: settings.stateMachineArn,
        executionName,
        input: request.input,
        requestedAt,
        hasTimeForCall: timeLeftMs && callTimeLimitMs !== undefined ? () => timeLeftMs() >= callTimeLimitMs + ANSWER_MARGIN_MS : undefined,
      };
      const { outcome, ledgerError } = ledger
        ? await startWithLedger(sfn, ledger, { ...start, owner: context.awsRequestId }, policy)
        : { outcome: await startRequest(sfn, start, policy), ledgerError: undefined };
      // The status route is the POST route's path with the execution's name after it.
      const response = responseFor(outcome, event.rawPath ?? "", memory);
      const statusCode = response.statusCode!;
      record({
        level: ledgerError ? "WARN" : levelFor(statusCode),
        executionName: "executionArn" in outcome ? executionNameOf(outcome.executionArn) : executionName,
        outcome: outcome.outcome,
        statusCode,
        errorName: outcome.outcome === "already-exists" ? outcome.describeError : "errorName" in outcome ? outcome.errorName : undefined,
        ledgerErrorName: ledgerError,
      });
      return response;
    } catch (error) {
      if (error instanceof ProblemError) {
        record({ level: levelFor(error.problem.status), outcome: "invalid-request", statusCode: error.problem.status, executionName });
        return problemResponse(error.problem, error.detail, error.extensions);
      }
      record({
        level: "ERROR",
        outcome: "internal-error",
        statusCode: PROBLEM_TYPES.internal.status,
        executionName,
        errorName: error instanceof Error ? error.name : "UnknownError",
      });
      return problemResponse(PROBLEM_TYPES.internal, "The request could not be handled.");
    }
  };
}

function levelFor(statusCode: number): RequestLogRecord["level"] {
  if (statusCode >= 500) return "ERROR";
  return statusCode === 429 ? "WARN" : "INFO";
}
