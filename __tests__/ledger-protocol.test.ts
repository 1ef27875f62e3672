import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import type { ClaimRequest, LedgerRecord, StatusUpdate } from "../functions/shared/execution-ledger";
import {
  type ClaimStep,
  type ConditionalWrite,
  claimExpired,
  claimNew,
  claimRerun,
  claimStep,
  closeOpenRecord,
  deferCheck,
  dueRecordsKey,
  recordAttemptStatus,
  recordStarted,
  recordStartedInput,
  recordStatus,
  release,
  releaseRerun,
  takeOver,
} from "../functions/shared/ledger-protocol";
import { evaluateCondition, parseCondition, placeholdersIn } from "./support/condition-expression";

/**
 * Every transition of the ledger's protocol, its real rendered condition evaluated against item states without
 * DynamoDB (the evaluator: support/condition-expression.ts). Each row names the rule it checks; what a write then
 * does to the item, and the whole protocol against a DynamoDB implementation, are dynamodb-ledger.test.ts's.
 */

type Item = Record<string, AttributeValue>;

const NOW = new Date("2026-03-01T12:00:00.000Z");
const NOW_MS = NOW.getTime();
const LEASE_MS = 20_000;
const KEY = "0309a6c666a7a803fdb9db95de71cf01";
const ARN = `arn:aws:states:us-east-1:123456789012:execution:sfn-dedup-default-notify:${KEY}`;
const STARTED_AT = "2026-03-01T11:00:00.000Z";
const STOPPED_AT = "2026-03-01T11:30:00.000Z";
const SEEN_CHECK_AFTER = NOW_MS - 60_000;
const PAST_RETENTION = Math.floor(NOW_MS / 1000) - 3_600;
const RECHECK_MS = 15 * 60_000;

/** An item as DynamoDB holds it: strings as S, numbers as N, under the ledger's key. */
function item(fields: Record<string, string | number>): Item {
  const attributes: Item = { executionName: { S: KEY } };
  for (const [name, value] of Object.entries(fields)) {
    attributes[name] = typeof value === "number" ? { N: String(value) } : { S: value };
  }
  return attributes;
}

const claimFields = (owner: string, leaseExpiresAt: number) => ({
  state: "CLAIMED",
  firstSeenAt: "2026-03-01T11:59:50.000Z",
  inputSha256: "first",
  claimedBy: owner,
  leaseExpiresAt,
  openShard: 3,
  checkAfter: SEEN_CHECK_AFTER,
});
const startedFields = (executionStatus: string, extra: Record<string, string | number> = {}) => ({
  state: "STARTED",
  firstSeenAt: "2026-03-01T10:59:59.000Z",
  inputSha256: "first",
  executionArn: ARN,
  executionStatus,
  startDate: STARTED_AT,
  ...(executionStatus === "RUNNING" ? { openShard: 3, checkAfter: SEEN_CHECK_AFTER } : { stopDate: STOPPED_AT }),
  ...extra,
});

