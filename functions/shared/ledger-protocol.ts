import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { type ClaimRequest, type LedgerRecord, type StatusUpdate, TERMINAL_STATUSES } from "./execution-ledger";
import { CHECK_AFTER_ATTRIBUTE, LEDGER_KEY, LEDGER_TTL_ATTRIBUTE, OPEN_SHARD_ATTRIBUTE } from "./ledger-contract";
import { openShardOf, RECONCILE_AFTER_MS } from "./ledger-index";

/**
 * The ledger's protocol: every conditional write the ledger makes (functions/shared/dynamodb-ledger.ts runs them,
 * for the start-execution, ledger-status and ledger-reconciler functions), each a named transition built from
 * named conditions. The invariants below are the reasons for those conditions; they are stated here only.
 *
 * Records. One item per request (its key: the execution name, or `<state machine>:<name>`,
 * functions/shared/scoped-ledger.ts). CLAIMED: a request is starting the execution; `claimedBy` and
 * `leaseExpiresAt` say who and until when. STARTED: the execution exists and its ARN, status and dates are
 * recorded; a STARTED record may carry a claim too, that of a re-run of its failed execution.
 *
 * Write order (start-execution), chosen so that every failure is safe:
 * 1. claim the name before StartExecution (claimNew, claimExpired, takeOver): of concurrent duplicates exactly one
 *    wins, since each is conditional on the record as it was read;
 * 2. StartExecution under the deterministic name;
 * 3. record the execution (recordStarted): the claim becomes STARTED, only while this request still holds it;
 * - StartExecution fails after the claim, proving nothing started: the claim is released (release), so a retry works;
 * - the invocation dies after the claim: the claim's lease (longer than the function's timeout) expires and a later
 *   request takes the claim over and runs 2-3 again; the name makes a repeated StartExecution return the original
 *   execution, or refuse if it has closed, never start a second one;
 * - the ledger is unavailable at step 1: nothing is started.
 * A request whose execution failed, in a workflow that re-runs failed requests (`rerun: "after-failure"`), is
 * re-run from its STARTED record: the re-run is claimed on the record (claimRerun, conditional on the very failure
 * it read), the execution redriven or the next attempt started, and the record then follows that execution
 * (`attempt`, `redriveCount`; recordStarted). The same failure rules hold: a re-run that started nothing gives its
 * claim up (releaseRerun); one that died is taken over after its lease (claimRerun again), and the names make a
 * repeated redrive or start find what the first one did.
 *
 * Invariants every transition keeps:
 * - Only the holder of a claim acts on it (recordStarted, release, releaseRerun are conditional on `claimedBy`),
 *   and a claim is taken from another only once its lease is over, and only as it was read: a holder that comes
 *   back after its lease finds its writes refused.
 * - A claim's input hash stays the first claimant's until a StartExecution of this holder creates the execution:
 *   the hash always describes the input the execution runs with.
 * - An execution's status is final once its stop date is recorded: events arrive in any order, and a late RUNNING
 *   must not undo a SUCCEEDED. Only a later run (RedriveExecution reopens a FAILED, ABORTED or TIMED_OUT execution
 *   under the same ARN, with one more `redriveCount`; the first run's 0 is not stored) or a later attempt
 *   (`<name>-<attempt>`, functions/shared/execution-attempts.ts) replaces it; a status of an earlier run or attempt
 *   never replaces a later one's. A name the ledger never claimed gets no record.
 * - Every write that records a status removes any claim (the execution exists, whoever records it first), so a
 *   re-run claim holds only while the status is still the one the claim was taken on.
 * - Every write keeps the record's place in the open-records index (functions/shared/ledger-index.ts): a write
 *   that leaves the record open (CLAIMED, a status that is not final, a re-run claim) sets `openShard` and a
 *   `checkAfter` RECONCILE_AFTER_MS on; one that makes it final removes both.
 * - The reconciler's writes are conditional on the record as the (eventually consistent) index showed it: its
 *   check time (every write since either closed the record or moved the time on) or its claim's holder. A request
 *   or a status event that got there first wins, and the sweep's write does nothing; overlapping sweeps are harmless.
 * - With a retention, a record past `expiresAt` no longer counts (the ledger checks it: TTL deletes items up to two
 *   days late); without one, `expiresAt` is ignored (records written under an earlier retention stay for good).
 */

type Values = Record<string, AttributeValue>;

const DAY_SECONDS = 86_400;

