import { createHash } from "node:crypto";
import { DynamoDBClient, GetItemCommand } from "@aws-sdk/client-dynamodb";
import { RedriveExecutionCommand, SFNClient, StartExecutionCommand } from "@aws-sdk/client-sfn";
import { createReconcilerHandler, SweepFailedError, type SweepLogRecord } from "../functions/ledger-reconciler/handler";
import { MAX_RECHECK_MS, type ReconcilingLedger, type RecordLogRecord, sweep } from "../functions/ledger-reconciler/reconcile";
import { ServedStateMachines } from "../functions/ledger-reconciler/settings";
import { DynamoDbLedger } from "../functions/shared/dynamodb-ledger";
import { LEDGER_KEY } from "../functions/shared/ledger-contract";
import { OPEN_SHARDS, RECONCILE_AFTER_MS } from "../functions/shared/ledger-index";
import { type LocalDynamoDb, startLocalDynamoDb } from "../local/local-dynamodb";
import { LocalStepFunctions } from "../local/local-step-functions";
import { ServiceError } from "../local/service-error";
import { type StepFunctionsEndpoint, type StepFunctionsOperation, startStepFunctionsEndpoint } from "../local/step-functions-endpoint";
import { ledgerTable } from "./support/ledger-table";

const STATES = "arn:aws:states:us-east-1:000000000000";
/** The default workflow's state machine, whose records are keyed by the bare execution name. */
const NOTIFY = `${STATES}:stateMachine:sfn-dedup-test-notify-country`;
/** Another workflow's: its records are keyed `sfn-dedup-test-orders:<name>`. */
const ORDERS = `${STATES}:stateMachine:sfn-dedup-test-orders`;
const LEASE_MS = 20_000;
const WORK = "arn:aws:states:::lambda:invoke";
/** One task whose local handler does what the execution's input says: succeed, fail the first time, or never end. */
const DEFINITION = JSON.stringify({ StartAt: "Work", States: { Work: { Type: "Task", Resource: WORK, End: true } } });
const sha256 = (text: string) => createHash("sha256").update(text, "utf8").digest("hex");
const executionArn = (stateMachineArn: string, name: string) => `${stateMachineArn.replace(":stateMachine:", ":execution:")}:${name}`;

/**
 * The reconciler (functions/ledger-reconciler) against dynalite and the local Step Functions endpoint: executions
 * really run, the ledger is written as the start function writes it, and the status updater never runs, as if
 * every status event were lost. The sweep runs 16 minutes ahead, when the open records are due.
 */
