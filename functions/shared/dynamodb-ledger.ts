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
  type LedgerRecord,
  LedgerUnavailableError,
  type RerunClaimRequest,
  type StatusUpdate,
} from "./execution-ledger";
import { CHECK_AFTER_ATTRIBUTE, LEDGER_KEY, LEDGER_TTL_ATTRIBUTE, OPEN_RECORDS_INDEX } from "./ledger-contract";
import * as protocol from "./ledger-protocol";

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
 * The ledger in a DynamoDB table, one item per execution name. Every write is a transition of the ledger's
 * protocol (functions/shared/ledger-protocol.ts, which states its rules): conditional on what was read, so
 * concurrent requests cannot both win a claim or overwrite each other's, and keeping the record's place in the
 * open-records index. This class reads, sends and interprets; it builds no expression of its own.
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
      const step = protocol.claimStep(existing, request);
      if (step.transition === "held") {
        return { claimed: false, record: step.record };
      }
      if (step.transition === "takeOver") {
        if (await this.update(request.executionName, step.write)) {
          return { claimed: true, firstSeenAt: step.stale.firstSeenAt };
        }
      } else if (await this.put(step.claim, nowMs, step.write)) {
        return { claimed: true, firstSeenAt: step.claim.firstSeenAt };
      }
      existing = await this.read(request.executionName);
    }
    if (!existing) {
      throw new LedgerUnavailableError(false, "ClaimContention");
    }
    return { claimed: false, record: existing };
  }

  public async recordStarted(executionName: string, owner: string, execution: StatusUpdate, startedInputSha256?: string): Promise<boolean> {
    const nowMs = this.clock().getTime();
    const recorded = await this.update(executionName, protocol.recordStarted(executionName, owner, execution, nowMs, startedInputSha256));
    if (recorded || !startedInputSha256 || !execution.startDate) {
      return recorded;
    }
    await this.update(executionName, protocol.recordStartedInput({ ...execution, startDate: execution.startDate }, startedInputSha256));
    return false;
  }

  public claimRerun(executionName: string, request: RerunClaimRequest): Promise<boolean> {
    return this.update(executionName, protocol.claimRerun(executionName, request.seen, request.owner, request.now, request.leaseMs));
  }

  public releaseRerun(executionName: string, owner: string): Promise<boolean> {
    return this.update(executionName, protocol.releaseRerun(executionName, owner));
  }

  public async release(executionName: string, owner: string): Promise<boolean> {
    return this.guard(async () => {
      await this.dynamodb.send(new DeleteItemCommand({ TableName: this.tableName, Key: keyOf(executionName), ...protocol.release(owner) }));
    });
  }

  public recordStatus(executionName: string, update: StatusUpdate): Promise<boolean> {
    const nowMs = this.clock().getTime();
    const { attempt } = update;
    return this.update(
      executionName,
      attempt !== undefined && attempt > 1
        ? protocol.recordAttemptStatus(executionName, { ...update, attempt }, nowMs)
        : protocol.recordStatus(executionName, update, nowMs),
    );
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
    try {
      const page = await this.dynamodb.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: OPEN_RECORDS_INDEX,
          ...protocol.dueRecordsKey(shard, now),
          Limit: limit,
          ...(startKey ? { ExclusiveStartKey: { ...startKey } } : {}),
        }),
      );
      return { records: (page.Items ?? []).map(openRecordOf), ...(page.LastEvaluatedKey ? { next: page.LastEvaluatedKey } : {}) };
    } catch (error) {
      throw unavailable(error);
    }
  }

  /** Looks at an open record again later, while it is as the index showed it (ledger-protocol.ts: deferCheck). */
  public deferCheck(record: OpenRecord, checkAfterMs: number): Promise<boolean> {
    return this.update(record.recordKey, protocol.deferCheck(record.checkAfter, checkAfterMs));
  }

  /**
   * Takes a STARTED record with nothing left to learn out of the index; `forgottenAt`: Step Functions no longer
   * knows its execution (ledger-protocol.ts: closeOpenRecord).
   */
  public closeOpenRecord(record: OpenRecord, forgottenAt?: Date): Promise<boolean> {
    return this.update(record.recordKey, protocol.closeOpenRecord(record.recordKey, record.checkAfter, forgottenAt));
  }

  /** Puts a new claim, open from `nowMs`. */
  private put(record: LedgerRecord, nowMs: number, write: protocol.ConditionalWrite): Promise<boolean> {
    return this.guard(async () => {
      const item = { ...itemOf(record), ...protocol.openIndexItem(record.executionName, nowMs) };
      await this.dynamodb.send(new PutItemCommand({ TableName: this.tableName, Item: item, ...write }));
    });
  }

  private update(executionName: string, write: protocol.ConditionalUpdate): Promise<boolean> {
    return this.guard(async () => {
      await this.dynamodb.send(new UpdateItemCommand({ TableName: this.tableName, Key: keyOf(executionName), ...write }));
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

function unavailable(error: unknown): LedgerUnavailableError {
  const errorName = error instanceof Error ? error.name : "UnknownError";
  return new LedgerUnavailableError(THROTTLING_ERRORS.has(errorName), errorName, { cause: error });
}

function keyOf(executionName: string): Item {
  return { [LEDGER_KEY]: { S: executionName } };
}

const STRING_FIELDS = [
  "state",
  "firstSeenAt",
  "inputSha256",
  "claimedBy",
  "executionArn",
  "startDate",
  "executionStatus",
  "stopDate",
  "forgottenAt",
] as const;
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
