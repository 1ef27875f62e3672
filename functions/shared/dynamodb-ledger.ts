import {
  type AttributeValue,
  DeleteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
} from "@aws-sdk/client-dynamodb";
import {
  type ClaimRequest,
  type ClaimResult,
  type ExecutionLedger,
  LEDGER_KEY,
  LEDGER_TTL_ATTRIBUTE,
  LedgerUnavailableError,
  type LedgerRecord,
  type RerunClaimRequest,
  type StatusUpdate,
  TERMINAL_STATUSES,
} from "./execution-ledger";
import { CHECK_AFTER_ATTRIBUTE, OPEN_RECORDS_INDEX, OPEN_SHARD_ATTRIBUTE, openShardOf, RECONCILE_AFTER_MS } from "./ledger-index";


const DAY_SECONDS = 86_400;
/** A claim attempt that keeps losing races (records released or taken over under it) gives up after this. */
export const MAX_CLAIM_ATTEMPTS = 3;
const THROTTLING_ERRORS = new Set(["ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded"]);

type Item = Record<string, AttributeValue>;

/** A record as the open-records index shows it (functions/shared/ledger-index.ts): what the reconciler decides by. */
export interface OpenRecord {
  /** The record's key: the execution name, or `<state machine name>:<execution name>` (functions/shared/scoped-ledger.ts). */
  readonly recordKey: string;
  readonly state: LedgerRecord["state"];
  /** When the record is due to be looked at (epoch milliseconds); the reconciler's writes are conditional on it. */
  readonly checkAfter: number;
  readonly claimedBy?: string;
  readonly leaseExpiresAt?: number;
  readonly executionArn?: string;
  readonly executionStatus?: string;
  readonly attempt?: number;
  readonly redriveCount?: number;
}

/** One page of due records of a shard, and where the next page starts, if there is one. */
export interface DueRecordsPage {
  readonly records: readonly OpenRecord[];
  readonly next?: Readonly<Item>;
}

export interface DynamoDbLedgerOptions {
  /** The time of the writes that take none from their caller (recording a start or a status). @default the system clock */
  readonly clock?: () => Date;
}

/**
 * The ledger in a DynamoDB table, one item per execution name. Every write is conditional on what was
 * read, so concurrent requests cannot both win a claim or overwrite each other's. Every write also keeps the
 * record's place in the open-records index (functions/shared/ledger-index.ts): in it while open, out once final.
 */
export class DynamoDbLedger implements ExecutionLedger {
  private readonly clock: () => Date;

  constructor(
    private readonly dynamodb: DynamoDBClient,
    private readonly tableName: string,
    options: DynamoDbLedgerOptions = {},
  ) {
    this.clock = options.clock ?? (() => new Date());
  }

  public async claim(request: ClaimRequest): Promise<ClaimResult> {
    const nowMs = request.now.getTime();
    let existing: LedgerRecord | undefined;
    for (let attempt = 0; attempt < MAX_CLAIM_ATTEMPTS; attempt++) {
      if (!existing) {
        const fresh = freshClaim(request);
        if (await this.put(fresh, nowMs, "attribute_not_exists(#executionName)", {})) {
          return { claimed: true, firstSeenAt: fresh.firstSeenAt };
        }
      } else if (isExpired(existing, request)) {
        const fresh = freshClaim(request);
        if (await this.put(fresh, nowMs, "#expiresAt = :seen", { ":seen": { N: String(existing.expiresAt) } })) {
          return { claimed: true, firstSeenAt: fresh.firstSeenAt };
        }
      } else if (existing.state === "CLAIMED" && (existing.leaseExpiresAt ?? 0) <= nowMs) {
        // The claim's holder outlived its lease, so it is gone: take the claim over, keeping its history.
        if (await this.takeOver(existing, request)) {
          return { claimed: true, firstSeenAt: existing.firstSeenAt };
        }
      } else {
        return { claimed: false, record: existing };
      }
      existing = await this.read(request.executionName);
    }
    if (!existing) {
      throw new LedgerUnavailableError(false, "ClaimContention");
    }
    return { claimed: false, record: existing };
  }

