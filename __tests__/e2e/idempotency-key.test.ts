import { createHash } from "node:crypto";
import * as fs from "node:fs";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDbLedger } from "../../functions/shared/dynamodb-ledger";
import { scopedLedger } from "../../functions/shared/scoped-ledger";
import { type Sandbox, startSandbox } from "../../local/sandbox";
import { synthesizeTwoWorkflows } from "../support/multi-workflow-stack";
import { postJson } from "../support/post-json";

const credentials = { accessKeyId: "local", secretAccessKey: "local" };

/** notify-country (which waits 30 s, so executions stay RUNNING) named by the client's Idempotency-Key. */
const KEYED = {
  keyed: {
    definition: "asl/notify-country.asl.json",
    route: "POST /payments",
    request: "asl/notify-country.request.schema.json",
    executionName: { from: "header", header: "Idempotency-Key" },
  },
};

/**
 * `executionName: { "from": "header" }` through the sandbox: draft-ietf-httpapi-idempotency-key-header's
 * answers (400 missing or invalid, 422 reused with another body, 409 while the first is being started) and the
 * contract's duplicate answers for the same key and body.
 */
describe.each([
  ["without a ledger", { ledger: false }],
  ["with the ledger", { ledger: true }],
])("Idempotency-Key, %s", (_title, settings) => {
  const { outdir, stackDir } = synthesizeTwoWorkflows(settings, KEYED);
  let sandbox: Sandbox;
  const suffix = settings.ledger ? "l" : "n";

  beforeAll(async () => {
    sandbox = await startSandbox({ stackDir, port: 0, sfnPort: 0, timeScale: 1 });
  });

  afterAll(async () => {
    await sandbox?.stop();
    fs.rmSync(outdir, { recursive: true, force: true });
  });

  const send = (body: unknown, key?: string) =>
    postJson(`${sandbox.apiUrl}/payments`, body, key === undefined ? {} : { "idempotency-key": key });
  const stateMachineArn = () => sandbox.stack.stateMachines()[0].arn;
  const executions = () => sandbox.service.listExecutions({ stateMachineArn: stateMachineArn(), maxResults: 1000 }).executions;
  const nameOf = (key: string) => createHash("sha256").update(key, "utf8").digest("hex");

  it.each([
    ["missing", undefined, /The Idempotency-Key header is required/],
    ["empty", "", /The Idempotency-Key header is required/],
    ["256 characters long", "k".repeat(256), /1-255 printable ASCII characters .*got 256 characters/],
    ["not printable ASCII", "clé-1", /some of them not printable ASCII/],
  ])("refuses a key that is %s with 400, and starts nothing", async (_case, key, detail) => {
    const before = executions().length;
    const answer = await send({ country: "France" }, key);
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({
      type: "urn:sfn-dedup:problem:invalid-idempotency-key",
      header: "Idempotency-Key",
      detail: expect.stringMatching(detail),
    });
    expect(executions()).toHaveLength(before);
  });

  it("names the execution after the key (sha256), bare or written as a structured field string", async () => {
    const key = `order-7f3c-${suffix}`;
    const first = await send({ country: "France" }, key);
    expect(first.status).toBe(202);
    expect(first.body.executionName).toBe(nameOf(key));
    expect(first.location).toBe(`/payments/${nameOf(key)}`);
    const quoted = await send({ country: "France" }, `"${key}"`);
    expect(quoted.body.executionArn).toBe(first.body.executionArn);
    sandbox.service.stopExecution({ executionArn: first.body.executionArn });
  });

  it("refuses the same key with another body with 422, starts nothing and leaves the original as it was, running or ended", async () => {
    const key = `reuse-${suffix}`;
    const first = await send({ country: "France" }, key);
    const reused = await send({ country: "Spain" }, key);
    expect(reused.status).toBe(422);
    expect(reused.body).toMatchObject({ type: "urn:sfn-dedup:problem:idempotency-key-reused", status: 422 });
    expect(reused.location).toBeNull();
    const original = sandbox.service.describeExecution({ executionArn: first.body.executionArn });
    expect(original).toMatchObject({ status: "RUNNING", input: '{"country":"France"}' });

    sandbox.service.stopExecution({ executionArn: first.body.executionArn });
    await sandbox.eventsDelivered();
    expect(await send({ country: "Spain" }, key)).toMatchObject({ status: 422 });
    // The same key and body get the contract's duplicate answer: the execution ended, it is not started again.
    const same = await send({ country: "France" }, key);
    expect(same).toMatchObject({ status: 409, body: { executionArn: first.body.executionArn, executionStatus: "ABORTED" } });
    expect(same.location).toBe(`/payments/${nameOf(key)}`);
    expect(executions().filter((execution) => execution.name === nameOf(key))).toHaveLength(1);
  });

  if (settings.ledger) {
    it("answers the same key while its first request is still being started with 409 and Retry-After", async () => {
      const key = `in-progress-${suffix}`;
      const client = new DynamoDBClient({ endpoint: sandbox.dynamodbUrl, region: "us-east-1", credentials });
      try {
        const stateMachineName = stateMachineArn().split(":").pop()!;
        const ledger = scopedLedger(new DynamoDbLedger(client, sandbox.stack.tables()[0].name), stateMachineName);
        const input = '{"country":"France"}';
        await ledger.claim({
          executionName: nameOf(key),
          owner: "first-request",
          inputSha256: createHash("sha256").update(input, "utf8").digest("hex"),
          now: new Date(),
          leaseMs: 20_000,
        });
        const answer = await send({ country: "France" }, key);
        expect(answer.status).toBe(409);
        expect(answer.body).toMatchObject({ executionStatus: "STARTING", executionName: nameOf(key) });
        expect(Number(answer.retryAfter)).toBeGreaterThan(0);
        expect(answer.location).toBe(`/payments/${nameOf(key)}`);
        // Another body with that key is refused as a reuse, even before the first has started.
        expect(await send({ country: "Spain" }, key)).toMatchObject({ status: 422 });
        expect(executions().filter((execution) => execution.name === nameOf(key))).toHaveLength(0);
      } finally {
        client.destroy();
      }
    });
  }
});