/** A condition, or a piece of one: its text and the values its placeholders stand for. */
export interface Condition {
  readonly text: string;
  readonly values: Values;
  /**
   * A conjunction is parenthesized inside a disjunction: AND binds tighter than OR, so for the reader only, as the
   * ledger has always written it.
   */
  readonly conjunction?: boolean;
}

/**
 * A conditional PutItem's or DeleteItem's expressions, as DynamoDB takes them. Every attribute is referred to by a
 * #name: several (state, name…) are DynamoDB reserved words.
 */
export interface ConditionalWrite {
  readonly ConditionExpression: string;
  readonly ExpressionAttributeNames: Record<string, string>;
  /** Absent when the expressions use no value (DynamoDB refuses an empty map). */
  readonly ExpressionAttributeValues?: Values;
}

/** A conditional UpdateItem's. */
export interface ConditionalUpdate extends ConditionalWrite {
  readonly UpdateExpression: string;
}

/** A Query's key condition, as DynamoDB takes it. */
export interface KeyCondition {
  readonly KeyConditionExpression: string;
  readonly ExpressionAttributeNames: Record<string, string>;
  readonly ExpressionAttributeValues: Values;
}

const STARTED: AttributeValue = { S: "STARTED" };
const CLAIMED: AttributeValue = { S: "CLAIMED" };
const stringValue = (value: string): AttributeValue => ({ S: value });
const numberValue = (value: number): AttributeValue => ({ N: String(value) });

function fragment(text: string, values: Values = {}): Condition {
  return { text, values };
}

/** Every part holds. */
export function all(...parts: Condition[]): Condition {
  const conjunction = parts.length > 1 || parts.some((part) => part.conjunction);
  return { text: parts.map((part) => part.text).join(" AND "), values: mergeValues(...parts.map((part) => part.values)), conjunction };
}

/** At least one part holds. */
export function any(...parts: Condition[]): Condition {
  const texts = parts.map((part) => (part.conjunction ? `(${part.text})` : part.text));
  return { text: `(${texts.join(" OR ")})`, values: mergeValues(...parts.map((part) => part.values)) };
}

// The named conditions. Each says one thing about the record as it is before the write.

/** No record has the key: the name was never claimed (or its record is gone). */
export const noRecord: Condition = fragment(`attribute_not_exists(#${LEDGER_KEY})`);
/** A record has the key: a status is recorded only for a name the ledger claimed. */
export const recordExists: Condition = fragment(`attribute_exists(#${LEDGER_KEY})`);
/** The record is CLAIMED: being started. */
export const isClaimed: Condition = fragment("#state = :claimed", { ":claimed": CLAIMED });
/** The record is STARTED: its execution exists. */
export const isStarted: Condition = fragment("#state = :started", { ":started": STARTED });
/** The record's retention is the one read (`seenExpiresAt`): no one has claimed it again since. */
export const retentionAsRead = (seenExpiresAt: number): Condition =>
  fragment(`#${LEDGER_TTL_ATTRIBUTE} = :seen`, { ":seen": numberValue(seenExpiresAt) });
/** `owner` holds the record's claim. */
export const claimedBy = (owner: string): Condition => fragment("#claimedBy = :owner", { ":owner": stringValue(owner) });
/** No claim is on the record. */
export const unclaimed: Condition = fragment("attribute_not_exists(#claimedBy)");
/** The claim is exactly the stale one read: the same holder and the same lease, so no one took it over since. */
export const claimAsRead = (staleOwner: string, staleLease: number): Condition =>
  all(
    fragment("#claimedBy = :staleOwner", { ":staleOwner": stringValue(staleOwner) }),
    fragment("#leaseExpiresAt = :staleLease", { ":staleLease": numberValue(staleLease) }),
  );
/** No lease, or one that is over at `nowMs`: whoever held it is gone. */
export const leaseOver = (nowMs: number): Condition =>
  any(fragment("attribute_not_exists(#leaseExpiresAt)"), fragment("#leaseExpiresAt <= :now", { ":now": numberValue(nowMs) }));
/** The record's run is the one read: its redrive count, absent for the first run. */
export const redriveCountAsRead = (redriveCount: number | undefined): Condition =>
  redriveCount === undefined
    ? fragment("attribute_not_exists(#redriveCount)")
    : fragment("#redriveCount = :seenRedriveCount", { ":seenRedriveCount": numberValue(redriveCount) });