  public async recordStarted(executionName: string, owner: string, execution: StatusUpdate, startedInputSha256?: string): Promise<boolean> {
    const write = executionWrite(execution, openAttributes(executionName, !TERMINAL_STATUSES.has(execution.executionStatus), this.clock().getTime()));
    if (startedInputSha256) write.set.push("#inputSha256 = :input");
    const recorded = await this.update(
      executionName,
      write.expression(),
      "#claimedBy = :owner",
      { ...write.values, ":owner": { S: owner }, ...(startedInputSha256 ? { ":input": { S: startedInputSha256 } } : {}) },
    );
    if (recorded || !startedInputSha256 || !execution.startDate) {
      return recorded;
    }
    // The status updater may have completed the claim from the execution's first event before this
    // holder could record it: the input hash is still this start's to set, on that same execution only.
    const condition = "#state = :started AND #executionArn = :arn AND #startDate = :startDate";
    await this.update(executionName, "SET #inputSha256 = :input", condition, {
      ":started": { S: "STARTED" },
      ":arn": { S: execution.executionArn },
      ":startDate": { S: execution.startDate.toISOString() },
      ":input": { S: startedInputSha256 },
    });
    return false;
  }

  public claimRerun(executionName: string, request: RerunClaimRequest): Promise<boolean> {
    const { seen } = request;
    // Exactly the failure that was read: a re-run recorded since (another arn, status or redrive count) or a
    // live claim of another re-run makes this one lose. An expired claim's holder is gone: it may be taken over.
    const condition =
      "#state = :started AND #executionArn = :seenArn AND #executionStatus = :seenStatus AND " +
      (seen.redriveCount === undefined ? "attribute_not_exists(#redriveCount)" : "#redriveCount = :seenRedriveCount") +
      " AND (attribute_not_exists(#leaseExpiresAt) OR #leaseExpiresAt <= :now)";
    // A live re-run claim makes the record open: if its holder dies, the reconciler finds it.
    const open = openAttributes(executionName, true, request.now.getTime());
    return this.update(executionName, `SET #claimedBy = :owner, #leaseExpiresAt = :lease, ${open.set.join(", ")}`, condition, {
      ...open.values,
      ":started": { S: "STARTED" },
      ":seenArn": { S: seen.executionArn ?? "" },
      ":seenStatus": { S: seen.executionStatus ?? "" },
      ...(seen.redriveCount === undefined ? {} : { ":seenRedriveCount": { N: String(seen.redriveCount) } }),
      ":now": { N: String(request.now.getTime()) },
      ":owner": { S: request.owner },
      ":lease": { N: String(request.now.getTime() + request.leaseMs) },
    });
  }

  public releaseRerun(executionName: string, owner: string): Promise<boolean> {
    // The record is the failure it was, final again: every write that changed its status since the claim also
    // removed the claim, so this condition holds only while the status is the one the claim was taken on.
    const closed = openAttributes(executionName, false, 0);
    return this.update(executionName, `REMOVE #claimedBy, #leaseExpiresAt, ${closed.remove.join(", ")}`, "#claimedBy = :owner AND #state = :started", {
      ":owner": { S: owner },
      ":started": { S: "STARTED" },
    });
  }

  public async release(executionName: string, owner: string): Promise<boolean> {
    const condition = "#claimedBy = :owner AND #state = :claimed";
    return this.guard(async () => {
      await this.dynamodb.send(
        new DeleteItemCommand({
          TableName: this.tableName,
          Key: keyOf(executionName),
          ConditionExpression: condition,
          ExpressionAttributeNames: names(condition),
          ExpressionAttributeValues: { ":owner": { S: owner }, ":claimed": { S: "CLAIMED" } },
        }),
      );
    });
  }

  public recordStatus(executionName: string, update: StatusUpdate): Promise<boolean> {
    const attempt = update.attempt ?? 1;
    if (attempt > 1) {
      return this.recordAttemptStatus(executionName, update, attempt);
    }
    // A run's status is final once its stop date is recorded: events arrive in any order, and a late RUNNING
    // must not undo a SUCCEEDED. Only a later run (a RedriveExecution reopens a FAILED, ABORTED or TIMED_OUT
    // execution under the same ARN) may replace it, and a status of an earlier run never replaces a later
    // one's. The first run's count, 0, is not stored. A CLAIMED record becomes STARTED: the execution exists.
    // A record that follows a later attempt of the request (`attempt` set) never goes back to the first.
    const redriveCount = update.redriveCount ?? 0;
    const index = openAttributes(executionName, !TERMINAL_STATUSES.has(update.executionStatus), this.clock().getTime());
    const condition =
      "attribute_exists(#executionName) AND attribute_not_exists(#attempt) AND " +
      (redriveCount === 0
        ? "attribute_not_exists(#stopDate) AND attribute_not_exists(#redriveCount)"
        : "(attribute_not_exists(#redriveCount) OR #redriveCount < :redriveCount" +
          " OR (#redriveCount = :redriveCount AND attribute_not_exists(#stopDate)))");
    return this.update(
      executionName,
      "SET #state = :started, #executionArn = :arn, #executionStatus = :status" +
        (update.startDate ? ", #startDate = if_not_exists(#startDate, :startDate)" : "") +
        (update.stopDate ? ", #stopDate = :stopDate" : "") +
        (redriveCount > 0 ? ", #redriveCount = :redriveCount" : "") +
        index.set.map((assignment) => `, ${assignment}`).join("") +
        // A redriven execution runs again: the stop date of its earlier run no longer holds.
        " REMOVE #claimedBy, #leaseExpiresAt" +
        (update.stopDate ? "" : ", #stopDate") +
        index.remove.map((attribute) => `, ${attribute}`).join(""),
      condition,
      { ...statusValues(update), ...(redriveCount > 0 ? { ":redriveCount": { N: String(redriveCount) } } : {}), ...index.values },
    );
  }

