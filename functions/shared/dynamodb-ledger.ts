import {
  type AttributeValue,
  DeleteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
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
} from "./execution-ledger";


const DAY_SECONDS = 86_400;
/** A claim attempt that keeps losing races (records released or taken over under it) gives up after this. */
export const MAX_CLAIM_ATTEMPTS = 3;
const THROTTLING_ERRORS = new Set(["ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded"]);

type Item = Record<string, AttributeValue>;

/**
 * The ledger in a DynamoDB table, one item per execution name. Every write is conditional on what was
 * read, so concurrent requests cannot both win a claim or overwrite each other's.
 */
export class DynamoDbLedger implements ExecutionLedger {
  constructor(
    private readonly dynamodb: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  public async claim(request: ClaimRequest): Promise<ClaimResult> {
    const nowMs = request.now.getTime();
    let existing: LedgerRecord | undefined;
    for (let attempt = 0; attempt < MAX_CLAIM_ATTEMPTS; attempt++) {
      if (!existing) {
        const fresh = freshClaim(request);
        if (await this.put(fresh, "attribute_not_exists(#executionName)", {})) {
          return { claimed: true, firstSeenAt: fresh.firstSeenAt };
        }
      } else if (isExpired(existing, request)) {
        const fresh = freshClaim(request);
        if (await this.put(fresh, "#expiresAt = :seen", { ":seen": { N: String(existing.expiresAt) } })) {
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
    const write = executionWrite(execution);
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
    return this.update(executionName, "SET #claimedBy = :owner, #leaseExpiresAt = :lease", condition, {
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
    return this.update(executionName, "REMOVE #claimedBy, #leaseExpiresAt", "#claimedBy = :owner AND #state = :started", {
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
        // A redriven execution runs again: the stop date of its earlier run no longer holds.
        " REMOVE #claimedBy, #leaseExpiresAt" +
        (update.stopDate ? "" : ", #stopDate"),
      condition,
      { ...statusValues(update), ...(redriveCount > 0 ? { ":redriveCount": { N: String(redriveCount) } } : {}) },
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
    const write = executionWrite({ ...update, attempt });
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
   * Takes a stale claim over. The input hash stays the first claimant's: it may have started the execution
   * with that input, and only a start that this holder's StartExecution creates may replace it.
   */
  private takeOver(stale: LedgerRecord, request: ClaimRequest): Promise<boolean> {
    return this.update(
      request.executionName,
      "SET #claimedBy = :owner, #leaseExpiresAt = :lease",
      "#state = :claimed AND #claimedBy = :staleOwner AND #leaseExpiresAt = :staleLease",
      {
        ":owner": { S: request.owner },
        ":lease": { N: String(request.now.getTime() + request.leaseMs) },
        ":claimed": { S: "CLAIMED" },
        ":staleOwner": { S: stale.claimedBy ?? "" },
        ":staleLease": { N: String(stale.leaseExpiresAt ?? 0) },
      },
    );
  }

  private put(record: LedgerRecord, condition: string, values: Item): Promise<boolean> {
    return this.guard(async () => {
      await this.dynamodb.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: itemOf(record),
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
function executionWrite(update: StatusUpdate): { set: string[]; remove: string[]; values: Item; expression(): string } {
  const attempt = update.attempt ?? 1;
  const redriveCount = update.redriveCount ?? 0;
  const set = ["#state = :started", "#executionArn = :arn", "#executionStatus = :status"];
  const remove = ["#claimedBy", "#leaseExpiresAt"];
  if (update.startDate) set.push("#startDate = :startDate");
  (update.stopDate ? set : remove).push(update.stopDate ? "#stopDate = :stopDate" : "#stopDate");
  (redriveCount > 0 ? set : remove).push(redriveCount > 0 ? "#redriveCount = :redriveCount" : "#redriveCount");
  (attempt > 1 ? set : remove).push(attempt > 1 ? "#attempt = :attempt" : "#attempt");
  const values: Item = {
    ...statusValues(update),
    ...(redriveCount > 0 ? { ":redriveCount": { N: String(redriveCount) } } : {}),
    ...(attempt > 1 ? { ":attempt": { N: String(attempt) } } : {}),
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

const STRING_FIELDS = ["state", "firstSeenAt", "inputSha256", "claimedBy", "executionArn", "startDate", "executionStatus", "stopDate"] as const;
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