/** The record shows exactly the execution read: its ARN, status and run. */
export const executionAsRead = (seen: LedgerRecord): Condition =>
  all(
    fragment("#executionArn = :seenArn", { ":seenArn": stringValue(seen.executionArn ?? "") }),
    fragment("#executionStatus = :seenStatus", { ":seenStatus": stringValue(seen.executionStatus ?? "") }),
    redriveCountAsRead(seen.redriveCount),
  );
/** The record shows this start of this execution: its ARN and start date. */
export const startAsRecorded = (executionArn: string, startDate: Date): Condition =>
  all(
    fragment("#executionArn = :arn", { ":arn": stringValue(executionArn) }),
    fragment("#startDate = :startDate", { ":startDate": stringValue(startDate.toISOString()) }),
  );
/** The record follows the request's first attempt: no later attempt is recorded. */
export const firstAttempt: Condition = fragment("attribute_not_exists(#attempt)");
/**
 * A status of run `redriveCount` may replace what the record holds: the recorded run is an earlier one, or it is
 * this run and its end (stop date) is not recorded yet. The first run's count, 0, is never stored.
 */
export const acceptsStatusOfRun = (redriveCount: number): Condition =>
  redriveCount === 0
    ? all(fragment("attribute_not_exists(#stopDate)"), fragment("attribute_not_exists(#redriveCount)"))
    : any(
        fragment("attribute_not_exists(#redriveCount)"),
        fragment("#redriveCount < :redriveCount", { ":redriveCount": numberValue(redriveCount) }),
        all(
          fragment("#redriveCount = :redriveCount", { ":redriveCount": numberValue(redriveCount) }),
          fragment("attribute_not_exists(#stopDate)"),
        ),
      );
/**
 * A status of attempt `attempt` (> 1), run `redriveCount`, may replace what the record holds: an earlier attempt's
 * status, or this attempt's as acceptsStatusOfRun says.
 */
export const acceptsStatusOfAttempt = (attempt: number, redriveCount: number): Condition =>
  any(
    fragment("attribute_not_exists(#attempt)"),
    fragment("#attempt < :attempt", { ":attempt": numberValue(attempt) }),
    all(fragment("#attempt = :attempt", { ":attempt": numberValue(attempt) }), acceptsStatusOfRun(redriveCount)),
  );
/** The record's check time is the one the index showed: nothing was written since. */
export const dueAsRead = (checkAfter: number): Condition =>
  fragment(`#${CHECK_AFTER_ATTRIBUTE} = :seen`, { ":seen": numberValue(checkAfter) });

// The update expressions' pieces.

/** What an UpdateItem sets (assignments, each with its values) and removes. */
interface Update {
  readonly set: readonly Condition[];
  readonly remove: readonly string[];
}

const assign = (text: string, values: Values = {}): Condition => ({ text, values });

/** The index attributes of a record the write leaves open (due RECONCILE_AFTER_MS from `nowMs`), or removes from a final one. */
function indexEntry(recordKey: string, open: boolean, nowMs: number): Update {
  if (!open) {
    return { set: [], remove: [`#${OPEN_SHARD_ATTRIBUTE}`, `#${CHECK_AFTER_ATTRIBUTE}`] };
  }
  return {
    set: [
      assign(`#${OPEN_SHARD_ATTRIBUTE} = :openShard`, { ":openShard": numberValue(openShardOf(recordKey)) }),
      assign(`#${CHECK_AFTER_ATTRIBUTE} = :checkAfter`, { ":checkAfter": numberValue(nowMs + RECONCILE_AFTER_MS) }),
    ],
    remove: [],
  };
}

/** The same for a new item: a claim is open. */
export function openIndexItem(recordKey: string, nowMs: number): Values {
  return {
    [OPEN_SHARD_ATTRIBUTE]: numberValue(openShardOf(recordKey)),
    [CHECK_AFTER_ATTRIBUTE]: numberValue(nowMs + RECONCILE_AFTER_MS),
  };
}

const lease = (owner: string, now: Date, leaseMs: number): Condition[] => [
  assign("#claimedBy = :owner", { ":owner": stringValue(owner) }),
  assign("#leaseExpiresAt = :lease", { ":lease": numberValue(now.getTime() + leaseMs) }),
];
const CLAIM_ATTRIBUTES = ["#claimedBy", "#leaseExpiresAt"];
const isOpen = (status: string) => !TERMINAL_STATUSES.has(status);

function statusAssignments(update: StatusUpdate): Condition[] {
  return [
    assign("#state = :started", { ":started": STARTED }),
    assign("#executionArn = :arn", { ":arn": stringValue(update.executionArn) }),
    assign("#executionStatus = :status", { ":status": stringValue(update.executionStatus) }),
  ];
}

