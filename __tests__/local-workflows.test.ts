import * as fs from "node:fs";
import { DynamoDBClient, GetItemCommand, ScanCommand } from "@aws-sdk/client-dynamodb";
import { DescribeExecutionCommand, SFNClient, StartExecutionCommand } from "@aws-sdk/client-sfn";
import { exampleExecutionName, exampleRequestBody } from "../local/example-request";
import type { ExecutionRecord } from "../local/local-step-functions";
import { type Sandbox, startSandbox } from "../local/sandbox";
import { startupBanner } from "../local/startup-banner";
import { ORDERS_ROUTE, synthesizeTwoWorkflows, TEAM_ORDERS_TABLE, TWO_WORKFLOWS } from "./support/multi-workflow-stack";

/** Each route's request schema, as the CLI reads them from the configuration. */
function requestSchemas(): Map<string, unknown> {
  return new Map(Object.values(TWO_WORKFLOWS).map((workflow) => [workflow.route, JSON.parse(fs.readFileSync(workflow.request, "utf8"))]));
}

const credentials = { accessKeyId: "local", secretAccessKey: "local" };

/** A route over real HTTP, as a client of the local HTTP API sends it. */
async function post(sandbox: Sandbox, routeKey: string, body: unknown): Promise<{ status: number; body: any }> {
  const response = await fetch(`${sandbox.apiUrl}${routeKey.split(" ")[1]}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
}

/** The sandbox serving a stack with two workflows, each with its route, function and state machine, on one API. */
describe("the sandbox with several workflows", () => {
  const { outdir, stackDir } = synthesizeTwoWorkflows();
  afterAll(() => fs.rmSync(outdir, { recursive: true, force: true }));

  describe("with the team's table given (--table)", () => {
    let sandbox: Sandbox;
    let dynamodb: DynamoDBClient;
    let sfn: SFNClient;
    const settled = (executionArn: string): Promise<ExecutionRecord> => sandbox.service.settled(executionArn);

    beforeAll(async () => {
      sandbox = await startSandbox({
        stackDir,
        port: 0,
        sfnPort: 0,
        timeScale: 0,
        tables: [{ name: TEAM_ORDERS_TABLE, hashKey: "orderId", attributes: [{ name: "orderId", type: "S" }] }],
      });
      dynamodb = new DynamoDBClient({ endpoint: sandbox.dynamodbUrl, region: "us-east-1", credentials });
      sfn = new SFNClient({ endpoint: sandbox.sfnUrl, region: "us-east-1", credentials, maxAttempts: 1 });
    });

    afterAll(async () => {
      dynamodb?.destroy();
      sfn?.destroy();
      await sandbox?.stop();
    });

    it("serves every route, function and state machine, and starts DynamoDB for the tasks though the stack has no table", () => {
      expect(sandbox.routes.map((route) => route.routeKey).sort()).toEqual([
        "GET /executions/{executionName}",
        "GET /orders/{executionName}",
        "POST /executions",
        ORDERS_ROUTE,
      ]);
      expect(
        sandbox.stack
          .stateMachines()
          .map((machine) => machine.name)
          .sort(),
      ).toEqual(["sfn-dedup-default-notify-country", "sfn-dedup-default-orders"]);
      expect([...sandbox.hosts.keys()].sort()).toEqual([
        "sfn-dedup-default-execution-status",
        "sfn-dedup-default-orders-start",
        "sfn-dedup-default-orders-status",
        "sfn-dedup-default-start-execution",
      ]);
      expect(sandbox.stack.tables()).toEqual([]);
      expect(sandbox.dynamodbUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(sandbox.tables.map((table) => table.name)).toEqual([TEAM_ORDERS_TABLE]);
      expect(sandbox.missingTables).toEqual([]);
      expect(sandbox.unservedTasks).toEqual([]);
    });

    it("lists every route and state machine in the startup banner, with a request to try on each route", () => {
      const banner = startupBanner(sandbox, {
        stackName: "default",
        timeScale: 0,
        outbox: "outbox.jsonl",
        requestSchemas: requestSchemas(),
      });
      expect(banner).toContain(
        `HTTP API         ${sandbox.apiUrl}   POST /executions, GET /executions/{executionName}, ` +
          `POST /orders, GET /orders/{executionName}\n`,
      );
      for (const machine of sandbox.stack.stateMachines()) expect(banner).toContain(`State machine    ${machine.arn}\n`);
      expect(banner).toContain(`DynamoDB         ${sandbox.dynamodbUrl}   tables ${TEAM_ORDERS_TABLE}\n`);
      expect(banner).toContain(`Try: curl -i -X POST ${sandbox.apiUrl}/executions `);
      expect(banner).toContain(`\n     curl -i -X POST ${sandbox.apiUrl}/orders `);
      // Each status route with the name of the execution its POST hint starts.
      expect(banner).toMatch(new RegExp(`\\n     curl -i '${sandbox.apiUrl}/executions/[0-9a-f]{32}'\\n`));
      expect(banner).toMatch(new RegExp(`\\n     curl -i '${sandbox.apiUrl}/orders/[0-9a-f]{64}'\\n`));
      expect(banner).not.toContain("Warning");
    });

    it("runs notify-country behind its route: the message in the outbox", async () => {
      const started = await post(sandbox, "POST /executions", { country: "Peru" });
      expect(started.status).toBe(202);
      expect(await settled(started.body.executionArn)).toMatchObject({ status: "SUCCEEDED" });
      expect(sandbox.outbox).toContainEqual(expect.objectContaining({ message: "I love my Peru" }));
    });

    it("runs the orders workflow behind its route: the order in the team's table, the message in the outbox", async () => {
      const started = await post(sandbox, ORDERS_ROUTE, { country: "Peru", orderId: "A-1001", items: [{ sku: "tea", quantity: 3 }] });
      expect(started).toMatchObject({
        status: 202,
        body: { executionArn: expect.stringMatching(/:execution:sfn-dedup-default-orders:[0-9a-f]{64}$/) },
      });
      expect(await settled(started.body.executionArn)).toMatchObject({ status: "SUCCEEDED" });
      const { Item } = await dynamodb.send(new GetItemCommand({ TableName: TEAM_ORDERS_TABLE, Key: { orderId: { S: "A-1001" } } }));
      expect(Item).toMatchObject({ orderId: { S: "A-1001" }, items: { L: [{ M: { sku: { S: "tea" }, quantity: { N: "3" } } }] } });
      expect(sandbox.outbox).toContainEqual(expect.objectContaining({ message: "Order A-1001 received: 1 item line(s)" }));
    });

    it(
      "ends a second execution for an order already recorded FAILED with DynamoDB.ConditionalCheckFailedException, visible in " +
        "DescribeExecution",
      async () => {
        const input = JSON.stringify({ orderId: "B-2002", items: [{ sku: "cup", quantity: 1 }] });
        const stateMachineArn = sandbox.stack.stateMachines().find((machine) => machine.name === "sfn-dedup-default-orders")!.arn;
        const first = await sfn.send(new StartExecutionCommand({ stateMachineArn, name: "B-2002", input }));
        expect(await settled(first.executionArn!)).toMatchObject({ status: "SUCCEEDED" });
        const second = await sfn.send(new StartExecutionCommand({ stateMachineArn, name: "B-2002-again", input }));
        await settled(second.executionArn!);
        expect(await sfn.send(new DescribeExecutionCommand({ executionArn: second.executionArn }))).toMatchObject({
          status: "FAILED",
          error: "DynamoDB.ConditionalCheckFailedException",
          cause: expect.stringContaining("Error Code: ConditionalCheckFailedException"),
        });
      },
    );

    it("hints at a body each route's function accepts, and at the name its status route then answers for", async () => {
      for (const route of sandbox.routes.filter(({ routeKey }) => routeKey.startsWith("POST "))) {
        const environment = sandbox.routeFunction(route.routeKey).environment;
        const body = exampleRequestBody(environment, requestSchemas().get(route.routeKey));
        const response = await post(sandbox, route.routeKey, body);
        expect({ route: route.routeKey, status: response.status }).toEqual({ route: route.routeKey, status: 202 });
        const name = exampleExecutionName(environment, body);
        expect(name).toBe(response.body.executionName);
        const status = await fetch(`${sandbox.apiUrl}${route.routeKey.split(" ")[1]}/${name}`);
        expect({ route: route.routeKey, status: status.status, executionArn: (await status.json()).executionArn }).toEqual({
          route: route.routeKey,
          status: 200,
          executionArn: response.body.executionArn,
        });
      }
    });

    it(
      "serves each workflow's status route, its own workflow's executions only, " + "with the name as API Gateway's path parameter",
      async () => {
        const started = await post(sandbox, ORDERS_ROUTE, { orderId: "D-4004", items: [{ sku: "tea", quantity: 1 }] });
        await settled(started.body.executionArn);
        const get = async (path: string) => {
          const response = await fetch(`${sandbox.apiUrl}${path}`);
          return { status: response.status, body: await response.json() };
        };

        expect(await get(`/orders/${started.body.executionName}`)).toMatchObject({
          status: 200,
          body: { executionArn: started.body.executionArn, status: "SUCCEEDED", source: "step-functions" },
        });
        // The same name under the other workflow's route names that workflow's execution, which does not exist.
        expect(await get(`/executions/${started.body.executionName}`)).toMatchObject({
          status: 404,
          body: { type: "urn:sfn-dedup:problem:execution-not-found" },
        });
        expect(await get("/orders/not.a.name")).toMatchObject({
          status: 400,
          body: { type: "urn:sfn-dedup:problem:invalid-execution-name" },
        });
        // No route: API Gateway's own 404, the function is never invoked.
        expect(await get("/orders/")).toEqual({ status: 404, body: { message: "Not Found" } });
        expect(await get(`/orders/${started.body.executionName}/more`)).toEqual({ status: 404, body: { message: "Not Found" } });
      },
    );
  });

  describe("without the team's table", () => {
    let sandbox: Sandbox;

    beforeAll(async () => {
      sandbox = await startSandbox({ stackDir, port: null, sfnPort: 0, timeScale: 0 });
    });
    afterAll(() => sandbox?.stop());

    it("says at startup which task names a table that does not exist locally, and how to create it", () => {
      expect(sandbox.missingTables).toEqual([
        { stateMachineArn: expect.stringMatching(/:sfn-dedup-default-orders$/), stateName: "RecordOrder", tableName: TEAM_ORDERS_TABLE },
      ]);
      const banner = startupBanner(sandbox, { stackName: "default", timeScale: 0, outbox: "outbox.jsonl" });
      expect(banner).toContain(
        `Warning: sfn-dedup-default-orders: Task state RecordOrder uses table ${TEAM_ORDERS_TABLE}, which the stack does not declare: ` +
          `create it with --table ${TEAM_ORDERS_TABLE}=<partition key>.`,
      );
    });

    it("fails an execution reaching it as AWS would, DynamoDB.ResourceNotFoundException, with the --table hint in the cause", async () => {
      const stateMachineArn = sandbox.stack.stateMachines().find((machine) => machine.name === "sfn-dedup-default-orders")!.arn;
      const { executionArn } = sandbox.service.startExecution({
        stateMachineArn,
        name: "C-3003",
        input: JSON.stringify({ orderId: "C-3003", items: [{ sku: "tea", quantity: 1 }] }),
      });
      expect(await sandbox.service.settled(executionArn)).toMatchObject({
        status: "FAILED",
        error: "DynamoDB.ResourceNotFoundException",
        cause: expect.stringContaining(`create it with --table ${TEAM_ORDERS_TABLE}=<partition key>`),
      });
    });
  });
});

/**
 * Two workflows keyed alike (orderId) behind one ledger: the same order sent to both starts both, each with a
 * record of its own, and each record learns how its own execution ended.
 */
describe("the ledger shared by two workflows keyed alike", () => {
  const ORDERS_AND_RETURNS = {
    orders: TWO_WORKFLOWS.orders,
    returns: { ...TWO_WORKFLOWS.orders, route: "POST /returns", substitutions: { OrdersTableName: "team-returns" } },
  };
  const { outdir, stackDir } = synthesizeTwoWorkflows({ ledger: true }, ORDERS_AND_RETURNS);
  let sandbox: Sandbox;
  let dynamodb: DynamoDBClient;

  beforeAll(async () => {
    sandbox = await startSandbox({
      stackDir,
      port: 0,
      sfnPort: 0,
      timeScale: 0,
      tables: ["team-orders", "team-returns"].map((name) => ({ name, hashKey: "orderId", attributes: [{ name: "orderId", type: "S" }] })),
    });
    dynamodb = new DynamoDBClient({ endpoint: sandbox.dynamodbUrl, region: "us-east-1", credentials });
  });

  afterAll(async () => {
    dynamodb?.destroy();
    await sandbox?.stop();
    fs.rmSync(outdir, { recursive: true, force: true });
  });

  it("starts the same order in both, and keeps a record for each within its state machine", async () => {
    const order = { orderId: "C-3003", items: [{ sku: "pen", quantity: 2 }] };
    const [toOrders, toReturns] = [await post(sandbox, "POST /orders", order), await post(sandbox, "POST /returns", order)];
    expect([toOrders.status, toReturns.status]).toEqual([202, 202]);
    expect(toOrders.body.executionName).toBe(toReturns.body.executionName);
    await Promise.all([sandbox.service.settled(toOrders.body.executionArn), sandbox.service.settled(toReturns.body.executionArn)]);
    await sandbox.eventsDelivered();

    const name = toOrders.body.executionName;
    const { Items } = await dynamodb.send(new ScanCommand({ TableName: "sfn-dedup-default-ledger" }));
    expect(Items!.map((item) => [item.executionName.S, item.executionStatus?.S]).sort()).toEqual([
      [`sfn-dedup-default-orders:${name}`, "SUCCEEDED"],
      [`sfn-dedup-default-returns:${name}`, "SUCCEEDED"],
    ]);
    // The same order again, to either: refused for good, from its own record.
    expect((await post(sandbox, "POST /returns", order)).status).toBe(409);
  });
});
