import { createHash } from "node:crypto";
import * as fs from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { DynamoDBClient, PutItemCommand, ScanCommand, UpdateItemCommand } from "@aws-sdk/client-dynamodb";
import { DynamoDbLedger } from "../functions/shared/dynamodb-ledger";
import { LEDGER_KEY } from "../functions/shared/ledger-contract";
import { canonicalJson, executionNameFor } from "../functions/start-execution/execution-name";
import { type LocalDynamoDb, startLocalDynamoDb } from "../local/local-dynamodb";
import { ServiceError } from "../local/service-error";
import { emfViolations, extractedMetrics } from "./support/embedded-metric-format";
import { type LocalTrigger, startLocalTrigger, synthesizeToDirectory } from "./support/local-trigger";

const DAY_MS = 86_400_000;
const environment = (settings: Record<string, unknown>) => ({
  environments: { test: { account: "123456789012", region: "us-east-1", ...settings } },
});

/**
 * The synthesized ledger bundle against dynalite and a local Step Functions endpoint, over HTTP: the
 * table as synth defines it, the function's real environment, Step Functions' real name semantics.
 */
describe("the execution ledger", () => {
  const withLedger = synthesizeToDirectory(environment({ ledger: true }));
  const withoutLedger = synthesizeToDirectory(environment({}));
  let dynamodb: LocalDynamoDb;
  let client: DynamoDBClient;
  let ledger: DynamoDbLedger;
  let clockOffsetMs = 0;
  const clock = () => new Date(Date.now() + clockOffsetMs);
  let running: LocalTrigger; // Wait states in real time: executions stay RUNNING
  let fast: LocalTrigger; // executions close within milliseconds, on a clock the test can move

  const tableName = () => running.stack.tables()[0].name;
  const nameOf = (country: string) => executionNameFor({ country }, { from: "country" });
  const startCalls = (trigger: LocalTrigger) => trigger.calls.filter((call) => call === "StartExecution").length;

  beforeAll(async () => {
    dynamodb = await startLocalDynamoDb();
    running = await startLocalTrigger(withLedger.stackDir, { timeScale: 1, dynamodb });
    // Both local stacks create the same table name; the second trigger shares the first one's table.
    fast = await startLocalTrigger(withLedger.stackDir, {
      timeScale: 0.001,
      clock,
      dynamodb: { ...dynamodb, createTables: async () => {} },
    });
    client = new DynamoDBClient({
      endpoint: dynamodb.url,
      region: "us-east-1",
      credentials: { accessKeyId: "local", secretAccessKey: "local" },
    });
    ledger = new DynamoDbLedger(client, tableName());
  });

  afterAll(async () => {
    await Promise.all([running?.stop(), fast?.stop()]);
    client?.destroy();
    await dynamodb?.close();
    for (const { outdir } of [withLedger, withoutLedger]) fs.rmSync(outdir, { recursive: true, force: true });
  });

  beforeEach(() => {
    clockOffsetMs = 0;
    for (const trigger of [running, fast]) {
      trigger.fail(undefined);
      trigger.calls.length = 0;
    }
  });

  it("lets 50 identical requests at once start exactly one execution, keep one record, and answer none with a 5xx", async () => {
    const responses = await Promise.all(Array.from({ length: 50 }, () => running.post({ country: "Finland" })));

    expect(startCalls(running)).toBe(1);
    const statuses = responses.map((response) => response.statusCode);
    expect(statuses.filter((status) => status === 202)).toHaveLength(1);
    expect(statuses.filter((status) => status !== 202 && status !== 409 && status !== 200)).toEqual([]);
    for (const response of responses.filter((candidate) => candidate.statusCode === 409)) {
      expect(response.body.executionArn).toBe(responses.find((candidate) => candidate.statusCode === 202)!.body.executionArn);
    }
    const stateMachineArn = running.stack.stateMachines()[0].arn;
    expect(running.service.listExecutions({ stateMachineArn }).executions.filter((e) => e.name === nameOf("Finland"))).toHaveLength(1);
    const records = await client.send(new ScanCommand({ TableName: tableName() }));
    expect(records.Items!.filter((item) => item[LEDGER_KEY].S === nameOf("Finland"))).toHaveLength(1);
    expect(await ledger.read(nameOf("Finland"))).toMatchObject({ state: "STARTED", executionStatus: "RUNNING" });
  });

  it("answers the same request while its execution runs with the original, marked duplicate, from the ledger", async () => {
    const first = await running.post({ country: "Estonia" });
    const again = await running.post({ country: "Estonia" });
    expect(first.statusCode).toBe(202);
    expect(again.statusCode).toBe(200);
    expect(again.body).toMatchObject({ executionArn: first.body.executionArn, duplicate: true, firstSeenAt: expect.any(String) });
    expect(startCalls(running)).toBe(1);
  });

  it("still refuses a request 91 days later, when Step Functions has forgotten the name", async () => {
    const first = await fast.post({ country: "Latvia" });
    await fast.service.settled(first.body.executionArn);
    const closed = await fast.post({ country: "Latvia" });
    expect(closed.statusCode).toBe(409);
    expect(closed.body.executionStatus).toBe("SUCCEEDED");

    clockOffsetMs = 91 * DAY_MS;
    expect(() => fast.service.describeExecution({ executionArn: first.body.executionArn })).toThrow(/Execution Does Not Exist/);
    fast.calls.length = 0;
    const later = await fast.post({ country: "Latvia" });

    expect(later.statusCode).toBe(409);
    expect(later.body).toMatchObject({
      type: "urn:sfn-dedup:problem:execution-already-exists",
      executionArn: first.body.executionArn,
      executionStatus: "SUCCEEDED",
      firstSeenAt: expect.any(String),
    });
    expect(new Date(later.body.firstSeenAt).getTime()).toBeLessThanOrEqual(new Date(first.body.startDate).getTime());
    expect(fast.calls).not.toContain("StartExecution");
  });

  it("is what makes the difference: without it, the forgotten name runs again", async () => {
    const bare = await startLocalTrigger(withoutLedger.stackDir, { timeScale: 0.001, clock });
    try {
      const first = await bare.post({ country: "Lithuania" });
      await bare.service.settled(first.body.executionArn);
      clockOffsetMs = 91 * DAY_MS;
      const later = await bare.post({ country: "Lithuania" });
      expect(later.statusCode).toBe(202);
      expect(later.body.executionArn).toBe(first.body.executionArn);
    } finally {
      await bare.stop();
    }
  });

  it("starts nothing and answers 503 when DynamoDB cannot be reached", async () => {
    const cut = await startLocalTrigger(withLedger.stackDir, {
      timeScale: 1,
      dynamodb: { ...dynamodb, url: "http://127.0.0.1:9", createTables: async () => {} },
    });
    try {
      const response = await cut.post({ country: "Iceland" });
      expect(response.statusCode).toBe(503);
      expect(response.headers["retry-after"]).toBe("5");
      expect(response.body.detail).toMatch(/^DynamoDB could not take the request \(\w+\); nothing was started\.$/);
      expect(cut.calls).toEqual([]);
      const stateMachineArn = cut.stack.stateMachines()[0].arn;
      expect(cut.service.listExecutions({ stateMachineArn }).executions.filter((e) => e.name === nameOf("Iceland"))).toEqual([]);
      // The same request once DynamoDB is back starts it: the failure left nothing behind in the way.
      const back = await running.post({ country: "Iceland" });
      expect(back.statusCode).toBe(202);
    } finally {
      await cut.stop();
    }
  });

  it("releases the claim when StartExecution fails after it, so that a retry works", async () => {
    running.fail(new ServiceError("ThrottlingException", "Rate exceeded"));
    const failed = await running.post({ country: "Norway" });
    expect(failed.statusCode).toBe(429);
    await expect(ledger.read(nameOf("Norway"))).resolves.toBeUndefined();

    running.fail(undefined);
    const retried = await running.post({ country: "Norway" });
    expect(retried.statusCode).toBe(202);
    await expect(ledger.read(nameOf("Norway"))).resolves.toMatchObject({ state: "STARTED", executionArn: retried.body.executionArn });
  });

  describe("a request that died after claiming", () => {
    async function staleClaim(country: string, leaseExpiresAt: number, firstSeenAt = "2026-01-01T00:00:00.000Z") {
      await client.send(
        new PutItemCommand({
          TableName: tableName(),
          Item: {
            [LEDGER_KEY]: { S: nameOf(country) },
            state: { S: "CLAIMED" },
            claimedBy: { S: "a-dead-invocation" },
            leaseExpiresAt: { N: String(leaseExpiresAt) },
            firstSeenAt: { S: firstSeenAt },
            // What the dead invocation would have written: the hash of the request's input.
            inputSha256: { S: createHash("sha256").update(canonicalJson({ country })).digest("hex") },
          },
        }),
      );
    }

    it("holds the name while its lease runs: a duplicate is told the execution is being started", async () => {
      await staleClaim("Sweden", Date.now() + 60_000);
      const response = await running.post({ country: "Sweden" });
      expect(response.statusCode).toBe(409);
      expect(response.body).toMatchObject({ executionStatus: "STARTING", firstSeenAt: "2026-01-01T00:00:00.000Z" });
      // That start may still fail and release the name: the client is told to come back to learn the outcome.
      expect(response.body.detail).toMatch(/not known yet: retry/);
      expect(Number(response.headers["retry-after"])).toBeGreaterThan(0);
      expect(Number(response.headers["retry-after"])).toBeLessThanOrEqual(60);
      expect(startCalls(running)).toBe(0);
    });

    it("is taken over once the lease has run out, and the later request completes it", async () => {
      await staleClaim("Denmark", Date.now() - 1);
      const response = await running.post({ country: "Denmark" });
      expect(response.statusCode).toBe(202);
      expect(startCalls(running)).toBe(1);
      await expect(ledger.read(nameOf("Denmark"))).resolves.toMatchObject({
        state: "STARTED",
        executionArn: response.body.executionArn,
        firstSeenAt: "2026-01-01T00:00:00.000Z",
      });
    });

    it("is taken over safely even if it had started the execution: the name returns the original", async () => {
      const stateMachineArn = running.stack.stateMachines()[0].arn;
      const original = running.service.startExecution({
        stateMachineArn,
        name: nameOf("Germany"),
        input: canonicalJson({ country: "Germany" }),
      });
      await staleClaim("Germany", Date.now() - 1);
      await sleep(1_100); // past the margin within which a duplicate and a new start look alike

      const response = await running.post({ country: "Germany" });

      expect(response.statusCode).toBe(200);
      expect(response.body).toMatchObject({
        executionArn: original.executionArn,
        duplicate: true,
        firstSeenAt: "2026-01-01T00:00:00.000Z",
      });
      expect(running.service.listExecutions({ stateMachineArn }).executions.filter((e) => e.name === nameOf("Germany"))).toHaveLength(1);
      await expect(ledger.read(nameOf("Germany"))).resolves.toMatchObject({ state: "STARTED", executionArn: original.executionArn });
    });

    it("keeps the input of the execution that runs when a request with other input takes the claim over", async () => {
      const stateMachineArn = running.stack.stateMachines()[0].arn;
      const inputA = canonicalJson({ country: "Spain" });
      // A claimed, started its execution and died before recording it; the status updater did not record it
      // either (its event is delivered before the claim exists here, as if its write had failed).
      const original = running.service.startExecution({ stateMachineArn, name: nameOf("Spain"), input: inputA });
      await running.eventsDelivered();
      await staleClaim("Spain", Date.now() - 1);

      const takeover = await running.post({ country: "Spain", note: "other" });
      expect(takeover.statusCode).toBe(409);
      expect(takeover.body).toMatchObject({ executionArn: original.executionArn, executionStatus: "RUNNING" });
      await expect(ledger.read(nameOf("Spain"))).resolves.toMatchObject({
        state: "STARTED",
        inputSha256: createHash("sha256").update(inputA).digest("hex"),
      });

      const duplicateOfA = await running.post({ country: "Spain" });
      expect(duplicateOfA.statusCode).toBe(200);
      expect(duplicateOfA.body).toMatchObject({ executionArn: original.executionArn, duplicate: true });
      const duplicateOfB = await running.post({ country: "Spain", note: "other" });
      expect(duplicateOfB.statusCode).toBe(409);
      expect(duplicateOfB.body).toMatchObject({ executionArn: original.executionArn, executionStatus: "RUNNING" });
      expect(running.service.listExecutions({ stateMachineArn }).executions.filter((e) => e.name === nameOf("Spain"))).toHaveLength(1);
    });

    it("records the taking-over request's input when its own StartExecution starts the execution", async () => {
      await staleClaim("Portugal", Date.now() - 1);
      const response = await running.post({ country: "Portugal", note: "other" });
      expect(response.statusCode).toBe(202);
      await expect(ledger.read(nameOf("Portugal"))).resolves.toMatchObject({
        inputSha256: createHash("sha256")
          .update(canonicalJson({ country: "Portugal", note: "other" }))
          .digest("hex"),
      });
      expect((await running.post({ country: "Portugal", note: "other" })).statusCode).toBe(200);
      expect((await running.post({ country: "Portugal" })).statusCode).toBe(409);
    });
  });

  describe("with a retention", () => {
    const retained = synthesizeToDirectory(environment({ ledger: { retentionDays: 30 } }));
    let trigger: LocalTrigger;

    beforeAll(async () => {
      trigger = await startLocalTrigger(retained.stackDir, { timeScale: 1, dynamodb: { ...dynamodb, createTables: async () => {} } });
    });

    afterAll(async () => {
      await trigger?.stop();
      fs.rmSync(retained.outdir, { recursive: true, force: true });
    });

    /** Moves a record past its retention, as 31 days would: expired, but not yet deleted by TTL. */
    const expire = (executionName: string) =>
      client.send(
        new UpdateItemCommand({
          TableName: tableName(),
          Key: { [LEDGER_KEY]: { S: executionName } },
          UpdateExpression: "SET expiresAt = :past",
          ExpressionAttributeValues: { ":past": { N: String(Math.floor(Date.now() / 1000) - 60) } },
        }),
      );

    it("forgets a request past its retention even before TTL deletes it, once Step Functions has forgotten it too", async () => {
      expect(trigger.starter.environment.LEDGER_RETENTION_DAYS).toBe("30");
      await client.send(
        new PutItemCommand({
          TableName: tableName(),
          Item: {
            [LEDGER_KEY]: { S: nameOf("Poland") },
            state: { S: "STARTED" },
            firstSeenAt: { S: "2020-01-01T00:00:00.000Z" },
            inputSha256: { S: "x" },
            executionArn: { S: "arn:aws:states:us-east-1:000000000000:execution:gone:x" },
            executionStatus: { S: "SUCCEEDED" },
            expiresAt: { N: String(Math.floor(Date.now() / 1000) + 86_400) },
          },
        }),
      );
      expect((await trigger.post({ country: "Poland" })).statusCode).toBe(409);

      await expire(nameOf("Poland"));
      trigger.calls.length = 0;
      const renewed = await trigger.post({ country: "Poland" });

      expect(renewed.statusCode).toBe(202);
      expect(trigger.calls).toContain("StartExecution");
      const record = await ledger.read(nameOf("Poland"));
      expect(record).toMatchObject({ state: "STARTED", executionArn: renewed.body.executionArn });
      // A new retention window from now, and the old record's history is gone.
      expect(record?.firstSeenAt).not.toBe("2020-01-01T00:00:00.000Z");
      expect(record?.expiresAt).toBeGreaterThan(Date.now() / 1000 + 29 * 86_400);
    });

    it("still refuses an expired request whose execution Step Functions remembers: its name forbids a second one", async () => {
      const first = await trigger.post({ country: "Hungary" });
      expect(first.statusCode).toBe(202);
      const stateMachineArn = trigger.stack.stateMachines()[0].arn;
      const { stopDate } = trigger.service.stopExecution({ executionArn: first.body.executionArn });
      await trigger.eventsDelivered();
      await expect(ledger.read(nameOf("Hungary"))).resolves.toMatchObject({ executionStatus: "ABORTED" });

      await expire(nameOf("Hungary"));
      trigger.calls.length = 0;
      const again = await trigger.post({ country: "Hungary" });

      // The ledger let the request through; Step Functions (which keeps closed names 90 days) refused it.
      expect(trigger.calls).toContain("StartExecution");
      expect(again.statusCode).toBe(409);
      expect(again.body).toMatchObject({
        type: "urn:sfn-dedup:problem:execution-already-exists",
        executionArn: first.body.executionArn,
        executionStatus: "ABORTED",
        startDate: first.body.startDate,
        stopDate: stopDate.toISOString(),
      });
      expect(trigger.service.listExecutions({ stateMachineArn }).executions.filter((e) => e.name === nameOf("Hungary"))).toHaveLength(1);
      // The ledger holds the name again for a new retention window, with the execution Step Functions named.
      const record = await ledger.read(nameOf("Hungary"));
      expect(record).toMatchObject({ state: "STARTED", executionArn: first.body.executionArn, executionStatus: "ABORTED" });
      expect(record?.expiresAt).toBeGreaterThan(Date.now() / 1000 + 29 * 86_400);
    });
  });

  describe("kept current by Step Functions' status change events", () => {
    let events: LocalTrigger;

    beforeAll(async () => {
      events = await startLocalTrigger(withLedger.stackDir, {
        timeScale: 0.001,
        clock,
        dynamodb: { ...dynamodb, createTables: async () => {} },
      });
    });

    afterAll(async () => {
      await events?.stop();
    });

    it("learns how the execution ended, and tells a duplicate without asking Step Functions", async () => {
      const first = await events.post({ country: "Austria" });
      const closed = await events.service.settled(first.body.executionArn);
      await events.eventsDelivered();
      await expect(ledger.read(nameOf("Austria"))).resolves.toMatchObject({
        state: "STARTED",
        executionStatus: "SUCCEEDED",
        stopDate: closed.stopDate!.toISOString(),
      });

      clockOffsetMs = 91 * DAY_MS;
      events.calls.length = 0;
      const later = await events.post({ country: "Austria" });
      expect(later.statusCode).toBe(409);
      expect(later.body).toMatchObject({ executionStatus: "SUCCEEDED", stopDate: closed.stopDate!.toISOString() });
      expect(events.calls).toEqual([]);
    });

    it("completes the record of a request that started its execution but died before recording it", async () => {
      await client.send(
        new PutItemCommand({
          TableName: tableName(),
          Item: {
            [LEDGER_KEY]: { S: nameOf("Belgium") },
            state: { S: "CLAIMED" },
            claimedBy: { S: "a-dead-invocation" },
            leaseExpiresAt: { N: String(Date.now() + 60_000) },
            firstSeenAt: { S: new Date().toISOString() },
            inputSha256: { S: "x" },
          },
        }),
      );
      const stateMachineArn = events.stack.stateMachines()[0].arn;
      const { executionArn } = events.service.startExecution({
        stateMachineArn,
        name: nameOf("Belgium"),
        input: canonicalJson({ country: "Belgium" }),
      });
      await events.service.settled(executionArn);
      await events.eventsDelivered();

      await expect(ledger.read(nameOf("Belgium"))).resolves.toMatchObject({ state: "STARTED", executionArn, executionStatus: "SUCCEEDED" });
      const statusLines = events.logs.filter((line) => line.includes('"execution status"'));
      expect(statusLines.length).toBeGreaterThanOrEqual(2);
      // The bundle's lines carry their metrics, valid EMF, under the environment the stack named.
      for (const line of statusLines) {
        expect(emfViolations(line)).toEqual([]);
        expect(extractedMetrics(line).map(({ name, dimensions }) => [name, dimensions])).toEqual([
          ["StatusesRecorded", { Environment: "test" }],
          ["StatusesIgnored", { Environment: "test" }],
          ["EventsDropped", { Environment: "test" }],
        ]);
      }
    });
  });
});
