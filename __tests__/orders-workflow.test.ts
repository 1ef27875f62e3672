import * as fs from "node:fs";
import * as path from "node:path";
import * as dynamodbClient from "@aws-sdk/client-dynamodb";
import { DynamoDBClient, GetItemCommand } from "@aws-sdk/client-dynamodb";
import validator from "asl-validator";
import { PROJECT_ROOT } from "../lib/project-root";
import { renderDefinition } from "../lib/state-machine-definition";
import { dynamoDbTaskHandlers } from "../local/dynamodb-tasks";
import { type LocalDynamoDb, startLocalDynamoDb } from "../local/local-dynamodb";
import { type ExecutionRecord, LocalStepFunctions } from "../local/local-step-functions";
import { SnsOutbox } from "../local/sns-outbox";

const ASL_FILE = path.join(PROJECT_ROOT, "asl", "orders.asl.json");
const SCHEMA_FILE = path.join(PROJECT_ROOT, "asl", "orders.request.schema.json");
const TOPIC_ARN = "arn:aws:sns:us-east-1:000000000000:sfn-dedup-default-notifications";
const TABLE = "team-orders";
const STATE_MACHINE_ARN = "arn:aws:states:us-east-1:000000000000:stateMachine:sfn-dedup-default-orders";

/** The definition as the stack renders it, with the values a commercial-partition deployment gives it. */
function definition(): string {
  return renderDefinition(ASL_FILE, { Partition: "aws", TopicArn: TOPIC_ARN, OrdersTableName: TABLE });
}