/** The item states the rows use. */
const STATES = {
  none: undefined,
  liveClaim: item(claimFields("me", NOW_MS + 10_000)),
  liveClaimOfOther: item(claimFields("other", NOW_MS + 10_000)),
  myExpiredClaim: item(claimFields("me", NOW_MS - 1)),
  expiredClaim: item(claimFields("dead", NOW_MS - 1)),
  claimEndingNow: item(claimFields("dead", NOW_MS)),
  expiredClaimOtherLease: item(claimFields("dead", NOW_MS - 5_000)),
  claimedAgainWithRetention: item({ ...claimFields("other", NOW_MS + 10_000), expiresAt: PAST_RETENTION + 86_400 * 30 }),
  running: item(startedFields("RUNNING")),
  succeeded: item(startedFields("SUCCEEDED")),
  failed: item(startedFields("FAILED")),
  failedPastRetention: item(startedFields("FAILED", { expiresAt: PAST_RETENTION })),
  redrive1Failed: item(startedFields("FAILED", { redriveCount: 1 })),
  redrive2Running: item(startedFields("RUNNING", { redriveCount: 2 })),
  redrive2Succeeded: item(startedFields("SUCCEEDED", { redriveCount: 2 })),
  redrive3Running: item(startedFields("RUNNING", { redriveCount: 3 })),
  attempt2Failed: item(startedFields("FAILED", { attempt: 2, executionArn: `${ARN}-2` })),
  attempt3Running: item(startedFields("RUNNING", { attempt: 3, executionArn: `${ARN}-3` })),
  attempt3Aborted: item(startedFields("ABORTED", { attempt: 3, executionArn: `${ARN}-3` })),
  attempt3Redrive1Running: item(startedFields("RUNNING", { attempt: 3, executionArn: `${ARN}-3`, redriveCount: 1 })),
  attempt3Redrive1Failed: item(startedFields("FAILED", { attempt: 3, executionArn: `${ARN}-3`, redriveCount: 1 })),
  attempt4Running: item(startedFields("RUNNING", { attempt: 4, executionArn: `${ARN}-4` })),
  failedRerunClaimedByMe: item(startedFields("FAILED", { claimedBy: "me", leaseExpiresAt: NOW_MS + 10_000, checkAfter: SEEN_CHECK_AFTER })),
  failedRerunLive: item(startedFields("FAILED", { claimedBy: "other", leaseExpiresAt: NOW_MS + 1, checkAfter: SEEN_CHECK_AFTER })),
  failedRerunExpired: item(startedFields("FAILED", { claimedBy: "dead", leaseExpiresAt: NOW_MS - 1, checkAfter: SEEN_CHECK_AFTER })),
  failedRerunEndingNow: item(startedFields("FAILED", { claimedBy: "dead", leaseExpiresAt: NOW_MS, checkAfter: SEEN_CHECK_AFTER })),
  succeededStillIndexed: item(startedFields("SUCCEEDED", { openShard: 3, checkAfter: SEEN_CHECK_AFTER })),
  runningCheckedSince: item(startedFields("RUNNING", { checkAfter: SEEN_CHECK_AFTER + RECHECK_MS })),
  expiredClaimStartedByOther: item(startedFields("RUNNING", { claimedBy: "dead", leaseExpiresAt: NOW_MS - 1 })),
} satisfies Record<string, Item | undefined>;

type State = keyof typeof STATES;

/** A record as the ledger reads it from a state: what the transitions that depend on a read are given. */
function recordOf(state: State): LedgerRecord {
  const attributes = STATES[state];
  if (!attributes) throw new Error(`${state} holds no record`);
  const fields = Object.entries(attributes).map(([name, value]) => [name, value.N !== undefined ? Number(value.N) : value.S]);
  return Object.fromEntries(fields) as unknown as LedgerRecord;
}

const CLAIM: ClaimRequest = { executionName: KEY, owner: "me", inputSha256: "mine", now: NOW, leaseMs: LEASE_MS };
const running = (update: Partial<StatusUpdate> = {}): StatusUpdate => ({
  executionArn: ARN,
  executionStatus: "RUNNING",
  startDate: new Date(STARTED_AT),
  ...update,
});

/** Whether DynamoDB would accept the write on the item the state holds. */
function applies(write: ConditionalWrite, state: State): boolean {
  const context = { names: write.ExpressionAttributeNames, values: write.ExpressionAttributeValues };
  return evaluateCondition(write.ConditionExpression, context, STATES[state]);
}

interface Row {
  /** The rule the row checks. */
  readonly rule: string;
  readonly state: State;
  readonly allowed: boolean;
}

