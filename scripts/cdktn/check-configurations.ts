/**
 * What `npm run check:cdktn` synthesizes on each side of the move. `context`: the app's whole context, passed as
 * CDKTF_CONTEXT_JSON; none: the project's own cdktf.json, whatever it holds (the configuration you deploy).
 */
export interface CheckConfiguration {
  readonly name: string;
  readonly context?: Record<string, unknown>;
}

const ORDERS_REQUEST = "asl/orders.request.schema.json";

/**
 * Most of what the project can synthesize: two environments in two accounts and regions, both with the ledger (and
 * so its status updates, reconciler and dead-letter alarm), alarms on a topic of their own with a subscriber and on
 * an existing one, IAM and JWT authorization, CORS, throttling, a customer managed key, S3 state (and so a state
 * bucket stack); four workflows, two of them the test fixtures (__tests__/fixtures/workflows): one with a
 * conditional put and no Catch, one whose topic only a permissions entry can scope.
 */
export const RICH_CONTEXT = {
  workflows: {
    "notify-country": {
      definition: "asl/notify-country.asl.json",
      route: "POST /executions",
      request: "asl/notify-country.request.schema.json",
      executionName: { from: "country" },
      rerun: "after-failure",
    },
    orders: {
      definition: "asl/orders.asl.json",
      route: "POST /orders",
      request: ORDERS_REQUEST,
      executionName: { from: "field", field: "orderId" },
      substitutions: { OrdersTableName: "team-orders" },
      exposeOutput: true,
    },
    records: {
      definition: "__tests__/fixtures/workflows/record-order.asl.json",
      route: "POST /records",
      request: ORDERS_REQUEST,
      executionName: { from: "field", field: "orderId" },
      substitutions: { OrdersTableName: "team-orders" },
      rerun: "after-failure",
    },
    announce: {
      definition: "__tests__/fixtures/workflows/dynamic-topic.asl.json",
      route: "POST /announcements",
      request: "asl/notify-country.request.schema.json",
      executionName: { from: "header" },
      permissions: [
        { actions: ["sns:Publish"], resources: ["arn:aws:sns:*:*:announce-*"], covers: ["Publish"], reason: "the input names the topic" },
      ],
    },
  },
  environments: {
    dev: {
      account: "222222222222",
      region: "eu-west-1",
      notificationEmails: ["dev@example.com"],
      ledger: true,
      api: { authorization: { type: "iam" } },
      alarms: { emails: ["oncall@example.com"] },
      reservedConcurrency: false,
    },
    prod: {
      account: "111111111111",
      region: "eu-central-1",
      deployRoleArn: "arn:aws:iam::111111111111:role/deploy",
      ledger: { retentionDays: 3650 },
      state: {
        bucket: "acme-terraform-state",
        region: "eu-west-1",
        roleArn: "arn:aws:iam::999999999999:role/terraform-state",
        kmsKeyId: "arn:aws:kms:eu-west-1:999999999999:key/1234abcd-12ab-34cd-56ef-1234567890ab",
      },
      kmsKeyArn: "arn:aws:kms:eu-central-1:111111111111:key/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0",
      logs: { retentionDays: 731, workflow: { level: "ALL", includeExecutionData: true } },
      api: {
        throttling: { rateLimit: 200, burstLimit: 400 },
        cors: { allowOrigins: ["https://orders.example.com"] },
        authorization: { type: "jwt", issuer: "https://cognito-idp.eu-central-1.amazonaws.com/eu-central-1_AbC123", audience: ["client"] },
      },
      reservedConcurrency: 50,
      stepFunctionsHistoryDays: 30,
      tags: { "cost-center": "C-42" },
      alarms: { topicArn: "arn:aws:sns:eu-central-1:111111111111:ops-alarms", failedExecutions: 2 },
    },
  },
};

export const CHECK_CONFIGURATIONS: readonly CheckConfiguration[] = [{ name: "cdktf.json" }, { name: "rich", context: RICH_CONTEXT }];
