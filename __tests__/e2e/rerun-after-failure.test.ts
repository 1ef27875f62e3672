import * as fs from "node:fs";
import { DeleteItemCommand, DynamoDBClient, GetItemCommand, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { executionNameFor } from "../../functions/start-execution/execution-name";
import type { ExecutionRecord } from "../../local/local-step-functions";
import { type Sandbox, startSandbox } from "../../local/sandbox";
import { synthesizeTwoWorkflows, TEAM_ORDERS_TABLE, TWO_WORKFLOWS } from "../support/multi-workflow-stack";
import { type Answer, postJson } from "../support/post-json";

const DAY_MS = 86_400_000;
const credentials = { accessKeyId: "local", secretAccessKey: "local" };

/**
 * Three workflows that re-run failed requests: orders (keyed by orderId; a failed put is caught and ends in a Fail
 * state), records (the same put with no Catch: it fails in the Task) and notify-country (which waits 30 s, so it
 * can be aborted while it runs; keyed by country).
 */
const RERUNNING = {
  "notify-country": { ...TWO_WORKFLOWS["notify-country"], rerun: "after-failure" },
  orders: { ...TWO_WORKFLOWS.orders, rerun: "after-failure" },
  records: {
    ...TWO_WORKFLOWS.orders,
    definition: "__tests__/fixtures/workflows/record-order.asl.json",
    route: "POST /records",
    rerun: "after-failure",
  },
};

/**
 * `rerun: "after-failure"` through the whole local stack: the synthesized functions behind the local HTTP API,
 * the local Step Functions (name semantics, redrive rules, history), dynalite for the team's table and the
 * ledger. An order fails when its orderId is already in the team's table (the workflow's conditional put), so a
 * test fails an order by writing it there first, and lets its re-run succeed by deleting it.
 */
describe.each([
  ["without a ledger", { ledger: false }],
  ["with the ledger", { ledger: true }],
])("re-run after failure, %s", (_title, settings) => {
  const { outdir, stackDir } = synthesizeTwoWorkflows(settings, RERUNNING);
  let sandbox: Sandbox;
  let dynamodb: DynamoDBClient;
  let clockOffsetMs = 0;

  beforeAll(async () => {
    sandbox = await startSandbox({
      stackDir,
      port: 0,
      sfnPort: 0,
      timeScale: 1,
      clock: () => new Date(Date.now() + clockOffsetMs),
      tables: [{ name: TEAM_ORDERS_TABLE, hashKey: "orderId", attributes: [{ name: "orderId", type: "S" }] }],
    });
    dynamodb = new DynamoDBClient({ endpoint: sandbox.dynamodbUrl, region: "us-east-1", credentials });
  });

  afterAll(async () => {
    dynamodb?.destroy();
    await sandbox?.stop();
    fs.rmSync(outdir, { recursive: true, force: true });
  });

  beforeEach(() => {
    clockOffsetMs = 0;
  });

  const send = (path: string, body: unknown): Promise<Answer> => postJson(`${sandbox.apiUrl}${path}`, body);
  const order = (orderId: string) => ({ orderId, items: [{ sku: "tea", quantity: 1 }] });
  const ordersArn = () => sandbox.stack.stateMachines().find((machine) => machine.name.endsWith("-orders"))!.arn;
  const executionsOf = (stateMachineArn: string, requestName: string): ExecutionRecord[] =>
    sandbox.service
      .listExecutions({ stateMachineArn, maxResults: 1000 })
      .executions.filter((execution) => execution.name === requestName || execution.name.startsWith(`${requestName}-`));
  const settled = (executionArn: string) => sandbox.service.settled(executionArn);
  const blockOrder = (orderId: string) =>
    dynamodb.send(new PutItemCommand({ TableName: TEAM_ORDERS_TABLE, Item: { orderId: { S: orderId }, blocker: { BOOL: true } } }));
  const unblockOrder = (orderId: string) =>
    dynamodb.send(new DeleteItemCommand({ TableName: TEAM_ORDERS_TABLE, Key: { orderId: { S: orderId } } }));
  const nameOf = (orderId: string) => executionNameFor({ orderId }, { from: "field", field: "orderId" });

  /** An order whose first execution has failed (in the orders workflow, or the records one). */
  const failedOrder = async (orderId: string, path = "/orders") => {
    await blockOrder(orderId);
    const first = await send(path, order(orderId));
    expect(first.status).toBe(202);
    expect(await settled(first.body.executionArn)).toMatchObject({ status: "FAILED", error: "DynamoDB.ConditionalCheckFailedException" });
    await sandbox.eventsDelivered();
    await unblockOrder(orderId);
    return first;
  };
  const recordsArn = () => sandbox.stack.stateMachines().find((machine) => machine.name.endsWith("-records"))!.arn;

  it(
    "redrives a request that failed in a Task while Step Functions allows it: " + "same execution, redriveCount 1, and it succeeds",
    async () => {
      const orderId = `redrive-${settings.ledger ? "l" : "n"}`;
      const first = await failedOrder(orderId, "/records");
      const rerun = await send("/records", order(orderId));
      expect(rerun.status).toBe(202);
      expect(rerun.body).toMatchObject({
        executionArn: first.body.executionArn,
        attempt: 1,
        redriveCount: 1,
        rerun: true,
        status: "RUNNING",
      });
      expect(rerun.location).toBe(`/records/${first.body.executionName}`);
      await sandbox.service.settled(rerun.body.executionArn);
      expect(sandbox.service.describeExecution({ executionArn: rerun.body.executionArn })).toMatchObject({
        status: "SUCCEEDED",
        redriveCount: 1,
      });
      expect(executionsOf(recordsArn(), first.body.executionName)).toHaveLength(1);
    },
  );

  it(
    "re-runs a request that failed in a Fail state (a Catch led there) as its next attempt at once: " + "a redrive would only fail again",
    async () => {
      const orderId = `fail-state-${settings.ledger ? "l" : "n"}`;
      const first = await failedOrder(orderId);
      const rerun = await send("/orders", order(orderId));
      expect(rerun).toMatchObject({
        status: 202,
        body: { executionName: `${nameOf(orderId)}-2`, attempt: 2, redriveCount: 0, rerun: true },
      });
      await settled(rerun.body.executionArn);
      expect(sandbox.service.describeExecution({ executionArn: first.body.executionArn })).toMatchObject({
        status: "FAILED",
        redriveCount: 0,
      });
      expect(sandbox.service.describeExecution({ executionArn: rerun.body.executionArn })).toMatchObject({ status: "SUCCEEDED" });
    },
  );

  it("starts the next attempt under <name>-2 once the redrive period (14 days) is over, then never after it succeeds", async () => {
    const orderId = `attempt-${settings.ledger ? "l" : "n"}`;
    const first = await failedOrder(orderId, "/records");
    clockOffsetMs = 15 * DAY_MS;
    const rerun = await send("/records", order(orderId));
    expect(rerun.status).toBe(202);
    const name = nameOf(orderId);
    expect(rerun.body).toMatchObject({ executionName: `${name}-2`, attempt: 2, redriveCount: 0, rerun: true });
    expect(rerun.location).toBe(`/records/${name}-2`);
    expect(rerun.body.executionArn).not.toBe(first.body.executionArn);
    expect(await settled(rerun.body.executionArn)).toMatchObject({ status: "SUCCEEDED" });
    await sandbox.eventsDelivered();

    const again = await send("/records", order(orderId));
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ executionName: `${name}-2`, executionStatus: "SUCCEEDED", attempt: 2 });
    expect(again.location).toBe(`/records/${name}-2`);
    expect(
      executionsOf(recordsArn(), name)
        .map((execution) => execution.name)
        .sort(),
    ).toEqual([name, `${name}-2`]);
  });

  it("never re-runs a request that succeeded, nor one that still runs", async () => {
    const done = await send("/orders", order(`done-${settings.ledger ? "l" : "n"}`));
    await settled(done.body.executionArn);
    await sandbox.eventsDelivered();
    const again = await send("/orders", order(`done-${settings.ledger ? "l" : "n"}`));
    expect(again).toMatchObject({ status: 409, body: { executionStatus: "SUCCEEDED", attempt: 1 } });

    const country = `Rerunland-${settings.ledger ? "l" : "n"}`;
    const running = await send("/executions", { country });
    const duplicate = await send("/executions", { country });
    expect(running.status).toBe(202);
    // Within a second of the first, a duplicate may still be told "started" (DUPLICATE_START_MARGIN_MS): same execution.
    expect(duplicate).toMatchObject({ body: { executionArn: running.body.executionArn, attempt: 1 } });
    expect(duplicate.location).toBe(`/executions/${running.body.executionName}`);
    expect(
      sandbox.service
        .listExecutions({ stateMachineArn: running.body.executionArn.replace(/:execution:(.*):[^:]+$/, ":stateMachine:$1") })
        .executions.filter((execution) => execution.name.startsWith(running.body.executionName)),
    ).toHaveLength(1);
    sandbox.service.stopExecution({ executionArn: running.body.executionArn });
  });

  it("redrives an aborted execution too, and answers a re-sent request while the redrive runs as a duplicate", async () => {
    const country = `Abortland-${settings.ledger ? "l" : "n"}`;
    const first = await send("/executions", { country });
    sandbox.service.stopExecution({ executionArn: first.body.executionArn });
    await sandbox.eventsDelivered();
    const rerun = await send("/executions", { country });
    expect(rerun).toMatchObject({ status: 202, body: { executionArn: first.body.executionArn, redriveCount: 1, rerun: true } });
    // Sent again while the redrive runs: the same execution (within a second of its start, possibly told "started").
    const duplicate = await send("/executions", { country });
    expect(duplicate).toMatchObject({ body: { executionArn: first.body.executionArn, attempt: 1 } });
    expect(sandbox.service.describeExecution({ executionArn: first.body.executionArn })).toMatchObject({
      status: "RUNNING",
      redriveCount: 1,
    });
    sandbox.service.stopExecution({ executionArn: first.body.executionArn });
  });

  it.each([
    ["redriven", 0],
    ["started as the next attempt", 15 * DAY_MS],
  ])("lets 50 concurrent re-runs of a failed request start exactly one (%s)", async (_how, offsetMs) => {
    const orderId = `fifty-${offsetMs}-${settings.ledger ? "l" : "n"}`;
    await failedOrder(orderId, "/records");
    clockOffsetMs = offsetMs;
    const answers = await Promise.all(Array.from({ length: 50 }, () => send("/records", order(orderId))));
    const name = nameOf(orderId);
    const executions = executionsOf(recordsArn(), name);
    if (offsetMs === 0) {
      expect(executions).toHaveLength(1);
      expect(sandbox.service.describeExecution({ executionArn: executions[0].executionArn })).toMatchObject({ redriveCount: 1 });
    } else {
      expect(executions.map((execution) => execution.name).sort()).toEqual([name, `${name}-2`]);
    }
    // Every answer is about that one re-run: started (202), running or ended (200, 409), or, with the ledger,
    // being re-run by another request (409 STARTING, naming the failed attempt); never a 5xx.
    const latestArn =
      offsetMs === 0 ? executions[0].executionArn : executions.find((execution) => execution.name === `${name}-2`)!.executionArn;
    expect(answers.filter((answer) => answer.status === 202 && answer.body.rerun).length).toBeGreaterThanOrEqual(1);
    for (const answer of answers) {
      expect([200, 202, 409]).toContain(answer.status);
      const beingRerun = answer.status === 409 && answer.body.executionStatus === "STARTING";
      expect(answer.body.executionArn).toBe(beingRerun ? executions.find((execution) => execution.name === name)!.executionArn : latestArn);
      if (beingRerun) expect(Number(answer.retryAfter)).toBeGreaterThan(0);
    }
    await settled(latestArn);
  });

  if (settings.ledger) {
    it("re-runs a failed request the ledger remembers and Step Functions has forgotten, as its next attempt", async () => {
      const orderId = "ledger-forgotten";
      await failedOrder(orderId);
      clockOffsetMs = 200 * DAY_MS; // Step Functions has forgotten attempt 1; the ledger says it FAILED
      const rerun = await send("/orders", order(orderId));
      expect(rerun).toMatchObject({ status: 202, body: { executionName: `${nameOf(orderId)}-2`, attempt: 2, rerun: true } });
      await settled(rerun.body.executionArn);
    });

    it("keeps the ledger's record on the latest attempt, and refuses the request from it once Step Functions has forgotten", async () => {
      const orderId = "ledger-follows";
      await failedOrder(orderId);
      clockOffsetMs = 15 * DAY_MS;
      const rerun = await send("/orders", order(orderId));
      await settled(rerun.body.executionArn);
      await sandbox.eventsDelivered();
      const tableName = sandbox.stack.tables()[0].name;
      const scopedKey = `${ordersArn().split(":").pop()}:${nameOf(orderId)}`;
      const { Item } = await dynamodb.send(
        new GetItemCommand({ TableName: tableName, Key: { executionName: { S: scopedKey } }, ConsistentRead: true }),
      );
      expect(Item).toMatchObject({
        executionArn: { S: rerun.body.executionArn },
        executionStatus: { S: "SUCCEEDED" },
        attempt: { N: "2" },
      });

      clockOffsetMs = 200 * DAY_MS; // both attempts forgotten by Step Functions: only the ledger remembers
      const again = await send("/orders", order(orderId));
      expect(again).toMatchObject({
        status: 409,
        body: { executionName: `${nameOf(orderId)}-2`, executionStatus: "SUCCEEDED", attempt: 2 },
      });
      expect(executionsOf(ordersArn(), nameOf(orderId))).toEqual([]);
    });
  }
});