  /**
   * A status of a later attempt (its own execution, `<name>-<attempt>`): it replaces whatever an earlier
   * attempt recorded, and within the same attempt follows the rules of {@link recordStatus}. It also ends a
   * re-run claim: the attempt exists, whoever records it first.
   */
  private recordAttemptStatus(executionName: string, update: StatusUpdate, attempt: number): Promise<boolean> {
    const redriveCount = update.redriveCount ?? 0;
    const sameRun =
      redriveCount === 0
        ? "attribute_not_exists(#stopDate) AND attribute_not_exists(#redriveCount)"
        : "(attribute_not_exists(#redriveCount) OR #redriveCount < :redriveCount" +
          " OR (#redriveCount = :redriveCount AND attribute_not_exists(#stopDate)))";
    // Only a STARTED record: later attempts are started from one (a re-run), and a record claimed afresh (its
    // retention over) is another run of the request, which an old attempt's late event must not overwrite.
    const condition =
      "#state = :started AND (attribute_not_exists(#attempt) OR #attempt < :attempt" +
      ` OR (#attempt = :attempt AND ${sameRun}))`;
    const write = executionWrite({ ...update, attempt }, openAttributes(executionName, !TERMINAL_STATUSES.has(update.executionStatus), this.clock().getTime()));
    return this.update(executionName, write.expression(), condition, write.values);
  }

  /** The record as it is now (a strongly consistent read). */
  public async read(executionName: string): Promise<LedgerRecord | undefined> {
    try {
      const { Item } = await this.dynamodb.send(
        new GetItemCommand({ TableName: this.tableName, Key: keyOf(executionName), ConsistentRead: true }),
      );
      return Item ? recordOf(Item) : undefined;
    } catch (error) {
      throw unavailable(error);
    }
  }