/**
 * What recording an execution writes: its ARN, status and dates, and which attempt and run it is. Attributes the
 * update does not have are removed (an earlier attempt's stop date, redrive count or attempt number no longer
 * hold), and so is any claim: the execution exists.
 */
function executionWrite(update: StatusUpdate, index: Update): { set: Condition[]; remove: string[] } {
  const attempt = update.attempt ?? 1;
  const redriveCount = update.redriveCount ?? 0;
  const set = [...statusAssignments(update), ...index.set];
  const remove = [...CLAIM_ATTRIBUTES, ...index.remove];
  if (update.startDate) set.push(assign("#startDate = :startDate", { ":startDate": stringValue(update.startDate.toISOString()) }));
  if (update.stopDate) set.push(assign("#stopDate = :stopDate", { ":stopDate": stringValue(update.stopDate.toISOString()) }));
  else remove.push("#stopDate");
  if (redriveCount > 0) set.push(assign("#redriveCount = :redriveCount", { ":redriveCount": numberValue(redriveCount) }));
  else remove.push("#redriveCount");
  if (attempt > 1) set.push(assign("#attempt = :attempt", { ":attempt": numberValue(attempt) }));
  else remove.push("#attempt");
  return { set, remove };
}

// The transitions: every conditional write of the ledger, by name.

/** Claims a name no record holds. */
export function claimNew(): ConditionalWrite {
  return conditional(noRecord);
}

/** Claims a name again whose record is past its retention (claimStep), only while that record is the one read. */
export function claimExpired(seenExpiresAt: number): ConditionalWrite {
  return conditional(retentionAsRead(seenExpiresAt));
}

/**
 * Takes over a claim whose holder outlived its lease (claimStep), keeping the record's history. The input hash stays
 * the first claimant's: it may have started the execution with that input, and only a start that this holder's
 * StartExecution creates may replace it (recordStarted). Indexed again from now: a claim written before the index
 * existed joins it here.
 */
export function takeOver(stale: LedgerRecord, request: ClaimRequest): ConditionalUpdate {
  const index = indexEntry(request.executionName, true, request.now.getTime());
  return conditionalUpdate(all(isClaimed, claimAsRead(stale.claimedBy ?? "", stale.leaseExpiresAt ?? 0)), {
    set: [...lease(request.owner, request.now, request.leaseMs), ...index.set],
    remove: [],
  });
}

/**
 * The claim's holder records its execution: the record becomes STARTED (or follows a re-run's attempt). The input
 * hash is given only when this holder's StartExecution created the execution.
 */
export function recordStarted(
  recordKey: string,
  owner: string,
  execution: StatusUpdate,
  nowMs: number,
  startedInputSha256?: string,
): ConditionalUpdate {
  const update = executionWrite(execution, indexEntry(recordKey, isOpen(execution.executionStatus), nowMs));
  if (startedInputSha256) update.set.push(assign("#inputSha256 = :input", { ":input": stringValue(startedInputSha256) }));
  return conditionalUpdate(claimedBy(owner), update);
}

/**
 * The input hash of a start whose record recordStarted could not write: the status updater may have completed the
 * claim from the execution's first event before the holder could record it. The hash is still this start's to
 * set, on that same execution only.
 */
export function recordStartedInput(execution: StatusUpdate & { readonly startDate: Date }, startedInputSha256: string): ConditionalUpdate {
  return conditionalUpdate(all(isStarted, startAsRecorded(execution.executionArn, execution.startDate)), {
    set: [assign("#inputSha256 = :input", { ":input": stringValue(startedInputSha256) })],
    remove: [],
  });
}

/**
 * A status of the request's first attempt (from its events, or the reconciler): recorded on any record of the
 * name that follows the first attempt, while the status of its run may still change (acceptsStatusOfRun). A
 * CLAIMED record becomes STARTED: the execution exists. The start date is the first one learned; a redriven run's
 * RUNNING clears the stop date of the run before.
 */
