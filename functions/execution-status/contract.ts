import { STATE_MACHINE_ARN_VARIABLE } from "../shared/function-contract";
import { LEDGER_KEY_SCOPE_VARIABLE, LEDGER_TABLE_VARIABLE } from "../shared/ledger-contract";

/**
 * What lib/ and the execution-status function share: its route's parameter and the variables it is deployed
 * with. A contract module: names only, so that synth, which imports it, loads no handler code.
 */

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
