import { STATE_MACHINE_ARN_VARIABLE } from "../shared/function-contract";
import { LEDGER_TABLE_VARIABLE } from "../shared/ledger-contract";
import { METRICS_ENVIRONMENT_VARIABLES } from "../shared/metrics-contract";

/**
 * What lib/ and the start-execution function share: the variables it is deployed with and the values and types
 * the configuration gives them. A contract module: names and types only, so that synth, which imports it, loads
 * no handler code (execution-name.ts, for one, brings the canonical JSON library).
 */

/** The environment variables the function is deployed with: lib/dedup-trigger-stack.ts sets them, settings.ts reads them. */
export const ENVIRONMENT = {
  stateMachineArn: STATE_MACHINE_ARN_VARIABLE,
  executionNameFrom: "EXECUTION_NAME_FROM",
  executionNameField: "EXECUTION_NAME_FIELD",
  executionNameHeader: "EXECUTION_NAME_HEADER",
  /** Set to `after-failure` for a workflow that re-runs failed requests; unset: `never`. */
  rerun: "RERUN",
  /** How long Step Functions keeps a closed execution's name in this account: 30; unset: 90 (AWS's default). */
  stepFunctionsHistoryDays: "STEP_FUNCTIONS_HISTORY_DAYS",
  ledgerTableName: LEDGER_TABLE_VARIABLE,
  ledgerLeaseSeconds: "LEDGER_LEASE_SECONDS",
  ledgerRetentionDays: "LEDGER_RETENTION_DAYS",
  /** The environment's and the workflow's names: the dimensions of the metrics in each request's log line. */
  metricsEnvironment: METRICS_ENVIRONMENT_VARIABLES.environment,
  metricsWorkflow: METRICS_ENVIRONMENT_VARIABLES.workflow,
} as const;

/**
 * Which part of a request decides whether two requests are "the same work".
 *
 * - `country`: md5 hex of the `country` string exactly as sent. This is the original design's name, kept as
 *   the default so that executions started before this project keep their names (and their protection).
 * - `payload`: sha256 hex of the RFC 8785 canonical JSON of the whole payload: key order and whitespace do
 *   not matter, every value does.
 * - `field`: sha256 hex of one business key, e.g. `orderId`; other fields may differ between retries.
 * - `header`: sha256 hex of the client's idempotency key, sent in a header (`Idempotency-Key`, as
 *   draft-ietf-httpapi-idempotency-key-header names it): the same key with another payload is refused (422).
 */
export type ExecutionNameStrategy =
  | { readonly from: "country" }
  | { readonly from: "payload" }
  | { readonly from: "field"; readonly field: string }
  | { readonly from: "header"; readonly header: string };

export const EXECUTION_NAME_SOURCES = ["country", "payload", "field", "header"] as const;

/** The header an idempotency key comes in unless the configuration names another. */
export const DEFAULT_IDEMPOTENCY_KEY_HEADER = "Idempotency-Key";

/**
 * `never`: a request runs once, whatever its end (the original behaviour). `after-failure`: a request whose
 * execution ended FAILED, TIMED_OUT or ABORTED runs again when it is sent again (Temporal's
 * ALLOW_DUPLICATE_FAILED_ONLY); one that succeeded, or still runs, never does.
 */
export const RERUN_POLICIES = ["never", "after-failure"] as const;

/**
 * Days Step Functions keeps a closed Standard execution (and so refuses its name): 90, or 30 in an account that
 * asked for a shorter history (a quota request). After that the same name starts a new execution.
 */
export const STEP_FUNCTIONS_HISTORY_DAYS = [90, 30] as const;
export type StepFunctionsHistoryDays = (typeof STEP_FUNCTIONS_HISTORY_DAYS)[number];
/** AWS's default: what an environment keeps unless it says `stepFunctionsHistoryDays: 30`. */
export const DEFAULT_STEP_FUNCTIONS_HISTORY_DAYS: StepFunctionsHistoryDays = STEP_FUNCTIONS_HISTORY_DAYS[0];
export type RerunPolicy = (typeof RERUN_POLICIES)[number];

/** An HTTP field name (RFC 9110 token). */
export const HTTP_HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,64}$/;

/** The values of the dimensions every request of this function shares: where it is deployed, for which workflow. */
export interface RequestMetricDimensions {
  readonly environment: string;
  readonly workflow: string;
}
