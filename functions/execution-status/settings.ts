import { STATE_MACHINE_ARN_VARIABLE, stateMachineArnFromEnvironment } from "../shared/execution-arn";
import { LEDGER_TABLE_VARIABLE, ledgerTableFromEnvironment } from "../shared/execution-ledger";
import { LEDGER_KEY_SCOPE_VARIABLE, ledgerKeyScopeFromEnvironment } from "../shared/scoped-ledger";

/** The route's path parameter: `GET <workflow's path>/{executionName}` (lib/dedup-trigger-stack.ts). */
export const EXECUTION_NAME_PARAMETER = "executionName";

/**
 * The environment variables the execution-status function is deployed with (lib/dedup-trigger-stack.ts sets
 * them). The state machine's and the ledger's are the start-execution function's own names, set alike.
 */
export const STATUS_ENVIRONMENT = {
  stateMachineArn: STATE_MACHINE_ARN_VARIABLE,
  /** "true" when the workflow sets `exposeOutput`; absent otherwise. */
  exposeOutput: "EXPOSE_OUTPUT",
  ledgerTableName: LEDGER_TABLE_VARIABLE,
  ledgerKeyScope: LEDGER_KEY_SCOPE_VARIABLE,
} as const;

export interface StatusSettings {
  /** The one state machine whose executions the function describes. */
  readonly stateMachineArn: string;
  /** Whether a succeeded execution's output is shown; off by default, as outputs may hold personal data. */
  readonly exposeOutput: boolean;
}

/** The ledger the function reads executions Step Functions has forgotten from. */
export interface StatusLedgerSettings {
  readonly tableName: string;
  /** The state machine its records are kept within; undefined: the bare execution name (the default workflow). */
  readonly keyScope?: string;
}

/** Read once, at cold start: a misconfigured function fails to initialise, naming the variable. */
export function statusSettingsFromEnvironment(env: NodeJS.ProcessEnv): StatusSettings {
  const exposeOutput = env[STATUS_ENVIRONMENT.exposeOutput];
  if (exposeOutput !== undefined && exposeOutput !== "" && exposeOutput !== "true" && exposeOutput !== "false") {
    throw new Error(`${STATUS_ENVIRONMENT.exposeOutput} must be "true", "false" or unset; got "${exposeOutput}".`);
  }
  return { stateMachineArn: stateMachineArnFromEnvironment(env), exposeOutput: exposeOutput === "true" };
}

export function statusLedgerFromEnvironment(env: NodeJS.ProcessEnv): StatusLedgerSettings {
  return { tableName: ledgerTableFromEnvironment(env), keyScope: ledgerKeyScopeFromEnvironment(env) };
}
