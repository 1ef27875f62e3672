import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { DeleteItemCommand, DynamoDBClient, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { LocalCli, stopStartedClis } from "../support/local-cli";
import { copyProject } from "../support/project-copy";

const ENVIRONMENT = { sandbox: { account: "123456789012", region: "eu-west-1" } };
/** README's orders example, re-running failed orders, and a payments route keyed by the client's Idempotency-Key. */
const WORKFLOWS = {
  orders: {
    definition: "asl/orders.asl.json",
    route: "POST /orders",
    request: "asl/orders.request.schema.json",
    executionName: { from: "field", field: "orderId" },
    substitutions: { OrdersTableName: "team-orders" },
    rerun: "after-failure",
  },
  payments: {
    definition: "asl/notify-country.asl.json",
    route: "POST /payments",
    request: "asl/notify-country.request.schema.json",
    executionName: { from: "header" },
  },
};

interface Answer {
  readonly status: number;
  readonly location: string | null;
  readonly body: any;
}

async function call(url: string, init: RequestInit = {}): Promise<Answer> {
  const response = await fetch(url, init);
  return { status: response.status, location: response.headers.get("location"), body: await response.json() };
}

const post = (url: string, body: unknown, headers: Record<string, string> = {}) =>
  call(url, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });

/** Follows a Location until the execution there has ended, as a client would (a bounded number of looks). */
async function followUntilEnded(apiUrl: string, location: string): Promise<Answer> {
  for (let look = 0; look < 600; look++) {
    const answer = await call(`${apiUrl}${location}`);
    if (answer.status !== 200 || answer.body.status !== "RUNNING") return answer;
    await sleep(50);
  }
  throw new Error(`${location} still RUNNING after 600 looks`);
}

/**
 * A client's whole request lifecycle against `npm run local`, over real HTTP: start, follow the Location to the
 * status route, re-run an order after it failed, and key payments by Idempotency-Key.
 */
describe("npm run local: start, follow, re-run, key", () => {
  const workspace = fs.mkdtempSync(path.join(os.tmpdir(), "sfn-dedup-requests-"));
  afterEach(stopStartedClis);
  afterAll(() => fs.rmSync(workspace, { recursive: true, force: true }));

  it("follows an order to its failure, re-runs it as attempt 2, refuses it once done, and keys payments by Idempotency-Key", async () => {
    const project = copyProject(path.join(workspace, "project"), { environments: ENVIRONMENT, workflows: WORKFLOWS });
    const cli = new LocalCli(project, ["--port", "0", "--sfn-port", "0", "--time-scale", "0.01", "--table", "team-orders=orderId"]);
    const [, apiUrl] = await cli.waitFor(/HTTP API\s+(http:\/\/127\.0\.0\.1:\d+)/);
    const [, dynamodbUrl] = await cli.waitFor(/DynamoDB\s+(http:\/\/127\.0\.0\.1:\d+)/);
    const dynamodb = new DynamoDBClient({
      endpoint: dynamodbUrl,
      region: "eu-west-1",
      credentials: { accessKeyId: "local", secretAccessKey: "local" },
    });
    try {
      // The order is already in the team's table: the workflow's conditional put fails, and a Catch ends it in a Fail state.
      await dynamodb.send(new PutItemCommand({ TableName: "team-orders", Item: { orderId: { S: "e2e-1" } } }));
      const order = { orderId: "e2e-1", items: [{ sku: "tea", quantity: 2 }] };
      const started = await post(`${apiUrl}/orders`, order);
      expect(started).toMatchObject({ status: 202, body: { attempt: 1 } });
      expect(started.location).toBe(`/orders/${started.body.executionName}`);
      const failed = await followUntilEnded(apiUrl, started.location!);
      expect(failed).toMatchObject({
        status: 200,
        body: { status: "FAILED", error: "DynamoDB.ConditionalCheckFailedException", attempt: 1 },
      });

      await dynamodb.send(new DeleteItemCommand({ TableName: "team-orders", Key: { orderId: { S: "e2e-1" } } }));
      const rerun = await post(`${apiUrl}/orders`, order);
      expect(rerun).toMatchObject({ status: 202, body: { rerun: true, attempt: 2, executionName: `${started.body.executionName}-2` } });
      const succeeded = await followUntilEnded(apiUrl, rerun.location!);
      expect(succeeded).toMatchObject({ status: 200, body: { status: "SUCCEEDED", attempt: 2 } });
      const done = await post(`${apiUrl}/orders`, order);
      expect(done).toMatchObject({ status: 409, body: { executionStatus: "SUCCEEDED", attempt: 2 } });
      expect(done.location).toBe(rerun.location);

      expect(await post(`${apiUrl}/payments`, { country: "France" })).toMatchObject({
        status: 400,
        body: { type: "urn:sfn-dedup:problem:invalid-idempotency-key" },
      });
      const key = { "Idempotency-Key": "7c9e6679-7425-40de-944b-e07fc1f90ae7" };
      const payment = await post(`${apiUrl}/payments`, { country: "France" }, key);
      expect(payment.status).toBe(202);
      expect(await post(`${apiUrl}/payments`, { country: "Spain" }, key)).toMatchObject({
        status: 422,
        body: { type: "urn:sfn-dedup:problem:idempotency-key-reused" },
      });
      expect(await call(`${apiUrl}${payment.location}`)).toMatchObject({ status: 200, body: { executionArn: payment.body.executionArn } });
    } finally {
      dynamodb.destroy();
    }
    cli.interrupt();
    await cli.waitFor(/Stopped\./);
  });
});
