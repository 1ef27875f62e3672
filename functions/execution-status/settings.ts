import { stateMachineArnFromEnvironment } from "../shared/execution-arn";
import { ledgerTableFromEnvironment } from "../shared/execution-ledger";
import { ledgerKeyScopeFromEnvironment } from "../shared/scoped-ledger";
import { STATUS_ENVIRONMENT } from "./contract";

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
