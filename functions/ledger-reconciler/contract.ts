import { LEDGER_SCOPED_STATE_MACHINES_VARIABLE, LEDGER_TABLE_VARIABLE } from "../shared/ledger-contract";

/**
 * What lib/ledger-reconciler.ts and the reconciler share: the variables it is deployed with. A contract module:
 * names only, so that synth, which imports it, loads no handler code.
 */

/** The environment variables the reconciler is deployed with; lib/ledger-reconciler.ts sets them. */
export const RECONCILER_ENVIRONMENT = {
  ledgerTableName: LEDGER_TABLE_VARIABLE,
  /** Every state machine whose records the ledger keeps, by ARN, comma-separated: what the reconciler may describe. */
  stateMachineArns: "LEDGER_STATE_MACHINE_ARNS",
  /** Those whose records are keyed `<state machine name>:<execution name>`, by name, as ledger-status gets them. */
  scopedStateMachines: LEDGER_SCOPED_STATE_MACHINES_VARIABLE,
} as const;
