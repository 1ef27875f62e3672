import { STATE_MACHINE_ARN_VARIABLE, stateMachineArnFromEnvironment } from "../shared/execution-arn";
import { LEDGER_TABLE_VARIABLE, ledgerTableFromEnvironment } from "../shared/execution-ledger";
import { METRICS_ENVIRONMENT_VARIABLES, metricDimensionFrom } from "../shared/metrics-environment";
import { ledgerKeyScopeFromEnvironment } from "../shared/scoped-ledger";
import { EXECUTION_NAME_SOURCES, type ExecutionNameStrategy } from "./execution-name";
import type { RequestMetricDimensions } from "./request-log";

/** The environment variables the function is deployed with; lib/dedup-trigger-stack.ts sets them. */
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

/** The execution ledger's table and timings, when the function has one. */
export interface LedgerEnvironment {
  readonly tableName: string;
  readonly leaseMs: number;
  readonly retentionDays?: number;
  /** The state machine its records are kept within; undefined: the bare execution name (the default workflow). */
  readonly keyScope?: string;
}

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

export interface HandlerSettings {
  readonly stateMachineArn: string;
  readonly executionName: ExecutionNameStrategy;
  /** @default "never" */
  readonly rerun?: RerunPolicy;
  /** @default 90 */
  readonly stepFunctionsHistoryDays?: StepFunctionsHistoryDays;
}

/** An HTTP field name (RFC 9110 token). */
export const HTTP_HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,64}$/;

/**
 * Reads the function's configuration once, at cold start. A misconfigured function fails to initialise
 * with a message naming the variable, instead of answering requests wrongly.
 */
export function settingsFromEnvironment(env: NodeJS.ProcessEnv): HandlerSettings {
  const rerun = env[ENVIRONMENT.rerun] || "never";
  if (!(RERUN_POLICIES as readonly string[]).includes(rerun)) {
    throw new Error(`${ENVIRONMENT.rerun} must be one of ${RERUN_POLICIES.join(", ")}; got "${rerun}".`);
  }
  const historyDays = Number(env[ENVIRONMENT.stepFunctionsHistoryDays] || DEFAULT_STEP_FUNCTIONS_HISTORY_DAYS);
  if (!(STEP_FUNCTIONS_HISTORY_DAYS as readonly number[]).includes(historyDays)) {
    throw new Error(`${ENVIRONMENT.stepFunctionsHistoryDays} must be one of ${STEP_FUNCTIONS_HISTORY_DAYS.join(", ")}; got "${env[ENVIRONMENT.stepFunctionsHistoryDays]}".`);
  }
  return {
    stateMachineArn: stateMachineArnFromEnvironment(env),
    executionName: strategyFromEnvironment(env),
    rerun: rerun as RerunPolicy,
    stepFunctionsHistoryDays: historyDays as StepFunctionsHistoryDays,
  };
}

/** Where the function is deployed and for which workflow, as its metrics name them; it refuses to start without. */
export function metricDimensionsFromEnvironment(env: NodeJS.ProcessEnv): RequestMetricDimensions {
  return { environment: metricDimensionFrom(env, ENVIRONMENT.metricsEnvironment), workflow: metricDimensionFrom(env, ENVIRONMENT.metricsWorkflow) };
}

/** The executionName strategy the deployment chose: what a request must carry to be named. */
export function strategyFromEnvironment(env: NodeJS.ProcessEnv): ExecutionNameStrategy {
  const from = env[ENVIRONMENT.executionNameFrom] ?? "";
  switch (from) {
    case "country":
    case "payload":
      return { from };
    case "field": {
      const field = env[ENVIRONMENT.executionNameField] ?? "";
      if (field === "") {
        throw new Error(`${ENVIRONMENT.executionNameField} must name the request field when ${ENVIRONMENT.executionNameFrom} is "field".`);
      }
      return { from, field };
    }
    case "header": {
      const header = env[ENVIRONMENT.executionNameHeader] ?? "";
      if (!HTTP_HEADER_NAME.test(header)) {
        throw new Error(`${ENVIRONMENT.executionNameHeader} must name the request header when ${ENVIRONMENT.executionNameFrom} is "header"; got "${header}".`);
      }
      return { from, header };
    }
    default:
      throw new Error(`${ENVIRONMENT.executionNameFrom} must be one of ${EXECUTION_NAME_SOURCES.join(", ")}; got "${from}".`);
  }
}

/** The ledger's configuration; a ledger function refuses to start without it. */
export function ledgerSettingsFromEnvironment(env: NodeJS.ProcessEnv): LedgerEnvironment {
  const tableName = ledgerTableFromEnvironment(env);
  const leaseSeconds = Number(env[ENVIRONMENT.ledgerLeaseSeconds]);
  if (!Number.isInteger(leaseSeconds) || leaseSeconds < 1) {
    throw new Error(`${ENVIRONMENT.ledgerLeaseSeconds} must be a whole number of seconds; got "${env[ENVIRONMENT.ledgerLeaseSeconds] ?? ""}".`);
  }
  const retention = env[ENVIRONMENT.ledgerRetentionDays];
  const retentionDays = retention === undefined || retention === "" ? undefined : Number(retention);
  if (retentionDays !== undefined && (!Number.isInteger(retentionDays) || retentionDays < 1)) {
    throw new Error(`${ENVIRONMENT.ledgerRetentionDays} must be a whole number of days; got "${retention}".`);
  }
  return { tableName, leaseMs: leaseSeconds * 1000, retentionDays, keyScope: ledgerKeyScopeFromEnvironment(env) };
}
