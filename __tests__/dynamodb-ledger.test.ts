import { DynamoDBClient, GetItemCommand, PutItemCommand, ScanCommand } from "@aws-sdk/client-dynamodb";
import { DynamoDbLedger } from "../functions/shared/dynamodb-ledger";
import { type ClaimRequest, LedgerUnavailableError } from "../functions/shared/execution-ledger";
import { LEDGER_KEY } from "../functions/shared/ledger-contract";
import { OPEN_SHARDS, openShardOf, RECONCILE_AFTER_MS } from "../functions/shared/ledger-index";
import { type LocalDynamoDb, startLocalDynamoDb } from "../local/local-dynamodb";
import { ledgerTable } from "./support/ledger-table";

const TABLE = "sfn-dedup-test-ledger";
const T0 = new Date("2026-11-25T10:00:00.000Z");
const LEASE_MS = 20_000;
const ARN = "arn:aws:states:us-east-1:000000000000:execution:sm:name-1";

/** The ledger against dynalite on 127.0.0.1: real conditional writes, real races. */
describe("DynamoDbLedger", () => {
  let dynamodb: LocalDynamoDb;
  let client: DynamoDBClient;
  let ledger: DynamoDbLedger;
  let counter = 0;
  const nextName = () => `name-${++counter}`;
  /** The time of the writes that take none from their caller (recording a start or a status). */
  let clock = T0;
  const claim = (executionName: string, overrides: Partial<ClaimRequest> = {}) =>
    ledger.claim({ executionName, owner: "owner-a", inputSha256: "sha-1", now: T0, leaseMs: LEASE_MS, ...overrides });

  beforeAll(async () => {
    dynamodb = await startLocalDynamoDb();
    await dynamodb.createTables([ledgerTable(TABLE)]);
    client = new DynamoDBClient({
      endpoint: dynamodb.url,
      region: "us-east-1",
      credentials: { accessKeyId: "local", secretAccessKey: "local" },
    });
    ledger = new DynamoDbLedger(client, TABLE, { clock: () => clock });
  });

  afterAll(async () => {
    client.destroy();
    await dynamodb.close();
  });

  it("gives a new name to the first claimant and returns the claim to the next", async () => {
    const name = nextName();
    await expect(claim(name)).resolves.toEqual({ claimed: true, firstSeenAt: T0.toISOString() });
    await expect(claim(name, { owner: "owner-b" })).resolves.toEqual({
      claimed: false,
      record: {
        executionName: name,
        state: "CLAIMED",
        firstSeenAt: T0.toISOString(),
        inputSha256: "sha-1",
        claimedBy: "owner-a",
        leaseExpiresAt: T0.getTime() + LEASE_MS,
      },
    });
  });

  it("lets exactly one of 50 concurrent claimants win", async () => {
    const name = nextName();
    const results = await Promise.all(Array.from({ length: 50 }, (_, index) => claim(name, { owner: `owner-${index}` })));
    expect(results.filter((result) => result.claimed)).toHaveLength(1);
    const items = await client.send(
      new ScanCommand({
        TableName: TABLE,
        FilterExpression: "#k = :name",
        ExpressionAttributeNames: { "#k": LEDGER_KEY },
        ExpressionAttributeValues: { ":name": { S: name } },
      }),
    );
    expect(items.Count).toBe(1);
  });

  it("records the execution for the claim's holder only", async () => {
    const name = nextName();
    await claim(name);
    await expect(ledger.recordStarted(name, "owner-b", { executionArn: ARN, executionStatus: "RUNNING", startDate: T0 })).resolves.toBe(
      false,
    );
    await expect(ledger.recordStarted(name, "owner-a", { executionArn: ARN, executionStatus: "RUNNING", startDate: T0 })).resolves.toBe(
      true,
    );
    await expect(ledger.read(name)).resolves.toEqual({
      executionName: name,
      state: "STARTED",
      firstSeenAt: T0.toISOString(),
      inputSha256: "sha-1",
      executionArn: ARN,
      startDate: T0.toISOString(),
      executionStatus: "RUNNING",
    });
  });

  it("releases a claim for its holder only, after which the name is free again", async () => {
    const name = nextName();
    await claim(name);
    await expect(ledger.release(name, "owner-b")).resolves.toBe(false);
    await expect(ledger.release(name, "owner-a")).resolves.toBe(true);
    await expect(ledger.read(name)).resolves.toBeUndefined();
    await expect(claim(name, { owner: "owner-c" })).resolves.toMatchObject({ claimed: true });
  });

  it("does not release a started record", async () => {
    const name = nextName();
    await claim(name);
    await ledger.recordStarted(name, "owner-a", { executionArn: ARN, executionStatus: "RUNNING", startDate: T0 });
    await expect(ledger.release(name, "owner-a")).resolves.toBe(false);
    await expect(ledger.read(name)).resolves.toMatchObject({ state: "STARTED" });
  });

  it("hands a claim whose lease has run out to the next claimant, keeping when it was first seen", async () => {
    const name = nextName();
    await claim(name);
    const later = new Date(T0.getTime() + LEASE_MS + 1);
    await expect(claim(name, { owner: "owner-b", now: new Date(T0.getTime() + LEASE_MS - 1) })).resolves.toMatchObject({ claimed: false });
    await expect(claim(name, { owner: "owner-b", now: later, inputSha256: "sha-2" })).resolves.toEqual({
      claimed: true,
      firstSeenAt: T0.toISOString(),
    });
    // The first claimant may have started the execution with its input: the hash stays its own.
    await expect(ledger.read(name)).resolves.toMatchObject({
      claimedBy: "owner-b",
      inputSha256: "sha-1",
      leaseExpiresAt: later.getTime() + LEASE_MS,
    });
    // The first holder, back from the dead, can neither record nor release any more.
    await expect(ledger.recordStarted(name, "owner-a", { executionArn: ARN, executionStatus: "RUNNING" })).resolves.toBe(false);
    await expect(ledger.release(name, "owner-a")).resolves.toBe(false);
  });

  it("takes the input hash of a takeover only when its holder records an execution it started", async () => {
    const found = nextName();
    await claim(found);
    const later = new Date(T0.getTime() + LEASE_MS + 1);
    await claim(found, { owner: "owner-b", now: later, inputSha256: "sha-2" });
    await ledger.recordStarted(found, "owner-b", { executionArn: ARN, executionStatus: "RUNNING", startDate: T0 });
    await expect(ledger.read(found)).resolves.toMatchObject({ state: "STARTED", inputSha256: "sha-1" });

    const started = nextName();
    await claim(started);
    await claim(started, { owner: "owner-b", now: later, inputSha256: "sha-2" });
    await ledger.recordStarted(started, "owner-b", { executionArn: ARN, executionStatus: "RUNNING", startDate: later }, "sha-2");
    await expect(ledger.read(started)).resolves.toMatchObject({ state: "STARTED", inputSha256: "sha-2" });
  });

  it("sets a started execution's input hash even when the status updater completed the claim first", async () => {
    const name = nextName();
    await claim(name);
    const later = new Date(T0.getTime() + LEASE_MS + 1);
    await claim(name, { owner: "owner-b", now: later, inputSha256: "sha-2" });
    await ledger.recordStatus(name, { executionArn: ARN, executionStatus: "RUNNING", startDate: later });
    // Another execution's start (another start date) changes nothing.
    await ledger.recordStarted(name, "owner-b", { executionArn: ARN, executionStatus: "RUNNING", startDate: T0 }, "sha-3");
    await expect(ledger.read(name)).resolves.toMatchObject({ inputSha256: "sha-1" });
    await expect(
      ledger.recordStarted(name, "owner-b", { executionArn: ARN, executionStatus: "RUNNING", startDate: later }, "sha-2"),
    ).resolves.toBe(false);
    await expect(ledger.read(name)).resolves.toMatchObject({ state: "STARTED", inputSha256: "sha-2", startDate: later.toISOString() });
  });

  it("never hands over a started record, however old", async () => {
    const name = nextName();
    await claim(name);
    await ledger.recordStarted(name, "owner-a", { executionArn: ARN, executionStatus: "SUCCEEDED", startDate: T0 });
    const yearsLater = new Date(T0.getTime() + 10 * 365 * 86_400_000);
    await expect(claim(name, { owner: "owner-b", now: yearsLater })).resolves.toMatchObject({
      claimed: false,
      record: { state: "STARTED" },
    });
  });

  it("with a retention, treats a record past its expiry as absent, before TTL deletes it", async () => {
    const name = nextName();
    await claim(name, { retentionDays: 30 });
    await ledger.recordStarted(name, "owner-a", { executionArn: ARN, executionStatus: "SUCCEEDED", startDate: T0 });
    expect((await ledger.read(name))?.expiresAt).toBe(T0.getTime() / 1000 + 30 * 86_400);
    const day29 = new Date(T0.getTime() + 29 * 86_400_000);
    const day31 = new Date(T0.getTime() + 31 * 86_400_000);
    await expect(claim(name, { owner: "owner-b", now: day29, retentionDays: 30 })).resolves.toMatchObject({ claimed: false });
    await expect(claim(name, { owner: "owner-b", now: day31, retentionDays: 30 })).resolves.toEqual({
      claimed: true,
      firstSeenAt: day31.toISOString(),
    });
    await expect(ledger.read(name)).resolves.toMatchObject({ state: "CLAIMED", claimedBy: "owner-b" });
  });

  it("without a retention, never treats a record as expired, even one written while a retention was set", async () => {
    const name = nextName();
    await claim(name, { retentionDays: 30 });
    await ledger.recordStarted(name, "owner-a", { executionArn: ARN, executionStatus: "SUCCEEDED", startDate: T0 });
    // The retention has since been removed: the table's TTL is off, and the record must count for good.
    const day31 = new Date(T0.getTime() + 31 * 86_400_000);
    await expect(claim(name, { owner: "owner-b", now: day31 })).resolves.toMatchObject({
      claimed: false,
      record: { state: "STARTED", executionStatus: "SUCCEEDED" },
    });
    await expect(ledger.read(name)).resolves.toMatchObject({ state: "STARTED", firstSeenAt: T0.toISOString() });
  });

  describe("recordStatus", () => {
    it("keeps the first final status: a late RUNNING event does not undo SUCCEEDED", async () => {
      const name = nextName();
      await claim(name);
      await ledger.recordStarted(name, "owner-a", { executionArn: ARN, executionStatus: "RUNNING", startDate: T0 });
      const stopDate = new Date(T0.getTime() + 30_000);
      await expect(ledger.recordStatus(name, { executionArn: ARN, executionStatus: "SUCCEEDED", stopDate })).resolves.toBe(true);
      await expect(ledger.recordStatus(name, { executionArn: ARN, executionStatus: "RUNNING" })).resolves.toBe(false);
      await expect(ledger.read(name)).resolves.toMatchObject({ executionStatus: "SUCCEEDED", stopDate: stopDate.toISOString() });
    });

    describe("of a redriven execution (RedriveExecution reopens a closed one under the same ARN)", () => {
      async function failed(name: string) {
        await claim(name);
        await ledger.recordStarted(name, "owner-a", { executionArn: ARN, executionStatus: "RUNNING", startDate: T0 });
        await ledger.recordStatus(name, { executionArn: ARN, executionStatus: "FAILED", startDate: T0, stopDate: STOP_1, redriveCount: 0 });
      }
      const STOP_1 = new Date(T0.getTime() + 30_000);
      const STOP_2 = new Date(T0.getTime() + 90_000);

      it("records the redriven run until it ends, and its end", async () => {
        const name = nextName();
        await failed(name);
        await expect(
          ledger.recordStatus(name, { executionArn: ARN, executionStatus: "RUNNING", startDate: T0, redriveCount: 1 }),
        ).resolves.toBe(true);
        await expect(ledger.read(name)).resolves.toEqual({
          executionName: name,
          state: "STARTED",
          firstSeenAt: T0.toISOString(),
          inputSha256: "sha-1",
          executionArn: ARN,
          startDate: T0.toISOString(),
          executionStatus: "RUNNING",
          redriveCount: 1,
        });
        await expect(
          ledger.recordStatus(name, { executionArn: ARN, executionStatus: "SUCCEEDED", startDate: T0, stopDate: STOP_2, redriveCount: 1 }),
        ).resolves.toBe(true);
        await expect(ledger.read(name)).resolves.toMatchObject({
          executionStatus: "SUCCEEDED",
          stopDate: STOP_2.toISOString(),
          redriveCount: 1,
        });
      });

      it("takes the redriven run's end even when it arrives before its RUNNING, which then changes nothing", async () => {
        const name = nextName();
        await failed(name);
        await expect(
          ledger.recordStatus(name, { executionArn: ARN, executionStatus: "SUCCEEDED", stopDate: STOP_2, redriveCount: 1 }),
        ).resolves.toBe(true);
        await expect(ledger.recordStatus(name, { executionArn: ARN, executionStatus: "RUNNING", redriveCount: 1 })).resolves.toBe(false);
        await expect(ledger.read(name)).resolves.toMatchObject({
          executionStatus: "SUCCEEDED",
          stopDate: STOP_2.toISOString(),
          redriveCount: 1,
        });
      });

      it("refuses the statuses of an earlier run once a later one is recorded, running or ended", async () => {
        const name = nextName();
        await failed(name);
        await ledger.recordStatus(name, { executionArn: ARN, executionStatus: "RUNNING", redriveCount: 2 });
        // The first run's failure, delivered again late (a Lambda retry, a replay from the dead-letter queue).
        await expect(
          ledger.recordStatus(name, { executionArn: ARN, executionStatus: "FAILED", stopDate: STOP_1, redriveCount: 0 }),
        ).resolves.toBe(false);
        await expect(
          ledger.recordStatus(name, { executionArn: ARN, executionStatus: "FAILED", stopDate: STOP_1, redriveCount: 1 }),
        ).resolves.toBe(false);
        await expect(ledger.read(name)).resolves.toMatchObject({ executionStatus: "RUNNING", redriveCount: 2 });
        await expect(ledger.read(name)).resolves.not.toHaveProperty("stopDate");
        await ledger.recordStatus(name, { executionArn: ARN, executionStatus: "SUCCEEDED", stopDate: STOP_2, redriveCount: 2 });
        await expect(ledger.recordStatus(name, { executionArn: ARN, executionStatus: "RUNNING", redriveCount: 1 })).resolves.toBe(false);
        await expect(ledger.read(name)).resolves.toMatchObject({ executionStatus: "SUCCEEDED", redriveCount: 2 });
      });

      it("still keeps a final status against a status of the same run", async () => {
        const name = nextName();
        await failed(name);
        await expect(ledger.recordStatus(name, { executionArn: ARN, executionStatus: "RUNNING", redriveCount: 0 })).resolves.toBe(false);
        await expect(ledger.recordStatus(name, { executionArn: ARN, executionStatus: "RUNNING" })).resolves.toBe(false);
        await expect(ledger.read(name)).resolves.toMatchObject({ executionStatus: "FAILED", stopDate: STOP_1.toISOString() });
      });
    });

    it("completes a claim whose holder could not record its execution", async () => {
      const name = nextName();
      await claim(name);
      await expect(ledger.recordStatus(name, { executionArn: ARN, executionStatus: "RUNNING", startDate: T0 })).resolves.toBe(true);
      await expect(ledger.read(name)).resolves.toEqual({
        executionName: name,
        state: "STARTED",
        firstSeenAt: T0.toISOString(),
        inputSha256: "sha-1",
        executionArn: ARN,
        startDate: T0.toISOString(),
        executionStatus: "RUNNING",
      });
    });

    it("creates no record for an execution the ledger never claimed", async () => {
      const name = nextName();
      await expect(ledger.recordStatus(name, { executionArn: ARN, executionStatus: "SUCCEEDED" })).resolves.toBe(false);
      await expect(ledger.read(name)).resolves.toBeUndefined();
    });
  });

  describe('re-runs of a failed request (rerun: "after-failure")', () => {
    const STOP = new Date(T0.getTime() + 30_000);
    const LATER = new Date(T0.getTime() + 15 * 86_400_000);
    const ARN_2 = `${ARN}-2`;
    async function failedRecord(name: string) {
      await claim(name);
      await ledger.recordStarted(name, "owner-a", { executionArn: ARN, executionStatus: "RUNNING", startDate: T0 });
      await ledger.recordStatus(name, { executionArn: ARN, executionStatus: "FAILED", startDate: T0, stopDate: STOP });
      return (await ledger.read(name))!;
    }
    const claimRerun = (name: string, seen: Parameters<DynamoDbLedger["claimRerun"]>[1]["seen"], owner: string, now = LATER) =>
      ledger.claimRerun(name, { seen, owner, now, leaseMs: LEASE_MS });

    it("lets exactly one of 50 concurrent re-runs claim the failure, and only while the record still shows it", async () => {
      const name = nextName();
      const seen = await failedRecord(name);
      const results = await Promise.all(Array.from({ length: 50 }, (_, index) => claimRerun(name, seen, `rerun-${index}`)));
      expect(results.filter(Boolean)).toHaveLength(1);
      const holder = `rerun-${results.indexOf(true)}`;
      await expect(ledger.read(name)).resolves.toMatchObject({
        state: "STARTED",
        executionStatus: "FAILED",
        claimedBy: holder,
        leaseExpiresAt: LATER.getTime() + LEASE_MS,
      });
      // Another failure read before the claim is no longer what the record says once the holder has recorded its attempt.
      await ledger.recordStarted(name, holder, { executionArn: ARN_2, executionStatus: "RUNNING", startDate: LATER, attempt: 2 }, "sha-2");
      await expect(claimRerun(name, seen, "late", new Date(LATER.getTime() + LEASE_MS))).resolves.toBe(false);
    });

    it("follows the attempt its holder records: ARN, status, attempt and input; the earlier stop date gone", async () => {
      const name = nextName();
      const seen = await failedRecord(name);
      await claimRerun(name, seen, "rerun-a");
      await expect(
        ledger.recordStarted(name, "rerun-a", { executionArn: ARN_2, executionStatus: "RUNNING", startDate: LATER, attempt: 2 }, "sha-2"),
      ).resolves.toBe(true);
      await expect(ledger.read(name)).resolves.toEqual({
        executionName: name,
        state: "STARTED",
        firstSeenAt: T0.toISOString(),
        inputSha256: "sha-2",
        executionArn: ARN_2,
        startDate: LATER.toISOString(),
        executionStatus: "RUNNING",
        attempt: 2,
      });
    });

    it("records a redrive as the same attempt's next run", async () => {
      const name = nextName();
      const seen = await failedRecord(name);
      await claimRerun(name, seen, "rerun-a");
      await ledger.recordStarted(name, "rerun-a", { executionArn: ARN, executionStatus: "RUNNING", startDate: T0, redriveCount: 1 });
      await expect(ledger.read(name)).resolves.toMatchObject({
        executionArn: ARN,
        executionStatus: "RUNNING",
        redriveCount: 1,
        startDate: T0.toISOString(),
      });
      await expect(ledger.read(name)).resolves.not.toHaveProperty("stopDate");
    });

    it("gives a re-run claim up for its holder only, leaving the failure as it was, claimable again", async () => {
      const name = nextName();
      const seen = await failedRecord(name);
      await claimRerun(name, seen, "rerun-a");
      await expect(ledger.releaseRerun(name, "rerun-b")).resolves.toBe(false);
      await expect(ledger.releaseRerun(name, "rerun-a")).resolves.toBe(true);
      await expect(ledger.read(name)).resolves.toEqual(seen);
      await expect(claimRerun(name, seen, "rerun-b")).resolves.toBe(true);
    });

    it("hands a re-run claim whose lease has run out to the next re-run", async () => {
      const name = nextName();
      const seen = await failedRecord(name);
      await claimRerun(name, seen, "rerun-a");
      await expect(claimRerun(name, seen, "rerun-b", new Date(LATER.getTime() + LEASE_MS - 1))).resolves.toBe(false);
      await expect(claimRerun(name, seen, "rerun-b", new Date(LATER.getTime() + LEASE_MS))).resolves.toBe(true);
      await expect(ledger.recordStarted(name, "rerun-a", { executionArn: ARN_2, executionStatus: "RUNNING", attempt: 2 })).resolves.toBe(
        false,
      );
    });

    it("records a later attempt's status events on the request's record, and never an earlier attempt's after it", async () => {
      const name = nextName();
      await failedRecord(name);
      // The attempt's own events may come before its starter records it (or instead, if the starter died).
      await expect(
        ledger.recordStatus(name, { executionArn: ARN_2, executionStatus: "RUNNING", startDate: LATER, attempt: 2 }),
      ).resolves.toBe(true);
      await expect(ledger.read(name)).resolves.toMatchObject({
        executionArn: ARN_2,
        executionStatus: "RUNNING",
        attempt: 2,
        startDate: LATER.toISOString(),
      });
      await expect(ledger.read(name)).resolves.not.toHaveProperty("stopDate");
      // The first attempt's failure, delivered again late: refused.
      await expect(
        ledger.recordStatus(name, { executionArn: ARN, executionStatus: "FAILED", startDate: T0, stopDate: STOP, attempt: 1 }),
      ).resolves.toBe(false);
      const end = new Date(LATER.getTime() + 30_000);
      await expect(
        ledger.recordStatus(name, { executionArn: ARN_2, executionStatus: "SUCCEEDED", startDate: LATER, stopDate: end, attempt: 2 }),
      ).resolves.toBe(true);
      await expect(
        ledger.recordStatus(name, { executionArn: ARN_2, executionStatus: "RUNNING", startDate: LATER, attempt: 2 }),
      ).resolves.toBe(false);
      await expect(ledger.read(name)).resolves.toMatchObject({
        executionArn: ARN_2,
        executionStatus: "SUCCEEDED",
        stopDate: end.toISOString(),
        attempt: 2,
      });
    });
  });

  /**
   * The sparse open-records index (functions/shared/ledger-index.ts): every write leaves a record in it while the
   * ledger does not know its execution to have ended (CLAIMED, STARTED and not final, under a re-run claim), due
   * RECONCILE_AFTER_MS after the write, and takes it out once final. Each row runs a history of writes and says
   * where the last one leaves the record.
   */
  describe("the open-records index", () => {
    const STOP = new Date(T0.getTime() + 30_000);
    const LATER = new Date(T0.getTime() + 3_600_000);
    const ARN_2 = `${ARN}-2`;
    type Step = (name: string) => Promise<unknown>;
    const claimed: Step = (name) => claim(name);
    const started: Step = async (name) => {
      await claim(name);
      await ledger.recordStarted(name, "owner-a", { executionArn: ARN, executionStatus: "RUNNING", startDate: T0 });
    };
    const failed: Step = async (name) => {
      await started(name);
      await ledger.recordStatus(name, { executionArn: ARN, executionStatus: "FAILED", startDate: T0, stopDate: STOP });
    };
    const rerunClaimed: Step = async (name) => {
      await failed(name);
      await ledger.claimRerun(name, { seen: (await ledger.read(name))!, owner: "rerun-a", now: LATER, leaseMs: LEASE_MS });
    };

    const rows: Array<{ history: string; steps: Step[]; index: "open" | "closed" | "absent"; dueAt?: Date }> = [
      { history: "claimed", steps: [claimed], index: "open", dueAt: T0 },
      { history: "claimed, released", steps: [claimed, (name) => ledger.release(name, "owner-a")], index: "absent" },
      {
        history: "claimed, taken over after the lease",
        steps: [claimed, (name) => claim(name, { owner: "owner-b", now: LATER })],
        index: "open",
        dueAt: LATER,
      },
      { history: "claimed, recorded started (RUNNING)", steps: [started], index: "open", dueAt: LATER },
      {
        history: "claimed, recorded started with a final status (the execution existed, SUCCEEDED)",
        steps: [
          claimed,
          (name) =>
            ledger.recordStarted(name, "owner-a", { executionArn: ARN, executionStatus: "SUCCEEDED", startDate: T0, stopDate: STOP }),
        ],
        index: "closed",
      },
      {
        history: "claimed, recorded started with an unknown status (it could not be described)",
        steps: [claimed, (name) => ledger.recordStarted(name, "owner-a", { executionArn: ARN, executionStatus: "UNKNOWN" })],
        index: "open",
        dueAt: LATER,
      },
      {
        history: "claimed, completed by a RUNNING event",
        steps: [claimed, (name) => ledger.recordStatus(name, { executionArn: ARN, executionStatus: "RUNNING", startDate: T0 })],
        index: "open",
        dueAt: LATER,
      },
      {
        history: "claimed, completed by a FAILED event",
        steps: [claimed, (name) => ledger.recordStatus(name, { executionArn: ARN, executionStatus: "FAILED", stopDate: STOP })],
        index: "closed",
      },
      {
        history: "started, SUCCEEDED",
        steps: [started, (name) => ledger.recordStatus(name, { executionArn: ARN, executionStatus: "SUCCEEDED", stopDate: STOP })],
        index: "closed",
      },
      ...["TIMED_OUT", "ABORTED"].map((status) => ({
        history: `started, ${status}`,
        steps: [started, (name: string) => ledger.recordStatus(name, { executionArn: ARN, executionStatus: status, stopDate: STOP })],
        index: "closed" as const,
      })),
      { history: "started, FAILED", steps: [failed], index: "closed" },
      {
        history: "started, SUCCEEDED, a late RUNNING (refused)",
        steps: [
          started,
          (name) => ledger.recordStatus(name, { executionArn: ARN, executionStatus: "SUCCEEDED", stopDate: STOP }),
          (name) => ledger.recordStatus(name, { executionArn: ARN, executionStatus: "RUNNING" }),
        ],
        index: "closed",
      },
      {
        history: "FAILED, redriven (RUNNING, redriveCount 1)",
        steps: [failed, (name) => ledger.recordStatus(name, { executionArn: ARN, executionStatus: "RUNNING", redriveCount: 1 })],
        index: "open",
        dueAt: LATER,
      },
      {
        history: "FAILED, redriven, SUCCEEDED",
        steps: [
          failed,
          (name) => ledger.recordStatus(name, { executionArn: ARN, executionStatus: "RUNNING", redriveCount: 1 }),
          (name) => ledger.recordStatus(name, { executionArn: ARN, executionStatus: "SUCCEEDED", stopDate: LATER, redriveCount: 1 }),
        ],
        index: "closed",
      },
      { history: "FAILED, re-run claimed", steps: [rerunClaimed], index: "open", dueAt: LATER },
      {
        history: "FAILED, re-run claimed, given up",
        steps: [rerunClaimed, (name) => ledger.releaseRerun(name, "rerun-a")],
        index: "closed",
      },
      {
        history: "FAILED, re-run claimed, attempt 2 recorded started (RUNNING)",
        steps: [
          rerunClaimed,
          (name) =>
            ledger.recordStarted(name, "rerun-a", { executionArn: ARN_2, executionStatus: "RUNNING", startDate: LATER, attempt: 2 }),
        ],
        index: "open",
        dueAt: LATER,
      },
      {
        history: "FAILED, re-run claimed, attempt 2 recorded, SUCCEEDED",
        steps: [
          rerunClaimed,
          (name) =>
            ledger.recordStarted(name, "rerun-a", { executionArn: ARN_2, executionStatus: "RUNNING", startDate: LATER, attempt: 2 }),
          (name) => ledger.recordStatus(name, { executionArn: ARN_2, executionStatus: "SUCCEEDED", stopDate: LATER, attempt: 2 }),
        ],
        index: "closed",
      },
      {
        history: "FAILED, attempt 2's RUNNING event first",
        steps: [failed, (name) => ledger.recordStatus(name, { executionArn: ARN_2, executionStatus: "RUNNING", attempt: 2 })],
        index: "open",
        dueAt: LATER,
      },
      {
        history: "with a retention: claimed, expired, claimed anew",
        steps: [
          (name) => claim(name, { retentionDays: 1 }),
          (name) =>
            ledger.recordStarted(name, "owner-a", { executionArn: ARN, executionStatus: "SUCCEEDED", startDate: T0, stopDate: STOP }),
          (name) => claim(name, { owner: "owner-b", now: new Date(T0.getTime() + 2 * 86_400_000), retentionDays: 1 }),
        ],
        index: "open",
        dueAt: new Date(T0.getTime() + 2 * 86_400_000),
      },
      {
        history: "written before the index: CLAIMED",
        steps: [
          (name) =>
            putUnindexed(name, { state: { S: "CLAIMED" }, claimedBy: { S: "owner-a" }, leaseExpiresAt: { N: String(T0.getTime()) } }),
        ],
        index: "closed",
      },
      {
        history: "written before the index: CLAIMED, taken over",
        steps: [
          (name) =>
            putUnindexed(name, { state: { S: "CLAIMED" }, claimedBy: { S: "owner-a" }, leaseExpiresAt: { N: String(T0.getTime()) } }),
          (name) => claim(name, { owner: "owner-b", now: LATER }),
        ],
        index: "open",
        dueAt: LATER,
      },
      {
        history: "written before the index: STARTED RUNNING, SUCCEEDED",
        steps: [
          (name) => putUnindexed(name, { state: { S: "STARTED" }, executionArn: { S: ARN }, executionStatus: { S: "RUNNING" } }),
          (name) => ledger.recordStatus(name, { executionArn: ARN, executionStatus: "SUCCEEDED", stopDate: STOP }),
        ],
        index: "closed",
      },
    ];

    /** A record as a ledger without the index wrote it. */
    const putUnindexed = (name: string, attributes: Record<string, any>) =>
      client.send(
        new PutItemCommand({
          TableName: TABLE,
          Item: { [LEDGER_KEY]: { S: name }, firstSeenAt: { S: T0.toISOString() }, inputSha256: { S: "sha-1" }, ...attributes },
        }),
      );

    /** Whether the record is in the index, by a Query of its shard: what the reconciler sees. */
    async function indexed(name: string): Promise<boolean> {
      const page = await ledger.dueRecords(openShardOf(name), new Date(8.64e15), 1000);
      return page.records.some((record) => record.recordKey === name);
    }

    it.each(rows)("$history: $index", async ({ steps, index, dueAt }) => {
      const name = nextName();
      clock = LATER;
      for (const step of steps) await step(name);
      const { Item } = await client.send(
        new GetItemCommand({ TableName: TABLE, Key: { [LEDGER_KEY]: { S: name } }, ConsistentRead: true }),
      );
      if (index === "absent") {
        expect(Item).toBeUndefined();
        await expect(indexed(name)).resolves.toBe(false);
        return;
      }
      expect(Item).toBeDefined();
      if (index === "open") {
        expect({ openShard: Item!.openShard, checkAfter: Item!.checkAfter }).toEqual({
          openShard: { N: String(openShardOf(name)) },
          checkAfter: { N: String(dueAt!.getTime() + RECONCILE_AFTER_MS) },
        });
      } else {
        expect(Object.keys(Item!)).not.toContain("openShard");
        expect(Object.keys(Item!)).not.toContain("checkAfter");
      }
      await expect(indexed(name)).resolves.toBe(index === "open");
    });

    it("spreads records over every shard", () => {
      const shards = new Set(Array.from({ length: 200 }, (_, index) => openShardOf(`name-${index}`)));
      expect([...shards].sort()).toEqual(Array.from({ length: OPEN_SHARDS }, (_, shard) => shard));
    });

    it("shows only records whose time has come, the longest due first, with what the reconciler decides by", async () => {
      const shard = openShardOf("due-1");
      const names = Array.from({ length: 400 }, (_, index) => `due-${index}`)
        .filter((name) => openShardOf(name) === shard)
        .slice(0, 4);
      // Claimed 3, 2 and 1 minutes before T0, and at T0: the last is not due yet a minute before T0 + 15 minutes.
      for (const [index, name] of names.entries()) await claim(name, { now: new Date(T0.getTime() - (3 - index) * 60_000) });
      const due = (await ledger.dueRecords(shard, new Date(T0.getTime() - 60_000 + RECONCILE_AFTER_MS), 1000)).records.filter((record) =>
        names.includes(record.recordKey),
      );
      expect(due).toEqual([
        {
          recordKey: names[0],
          state: "CLAIMED",
          claimedBy: "owner-a",
          leaseExpiresAt: T0.getTime() - 180_000 + LEASE_MS,
          checkAfter: T0.getTime() - 180_000 + RECONCILE_AFTER_MS,
        },
        {
          recordKey: names[1],
          state: "CLAIMED",
          claimedBy: "owner-a",
          leaseExpiresAt: T0.getTime() - 120_000 + LEASE_MS,
          checkAfter: T0.getTime() - 120_000 + RECONCILE_AFTER_MS,
        },
        {
          recordKey: names[2],
          state: "CLAIMED",
          claimedBy: "owner-a",
          leaseExpiresAt: T0.getTime() - 60_000 + LEASE_MS,
          checkAfter: T0.getTime() - 60_000 + RECONCILE_AFTER_MS,
        },
      ]);
    });

    it("moves a record's check on, or closes it, only while it is as the index showed it", async () => {
      const name = nextName();
      clock = T0;
      await started(name);
      const [seen] = (await ledger.dueRecords(openShardOf(name), new Date(8.64e15), 1000)).records.filter(
        (record) => record.recordKey === name,
      );
      await expect(ledger.deferCheck(seen, LATER.getTime())).resolves.toBe(true);
      // Seen before the check moved: a second sweep that read the old entry changes nothing.
      await expect(ledger.deferCheck(seen, LATER.getTime() + 1)).resolves.toBe(false);
      await expect(ledger.closeOpenRecord(seen, LATER)).resolves.toBe(false);
      const [moved] = (await ledger.dueRecords(openShardOf(name), new Date(8.64e15), 1000)).records.filter(
        (record) => record.recordKey === name,
      );
      expect(moved.checkAfter).toBe(LATER.getTime());
      await expect(ledger.closeOpenRecord(moved, LATER)).resolves.toBe(true);
      await expect(indexed(name)).resolves.toBe(false);
      await expect(ledger.read(name)).resolves.toMatchObject({
        state: "STARTED",
        executionStatus: "RUNNING",
        forgottenAt: LATER.toISOString(),
      });
    });
  });

  it("reports an unreachable table as unavailable, not as a free name", async () => {
    const unreachable = new DynamoDbLedger(
      new DynamoDBClient({
        endpoint: "http://127.0.0.1:9",
        region: "us-east-1",
        credentials: { accessKeyId: "l", secretAccessKey: "l" },
        maxAttempts: 1,
      }),
      TABLE,
    );
    await expect(unreachable.claim({ executionName: "x", owner: "o", inputSha256: "s", now: T0, leaseMs: 1 })).rejects.toBeInstanceOf(
      LedgerUnavailableError,
    );
    await expect(unreachable.claim({ executionName: "x", owner: "o", inputSha256: "s", now: T0, leaseMs: 1 })).rejects.toMatchObject({
      throttled: false,
    });
  });
});