/** Each transition as the ledger renders it, and what its condition must allow and refuse. */
const TRANSITIONS: ReadonlyArray<{ readonly transition: string; readonly write: () => ConditionalWrite; readonly rows: readonly Row[] }> = [
  {
    transition: "claimNew",
    write: () => claimNew(),
    rows: [
      { rule: "a name no record holds is claimed", state: "none", allowed: true },
      { rule: "a name claimed by another request is not claimed afresh", state: "liveClaimOfOther", allowed: false },
      { rule: "an expired claim is taken over (takeOver), never overwritten", state: "expiredClaim", allowed: false },
      { rule: "a started request's record is never overwritten", state: "succeeded", allowed: false },
    ],
  },
  {
    transition: "claimExpired (the record read: past its retention)",
    write: () => claimExpired(PAST_RETENTION),
    rows: [
      { rule: "the record past its retention, as read, is claimed again", state: "failedPastRetention", allowed: true },
      { rule: "a record claimed again since (another retention) is kept", state: "claimedAgainWithRetention", allowed: false },
      { rule: "a record without a retention is never claimed as expired", state: "failed", allowed: false },
      { rule: "a record gone since is claimed as new (claimNew), not as expired", state: "none", allowed: false },
    ],
  },
  {
    transition: "takeOver (the stale claim read: held by dead)",
    write: () => takeOver(recordOf("expiredClaim"), CLAIM),
    rows: [
      { rule: "the stale claim, as read, is taken over", state: "expiredClaim", allowed: true },
      { rule: "a claim another request took over since is kept", state: "liveClaimOfOther", allowed: false },
      {
        rule: "a claim with another lease than the one read (taken over since, by the same name) is kept",
        state: "expiredClaimOtherLease",
        allowed: false,
      },
      {
        rule: "a claim that became STARTED since is not taken over, whatever its claim attributes",
        state: "expiredClaimStartedByOther",
        allowed: false,
      },
      { rule: "a claim released since is claimed as new, not taken over", state: "none", allowed: false },
    ],
  },
  {
    transition: "recordStarted (owner me)",
    write: () => recordStarted(KEY, "me", running(), NOW_MS, "mine"),
    rows: [
      { rule: "the claim's holder records its execution", state: "liveClaim", allowed: true },
      { rule: "the holder records it after its lease too, while no one took the claim over", state: "myExpiredClaim", allowed: true },
      { rule: "a holder whose claim was taken over records nothing", state: "liveClaimOfOther", allowed: false },
      { rule: "a claim the status updater completed first (its claim removed) is not recorded over", state: "running", allowed: false },
      { rule: "a released claim is not recorded", state: "none", allowed: false },
      { rule: "the re-run claim's holder records the attempt it started", state: "failedRerunClaimedByMe", allowed: true },
      { rule: "another request's re-run claim is not recorded over", state: "failedRerunLive", allowed: false },
    ],
  },
  {
    transition: "recordStartedInput (after the status updater recorded this start)",
    write: () => recordStartedInput({ ...running(), startDate: new Date(STARTED_AT) }, "mine"),
    rows: [
      { rule: "the start the status updater recorded takes this start's input hash", state: "running", allowed: true },
      { rule: "another execution's record (a later attempt) keeps its hash", state: "attempt3Running", allowed: false },
      { rule: "a claim (the execution not recorded) keeps the first claimant's hash", state: "liveClaimOfOther", allowed: false },
      { rule: "no record, no hash", state: "none", allowed: false },
    ],
  },
  {
    transition: "recordStatus (first attempt, first run: RUNNING)",
    write: () => recordStatus(KEY, running(), NOW_MS),
    rows: [
      { rule: "a CLAIMED record learns that its execution exists", state: "liveClaim", allowed: true },
      { rule: "a running record takes the status", state: "running", allowed: true },
      { rule: "a final status (its stop date recorded) is never undone by a late event", state: "succeeded", allowed: false },
      { rule: "a name the ledger never claimed gets no record", state: "none", allowed: false },
      { rule: "a status of the first run never replaces a redriven run's", state: "redrive2Running", allowed: false },
      { rule: "a status of the first attempt never replaces a later attempt's", state: "attempt2Failed", allowed: false },
      {
        rule: "a late status of the first run leaves a re-run claim on its recorded failure alone",
        state: "failedRerunLive",
        allowed: false,
      },
    ],
  },
  {
    transition: "recordStatus (first attempt, third run: redriveCount 2)",
    write: () => recordStatus(KEY, running({ redriveCount: 2 }), NOW_MS),
    rows: [
      { rule: "a redriven run's status replaces the first run's final one", state: "failed", allowed: true },
      { rule: "a redriven run's status replaces an earlier redrive's final one", state: "redrive1Failed", allowed: true },
      { rule: "the same run's status replaces its own while it runs", state: "redrive2Running", allowed: true },
      { rule: "the same run's status, once it ended, is final", state: "redrive2Succeeded", allowed: false },
      { rule: "an earlier run's status never replaces a later run's", state: "redrive3Running", allowed: false },
      { rule: "a redrive of the first attempt never replaces a later attempt's status", state: "attempt2Failed", allowed: false },
      {
        rule: "a redrive of the first attempt never replaces a later attempt's earlier run",
        state: "attempt3Redrive1Failed",
        allowed: false,
      },
      { rule: "a name the ledger never claimed gets no record, redriven or not", state: "none", allowed: false },
    ],
  },
  {
    transition: "recordAttemptStatus (attempt 3, first run)",
    write: () => recordAttemptStatus(KEY, { ...running({ executionArn: `${ARN}-3` }), attempt: 3 }, NOW_MS),
    rows: [
      { rule: "a later attempt's status replaces the first attempt's failure", state: "failed", allowed: true },
      { rule: "a later attempt's status replaces an earlier attempt's", state: "attempt2Failed", allowed: true },
      { rule: "the same attempt's status replaces its own while it runs", state: "attempt3Running", allowed: true },
      { rule: "the same attempt's status, once it ended, is final", state: "attempt3Aborted", allowed: false },
      { rule: "a redriven run of the same attempt is never replaced by its first run", state: "attempt3Redrive1Running", allowed: false },
      { rule: "an earlier attempt's status never replaces a later attempt's", state: "attempt4Running", allowed: false },
      { rule: "the attempt ends a re-run claim, whoever holds it", state: "failedRerunLive", allowed: true },
      {
        rule: "a record claimed afresh (its retention over) is another run, which an old attempt never touches",
        state: "liveClaim",
        allowed: false,
      },
      { rule: "a name the ledger never claimed gets no record", state: "none", allowed: false },
    ],
  },
  {
    transition: "recordAttemptStatus (attempt 3, second run: redriveCount 1)",
    write: () => recordAttemptStatus(KEY, { ...running({ executionArn: `${ARN}-3`, redriveCount: 1 }), attempt: 3 }, NOW_MS),
    rows: [
      { rule: "a redriven attempt's status replaces its first run's final one", state: "attempt3Aborted", allowed: true },
      { rule: "the same run of the same attempt replaces its own while it runs", state: "attempt3Redrive1Running", allowed: true },
      { rule: "the same run of the same attempt, once it ended, is final", state: "attempt3Redrive1Failed", allowed: false },
      { rule: "a later attempt is never replaced by an earlier one's redrive", state: "attempt4Running", allowed: false },
    ],
  },
  {
    transition: "release (owner me)",
    write: () => release("me"),
    rows: [
      { rule: "the claim's holder deletes its claim: nothing started", state: "liveClaim", allowed: true },
      { rule: "the holder releases it after its lease too, while no one took it over", state: "myExpiredClaim", allowed: true },
      { rule: "a claim another request took over is kept", state: "liveClaimOfOther", allowed: false },
      { rule: "a STARTED record is never deleted, not even by its re-run claim's holder", state: "failedRerunClaimedByMe", allowed: false },
      { rule: "a record already gone is not deleted twice", state: "none", allowed: false },
    ],
  },
  {
    transition: "claimRerun (the record read: FAILED, first run)",
    write: () => claimRerun(KEY, recordOf("failed"), "me", NOW, LEASE_MS),
    rows: [
      { rule: "the failure, as read, is claimed for a re-run", state: "failed", allowed: true },
      { rule: "an expired re-run claim (its holder gone) is taken over", state: "failedRerunExpired", allowed: true },
      { rule: "a lease that ends now is over", state: "failedRerunEndingNow", allowed: true },
      { rule: "a live re-run claim of another request wins", state: "failedRerunLive", allowed: false },
      { rule: "a redrive recorded since (another run) makes this re-run lose", state: "redrive1Failed", allowed: false },
      { rule: "a status recorded since (the execution running again) makes this re-run lose", state: "running", allowed: false },
      { rule: "a later attempt recorded since (another ARN) makes this re-run lose", state: "attempt2Failed", allowed: false },
      { rule: "a CLAIMED record is not re-run", state: "liveClaim", allowed: false },
      {
        rule: "a CLAIMED record is not re-run once its lease is over either: it is taken over (takeOver)",
        state: "expiredClaim",
        allowed: false,
      },
      { rule: "no record, no re-run", state: "none", allowed: false },
    ],
  },
  {
    transition: "claimRerun (the record read: FAILED after its first redrive)",
    write: () => claimRerun(KEY, recordOf("redrive1Failed"), "me", NOW, LEASE_MS),
    rows: [
      { rule: "the redriven failure, as read, is claimed for a re-run", state: "redrive1Failed", allowed: true },
      { rule: "the first run's failure is not the failure read", state: "failed", allowed: false },
      { rule: "a later redrive is not the failure read", state: "redrive2Succeeded", allowed: false },
    ],
  },
  {
    transition: "releaseRerun (owner me)",
    write: () => releaseRerun(KEY, "me"),
    rows: [
      { rule: "the re-run claim's holder gives it up: the record is the failure it was", state: "failedRerunClaimedByMe", allowed: true },
      { rule: "another request's re-run claim is kept", state: "failedRerunLive", allowed: false },
      { rule: "a claim ended by a recorded status (its claim removed) is not given up again", state: "failed", allowed: false },
      { rule: "a CLAIMED record's claim is released (release), not given up as a re-run", state: "liveClaim", allowed: false },
    ],
  },
  {
    transition: "deferCheck (the check time the index showed)",
    write: () => deferCheck(SEEN_CHECK_AFTER, NOW_MS + RECHECK_MS),
    rows: [
      { rule: "a record as the index showed it is looked at later", state: "running", allowed: true },
      { rule: "a record written since (its check time moved on) is not deferred", state: "runningCheckedSince", allowed: false },
      { rule: "a record closed since (out of the index) is not put back in it", state: "succeeded", allowed: false },
      { rule: "a claim deleted since is not written back", state: "none", allowed: false },
    ],
  },
  {
    transition: "closeOpenRecord (the check time the index showed)",
    write: () => closeOpenRecord(KEY, SEEN_CHECK_AFTER, NOW),
    rows: [
      { rule: "a STARTED record as the index showed it leaves the index", state: "succeededStillIndexed", allowed: true },
      { rule: "a record written since (its check time moved on) stays", state: "runningCheckedSince", allowed: false },
      { rule: "a record with a re-run claim is settled otherwise, never closed", state: "failedRerunExpired", allowed: false },
      { rule: "a CLAIMED record is settled otherwise, never closed", state: "expiredClaim", allowed: false },
      { rule: "no record, nothing to close", state: "none", allowed: false },
    ],
  },
];

