import { createHash } from "node:crypto";
import * as fs from "node:fs";
import { BatchWriteItemCommand, DynamoDBClient, GetItemCommand, UpdateItemCommand } from "@aws-sdk/client-dynamodb";
import { SFNClient, StartExecutionCommand } from "@aws-sdk/client-sfn";
import { createReconcilerHandler, type SweepLogRecord } from "../../functions/ledger-reconciler/handler";
import { ServedStateMachines } from "../../functions/ledger-reconciler/settings";
import { DynamoDbLedger } from "../../functions/shared/dynamodb-ledger";
import { LEDGER_KEY, OPEN_RECORDS_INDEX } from "../../functions/shared/ledger-contract";
import { OPEN_SHARDS, RECONCILE_AFTER_MS } from "../../functions/shared/ledger-index";
import { canonicalJson, executionNameFor } from "../../functions/start-execution/execution-name";
import { type LocalDynamoDb, startLocalDynamoDb } from "../../local/local-dynamodb";
import { ledgerTable } from "../support/ledger-table";
import { type LocalTrigger, startLocalTrigger, synthesizeToDirectory } from "../support/local-trigger";

const sha256 = (text: string) => createHash("sha256").update(text, "utf8").digest("hex");
const nameOf = (country: string) => executionNameFor({ country }, { from: "country" });
/** What the start function starts a country's execution with. */
const inputOf = (country: string) => canonicalJson({ country });
const credentials = { accessKeyId: "local", secretAccessKey: "local" };

/**
 * The ledger heals itself (issue 14): the reconciler synth builds, run by the sandbox from the stack's own schedule,
 * against the stack's table (its open-records index created by dynalite as synth declares it) and the local Step
 * Functions endpoint; and the sweep's cost, counted request by request, in a ledger of 10,000 closed records.
 */
