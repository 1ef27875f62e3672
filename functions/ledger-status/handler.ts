import type { EventBridgeEvent } from "aws-lambda";
import { parseAttemptName } from "../shared/execution-attempts";
import type { ExecutionLedger } from "../shared/execution-ledger";
import { LEDGER_SCOPED_STATE_MACHINES_VARIABLE, STATUS_CHANGE_DETAIL_TYPE } from "../shared/ledger-contract";
import { scopedLedger } from "../shared/scoped-ledger";

/** The names LEDGER_SCOPED_STATE_MACHINES lists. */
export function scopedStateMachinesFromEnvironment(env: NodeJS.ProcessEnv): ReadonlySet<string> {
  return new Set((env[LEDGER_SCOPED_STATE_MACHINES_VARIABLE] ?? "").split(",").filter((name) => name !== ""));
}

/** The part of Step Functions' status change event the ledger needs (dates are epoch milliseconds). */
export interface StatusChangeDetail {
  readonly executionArn: string;
  readonly stateMachineArn: string;
  readonly name: string;
  readonly status: string;
  readonly startDate: number;
  readonly stopDate: number | null;
  /** 0 for the execution's first run, n after its nth RedriveExecution; events from before redrive existed lack it. */
  readonly redriveCount?: number;
}

export interface StatusLogRecord {
  readonly level: "INFO" | "WARN";
  readonly message: "execution status";
  readonly executionName?: string;
  readonly executionStatus?: string;
  readonly redriveCount?: number;
  /** False when the ledger kept what it had: a final status already recorded, or a name it never claimed. */
  readonly recorded?: boolean;
  readonly problem?: string;
}

export type StatusHandler = (event: EventBridgeEvent<string, unknown>) => Promise<void>;

/**
 * Keeps the ledger's last known status current from Step Functions' own events, so that a duplicate
 * learns how the first run ended even after Step Functions has forgotten it. It also completes a claim
 * whose holder started the execution but could not record it. A failed ledger write throws, so that
 * Lambda's asynchronous invocation retries the event and then leaves it in the dead-letter queue
 * (EventBridge's own retries cover only handing the event to Lambda).
 */
export function createStatusHandler({
  ledger,
  log,
  scopedStateMachines = new Set(),
}: {
  ledger: ExecutionLedger;
  log: (record: StatusLogRecord) => void;
  scopedStateMachines?: ReadonlySet<string>;
}): StatusHandler {
  return async (event) => {
    const detail = statusChangeOf(event);
    if (typeof detail === "string") {
      // Retrying an event that is not a status change cannot help; say so and drop it.
      log({ level: "WARN", message: "execution status", problem: detail });
      return;
    }
    const stateMachineName = detail.stateMachineArn.slice(detail.stateMachineArn.lastIndexOf(":") + 1);
    const workflowLedger = scopedLedger(ledger, scopedStateMachines.has(stateMachineName) ? stateMachineName : undefined);
    // A re-run's later attempt (`<name>-<attempt>`) is recorded on its request's record.
    const { requestName, attempt } = parseAttemptName(detail.name);
    const recorded = await workflowLedger.recordStatus(requestName, {
      attempt,
      executionArn: detail.executionArn,
      executionStatus: detail.status,
      startDate: new Date(detail.startDate),
      stopDate: detail.stopDate === null ? undefined : new Date(detail.stopDate),
      redriveCount: detail.redriveCount ?? 0,
    });
    log({
      level: "INFO",
      message: "execution status",
      executionName: detail.name,
      executionStatus: detail.status,
      redriveCount: detail.redriveCount ?? 0,
      recorded,
    });
  };
}

function statusChangeOf(event: EventBridgeEvent<string, unknown>): StatusChangeDetail | string {
  if (event["detail-type"] !== STATUS_CHANGE_DETAIL_TYPE) {
    return `not a status change event: ${JSON.stringify(event["detail-type"])}`;
  }
  const detail = event.detail as Partial<StatusChangeDetail> | undefined;
  if (
    typeof detail?.executionArn !== "string" ||
    typeof detail.stateMachineArn !== "string" ||
    typeof detail.name !== "string" ||
    typeof detail.status !== "string" ||
    typeof detail.startDate !== "number" ||
    (detail.stopDate !== null && typeof detail.stopDate !== "number")
  ) {
    return "status change event without executionArn, stateMachineArn, name, status, startDate and stopDate";
  }
  if (detail.redriveCount !== undefined && !(Number.isSafeInteger(detail.redriveCount) && detail.redriveCount >= 0)) {
    // Guessing the run could let a stale status replace a newer one.
    return `status change event with an invalid redriveCount: ${JSON.stringify(detail.redriveCount)}`;
  }
  return detail as StatusChangeDetail;
}