describe("Module: ledger-protocol", () => {
  describe.each(TRANSITIONS)("$transition", ({ write, rows }) => {
    test.each(rows)("$rule ($state)", ({ state, allowed }) => {
      expect(applies(write(), state)).toBe(allowed);
    });

    test("defines every #name and :value its expressions use, and no other (DynamoDB refuses either)", () => {
      const written = write();
      const update = "UpdateExpression" in written ? String(written.UpdateExpression) : undefined;
      const used = placeholdersIn(update, written.ConditionExpression);
      expect(Object.keys(written.ExpressionAttributeNames).sort()).toEqual([...used.names].sort());
      expect(Object.keys(written.ExpressionAttributeValues ?? {}).sort()).toEqual([...used.values].sort());
      for (const [placeholder, name] of Object.entries(written.ExpressionAttributeNames)) expect(`#${name}`).toBe(placeholder);
    });
  });

  describe("dueRecordsKey: the reconciler's Query of the open-records index", () => {
    const key = dueRecordsKey(3, NOW);
    const context = { names: key.ExpressionAttributeNames, values: key.ExpressionAttributeValues };
    test.each([
      { rule: "a record of the shard whose check time has come is due", fields: { openShard: 3, checkAfter: NOW_MS - 1 }, due: true },
      { rule: "a check time of now is due", fields: { openShard: 3, checkAfter: NOW_MS }, due: true },
      { rule: "a check time still ahead is not due", fields: { openShard: 3, checkAfter: NOW_MS + 1 }, due: false },
      { rule: "another shard's record is not this shard's", fields: { openShard: 4, checkAfter: NOW_MS - 1 }, due: false },
    ])("$rule", ({ fields, due }) => {
      expect(evaluateCondition(key.KeyConditionExpression, context, item(fields))).toBe(due);
    });
  });

  describe("claimStep: the transition a claim tries agrees with the record it read", () => {
    test.each<{ rule: string; state: State; retentionDays?: number; transition: ClaimStep["transition"] }>([
      { rule: "no record: a new claim", state: "none", transition: "claimNew" },
      { rule: "a live claim holds the name", state: "liveClaimOfOther", transition: "held" },
      { rule: "a claim whose lease is over is taken over", state: "expiredClaim", transition: "takeOver" },
      { rule: "a lease that ends now is over", state: "claimEndingNow", transition: "takeOver" },
      { rule: "a started record holds the name", state: "running", transition: "held" },
      { rule: "a record past its retention is claimed again", state: "failedPastRetention", retentionDays: 30, transition: "claimExpired" },
      {
        rule: "without a retention, a record past its old retention holds the name for good",
        state: "failedPastRetention",
        transition: "held",
      },
      { rule: "a re-run claim on a STARTED record is never taken over by a new claim", state: "failedRerunExpired", transition: "held" },
    ])("$rule", ({ state, retentionDays, transition }) => {
      const step = claimStep(STATES[state] && recordOf(state), { ...CLAIM, retentionDays });

      expect(step.transition).toBe(transition);
      if (step.transition !== "held") {
        // The write the step chose applies to the very record it chose it from.
        expect(applies(step.write, state)).toBe(true);
      }
    });

    test("a fresh claim is held by its owner for the lease, and counts until its retention", () => {
      const step = claimStep(undefined, { ...CLAIM, retentionDays: 2 });
      expect(step).toMatchObject({
        claim: { state: "CLAIMED", claimedBy: "me", leaseExpiresAt: NOW_MS + LEASE_MS, expiresAt: Math.floor(NOW_MS / 1000) + 2 * 86_400 },
      });
    });
  });
});