describe("the ledger reconciler", () => {
  const stack = synthesizeToDirectory({ environments: { test: { account: "123456789012", region: "us-east-1", ledger: true } } });
  let dynamodb: LocalDynamoDb;
  let trigger: LocalTrigger;
  let client: DynamoDBClient;
  let sfn: SFNClient;

  const tableName = () => trigger.stack.tables()[0].name;
  const stateMachineArn = () => trigger.stack.stateMachines()[0].arn;
  const item = async (table: string, key: string) =>
    (await client.send(new GetItemCommand({ TableName: table, Key: { [LEDGER_KEY]: { S: key } }, ConsistentRead: true }))).Item;
  const startCalls = () => trigger.calls.filter((call) => call === "StartExecution").length;

  beforeAll(async () => {
    dynamodb = await startLocalDynamoDb();
    trigger = await startLocalTrigger(stack.stackDir, { timeScale: 0.001, dynamodb });
    client = new DynamoDBClient({ endpoint: dynamodb.url, region: "us-east-1", credentials });
    sfn = new SFNClient({ endpoint: trigger.sandbox.sfnUrl, region: "us-east-1", credentials, maxAttempts: 1 });
  });

  afterAll(async () => {
    await trigger?.stop();
    sfn?.destroy();
    client?.destroy();
    await dynamodb?.close();
    fs.rmSync(stack.outdir, { recursive: true, force: true });
  });

  describe("built by synth, run by the sandbox on the stack's schedule", () => {
    const SCHEDULE = "sfn-dedup-test-ledger-reconciler";
    /** As if RECONCILE_AFTER_MS had passed since the record was written: its check time moved to the past. */
    const dueNow = (key: string) =>
      client.send(
        new UpdateItemCommand({
          TableName: tableName(),
          Key: { [LEDGER_KEY]: { S: key } },
          UpdateExpression: "SET #checkAfter = :past",
          ConditionExpression: "attribute_exists(#checkAfter)",
          ExpressionAttributeNames: { "#checkAfter": "checkAfter" },
          ExpressionAttributeValues: { ":past": { N: "0" } },
        }),
      );

    it("is one of the stack's schedules, every 5 minutes, and its table has the open-records index", () => {
      expect(trigger.sandbox.schedules).toEqual([
        { name: SCHEDULE, scheduleExpression: "rate(5 minutes)", functionName: SCHEDULE, input: {} },
      ]);
      expect(trigger.stack.tables()[0].globalSecondaryIndexes?.map((index) => index.name)).toEqual([OPEN_RECORDS_INDEX]);
    });

    it("heals a status event that never reached the ledger", async () => {
      // No status event reaches the ledger: its updater is gone.
      await trigger.sandbox.hosts.get("sfn-dedup-test-ledger-status")!.stop();
      const started = await trigger.post({ country: "Norway" });
      expect(started.statusCode).toBe(202);
      await trigger.service.settled(started.body.executionArn);
      await trigger.eventsDelivered();
      await expect(new DynamoDbLedger(client, tableName()).read(nameOf("Norway"))).resolves.toMatchObject({ executionStatus: "RUNNING" });

      await dueNow(nameOf("Norway"));
      const line = (await trigger.sandbox.runSchedule(SCHEDULE)) as SweepLogRecord;

      expect(line).toMatchObject({ message: "ledger reconciled", RecordsExamined: 1, RecordsHealed: 1, ClaimsSettled: 0 });
      await expect(new DynamoDbLedger(client, tableName()).read(nameOf("Norway"))).resolves.toMatchObject({
        state: "STARTED",
        executionArn: started.body.executionArn,
        executionStatus: "SUCCEEDED",
      });
      expect(await item(tableName(), nameOf("Norway"))).not.toHaveProperty("openShard");
      expect(trigger.logs.some((log) => log.includes('"action":"healed"') && log.includes(nameOf("Norway")))).toBe(true);
      // The request sent again is answered from the healed record, without Step Functions.
      const calls = trigger.calls.length;
      await expect(trigger.post({ country: "Norway" })).resolves.toMatchObject({ statusCode: 409, body: { executionStatus: "SUCCEEDED" } });
      expect(trigger.calls.length).toBe(calls);
    });

    it("settles a claim whose holder died before starting anything: the retry starts the execution, once", async () => {
      const ledger = new DynamoDbLedger(client, tableName());
      // Claimed 20 minutes ago by an invocation that died; due since 5 minutes.
      await ledger.claim({
        executionName: nameOf("Chile"),
        owner: "dead",
        inputSha256: sha256(inputOf("Chile")),
        now: new Date(Date.now() - 20 * 60_000),
        leaseMs: 20_000,
      });

      await expect(trigger.sandbox.runSchedule(SCHEDULE)).resolves.toMatchObject({ RecordsExamined: 1, ClaimsSettled: 1 });

      expect(await item(tableName(), nameOf("Chile"))).toBeUndefined();
      const before = startCalls();
      await expect(trigger.post({ country: "Chile" })).resolves.toMatchObject({ statusCode: 202 });
      // Sent again: a duplicate (200 while it runs, 409 once it has ended), nothing started.
      expect([200, 409]).toContain((await trigger.post({ country: "Chile" })).statusCode);
      expect(startCalls() - before).toBe(1);
    });

    it("records the execution of a claim whose holder died after starting it", async () => {
      const ledger = new DynamoDbLedger(client, tableName());
      await ledger.claim({
        executionName: nameOf("Peru"),
        owner: "dead",
        inputSha256: sha256(inputOf("Peru")),
        now: new Date(Date.now() - 20 * 60_000),
        leaseMs: 20_000,
      });
      const { executionArn } = await sfn.send(
        new StartExecutionCommand({ stateMachineArn: stateMachineArn(), name: nameOf("Peru"), input: inputOf("Peru") }),
      );
      await trigger.service.settled(executionArn!);

      await expect(trigger.sandbox.runSchedule(SCHEDULE)).resolves.toMatchObject({
        RecordsExamined: 1,
        RecordsHealed: 1,
        ClaimsSettled: 0,
      });

      await expect(ledger.read(nameOf("Peru"))).resolves.toMatchObject({
        state: "STARTED",
        executionArn,
        executionStatus: "SUCCEEDED",
        inputSha256: sha256(inputOf("Peru")),
      });
      const before = startCalls();
      await expect(trigger.post({ country: "Peru" })).resolves.toMatchObject({ statusCode: 409 });
      expect(startCalls()).toBe(before);
    });
  });

  it(
    "with 10,000 closed records and 3 open ones, reads the 3 only: one Query per shard of the index, no Scan",
    async () => {
      const table = "sfn-dedup-test-ledger-10000";
      await dynamodb.createTables([ledgerTable(table)]);
      const longAgo = new Date(Date.now() - RECONCILE_AFTER_MS - 5 * 60_000);
      const writer = new DynamoDbLedger(client, table, { clock: () => longAgo });
      const executionArnOf = (name: string) => `${stateMachineArn().replace(":stateMachine:", ":execution:")}:${name}`;

      // 10,000 closed records, as the ledger leaves them: STARTED with a final status, no index attributes.
      const closed = Array.from({ length: 10_000 }, (_, index) => `closed-${index.toString().padStart(5, "0")}`);
      const batches = Array.from({ length: closed.length / 25 }, (_, batch) => closed.slice(batch * 25, batch * 25 + 25));
      for (let next = 0; next < batches.length; next += 8) {
        await Promise.all(
          batches.slice(next, next + 8).map((names) =>
            client.send(
              new BatchWriteItemCommand({
                RequestItems: {
                  [table]: names.map((name) => ({
                    PutRequest: {
                      Item: {
                        [LEDGER_KEY]: { S: name },
                        state: { S: "STARTED" },
                        firstSeenAt: { S: longAgo.toISOString() },
                        inputSha256: { S: sha256(name) },
                        executionArn: { S: executionArnOf(name) },
                        startDate: { S: longAgo.toISOString() },
                        executionStatus: { S: name.endsWith("7") ? "FAILED" : "SUCCEEDED" },
                        stopDate: { S: longAgo.toISOString() },
                      },
                    },
                  })),
                },
              }),
            ),
          ),
        );
      }
      // And some closed the way the ledger closes them, through its own writes: claimed, started, ended.
      for (const country of ["Ghana", "Kenya", "Togo"]) {
        await writer.claim({ executionName: `done-${nameOf(country)}`, owner: "done", inputSha256: "sha", now: longAgo, leaseMs: 20_000 });
        await writer.recordStarted(`done-${nameOf(country)}`, "done", {
          executionArn: executionArnOf(`done-${nameOf(country)}`),
          executionStatus: "RUNNING",
          startDate: longAgo,
        });
        await writer.recordStatus(`done-${nameOf(country)}`, {
          executionArn: executionArnOf(`done-${nameOf(country)}`),
          executionStatus: "SUCCEEDED",
          stopDate: longAgo,
        });
      }

      // 3 open: a started execution whose end the ledger never learned, and two claims whose holders died, one before
      // starting the execution and one after.
      const running = nameOf("Iceland");
      await writer.claim({
        executionName: running,
        owner: "holder",
        inputSha256: sha256(inputOf("Iceland")),
        now: longAgo,
        leaseMs: 20_000,
      });
      const { executionArn: runningArn, startDate } = await sfn.send(
        new StartExecutionCommand({ stateMachineArn: stateMachineArn(), name: running, input: inputOf("Iceland") }),
      );
      await writer.recordStarted(
        running,
        "holder",
        { executionArn: runningArn!, executionStatus: "RUNNING", startDate },
        sha256(inputOf("Iceland")),
      );
      const dead = nameOf("Mali");
      await writer.claim({ executionName: dead, owner: "dead", inputSha256: "sha", now: longAgo, leaseMs: 20_000 });
      const diedAfterStart = nameOf("Niger");
      await writer.claim({ executionName: diedAfterStart, owner: "dead", inputSha256: "sha", now: longAgo, leaseMs: 20_000 });
      const { executionArn: startedArn } = await sfn.send(
        new StartExecutionCommand({ stateMachineArn: stateMachineArn(), name: diedAfterStart, input: inputOf("Niger") }),
      );
      await Promise.all([trigger.service.settled(runningArn!), trigger.service.settled(startedArn!)]);

      // Every request the reconciler's DynamoDB client sends, and how many items each answer holds and DynamoDB read.
      const counting = new DynamoDBClient({ endpoint: dynamodb.url, region: "us-east-1", credentials });
      const requests: Array<{ command: string; indexName?: string; items?: number; scanned?: number }> = [];
      counting.middlewareStack.add(
        (next, context) => async (args) => {
          const result = await next(args);
          const input = args.input as { IndexName?: string };
          const output = result.output as { Items?: unknown[]; ScannedCount?: number };
          requests.push({
            command: context.commandName!,
            indexName: input.IndexName,
            items: output.Items?.length,
            scanned: output.ScannedCount,
          });
          return result;
        },
        { step: "initialize", name: "countRequests" },
      );
      const logs: unknown[] = [];
      const handler = createReconcilerHandler({
        ledger: new DynamoDbLedger(counting, table),
        sfn,
        stateMachines: new ServedStateMachines([stateMachineArn()], new Set()),
        log: (line) => logs.push(line),
      });

      const line = await handler({}, { getRemainingTimeInMillis: () => 60_000 });

      expect(line).toMatchObject({ RecordsExamined: 3, RecordsHealed: 2, ClaimsSettled: 1, queries: OPEN_SHARDS });
      expect(requests.filter(({ command }) => command === "ScanCommand")).toEqual([]);
      const queries = requests.filter(({ command }) => command === "QueryCommand");
      expect(queries).toHaveLength(OPEN_SHARDS);
      expect(queries.every(({ indexName }) => indexName === OPEN_RECORDS_INDEX)).toBe(true);
      expect(queries.reduce((sum, { items }) => sum + items!, 0)).toBe(3);
      expect(queries.reduce((sum, { scanned }) => sum + scanned!, 0)).toBe(3);
      // Besides the Queries: one write per open record, and no read of any item.
      expect(
        requests
          .filter(({ command }) => command !== "QueryCommand")
          .map(({ command }) => command)
          .sort(),
      ).toEqual(["DeleteItemCommand", "UpdateItemCommand", "UpdateItemCommand"]);

      const ledger = new DynamoDbLedger(client, table);
      await expect(ledger.read(running)).resolves.toMatchObject({ executionStatus: "SUCCEEDED" });
      await expect(ledger.read(dead)).resolves.toBeUndefined();
      await expect(ledger.read(diedAfterStart)).resolves.toMatchObject({
        state: "STARTED",
        executionArn: startedArn,
        executionStatus: "SUCCEEDED",
      });
      // Nothing open is left: the next sweep reads nothing at all.
      requests.length = 0;
      await expect(handler({}, { getRemainingTimeInMillis: () => 60_000 })).resolves.toMatchObject({ RecordsExamined: 0 });
      expect(requests.reduce((sum, { items }) => sum + (items ?? 0), 0)).toBe(0);
      counting.destroy();
    },
    5 * 60_000,
  );
});