  /**
   * One page of a shard's open records that are due (their check time has come), the longest due first: a Query
   * of the sparse open-records index, which holds open records only (functions/shared/ledger-index.ts). Eventually
   * consistent, as every index read is: the reconciler's writes are conditional on what it shows.
   */
  public async dueRecords(shard: number, now: Date, limit: number, startKey?: Readonly<Item>): Promise<DueRecordsPage> {
    const condition = "#openShard = :shard AND #checkAfter <= :now";
    try {
      const page = await this.dynamodb.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: OPEN_RECORDS_INDEX,
          KeyConditionExpression: condition,
          ExpressionAttributeNames: names(condition),
          ExpressionAttributeValues: { ":shard": { N: String(shard) }, ":now": { N: String(now.getTime()) } },
          Limit: limit,
          ...(startKey ? { ExclusiveStartKey: { ...startKey } } : {}),
        }),
      );
      return { records: (page.Items ?? []).map(openRecordOf), ...(page.LastEvaluatedKey ? { next: page.LastEvaluatedKey } : {}) };
    } catch (error) {
      throw unavailable(error);
    }
  }

  /**
   * Looks at an open record again later: its execution still runs, or could not be asked about now. Only while
   * the record is as the index showed it: every write since then either closed it (and removed the check time)
   * or set a later check time, so a due time that is still there means nothing was written since.
   */
  public deferCheck(record: OpenRecord, checkAfterMs: number): Promise<boolean> {
    return this.update(record.recordKey, "SET #checkAfter = :next", "#checkAfter = :seen", {
      ":next": { N: String(checkAfterMs) },
      ":seen": { N: String(record.checkAfter) },
    });
  }

  /**
   * Takes a STARTED record out of the index when there is nothing left to learn: its status is final already
   * (`forgottenAt` undefined), or Step Functions no longer knows its execution, whose end the ledger never learned
   * (`forgottenAt` set, and kept on the record as a note). The status stays the last one known. Conditional as
   * {@link deferCheck} is, and never on a record with a claim (a re-run's, which is settled otherwise).
   */
  public closeOpenRecord(record: OpenRecord, forgottenAt?: Date): Promise<boolean> {
    const closed = openAttributes(record.recordKey, false, 0);
    return this.update(
      record.recordKey,
      `${forgottenAt ? "SET #forgottenAt = :forgottenAt " : ""}REMOVE ${closed.remove.join(", ")}`,
      "#checkAfter = :seen AND #state = :started AND attribute_not_exists(#claimedBy)",
      {
        ":seen": { N: String(record.checkAfter) },
        ":started": { S: "STARTED" },
        ...(forgottenAt ? { ":forgottenAt": { S: forgottenAt.toISOString() } } : {}),
      },
    );
  }

  /**
   * Takes a stale claim over. The input hash stays the first claimant's: it may have started the execution
   * with that input, and only a start that this holder's StartExecution creates may replace it.
   */
  private takeOver(stale: LedgerRecord, request: ClaimRequest): Promise<boolean> {
    // Indexed again from now: a claim written before the index existed joins it here.
    const open = openAttributes(request.executionName, true, request.now.getTime());
    return this.update(
      request.executionName,
      `SET #claimedBy = :owner, #leaseExpiresAt = :lease, ${open.set.join(", ")}`,
      "#state = :claimed AND #claimedBy = :staleOwner AND #leaseExpiresAt = :staleLease",
      {
        ...open.values,
        ":owner": { S: request.owner },
        ":lease": { N: String(request.now.getTime() + request.leaseMs) },
        ":claimed": { S: "CLAIMED" },
        ":staleOwner": { S: stale.claimedBy ?? "" },
        ":staleLease": { N: String(stale.leaseExpiresAt ?? 0) },
      },
    );
  }

  /** Puts a new claim, open from `nowMs`. */
  private put(record: LedgerRecord, nowMs: number, condition: string, values: Item): Promise<boolean> {
    return this.guard(async () => {
      await this.dynamodb.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: { ...itemOf(record), ...openItemAttributes(record.executionName, nowMs) },
          ConditionExpression: condition,
          ExpressionAttributeNames: names(condition),
          ...(Object.keys(values).length > 0 ? { ExpressionAttributeValues: values } : {}),
        }),
      );
    });
  }

  private update(executionName: string, expression: string, condition: string, values: Item): Promise<boolean> {
    return this.guard(async () => {
      await this.dynamodb.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: keyOf(executionName),
          UpdateExpression: expression,
          ConditionExpression: condition,
          ExpressionAttributeNames: names(`${expression} ${condition}`),
          ExpressionAttributeValues: values,
        }),
      );
    });
  }

  /** Runs a conditional write: true if it applied, false if its condition failed. */
  private async guard(write: () => Promise<void>): Promise<boolean> {
    try {
      await write();
      return true;
    } catch (error) {
      if (error instanceof Error && error.name === "ConditionalCheckFailedException") {
        return false;
      }
      throw unavailable(error);
    }
  }
}

/**
 * What recording an execution writes: its ARN, status and dates, and which attempt and run it is. Attributes the
 * update does not have are removed (an earlier attempt's stop date, redrive count or attempt number no longer
 * hold), and so is any claim: the execution exists.
 */
function executionWrite(update: StatusUpdate, index: IndexWrite): { set: string[]; remove: string[]; values: Item; expression(): string } {
  const attempt = update.attempt ?? 1;
  const redriveCount = update.redriveCount ?? 0;
  const set = ["#state = :started", "#executionArn = :arn", "#executionStatus = :status", ...index.set];
  const remove = ["#claimedBy", "#leaseExpiresAt", ...index.remove];
  if (update.startDate) set.push("#startDate = :startDate");
  (update.stopDate ? set : remove).push(update.stopDate ? "#stopDate = :stopDate" : "#stopDate");
  (redriveCount > 0 ? set : remove).push(redriveCount > 0 ? "#redriveCount = :redriveCount" : "#redriveCount");
  (attempt > 1 ? set : remove).push(attempt > 1 ? "#attempt = :attempt" : "#attempt");
  const values: Item = {
    ...statusValues(update),
    ...(redriveCount > 0 ? { ":redriveCount": { N: String(redriveCount) } } : {}),
    ...(attempt > 1 ? { ":attempt": { N: String(attempt) } } : {}),
    ...index.values,
  };
  return { set, remove, values, expression: () => `SET ${set.join(", ")} REMOVE ${remove.join(", ")}` };
}