describe("asl/orders.asl.json, the example of a team's own workflow", () => {
  it("is valid ASL with its placeholders filled", () => {
    expect(validator(JSON.parse(definition()), { checkArn: true, checkPaths: true })).toMatchObject({ isValid: true, errors: [] });
    expect(JSON.parse(definition()).TimeoutSeconds).toBeGreaterThan(0);
  });

  it("names DynamoDB errors as exceptions the DynamoDB model has, or as AmazonDynamoDBException for the unmodelled", () => {
    const modelled = new Set(
      Object.values(dynamodbClient)
        .filter((exported) => typeof exported === "function" && exported.prototype instanceof dynamodbClient.DynamoDBServiceException)
        .map((exported) => new (exported as new (options: object) => Error)({ message: "", $metadata: {} }).name),
    );
    expect(modelled).toContain("ConditionalCheckFailedException");
    const states = Object.values(JSON.parse(definition()).States as Record<string, { Retry?: { ErrorEquals: string[] }[] }>);
    const named = states
      .flatMap((state) => (state.Retry ?? []).flatMap((retrier) => retrier.ErrorEquals))
      .filter((name) => name.startsWith("DynamoDB."));
    expect(named.length).toBeGreaterThan(5);
    expect(
      named.map((name) => name.slice("DynamoDB.".length)).filter((name) => !modelled.has(name) && name !== "AmazonDynamoDBException"),
    ).toEqual([]);
  });

  it("has a request schema: draft 2020-12, an object with orderId and items required, customerEmail optional", () => {
    const schema = JSON.parse(fs.readFileSync(SCHEMA_FILE, "utf8"));
    expect(schema).toMatchObject({
      $schema: "https://json-schema.org/draft/2020-12/schema",
      type: "object",
      required: ["orderId", "items"],
      properties: {
        orderId: { type: "string", minLength: 1, maxLength: 64, pattern: expect.any(String) },
        items: {
          type: "array",
          minItems: 1,
          maxItems: 100,
          items: { required: ["sku", "quantity"], properties: { quantity: { minimum: 1 } } },
        },
        customerEmail: { type: "string" },
      },
    });
    // The id names the execution: every id the pattern allows is a name Step Functions accepts.
    const pattern = new RegExp(schema.properties.orderId.pattern, "u");
    for (const id of ["A-1001", "order_7.b"]) expect(pattern.test(id)).toBe(true);
    for (const id of ["", "-x", "a b", "a/b", "a#b", "a:b", "é"]) expect(pattern.test(id)).toBe(false);
  });

  describe("run against DynamoDB (dynalite) and the outbox", () => {
    let dynamodb: LocalDynamoDb;
    let client: DynamoDBClient;
    let closeTasks: () => void;
    let service: LocalStepFunctions;
    let outbox: SnsOutbox;

    beforeAll(async () => {
      dynamodb = await startLocalDynamoDb();
      await dynamodb.createTables([{ name: TABLE, hashKey: "orderId", attributes: [{ name: "orderId", type: "S" }] }]);
      client = new DynamoDBClient({
        endpoint: dynamodb.url,
        region: "us-east-1",
        credentials: { accessKeyId: "local", secretAccessKey: "local" },
      });
      const tasks = dynamoDbTaskHandlers({ endpoint: dynamodb.url, region: "us-east-1" });
      closeTasks = tasks.close;
      outbox = new SnsOutbox(new Set([TOPIC_ARN]));
      service = new LocalStepFunctions({
        taskHandlers: { "arn:aws:states:::sns:publish": (input) => outbox.publish(input), ...tasks.handlers },
      });
      service.createStateMachine(STATE_MACHINE_ARN, definition());
    });

    afterAll(async () => {
      service?.abortAll();
      closeTasks?.();
      client?.destroy();
      await dynamodb?.close();
    });

    const run = async (name: string, input: unknown): Promise<ExecutionRecord> => {
      const { executionArn } = service.startExecution({ stateMachineArn: STATE_MACHINE_ARN, name, input: JSON.stringify(input) });
      return service.settled(executionArn);
    };
    const order = (orderId: string) => client.send(new GetItemCommand({ TableName: TABLE, Key: { orderId: { S: orderId } } }));

    it("writes the order, then publishes a message naming it", async () => {
      const execution = await run("A-1001", {
        orderId: "A-1001",
        items: [
          { sku: "tea", quantity: 2 },
          { sku: "cup", quantity: 1 },
        ],
        customerEmail: "a@example.com",
      });
      expect(execution).toMatchObject({ status: "SUCCEEDED" });
      expect((await order("A-1001")).Item).toEqual({
        orderId: { S: "A-1001" },
        items: { L: [{ M: { sku: { S: "tea" }, quantity: { N: "2" } } }, { M: { sku: { S: "cup" }, quantity: { N: "1" } } }] },
        customerEmail: { S: "a@example.com" },
        // aws-local-stepfunctions sets $$.Execution.StartTime from its own clock, a few milliseconds after startDate.
        receivedAt: { S: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/) },
        executionArn: { S: execution.executionArn },
      });
      expect(outbox.messages).toContainEqual(
        expect.objectContaining({ topic: TOPIC_ARN, message: "Order A-1001 received: 2 item line(s)" }),
      );
    });

    it("stores an absent customerEmail as NULL", async () => {
      expect(await run("B-2002", { orderId: "B-2002", items: [{ sku: "tea", quantity: 1 }] })).toMatchObject({ status: "SUCCEEDED" });
      expect((await order("B-2002")).Item).toMatchObject({ customerEmail: { NULL: true } });
    });

    it(
      "refuses a second order with the same orderId: " + "FAILED with DynamoDB.ConditionalCheckFailedException, nothing published",
      async () => {
        const first = { orderId: "C-3003", items: [{ sku: "tea", quantity: 1 }] };
        expect(await run("C-3003", first)).toMatchObject({ status: "SUCCEEDED" });
        const published = outbox.messages.length;

        // Another execution name, as when the trigger's dedup has forgotten the first (after 90 days without the ledger).
        const second = await run("C-3003-again", { ...first, items: [{ sku: "cup", quantity: 9 }] });
        expect(second).toMatchObject({
          status: "FAILED",
          error: "DynamoDB.ConditionalCheckFailedException",
          cause: expect.stringMatching(
            /^The conditional request failed \(Service: AmazonDynamoDBv2; Status Code: 400; Error Code: ConditionalCheckFailedException;/,
          ),
        });
        expect(outbox.messages).toHaveLength(published);
        expect((await order("C-3003")).Item).toMatchObject({ items: { L: [{ M: { sku: { S: "tea" }, quantity: { N: "1" } } }] } });
      },
    );
  });
});
