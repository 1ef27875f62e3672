import { randomUUID } from "node:crypto";
import type { ExecutionDescription } from "./local-step-functions";

/** An event as EventBridge delivers it to a target. */
export interface BusEvent {
  readonly version: "0";
  readonly id: string;
  readonly "detail-type": string;
  readonly source: string;
  readonly account: string;
  readonly time: string;
  readonly region: string;
  readonly resources: readonly string[];
  readonly detail: Record<string, unknown>;
}

export interface BusRule {
  readonly name: string;
  readonly eventPattern: unknown;
  readonly deliver: (event: BusEvent) => Promise<unknown>;
}

/**
 * The default event bus on this machine: each event goes to every rule whose pattern matches it.
 * Patterns are matched as EventBridge matches exact values: a list means "any of these", an object
 * narrows into the event's field of that name. Delivery failures are reported, not retried.
 */
export class LocalEventBus {
  constructor(
    private readonly rules: readonly BusRule[],
    private readonly onDeliveryError: (rule: string, error: unknown) => void = () => {},
  ) {}

  public async publish(event: BusEvent): Promise<void> {
    await Promise.all(
      this.rules
        .filter((rule) => matchesPattern(rule.eventPattern, event))
        .map((rule) => rule.deliver(event).catch((error: unknown) => this.onDeliveryError(rule.name, error))),
    );
  }
}

export function matchesPattern(pattern: unknown, value: unknown): boolean {
  if (Array.isArray(pattern)) {
    return pattern.some((candidate) => candidate === value);
  }
  if (typeof pattern === "object" && pattern !== null) {
    if (typeof value !== "object" || value === null) return false;
    return Object.entries(pattern).every(([key, nested]) => matchesPattern(nested, (value as Record<string, unknown>)[key]));
  }
  return false;
}

/**
 * Step Functions' "Execution Status Change" event for an execution, as EventBridge carries it. Dates are epoch
 * milliseconds, absent ones null. Since RedriveExecution exists the detail also carries the execution's redrive
 * fields (developer guide, "EventBridge (CloudWatch Events) for Step Functions execution status changes"):
 * redriveCount, 0 before any redrive, by which the ledger's status handler tells a redriven run's events from
 * the first run's; redriveDate, null until then; redriveStatus and redriveStatusReason, given here as
 * DescribeExecution reports them at that moment. A redrive is an event of its own (RUNNING, redriveCount n,
 * stopDate null), and so is the end of the redriven run.
 */
export function executionStatusChangeEvent(record: ExecutionDescription, region: string, account: string): BusEvent {
  return {
    version: "0",
    id: randomUUID(),
    "detail-type": "Step Functions Execution Status Change",
    source: "aws.states",
    account,
    time: new Date().toISOString().replace(/\.\d{3}Z$/, "Z"),
    region,
    resources: [record.executionArn],
    detail: {
      executionArn: record.executionArn,
      stateMachineArn: record.stateMachineArn,
      name: record.name,
      status: record.status,
      startDate: record.startDate.getTime(),
      stopDate: record.stopDate ? record.stopDate.getTime() : null,
      input: record.input,
      output: record.output ?? null,
      redriveCount: record.redriveCount,
      redriveDate: record.redriveDate ? record.redriveDate.getTime() : null,
      redriveStatus: record.redriveStatus,
      redriveStatusReason: record.redriveStatusReason ?? null,
    },
  };
}