describe("the ledger reconciler", () => {
  let dynamodb: LocalDynamoDb;
  let client: DynamoDBClient;
  let service: LocalStepFunctions;
  let endpoint: StepFunctionsEndpoint;
  let sfn: SFNClient;
  let ledger: DynamoDbLedger;
  /** Each test its own table: what one leaves open is no other's business. */
  let table = "";
  let tables = 0;
  let logs: Array<SweepLogRecord | RecordLogRecord>;
  let failing: { operation: StepFunctionsOperation; error: ServiceError } | undefined;
  let sfnOffsetMs = 0;
  const failedOnce = new Set<string>();
  /** Tasks that run until the tests end (the library's task timer waits for them). */
  const held: Array<() => void> = [];
  const stateMachines = new ServedStateMachines([NOTIFY, ORDERS], new Set(["sfn-dedup-test-orders"]));
  let counter = 0;
  const nextName = () => `${Date.now().toString(16)}${(++counter).toString(16).padStart(6, "0")}`;
  const sweepTime = () => new Date(Date.now() + RECONCILE_AFTER_MS + 60_000);

  beforeAll(async () => {
    dynamodb = await startLocalDynamoDb();
    client = new DynamoDBClient({
      endpoint: dynamodb.url,
      region: "us-east-1",
      credentials: { accessKeyId: "local", secretAccessKey: "local" },
    });
    service = new LocalStepFunctions({
      timeScale: 0.001,
      clock: () => new Date(Date.now() + sfnOffsetMs),
      taskHandlers: {
        [WORK]: (input, task) => {
          const { outcome } = input as { outcome: string };
          if (outcome === "hold") return new Promise((resolve) => held.push(() => resolve({ done: true })));
          if (outcome === "fail-once" && !failedOnce.has(task.executionArn)) {
            failedOnce.add(task.executionArn);
            throw Object.assign(new Error("the first run fails"), { name: "Boom" });
          }
          return { done: true };
        },
      },
    });
    service.createStateMachine(NOTIFY, DEFINITION);
    service.createStateMachine(ORDERS, DEFINITION);
    endpoint = await startStepFunctionsEndpoint(service, {
      intercept: (operation) => {
        if (failing?.operation === operation) throw failing.error;
      },
    });
    sfn = new SFNClient({
      endpoint: endpoint.url,
      region: "us-east-1",
      credentials: { accessKeyId: "local", secretAccessKey: "local" },
      maxAttempts: 1,
    });
  });

  afterAll(async () => {
    for (const release of held) release();
    sfn?.destroy();
    await endpoint?.close();
    service?.abortAll();
    client?.destroy();
    await dynamodb?.close();
  });

  beforeEach(async () => {
    table = `sfn-dedup-test-ledger-${++tables}`;
    await dynamodb.createTables([ledgerTable(table)]);
    ledger = new DynamoDbLedger(client, table);
    logs = [];
    failing = undefined;
    sfnOffsetMs = 0;
  });

  /** Sweeps as the scheduled function does: everything due at `now` (16 minutes ahead unless given). */
  async function reconcile(options: { now?: Date; ledger?: ReconcilingLedger } = {}) {
    const handler = createReconcilerHandler({
      ledger: options.ledger ?? ledger,
      sfn,
      stateMachines,
      log: (record) => logs.push(record),
      clock: () => options.now ?? sweepTime(),
    });
    return handler({}, { getRemainingTimeInMillis: () => 60_000 });
  }

  /** What the start function does: claim, StartExecution; then record the start unless `dies` says it died first. */
  async function start(recordKey: string, stateMachineArn: string, input: object, options: { dies?: boolean; owner?: string } = {}) {
    const text = JSON.stringify(input);
    const owner = options.owner ?? `request-${recordKey}`;
    await expect(
      ledger.claim({ executionName: recordKey, owner, inputSha256: sha256(text), now: new Date(), leaseMs: LEASE_MS }),
    ).resolves.toMatchObject({ claimed: true });
    const name = recordKey.slice(recordKey.indexOf(":") + 1);
    const started = await sfn.send(new StartExecutionCommand({ stateMachineArn, name, input: text }));
    if (!options.dies) {
      await ledger.recordStarted(
        recordKey,
        owner,
        { executionArn: started.executionArn!, executionStatus: "RUNNING", startDate: started.startDate },
        sha256(text),
      );
    }
    // Until it ends, or for a moment if it runs on (outcome "hold").
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([service.settled(started.executionArn!), new Promise((resolve) => (timer = setTimeout(resolve, 200)))]);
    clearTimeout(timer);
    return started.executionArn!;
  }

  const item = async (recordKey: string) =>
    (await client.send(new GetItemCommand({ TableName: table, Key: { [LEDGER_KEY]: { S: recordKey } }, ConsistentRead: true }))).Item;
  const summary = () => logs.find((line): line is SweepLogRecord => line.message === "ledger reconciled")!;
  const recordLines = () => logs.filter((line): line is RecordLogRecord => line.message === "ledger record reconciled");

  describe("a status event that never reached the ledger", () => {
    it.each([
      ["the default workflow (records keyed by execution name)", NOTIFY, (name: string) => name],
      ["another workflow (records keyed within its state machine)", ORDERS, (name: string) => `sfn-dedup-test-orders:${name}`],
    ])("is healed from DescribeExecution, for %s", async (_, stateMachineArn, keyOf) => {
      const name = nextName();
      const arn = await start(keyOf(name), stateMachineArn, { outcome: "succeed" });
      await expect(ledger.read(keyOf(name))).resolves.toMatchObject({ state: "STARTED", executionStatus: "RUNNING" });

      const line = await reconcile();

      const record = await ledger.read(keyOf(name));
      expect(record).toMatchObject({ state: "STARTED", executionArn: arn, executionStatus: "SUCCEEDED" });
      expect(record?.stopDate).toEqual(expect.any(String));
      expect(await item(keyOf(name))).not.toHaveProperty("openShard");
      expect(line).toMatchObject({ RecordsExamined: 1, RecordsHealed: 1, ClaimsSettled: 0, queries: OPEN_SHARDS });
      expect(recordLines()).toEqual([
        {
          level: "INFO",
          message: "ledger record reconciled",
          recordKey: keyOf(name),
          action: "healed",
          state: "STARTED",
          recordedStatus: "RUNNING",
          executionArn: arn,
          executionStatus: "SUCCEEDED",
        },
      ]);
      // Healed once: the next sweep finds nothing to do.
      logs = [];
      await expect(reconcile()).resolves.toMatchObject({ RecordsExamined: 0 });
    });

    it("waits until the record is due: a sweep before RECONCILE_AFTER_MS reads nothing", async () => {
      const name = nextName();
      await start(name, NOTIFY, { outcome: "succeed" });
      await expect(reconcile({ now: new Date(Date.now() + RECONCILE_AFTER_MS - 60_000) })).resolves.toMatchObject({ RecordsExamined: 0 });
      await expect(ledger.read(name)).resolves.toMatchObject({ executionStatus: "RUNNING" });
    });

    it("records the redriven run of a failed execution whose events were all lost", async () => {
      const name = nextName();
      const arn = await start(name, NOTIFY, { outcome: "fail-once" });
      await sfn.send(new RedriveExecutionCommand({ executionArn: arn }));
      await service.settled(arn);
      await reconcile();
      await expect(ledger.read(name)).resolves.toMatchObject({ executionStatus: "SUCCEEDED", redriveCount: 1 });
    });
  });

  it("looks at an execution that still runs again later, the longer it has run the later", async () => {
    const name = nextName();
    const arn = await start(name, NOTIFY, { outcome: "hold" });
    const now = sweepTime();
    await expect(reconcile({ now })).resolves.toMatchObject({ RecordsExamined: 1, RecordsHealed: 0, deferred: 1 });
    await expect(ledger.read(name)).resolves.toMatchObject({ executionArn: arn, executionStatus: "RUNNING" });
    // It has run about 16 minutes: looked at again in about 16 minutes, not at every sweep before that.
    const checkAfter = Number((await item(name))!.checkAfter.N);
    expect(checkAfter - now.getTime()).toBeGreaterThanOrEqual(RECONCILE_AFTER_MS + 60_000 - 5_000);
    expect(checkAfter - now.getTime()).toBeLessThanOrEqual(RECONCILE_AFTER_MS + 60_000 + 5_000);
    await expect(reconcile({ now: new Date(checkAfter - 1) })).resolves.toMatchObject({ RecordsExamined: 0 });
    // After days, at most every MAX_RECHECK_MS.
    const later = new Date(now.getTime() + 3 * 86_400_000);
    await expect(reconcile({ now: later })).resolves.toMatchObject({ deferred: 1 });
    expect(Number((await item(name))!.checkAfter.N)).toBe(later.getTime() + MAX_RECHECK_MS);
    service.stopExecution({ executionArn: arn });
    await service.settled(arn);
  });

  describe("a claim whose holder died", () => {
    it("with no execution started: is deleted, and the request's retry claims the name and starts it once", async () => {
      const name = nextName();
      await ledger.claim({ executionName: name, owner: "dead", inputSha256: "sha-1", now: new Date(), leaseMs: LEASE_MS });

      await expect(reconcile()).resolves.toMatchObject({ RecordsExamined: 1, ClaimsSettled: 1, RecordsHealed: 0 });

      expect(await item(name)).toBeUndefined();
      expect(recordLines()).toEqual([
        {
          level: "INFO",
          message: "ledger record reconciled",
          recordKey: name,
          action: "settled",
          state: "CLAIMED",
          executionArn: executionArn(NOTIFY, name),
        },
      ]);
      await start(name, NOTIFY, { outcome: "succeed" }, { owner: "retry" });
      await expect(ledger.read(name)).resolves.toMatchObject({ state: "STARTED", executionArn: executionArn(NOTIFY, name) });
    });

    it("that started the execution: is recorded as its holder would have, with the hash of the input it runs", async () => {
      const name = nextName();
      // The first claimant died; the request that took its claim over started the execution with its own input, and died too.
      await ledger.claim({
        executionName: name,
        owner: "first",
        inputSha256: "sha-of-the-first-input",
        now: new Date(Date.now() - 60_000),
        leaseMs: LEASE_MS,
      });
      await ledger.claim({
        executionName: name,
        owner: "second",
        inputSha256: "sha-of-the-second-input",
        now: new Date(),
        leaseMs: LEASE_MS,
      });
      const input = JSON.stringify({ outcome: "succeed", from: "second" });
      const { executionArn: arn } = await sfn.send(new StartExecutionCommand({ stateMachineArn: NOTIFY, name, input }));
      await service.settled(arn!);

      await expect(reconcile()).resolves.toMatchObject({ RecordsExamined: 1, RecordsHealed: 1, ClaimsSettled: 0 });

      await expect(ledger.read(name)).resolves.toMatchObject({
        state: "STARTED",
        executionArn: arn,
        executionStatus: "SUCCEEDED",
        inputSha256: sha256(input),
      });
      expect(await item(name)).not.toHaveProperty("claimedBy");
      expect(await item(name)).not.toHaveProperty("openShard");
    });

    it("taken over by a request while the sweep looks: stays that request's", async () => {
      const name = nextName();
      await ledger.claim({ executionName: name, owner: "dead", inputSha256: "sha-1", now: new Date(), leaseMs: LEASE_MS });
      // The index shows the dead holder's claim; before the sweep acts, a retry takes it over (it is starting the execution).
      const racing: ReconcilingLedger = Object.assign(Object.create(ledger) as DynamoDbLedger, {
        dueRecords: async (...args: Parameters<DynamoDbLedger["dueRecords"]>) => {
          const page = await ledger.dueRecords(...args);
          if (page.records.some((record) => record.recordKey === name)) {
            await ledger.claim({ executionName: name, owner: "retry", inputSha256: "sha-1", now: sweepTime(), leaseMs: LEASE_MS });
          }
          return page;
        },
      });

      await expect(reconcile({ ledger: racing })).resolves.toMatchObject({ RecordsExamined: 1, ClaimsSettled: 0, superseded: 1 });

      await expect(ledger.read(name)).resolves.toMatchObject({ state: "CLAIMED", claimedBy: "retry" });
    });
  });

  describe('a re-run claim whose holder died (rerun: "after-failure")', () => {
    /** A request whose execution failed, and a re-run of it claimed by a request that then died. */
    async function failedAndClaimed() {
      const name = nextName();
      const arn = await start(name, NOTIFY, { outcome: "fail-once" });
      const stopped = await service.settled(arn);
      await ledger.recordStatus(name, {
        executionArn: arn,
        executionStatus: "FAILED",
        startDate: stopped.startDate,
        stopDate: stopped.stopDate,
      });
      const seen = (await ledger.read(name))!;
      await expect(ledger.claimRerun(name, { seen, owner: "dead-rerun", now: new Date(), leaseMs: LEASE_MS })).resolves.toBe(true);
      return { name, arn, seen };
    }

    it("having started nothing: is given up, and the record is the failure it was, out of the index", async () => {
      const { name, seen } = await failedAndClaimed();
      await expect(reconcile()).resolves.toMatchObject({ RecordsExamined: 1, ClaimsSettled: 1 });
      await expect(ledger.read(name)).resolves.toEqual(seen);
      expect(await item(name)).not.toHaveProperty("openShard");
    });

    it("having redriven the execution: records the redrive", async () => {
      const { name, arn } = await failedAndClaimed();
      await sfn.send(new RedriveExecutionCommand({ executionArn: arn }));
      await service.settled(arn);
      await expect(reconcile()).resolves.toMatchObject({ RecordsHealed: 1, ClaimsSettled: 0 });
      await expect(ledger.read(name)).resolves.toMatchObject({ executionArn: arn, executionStatus: "SUCCEEDED", redriveCount: 1 });
      expect(await item(name)).not.toHaveProperty("claimedBy");
    });

    it("having started the next attempt: records that attempt", async () => {
      const { name } = await failedAndClaimed();
      const input = JSON.stringify({ outcome: "succeed" });
      const { executionArn: next } = await sfn.send(new StartExecutionCommand({ stateMachineArn: NOTIFY, name: `${name}-2`, input }));
      await service.settled(next!);
      await expect(reconcile()).resolves.toMatchObject({ RecordsHealed: 1 });
      await expect(ledger.read(name)).resolves.toMatchObject({
        executionArn: next,
        executionStatus: "SUCCEEDED",
        attempt: 2,
        inputSha256: sha256(input),
      });
    });
  });

  it("closes a record whose execution Step Functions has forgotten, keeping its last known status", async () => {
    const name = nextName();
    const arn = await start(name, NOTIFY, { outcome: "succeed" });
    await service.settled(arn);
    // 91 days on for Step Functions: its history of the execution is gone, and so is the status the ledger never got.
    sfnOffsetMs = 91 * 86_400_000;
    const now = sweepTime();
    await expect(reconcile({ now })).resolves.toMatchObject({ RecordsExamined: 1, RecordsHealed: 0, forgotten: 1 });
    await expect(ledger.read(name)).resolves.toMatchObject({
      state: "STARTED",
      executionStatus: "RUNNING",
      forgottenAt: now.toISOString(),
    });
    expect(await item(name)).not.toHaveProperty("openShard");
    expect(recordLines()).toEqual([
      expect.objectContaining({ level: "WARN", action: "forgotten", problem: "Step Functions no longer knows the execution" }),
    ]);
  });

  it("leaves a record of a workflow it does not serve alone for MAX_RECHECK_MS, saying so", async () => {
    const recordKey = `sfn-dedup-test-returns:${nextName()}`;
    await ledger.claim({ executionName: recordKey, owner: "dead", inputSha256: "sha-1", now: new Date(), leaseMs: LEASE_MS });
    const now = sweepTime();
    await expect(reconcile({ now })).resolves.toMatchObject({ RecordsExamined: 1, deferred: 1, ClaimsSettled: 0 });
    expect(Number((await item(recordKey))!.checkAfter.N)).toBe(now.getTime() + MAX_RECHECK_MS);
    expect(recordLines()).toEqual([
      expect.objectContaining({ level: "WARN", action: "deferred", problem: "the record's workflow is not one this reconciler serves" }),
    ]);
  });

  describe("its bounds", () => {
    async function dueClaims(count: number) {
      const names = Array.from({ length: count }, nextName);
      for (const name of names)
        await ledger.claim({ executionName: name, owner: "dead", inputSha256: "sha-1", now: new Date(), leaseMs: LEASE_MS });
      return names;
    }

    it("reads pages of the index and stops at its limit; the next sweep goes on with the rest", async () => {
      const names = await dueClaims(5);
      const now = sweepTime();
      const first = await sweep(
        { ledger, sfn, stateMachines, log: () => {} },
        { now, timeLeftMs: () => 60_000, maxRecords: 3, pageSize: 1 },
      );
      expect(first).toMatchObject({ examined: 3, settled: 3, stoppedBecause: "record-limit" });
      const second = await sweep(
        { ledger, sfn, stateMachines, log: () => {} },
        { now, timeLeftMs: () => 60_000, maxRecords: 3, pageSize: 1 },
      );
      expect(second).toMatchObject({ examined: 2, settled: 2 });
      expect(second.stoppedBecause).toBeUndefined();
      for (const name of names) expect(await item(name)).toBeUndefined();
    });

    it("starts no record without time to finish it", async () => {
      await dueClaims(1);
      await expect(
        sweep({ ledger, sfn, stateMachines, log: () => {} }, { now: sweepTime(), timeLeftMs: () => 4_000 }),
      ).resolves.toMatchObject({
        examined: 0,
        stoppedBecause: "time-limit",
      });
      await sweep({ ledger, sfn, stateMachines, log: () => {} }, { now: sweepTime(), timeLeftMs: () => 60_000 });
    });

    it("stops when Step Functions throttles it, leaving the records due for the next sweep", async () => {
      const [name] = await dueClaims(1);
      failing = { operation: "DescribeExecution", error: new ServiceError("ThrottlingException", "Rate exceeded", 400) };
      await expect(reconcile()).resolves.toMatchObject({
        level: "WARN",
        RecordsExamined: 1,
        failed: 1,
        stoppedBecause: "throttled",
        errorName: "ThrottlingException",
      });
      await expect(ledger.read(name)).resolves.toMatchObject({ state: "CLAIMED" });
      failing = undefined;
      await expect(reconcile()).resolves.toMatchObject({ ClaimsSettled: 1 });
    });

    it("looks at a record Step Functions would not describe again after RECONCILE_AFTER_MS, so that it holds up nothing", async () => {
      const [name] = await dueClaims(1);
      failing = { operation: "DescribeExecution", error: new ServiceError("AccessDeniedException", "not allowed", 400) };
      const now = sweepTime();
      await expect(reconcile({ now })).resolves.toMatchObject({ level: "WARN", RecordsExamined: 1, failed: 1 });
      expect(Number((await item(name))!.checkAfter.N)).toBe(now.getTime() + RECONCILE_AFTER_MS);
      expect(recordLines()).toEqual([expect.objectContaining({ level: "WARN", action: "failed", errorName: "AccessDeniedException" })]);
    });

    it("fails the invocation when the ledger cannot be read, after saying what it did", async () => {
      const unreachable = new DynamoDbLedger(
        new DynamoDBClient({
          endpoint: "http://127.0.0.1:9",
          region: "us-east-1",
          credentials: { accessKeyId: "l", secretAccessKey: "l" },
          maxAttempts: 1,
        }),
        table,
      );
      await expect(reconcile({ ledger: unreachable })).rejects.toBeInstanceOf(SweepFailedError);
      expect(summary()).toMatchObject({ level: "ERROR", RecordsExamined: 0, stoppedBecause: "ledger-unavailable", queries: 1 });
    });
  });
});
