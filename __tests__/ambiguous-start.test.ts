import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SFNClient } from "@aws-sdk/client-sfn";
import { awsClientConfig } from "../functions/shared/aws-client-config";
import { DynamoDbLedger } from "../functions/shared/dynamodb-ledger";
import { LEDGER_KEY } from "../functions/shared/ledger-contract";
import { executionNameFor } from "../functions/start-execution/execution-name";
import { createHandler } from "../functions/start-execution/handler";
import type { RequestLogRecord } from "../functions/start-execution/request-log";
import { EMULATOR_CALL_LIMITS } from "../local/emulator-time-limits";
import { type LocalDynamoDb, startLocalDynamoDb } from "../local/local-dynamodb";
import { postExecutions } from "./support/events";
import { notifyCountryRequestValidator } from "./support/request-validator";
import { type SilentServer, startSilentServer } from "./support/silent-server";

const STATE_MACHINE_ARN = "arn:aws:states:us-east-1:123456789012:stateMachine:sfn-dedup-test-notify-country";
const TABLE = "sfn-dedup-test-ledger";
const LEASE_MS = 20_000;
const LOCAL = { region: "us-east-1", credentials: { accessKeyId: "local", secretAccessKey: "local" } };

/**
 * StartExecution failing behind the ledger, in process, against dynalite and real sockets: a failure that
 * proves nothing started releases the claim; one after which the execution may exist keeps it.
 */
describe("a failed StartExecution behind the ledger", () => {
  let dynamodb: LocalDynamoDb;
  let client: DynamoDBClient;
  let ledger: DynamoDbLedger;
  let silent: SilentServer;
  let logs: RequestLogRecord[];
  const sfnClients: SFNClient[] = [];

  beforeAll(async () => {
    [dynamodb, silent] = await Promise.all([startLocalDynamoDb(), startSilentServer()]);
    await dynamodb.createTables([{ name: TABLE, hashKey: LEDGER_KEY, attributes: [{ name: LEDGER_KEY, type: "S" }] }]);
    // dynalite gets emulator limits; Step Functions below keeps AWS's: the first test needs its timeout.
    client = new DynamoDBClient(awsClientConfig({ ...LOCAL, endpoint: dynamodb.url }, EMULATOR_CALL_LIMITS));
    ledger = new DynamoDbLedger(client, TABLE);
  });

  afterAll(async () => {
    for (const sfn of sfnClients) sfn.destroy();
    client.destroy();
    await Promise.all([dynamodb.close(), silent.close()]);
  });

  beforeEach(() => {
    logs = [];
  });

  function handlerWithStepFunctionsAt(endpoint: string) {
    const sfn = new SFNClient(awsClientConfig({ ...LOCAL, endpoint }));
    sfnClients.push(sfn);
    return createHandler({
      settings: { stateMachineArn: STATE_MACHINE_ARN, executionName: { from: "country" } },
      sfn,
      validateRequest: notifyCountryRequestValidator(),
      ledger: { ledger, leaseMs: LEASE_MS },
      log: (record) => logs.push(record),
    });
  }

  it("keeps the claim after a timeout, and asks the client to come back after the lease", async () => {
    const response = await handlerWithStepFunctionsAt(silent.url)(postExecutions({ country: "Chile" }), { awsRequestId: "request-1" });

    expect(response.statusCode).toBe(503);
    expect(Number(response.headers!["retry-after"])).toBeGreaterThanOrEqual(LEASE_MS / 1000);
    expect(JSON.parse(response.body as string).detail).toMatch(/may or may not have started/);
    await expect(ledger.read(executionNameFor({ country: "Chile" }, { from: "country" }))).resolves.toMatchObject({
      state: "CLAIMED",
      claimedBy: "request-1",
    });
    expect(logs).toEqual([expect.objectContaining({ outcome: "outcome-unknown", statusCode: 503, errorName: "TimeoutError" })]);
  });

  it("releases the claim when the connection is refused: nothing was sent, so nothing started", async () => {
    const response = await handlerWithStepFunctionsAt("http://127.0.0.1:9")(postExecutions({ country: "Peru" }), {
      awsRequestId: "request-2",
    });

    expect(response.statusCode).toBe(503);
    expect(response.headers!["retry-after"]).toBe("5");
    expect(JSON.parse(response.body as string).detail).toMatch(/nothing was started/);
    await expect(ledger.read(executionNameFor({ country: "Peru" }, { from: "country" }))).resolves.toBeUndefined();
    expect(logs).toEqual([expect.objectContaining({ outcome: "unavailable", statusCode: 503 })]);
  });
});
