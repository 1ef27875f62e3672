import { projectConfigFrom } from "../lib/config/project-config";
import { TWO_WORKFLOWS } from "./support/multi-workflow-stack";
import { synthProject } from "./support/synth";

const ORDERS = TWO_WORKFLOWS.orders;
const withWorkflows = (workflows: Record<string, unknown>, environments?: Record<string, unknown>) => ({
  workflows,
  ...(environments ? { environments } : {}),
});
const withOrders = (settings: Record<string, unknown>) => withWorkflows({ orders: { ...ORDERS, ...settings } });

describe("context.workflows", () => {
  it("gives every environment the workflows, in the order written, with their defaults", () => {
    const { workflows, environments } = projectConfigFrom(
      withWorkflows(TWO_WORKFLOWS, {
        dev: { account: "222222222222", region: "eu-west-1" },
        prod: { account: "111111111111", region: "eu-central-1" },
      }),
    );
    expect(workflows.map((workflow) => workflow.name)).toEqual(["notify-country", "orders"]);
    expect(workflows[1]).toEqual({
      name: "orders",
      definition: "asl/orders.asl.json",
      route: "POST /orders",
      request: "asl/orders.request.schema.json",
      executionName: { from: "field", field: "orderId" },
      substitutions: { OrdersTableName: "team-orders" },
      permissions: [],
      rerun: "never",
      exposeOutput: false,
    });
    expect(environments.map((environment) => environment.workflows)).toEqual([workflows, workflows]);
    expect(projectConfigFrom(withOrders({ executionName: undefined })).workflows[0].executionName).toEqual({ from: "payload" });
  });

  it.each([
    [
      "no workflow at all",
      withWorkflows({}),
      "cdktf.json context.workflows: must name at least one workflow, or be left out for the default (notify-country).",
    ],
    [
      "a name that cannot be part of resource names",
      withWorkflows({ Orders: ORDERS }),
      "cdktf.json context.workflows.Orders: is not a valid workflow name: 1-20 lower-case letters",
    ],
    [
      "an unknown field",
      withOrders({ retries: 3 }),
      "cdktf.json context.workflows.orders.retries: is not a known field; allowed fields: definition, route, request, executionName, " +
        "substitutions, permissions, rerun, exposeOutput, type.",
    ],
    [
      "a rerun policy that does not exist",
      withOrders({ rerun: "always" }),
      'cdktf.json context.workflows.orders.rerun: must be one of never, after-failure; got "always".',
    ],
    [
      "an idempotency key header that is no HTTP field name",
      withOrders({ executionName: { from: "header", header: "Idempotency Key" } }),
      'cdktf.json context.workflows.orders.executionName.header: must be an HTTP header name such as Idempotency-Key; got "Idempotency ' +
        'Key".',
    ],
    [
      "an Express workflow",
      withOrders({ type: "EXPRESS" }),
      'cdktf.json context.workflows.orders.type: must be "STANDARD": an Express workflow starts every execution it is asked for, ' +
        "whatever its name, so it would run every duplicate.",
    ],
    [
      "no definition",
      withOrders({ definition: undefined }),
      "cdktf.json context.workflows.orders.definition: is required: the workflow's ASL file (JSON), relative to the project root",
    ],
    [
      "a definition that does not exist",
      withOrders({ definition: "asl/order.asl.json" }),
      "cdktf.json context.workflows.orders.definition: names asl/order.asl.json, which does not exist in the project.",
    ],
    [
      "a definition outside the project",
      withOrders({ definition: "../elsewhere/orders.asl.json" }),
      "cdktf.json context.workflows.orders.definition: must be inside the project, relative to its root; got " +
        '"../elsewhere/orders.asl.json".',
    ],
    [
      "a route that is not a POST",
      withOrders({ route: "GET /orders" }),
      'cdktf.json context.workflows.orders.route: must be the HTTP API route that starts it, "POST /<path>", e.g. "POST /orders"; got ' +
        '"GET /orders".',
    ],
    [
      "a route another workflow has",
      withWorkflows({ ...TWO_WORKFLOWS, orders: { ...ORDERS, route: "POST /executions" } }),
      'cdktf.json context.workflows.orders.route: "POST /executions" already starts workflow notify-country; each workflow needs its own ' +
        "route.",
    ],
    [
      "a request schema that is not an object schema",
      withOrders({ request: "asl/orders.asl.json" }),
      'cdktf.json context.workflows.orders.request: names asl/orders.asl.json, which must describe a JSON object ("type": "object"): ' +
        "every request is one.",
    ],
    [
      "a request schema Ajv refuses",
      withOrders({ request: "__tests__/fixtures/workflows/misspelt-keyword.schema.json" }),
      "cdktf.json context.workflows.orders.request: __tests__/fixtures/workflows/misspelt-keyword.schema.json: ",
    ],
    [
      "a key the schema does not require",
      withOrders({ executionName: { from: "field", field: "customerEmail" } }),
      'cdktf.json context.workflows.orders.executionName: names the execution after "customerEmail", which ' +
        'asl/orders.request.schema.json does not list in "required": a request without it would have no key.',
    ],
    [
      "a substitution for one of the project's values",
      withOrders({ substitutions: { TopicArn: "arn:aws:sns:eu-west-1:111111111111:mine" } }),
      "cdktf.json context.workflows.orders.substitutions.TopicArn: is the project's own value (Partition, Region, Account, Environment, " +
        "TopicArn); choose another name.",
    ],
    [
      "a wildcard action",
      withOrders({ permissions: [{ actions: ["dynamodb:*"], resources: ["arn:aws:dynamodb:eu-west-1:111111111111:table/orders"] }] }),
      "cdktf.json context.workflows.orders.permissions[0].actions",
    ],
    [
      "every resource without a reason",
      withOrders({ permissions: [{ actions: ["xray:PutTraceSegments"], resources: ["*"] }] }),
      'cdktf.json context.workflows.orders.permissions[0].resources: is "*": name the resources, or give the reason AWS allows nothing ' +
        'narrower ("reason").',
    ],
    [
      "an environment keyed apart from its workflows",
      withWorkflows(TWO_WORKFLOWS, { prod: { account: "111111111111", region: "eu-west-1", executionName: { from: "payload" } } }),
      "cdktf.json context.environments.prod.executionName: names the default workflow's key; with context.workflows configured, set " +
        "executionName on each workflow (context.workflows.<name>.executionName).",
    ],
    [
      "names over AWS's limits",
      withWorkflows({ "order-fulfilment-eu": ORDERS }, { "payments-staging-eu1": { account: "111111111111", region: "eu-west-1" } }),
      "cdktf.json context.workflows.order-fulfilment-eu: in environment payments-staging-eu1, its function role would be named " +
        "sfn-dedup-payments-staging-eu1-order-fulfilment-eu-start-function (65 characters), over AWS's limit of 64",
    ],
    [
      "a status function name over AWS's limits, where the start function's fits",
      withWorkflows({ "orders-fulfilment1": ORDERS }, { "payments-staging-eu1": { account: "111111111111", region: "eu-west-1" } }),
      "cdktf.json context.workflows.orders-fulfilment1: in environment payments-staging-eu1, its status function role would be named " +
        "sfn-dedup-payments-staging-eu1-orders-fulfilment1-status-function (65 characters), over AWS's limit of 64",
    ],
    // The status routes' names and addresses: <workflow>-status…, and the default's execution-status and status-….
    [
      "a workflow whose status function is the default's",
      withWorkflows({ ...TWO_WORKFLOWS, execution: { ...ORDERS, route: "POST /runs" } }),
      "cdktf.json context.workflows.execution: in environment default, its status function would be sfn-dedup-default-execution-status, " +
        "which is already workflow notify-country's status function; rename one of the two workflows.",
    ],
    [
      "a workflow whose route's addresses are another's status route's",
      withWorkflows({ orders: ORDERS, "orders-status": { ...ORDERS, route: "POST /order-statuses" } }),
      "cdktf.json context.workflows.orders-status: in environment default, its route's construct id would be " +
        "http-api/orders-status-integration, which is already workflow orders's status route's construct id; rename one of the two " +
        "workflows.",
    ],
    [
      "a workflow named status beside the default",
      withWorkflows({ ...TWO_WORKFLOWS, status: { ...ORDERS, route: "POST /status" } }),
      "cdktf.json context.workflows.status: in environment default, its route's construct id would be http-api/status-integration, which " +
        "is already workflow notify-country's status route's construct id",
    ],
  ])("refuses %s, naming the workflow, the field and what is allowed", (_, context, message) => {
    expect(() => projectConfigFrom(context)).toThrow(message);
  });

  it.each([
    [
      "a placeholder with no value",
      withOrders({ substitutions: {} }),
      "cdktf.json context.workflows.orders.substitutions: asl/orders.asl.json: ${OrdersTableName} has no value; values given: Account, " +
        "Environment, Partition, Region, TopicArn.",
    ],
    [
      "a value no placeholder uses",
      withOrders({ substitutions: { OrdersTableName: "team-orders", Unused: "x" } }),
      "cdktf.json context.workflows.orders.substitutions: asl/orders.asl.json: Unused is never used by the definition",
    ],
    [
      "a task whose target synth cannot scope",
      withOrders({ definition: "__tests__/fixtures/workflows/dynamic-topic.asl.json", substitutions: {} }),
      "cdktf.json context.workflows.orders.permissions: ",
    ],
  ])("fails synth on %s, naming the workflow's field", (_, context, message) => {
    expect(() => synthProject(context)).toThrow(message);
  });

  it("accepts a task synth cannot scope once a permissions entry covers it, and grants exactly that entry", () => {
    const { tf } = synthProject(
      withOrders({
        definition: "__tests__/fixtures/workflows/dynamic-topic.asl.json",
        substitutions: {},
        permissions: [{ actions: ["sns:Publish"], resources: ["arn:aws:sns:us-east-1:123456789012:orders-*"], covers: ["Publish"] }],
      }),
    ).default;
    const role = Object.entries(tf.resource.aws_iam_role).find(([, r]) => r.name === "sfn-dedup-default-orders-workflow")![0];
    const policy = Object.values(tf.resource.aws_iam_role_policy).find((p) => p.role === `\${aws_iam_role.${role}.name}`)!;
    expect(JSON.parse(policy.policy).Statement[0]).toEqual({
      Sid: "WorkflowPermission1",
      Effect: "Allow",
      Action: ["sns:Publish"],
      Resource: ["arn:aws:sns:us-east-1:123456789012:orders-*"],
    });
  });
});
