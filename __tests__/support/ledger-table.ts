import {
  CHECK_AFTER_ATTRIBUTE,
  LEDGER_KEY,
  OPEN_RECORD_PROJECTION,
  OPEN_RECORDS_INDEX,
  OPEN_SHARD_ATTRIBUTE,
} from "../../functions/shared/ledger-contract";
import type { LocalTable } from "../../local/synthesized-stack";

/**
 * The ledger's table as lib/execution-ledger-table.ts declares it, for dynalite (local/local-dynamodb.ts): its key
 * and its sparse open-records index. __tests__/dedup-trigger-stack.test.ts checks the stack declares the same.
 */
export function ledgerTable(name: string): LocalTable {
  return {
    name,
    hashKey: LEDGER_KEY,
    attributes: [
      { name: LEDGER_KEY, type: "S" },
      { name: OPEN_SHARD_ATTRIBUTE, type: "N" },
      { name: CHECK_AFTER_ATTRIBUTE, type: "N" },
    ],
    globalSecondaryIndexes: [
      {
        name: OPEN_RECORDS_INDEX,
        hashKey: OPEN_SHARD_ATTRIBUTE,
        rangeKey: CHECK_AFTER_ATTRIBUTE,
        projectionType: "INCLUDE",
        nonKeyAttributes: [...OPEN_RECORD_PROJECTION],
      },
    ],
  };
}
