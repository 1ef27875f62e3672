/**
 * The CloudWatch metrics the functions publish through Embedded Metric Format (EMF) in the log lines they
 * already write: no PutMetricData call, no permission. The stack's alarms and dashboard read the same names
 * from here, so what they show is what the functions emit. A contract module: names only, so that synth,
 * which imports it, loads no handler code.
 */

/** Every metric of the project, in one custom namespace. */
export const METRICS_NAMESPACE = "sfn-dedup";

/** The dimensions, by name. `Environment` is the stack's; `Workflow` the workflow's name (`notify-country`…). */
export const METRIC_DIMENSIONS = { environment: "Environment", workflow: "Workflow", outcome: "Outcome" } as const;

/**
 * start-execution, one of each per request, with dimensions Environment, Workflow and Outcome (the outcome
 * its log line names: `started`, `already-running`, `already-exists`, `claim-in-progress`, `rerun-started`,
 * `key-reused`, `invalid-request`, `throttled`, `unavailable`, `outcome-unknown`, `rejected`, `internal-error`).
 */
export const START_METRICS = {
  /** Count, 1 per request. */
  requests: "Requests",
  /** Milliseconds from the request's arrival to its answer. */
  latency: "Latency",
} as const;

/**
 * Every outcome a start-execution request is answered with, each once: the `Outcome` dimension's values.
 * functions/start-execution/request-log.ts fails to compile unless this is exactly the handler's outcomes.
 */
export const REQUEST_OUTCOMES = [
  "started",
  "already-running",
  "already-exists",
  "claim-in-progress",
  "rerun-started",
  "key-reused",
  "invalid-request",
  "throttled",
  "unavailable",
  "outcome-unknown",
  "rejected",
  "internal-error",
] as const;
export type RequestOutcome = (typeof REQUEST_OUTCOMES)[number];

/** The outcomes that answer a request as a duplicate of an earlier one: what the trigger exists for. */
export const DUPLICATE_OUTCOMES = ["already-running", "already-exists", "claim-in-progress"] as const satisfies readonly RequestOutcome[];

/** ledger-status, per status change event, with dimension Environment. */
export const LEDGER_STATUS_METRICS = {
  /** Count: a status the ledger recorded. */
  recorded: "StatusesRecorded",
  /** Count: a status the ledger kept out, older than (or the same as) what it had, or of a name it never claimed. */
  ignored: "StatusesIgnored",
  /** Count: an event that was not a status change it could read, dropped without a retry. */
  dropped: "EventsDropped",
} as const;

/** The ledger reconciler, per sweep, with dimension Environment. */
export const RECONCILER_METRICS = {
  /** Count: records whose execution status the sweep learned from DescribeExecution. */
  healed: "RecordsHealed",
  /** Count: claims whose lease ended with no execution started, settled by the sweep. */
  settled: "ClaimsSettled",
  /** Count: open records the sweep looked at. */
  examined: "RecordsExamined",
} as const;

/**
 * The variables that give a function the dimension values of its metrics, defined once: the functions read
 * them (functions/shared/metrics-environment.ts), lib/dedup-trigger-stack.ts and lib/ledger-status-updates.ts set them.
 */
export const METRICS_ENVIRONMENT_VARIABLES = {
  /** The environment's name (`default`, `prod`…): the `Environment` dimension. */
  environment: "METRICS_ENVIRONMENT",
  /** The workflow's name (`notify-country`…): the `Workflow` dimension of a start-execution function. */
  workflow: "METRICS_WORKFLOW",
} as const;
