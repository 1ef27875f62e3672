import type { ExecutionLedger, LedgerRecord } from "./execution-ledger";
import { LEDGER_KEY_SCOPE_VARIABLE } from "./ledger-contract";

/** The scope LEDGER_KEY_SCOPE names, if any; a function given anything but a state machine's name fails to initialise. */
export function ledgerKeyScopeFromEnvironment(env: NodeJS.ProcessEnv): string | undefined {
  const keyScope = env[LEDGER_KEY_SCOPE_VARIABLE] || undefined;
  if (keyScope !== undefined && !/^[0-9A-Za-z_-]{1,80}$/.test(keyScope)) {
    throw new Error(`${LEDGER_KEY_SCOPE_VARIABLE} must be the state machine's name; got "${keyScope}".`);
  }
  return keyScope;
}

/** The record key of an execution name within a scope: `<state machine name>:<execution name>`, as execution ARNs end. */
export function ledgerRecordKey(scope: string | undefined, executionName: string): string {
  return scope === undefined ? executionName : `${scope}:${executionName}`;
}

/** The ledger seen through a scope: callers use execution names, the table holds scoped keys. */
export function scopedLedger(ledger: ExecutionLedger, scope: string | undefined): ExecutionLedger {
  if (scope === undefined) {
    return ledger;
  }
  const key = (executionName: string) => ledgerRecordKey(scope, executionName);
  const named = (record: LedgerRecord): LedgerRecord => ({ ...record, executionName: record.executionName.slice(scope.length + 1) });
  return {
    claim: async (request) => {
      const result = await ledger.claim({ ...request, executionName: key(request.executionName) });
      return result.claimed ? result : { claimed: false, record: named(result.record) };
    },
    recordStarted: (executionName, owner, execution, startedInputSha256) =>
      ledger.recordStarted(key(executionName), owner, execution, startedInputSha256),
    release: (executionName, owner) => ledger.release(key(executionName), owner),
    recordStatus: (executionName, update) => ledger.recordStatus(key(executionName), update),
    claimRerun: (executionName, request) =>
      ledger.claimRerun(key(executionName), { ...request, seen: { ...request.seen, executionName: key(executionName) } }),
    releaseRerun: (executionName, owner) => ledger.releaseRerun(key(executionName), owner),
    read: async (executionName) => {
      const record = await ledger.read(key(executionName));
      return record && named(record);
    },
  };
}