export function recordStatus(recordKey: string, update: StatusUpdate, nowMs: number): ConditionalUpdate {
  const redriveCount = update.redriveCount ?? 0;
  const index = indexEntry(recordKey, isOpen(update.executionStatus), nowMs);
  const set = statusAssignments(update);
  if (update.startDate) {
    set.push(assign("#startDate = if_not_exists(#startDate, :startDate)", { ":startDate": stringValue(update.startDate.toISOString()) }));
  }
  if (update.stopDate) set.push(assign("#stopDate = :stopDate", { ":stopDate": stringValue(update.stopDate.toISOString()) }));
  if (redriveCount > 0) set.push(assign("#redriveCount = :redriveCount", { ":redriveCount": numberValue(redriveCount) }));
  return conditionalUpdate(all(recordExists, firstAttempt, acceptsStatusOfRun(redriveCount)), {
    set: [...set, ...index.set],
    remove: [...CLAIM_ATTRIBUTES, ...(update.stopDate ? [] : ["#stopDate"]), ...index.remove],
  });
}

/**
 * A status of a later attempt (`update.attempt` > 1, its own execution): it replaces whatever an earlier attempt
 * recorded, and within the same attempt follows the rules of recordStatus. Only on a STARTED record: later attempts
 * are started from one (a re-run), and a record claimed afresh (its retention over) is another run of the request,
 * which an old attempt's late event must not overwrite. It also ends a re-run claim: the attempt exists.
 */
export function recordAttemptStatus(recordKey: string, update: LaterAttemptStatus, nowMs: number): ConditionalUpdate {
  const accepted = all(isStarted, acceptsStatusOfAttempt(update.attempt, update.redriveCount ?? 0));
  return conditionalUpdate(accepted, executionWrite(update, indexEntry(recordKey, isOpen(update.executionStatus), nowMs)));
}

/** A status of a later attempt than the first: `attempt` is 2 or more. */
export type LaterAttemptStatus = StatusUpdate & { readonly attempt: number };

/** The claim's holder gives it up, nothing started: the record is deleted, so that a retry can claim the name. */
export function release(owner: string): ConditionalWrite {
  return conditional(all(claimedBy(owner), isClaimed));
}

/**
 * Claims the re-run of a failed execution. Exactly the failure that was read: a re-run recorded since (another
 * ARN, status or redrive count) or a live claim of another re-run makes this one lose; an expired claim's holder
 * is gone, and it may be taken over. A live re-run claim makes the record open: if its holder dies, the reconciler
 * finds it.
 */
export function claimRerun(recordKey: string, seen: LedgerRecord, owner: string, now: Date, leaseMs: number): ConditionalUpdate {
  const index = indexEntry(recordKey, true, now.getTime());
  const update = { set: [...lease(owner, now, leaseMs), ...index.set], remove: [] };
  return conditionalUpdate(all(isStarted, executionAsRead(seen), leaseOver(now.getTime())), update);
}

/**
 * The re-run claim's holder gives it up, nothing started: the record is the failure it was, final again. Every write
 * that changed its status since the claim also removed the claim, so this holds only while the status is the one
 * the claim was taken on.
 */
export function releaseRerun(recordKey: string, owner: string): ConditionalUpdate {
  const index = indexEntry(recordKey, false, 0);
  return conditionalUpdate(all(claimedBy(owner), isStarted), { set: [], remove: [...CLAIM_ATTRIBUTES, ...index.remove] });
}

/** The reconciler looks at an open record again later (its execution still runs, or could not be asked about now). */
export function deferCheck(seenCheckAfter: number, checkAfterMs: number): ConditionalUpdate {
  const update = { set: [assign(`#${CHECK_AFTER_ATTRIBUTE} = :next`, { ":next": numberValue(checkAfterMs) })], remove: [] };
  return conditionalUpdate(dueAsRead(seenCheckAfter), update);
}

/**
 * The reconciler takes a STARTED record out of the index when there is nothing left to learn: its status is final
 * already (`forgottenAt` undefined), or Step Functions no longer knows its execution (`forgottenAt` set, and kept on
 * the record as a note). The status stays the last one known. Never on a record with a claim (a re-run's, which
 * is settled by recordStarted or releaseRerun).
 */
export function closeOpenRecord(recordKey: string, seenCheckAfter: number, forgottenAt?: Date): ConditionalUpdate {
  const index = indexEntry(recordKey, false, 0);
  return conditionalUpdate(all(dueAsRead(seenCheckAfter), isStarted, unclaimed), {
    set: forgottenAt ? [assign("#forgottenAt = :forgottenAt", { ":forgottenAt": stringValue(forgottenAt.toISOString()) })] : [],
    remove: index.remove,
  });
}

