/**
 * The execution ledger as lib/ creates it and the functions use it: the table's key, TTL and open-records index
 * (functions/shared/ledger-index.ts), and the variables that name the table and the records' scope. A contract
 * module: names only, so that synth, which imports it, loads no handler code.
 */

/** The variable that names the ledger's table, in every function that uses it. */
export const LEDGER_TABLE_VARIABLE = "LEDGER_TABLE_NAME";

/** The table's partition key; lib/execution-ledger-table.ts creates the table with it. */
export const LEDGER_KEY = "executionName";
/** The table's TTL attribute, set only when the ledger has a retention. */
export const LEDGER_TTL_ATTRIBUTE = "expiresAt";

// The open-records index (functions/shared/ledger-index.ts).
/** The index, as lib/execution-ledger-table.ts creates it. */
export const OPEN_RECORDS_INDEX = "open-records";

/**
 * The index's partition key: which of OPEN_SHARDS (functions/shared/ledger-index.ts) the record is in (a number). One value would put every
 * open record in one index partition, and every claim, start and final status writes the index: on-demand DynamoDB
 * takes at most 1,000 write units a second per partition, and an index that cannot keep up throttles the table's
 * own writes. A request writes the index about four times (the claim puts, the start moves the sort key, which is
 * a delete and a put, the final status deletes), and Step Functions starts at most 1,300 executions in a burst
 * (300 a second after it) in its largest regions: 8 shards take 8,000 a second, more than 5,200.
 */
export const OPEN_SHARD_ATTRIBUTE = "openShard";

/**
 * The index's sort key: when the reconciler should look at the record (epoch milliseconds). A write that leaves
 * the record open sets it RECONCILE_AFTER_MS ahead; the reconciler reads only records whose time has come, and
 * moves the time on when an execution is still running.
 */
export const CHECK_AFTER_ATTRIBUTE = "checkAfter";

/**
 * What the index holds besides its keys and the table's: what the reconciler decides by. Its writes are
 * conditional on the record as the index showed it, so a stale index entry (the index is eventually consistent)
 * makes a write fail, never a wrong one.
 */
export const OPEN_RECORD_PROJECTION = [
  "state",
  "claimedBy",
  "leaseExpiresAt",
  "executionArn",
  "executionStatus",
  "attempt",
  "redriveCount",
] as const;

/**
 * Names a start-execution function's state machine when its ledger records are kept within it: several
 * workflows share one ledger table, and two of them keyed alike (an order id) must never share a record.
 * Unset for the default workflow, whose records predate workflows and are keyed by the bare execution name.
 */
export const LEDGER_KEY_SCOPE_VARIABLE = "LEDGER_KEY_SCOPE";

/**
 * The state machines (by name, comma-separated) whose ledger records are kept within them
 * (functions/shared/scoped-ledger.ts); the others' are keyed by the bare execution name.
 */
export const LEDGER_SCOPED_STATE_MACHINES_VARIABLE = "LEDGER_SCOPED_STATE_MACHINES";

/** The detail type of the EventBridge events ledger-status consumes (lib/ledger-status-updates.ts routes them). */
export const STATUS_CHANGE_DETAIL_TYPE = "Step Functions Execution Status Change";
