import { createHash } from "node:crypto";

/**
 * The ledger's open-records index: a sparse global secondary index of the records whose execution the ledger
 * does not yet know to have ended, so that the reconciler (functions/ledger-reconciler) finds them with a Query
 * and never reads the rest of the table.
 *
 * A record is open while it is CLAIMED, while it is STARTED with a status that is not final, and while a re-run
 * claim is on it; only then does it carry the index's key attributes. Every ledger write keeps them right
 * (functions/shared/ledger-protocol.ts): a write that leaves the record open sets both, a write that makes it
 * final removes both, and DynamoDB adds or drops the record's index entry with it. Final records, the great
 * majority, are never in the index, so it stays as small as the number of executions in flight.
 *
 * Records written before the index existed carry neither attribute: DynamoDB's backfill indexes none of them, and
 * they stay unindexed until a write touches them (a duplicate request, a status event). Open ones among them are
 * the claims of invocations that died and the records whose final status event was lost before the reconciler
 * existed; they are healed as before, by the next request for their name (README.md, "The ledger heals itself").
 *
 * The index's name and attributes are in functions/shared/ledger-contract.ts, which the stack creates it from.
 */

/** The values of the index's partition key (OPEN_SHARD_ATTRIBUTE): why 8 is said beside it. */
export const OPEN_SHARDS = 8;

/**
 * How long a record may stay open before the reconciler asks Step Functions about it. Long enough that the usual
 * way finishes first: a claim's holder records its start within its lease (20 s), and a status event reaches
 * the ledger within seconds, or after Lambda's two retries of a failed write within about three minutes. Short
 * enough that a lost status is healed within about 20 minutes (this, plus the schedule's 5), long before Step
 * Functions forgets the execution. And far longer than any StartExecution a dead claim holder may have sent can
 * take to land, which is what makes settling a claim safe (functions/ledger-reconciler/reconcile.ts).
 */
export const RECONCILE_AFTER_MS = 15 * 60_000;

/** The shard of a record, from its key: stable, so that a record stays in its shard, and spread evenly. */
export function openShardOf(recordKey: string): number {
  return createHash("sha256").update(recordKey, "utf8").digest()[0] % OPEN_SHARDS;
}
