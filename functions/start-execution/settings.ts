import { stateMachineArnFromEnvironment } from "../shared/execution-arn";
import { ledgerTableFromEnvironment } from "../shared/execution-ledger";
import { metricDimensionFrom } from "../shared/metrics-environment";
import { ledgerKeyScopeFromEnvironment } from "../shared/scoped-ledger";
import {
  DEFAULT_STEP_FUNCTIONS_HISTORY_DAYS,
  ENVIRONMENT,
  EXECUTION_NAME_SOURCES,
  type ExecutionNameStrategy,
  HTTP_HEADER_NAME,
  RERUN_POLICIES,
  type RequestMetricDimensions,
  type RerunPolicy,
  STEP_FUNCTIONS_HISTORY_DAYS,
  type StepFunctionsHistoryDays,
} from "./contract";

/** The execution ledger's table and timings, when the function has one. */
export interface LedgerEnvironment {
  readonly tableName: string;
  readonly leaseMs: number;
  readonly retentionDays?: number;
  /** The state machine its records are kept within; undefined: the bare execution name (the default workflow). */
  readonly keyScope?: string;
}

export interface HandlerSettings {
  readonly stateMachineArn: string;
  readonly executionName: ExecutionNameStrategy;
  /** @default "never" */
  readonly rerun?: RerunPolicy;
  /** @default 90 */
  readonly stepFunctionsHistoryDays?: StepFunctionsHistoryDays;
}

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
    throw new Error(
      `${ENVIRONMENT.stepFunctionsHistoryDays} must be one of ${STEP_FUNCTIONS_HISTORY_DAYS.join(", ")}; got ` +
        `"${env[ENVIRONMENT.stepFunctionsHistoryDays]}".`,
    );
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
  return {
    environment: metricDimensionFrom(env, ENVIRONMENT.metricsEnvironment),
    workflow: metricDimensionFrom(env, ENVIRONMENT.metricsWorkflow),
  };
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
        throw new Error(
          `${ENVIRONMENT.executionNameHeader} must name the request header when ${ENVIRONMENT.executionNameFrom} is "header"; got ` +
            `"${header}".`,
        );
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
    throw new Error(
      `${ENVIRONMENT.ledgerLeaseSeconds} must be a whole number of seconds; got "${env[ENVIRONMENT.ledgerLeaseSeconds] ?? ""}".`,
    );
  }
  const retention = env[ENVIRONMENT.ledgerRetentionDays];
  const retentionDays = retention === undefined || retention === "" ? undefined : Number(retention);
  if (retentionDays !== undefined && (!Number.isInteger(retentionDays) || retentionDays < 1)) {
    throw new Error(`${ENVIRONMENT.ledgerRetentionDays} must be a whole number of days; got "${retention}".`);
  }
  return { tableName, leaseMs: leaseSeconds * 1000, retentionDays, keyScope: ledgerKeyScopeFromEnvironment(env) };
}