/** The key condition of the reconciler's Query of the open-records index: a shard's records whose check time has come. */
export function dueRecordsKey(shard: number, now: Date): KeyCondition {
  const key = all(
    fragment(`#${OPEN_SHARD_ATTRIBUTE} = :shard`, { ":shard": numberValue(shard) }),
    fragment(`#${CHECK_AFTER_ATTRIBUTE} <= :now`, { ":now": numberValue(now.getTime()) }),
  );
  return { KeyConditionExpression: key.text, ExpressionAttributeNames: namesIn(key.text), ExpressionAttributeValues: key.values };
}

/**
 * How a claim proceeds from the record it read (none, the first time): a fresh claim put (claimNew, claimExpired),
 * a stale claim taken over, or nothing to try: the name is held, and the record is the answer. A write that fails
 * lost a race: the claim reads the record again and takes the next step from it.
 */
export type ClaimStep =
  | { readonly transition: "claimNew" | "claimExpired"; readonly claim: LedgerRecord; readonly write: ConditionalWrite }
  | { readonly transition: "takeOver"; readonly stale: LedgerRecord; readonly write: ConditionalUpdate }
  | { readonly transition: "held"; readonly record: LedgerRecord };

export function claimStep(existing: LedgerRecord | undefined, request: ClaimRequest): ClaimStep {
  if (!existing) {
    return { transition: "claimNew", claim: freshClaim(request), write: claimNew() };
  }
  if (isExpired(existing, request)) {
    return { transition: "claimExpired", claim: freshClaim(request), write: claimExpired(existing.expiresAt) };
  }
  if (existing.state === "CLAIMED" && (existing.leaseExpiresAt ?? 0) <= request.now.getTime()) {
    // The claim's holder outlived its lease, so it is gone.
    return { transition: "takeOver", stale: existing, write: takeOver(existing, request) };
  }
  return { transition: "held", record: existing };
}

/** The record a claim puts: held by its owner for the lease, and with a retention, counting until `expiresAt`. */
export function freshClaim(request: ClaimRequest): LedgerRecord {
  return {
    executionName: request.executionName,
    state: "CLAIMED",
    firstSeenAt: request.now.toISOString(),
    inputSha256: request.inputSha256,
    claimedBy: request.owner,
    leaseExpiresAt: request.now.getTime() + request.leaseMs,
    expiresAt:
      request.retentionDays === undefined ? undefined : Math.floor(request.now.getTime() / 1000) + request.retentionDays * DAY_SECONDS,
  };
}

/** Past its retention, while a retention is configured (the record counts for good once it is removed). */
function isExpired(record: LedgerRecord, request: ClaimRequest): record is LedgerRecord & { readonly expiresAt: number } {
  return request.retentionDays !== undefined && record.expiresAt !== undefined && record.expiresAt * 1000 <= request.now.getTime();
}

function conditional(condition: Condition): ConditionalWrite {
  return {
    ConditionExpression: condition.text,
    ExpressionAttributeNames: namesIn(condition.text),
    ...(Object.keys(condition.values).length > 0 ? { ExpressionAttributeValues: condition.values } : {}),
  };
}

function conditionalUpdate(condition: Condition, update: Update): ConditionalUpdate {
  const expression = renderUpdate(update);
  const values = mergeValues(condition.values, ...update.set.map((assignment) => assignment.values));
  return {
    UpdateExpression: expression,
    ConditionExpression: condition.text,
    ExpressionAttributeNames: namesIn(`${expression} ${condition.text}`),
    ...(Object.keys(values).length > 0 ? { ExpressionAttributeValues: values } : {}),
  };
}

function renderUpdate(update: Update): string {
  const clauses = [];
  if (update.set.length > 0) clauses.push(`SET ${update.set.map((assignment) => assignment.text).join(", ")}`);
  if (update.remove.length > 0) clauses.push(`REMOVE ${update.remove.join(", ")}`);
  return clauses.join(" ");
}

/** One value per placeholder: two pieces that give one placeholder different values would be a defect here. */
function mergeValues(...maps: Values[]): Values {
  const merged: Values = {};
  for (const map of maps) {
    for (const [placeholder, value] of Object.entries(map)) {
      if (placeholder in merged && JSON.stringify(merged[placeholder]) !== JSON.stringify(value)) {
        throw new Error(`${placeholder} is given two values: ${JSON.stringify(merged[placeholder])} and ${JSON.stringify(value)}.`);
      }
      merged[placeholder] = value;
    }
  }
  return merged;
}

/** Each #name stands for the attribute of that name. */
function namesIn(expressions: string): Record<string, string> {
  return Object.fromEntries([...new Set(expressions.match(/#\w+/g) ?? [])].map((name) => [name, name.slice(1)]));
}