function statusValues(update: StatusUpdate): Item {
  return {
    ":started": { S: "STARTED" },
    ":arn": { S: update.executionArn },
    ":status": { S: update.executionStatus },
    ...(update.startDate ? { ":startDate": { S: update.startDate.toISOString() } } : {}),
    ...(update.stopDate ? { ":stopDate": { S: update.stopDate.toISOString() } } : {}),
  };
}

/** The index attributes a write sets (the record stays open: due RECONCILE_AFTER_MS from now) or removes (it is final). */
interface IndexWrite {
  readonly set: string[];
  readonly remove: string[];
  readonly values: Item;
}

function openAttributes(recordKey: string, open: boolean, nowMs: number): IndexWrite {
  if (!open) {
    return { set: [], remove: [`#${OPEN_SHARD_ATTRIBUTE}`, `#${CHECK_AFTER_ATTRIBUTE}`], values: {} };
  }
  return {
    set: [`#${OPEN_SHARD_ATTRIBUTE} = :openShard`, `#${CHECK_AFTER_ATTRIBUTE} = :checkAfter`],
    remove: [],
    values: { ":openShard": { N: String(openShardOf(recordKey)) }, ":checkAfter": { N: String(nowMs + RECONCILE_AFTER_MS) } },
  };
}

/** The same for a new item: a claim is open. */
function openItemAttributes(recordKey: string, nowMs: number): Item {
  return {
    [OPEN_SHARD_ATTRIBUTE]: { N: String(openShardOf(recordKey)) },
    [CHECK_AFTER_ATTRIBUTE]: { N: String(nowMs + RECONCILE_AFTER_MS) },
  };
}

function openRecordOf(item: Item): OpenRecord {
  const text = (name: string) => (item[name]?.S !== undefined ? { [name]: item[name].S! } : {});
  const number = (name: string) => (item[name]?.N !== undefined ? { [name]: Number(item[name].N) } : {});
  return {
    recordKey: item[LEDGER_KEY].S!,
    state: item.state?.S as LedgerRecord["state"],
    checkAfter: Number(item[CHECK_AFTER_ATTRIBUTE].N),
    ...text("claimedBy"),
    ...number("leaseExpiresAt"),
    ...text("executionArn"),
    ...text("executionStatus"),
    ...number("attempt"),
    ...number("redriveCount"),
  };
}

/**
 * Past its retention: TTL deletes items up to two days late, so expiry is checked here. Only while a
 * retention is configured: records written under an earlier retention keep their expiresAt, but once the
 * retention is removed the table's TTL is off and the ledger promises "never again" for them too.
 */
function isExpired(record: LedgerRecord, request: ClaimRequest): boolean {
  return request.retentionDays !== undefined && record.expiresAt !== undefined && record.expiresAt * 1000 <= request.now.getTime();
}

function freshClaim(request: ClaimRequest): LedgerRecord {
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

function unavailable(error: unknown): LedgerUnavailableError {
  const errorName = error instanceof Error ? error.name : "UnknownError";
  return new LedgerUnavailableError(THROTTLING_ERRORS.has(errorName), errorName, { cause: error });
}

/** Every attribute is referred to by a #name: several (state, name…) are DynamoDB reserved words. */
function names(expressions: string): Record<string, string> {
  return Object.fromEntries([...new Set(expressions.match(/#\w+/g) ?? [])].map((name) => [name, name.slice(1)]));
}

function keyOf(executionName: string): Item {
  return { [LEDGER_KEY]: { S: executionName } };
}

const STRING_FIELDS = ["state", "firstSeenAt", "inputSha256", "claimedBy", "executionArn", "startDate", "executionStatus", "stopDate", "forgottenAt"] as const;
const NUMBER_FIELDS = ["leaseExpiresAt", "attempt", "redriveCount", LEDGER_TTL_ATTRIBUTE] as const;

function itemOf(record: LedgerRecord): Item {
  const item: Item = keyOf(record.executionName);
  for (const field of STRING_FIELDS) {
    const value = record[field];
    if (value !== undefined) item[field] = { S: value };
  }
  for (const field of NUMBER_FIELDS) {
    const value = record[field];
    if (value !== undefined) item[field] = { N: String(value) };
  }
  return item;
}

function recordOf(item: Item): LedgerRecord {
  const record: Record<string, string | number> = { executionName: item[LEDGER_KEY].S! };
  for (const field of STRING_FIELDS) {
    if (item[field]?.S !== undefined) record[field] = item[field].S!;
  }
  for (const field of NUMBER_FIELDS) {
    if (item[field]?.N !== undefined) record[field] = Number(item[field].N);
  }
  return record as unknown as LedgerRecord;
}