describe("Support: the condition evaluator", () => {
  const context = { names: { "#a": "a", "#b": "b" }, values: { ":one": { N: "1" }, ":two": { N: "2" }, ":x": { S: "x" } } };
  test.each([
    { expression: "#a = :one", item: item({ a: 1 }), expected: true },
    { expression: "#a = :one", item: item({ a: "1" }), expected: false },
    { expression: "#a <> :one", item: item({}), expected: true },
    { expression: "#a < :two", item: item({ a: 10 }), expected: false },
    { expression: "#a >= :x", item: item({ a: "y" }), expected: true },
    { expression: "#a < :two", item: item({}), expected: false },
    { expression: "attribute_not_exists(#a) OR #a = :one AND #b = :one", item: item({ b: 2 }), expected: true },
    { expression: "(attribute_not_exists(#a) OR #a = :one) AND NOT #b = :one", item: item({ a: 1, b: 2 }), expected: true },
    { expression: "NOT attribute_exists(#b) and #a > :one", item: item({ a: 1 }), expected: false },
  ])("$expression: $expected", ({ expression, item: attributes, expected }) => {
    expect(evaluateCondition(expression, context, attributes)).toBe(expected);
  });

  test.each([
    ["#a BETWEEN :one AND :two", /comparator/],
    ["#a IN (:one, :two)", /comparator/],
    ["size(#a) > :one", /not in the subset/],
    ["begins_with(#a, :x)", /not in the subset/],
    ["#a.#b = :one", /Unexpected "."/],
    ["a = :one", /not in the subset/],
    ["#c = :one", /#c is not defined/],
    ["#a = :three", /:three is not defined/],
    ["(#a = :one", /Expected "\)"/],
    ["#a = :one #b = :two", /Unexpected "#b"/],
    ["#a = :one AND", /Expected a #name or a :value/],
  ])("refuses %s", (expression, error) => {
    expect(() => parseCondition(expression, context)).toThrow(error);
  });
});
