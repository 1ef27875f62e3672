import { TWO_WORKFLOWS } from "./support/multi-workflow-stack";
import {
  type Attributes,
  dataReferenceTo,
  functionReference,
  lambdaFunction,
  notificationTopicReference,
  referenceTo,
  resourceWhere,
  rolePolicy,
  routeTo,
  synthProject,
} from "./support/synth";

const environment = { account: "123456789012", region: "eu-west-1" };
const synthesize = (settings: Record<string, unknown> = {}) =>
  synthProject({ workflows: TWO_WORKFLOWS, environments: { dev: { ...environment, ...settings } } }).dev.tf;

describe("a stack with two workflows", () => {
  const tf = synthesize({ ledger: true });
  const functions = Object.values(tf.resource.aws_lambda_function) as Attributes[];
  const starter = (name: string) => functions.find((fn) => fn.function_name === name)!;
  const stateMachineId = (name: string) => Object.entries(tf.resource.aws_sfn_state_machine).find(([, sm]) => sm.name === name)![0];

  it("gives each workflow its own state machine, role, log group, start and status functions, and the default its old names", () => {
    expect(
      Object.values(tf.resource.aws_sfn_state_machine)
        .map((sm) => sm.name)
        .sort(),
    ).toEqual(["sfn-dedup-dev-notify-country", "sfn-dedup-dev-orders"]);
    expect(functions.map((fn) => fn.function_name).sort()).toEqual([
      "sfn-dedup-dev-execution-status",
      "sfn-dedup-dev-ledger-reconciler",
      "sfn-dedup-dev-ledger-status",
      "sfn-dedup-dev-orders-start",
      "sfn-dedup-dev-orders-status",
      "sfn-dedup-dev-start-execution",
    ]);
    expect(
      Object.values(tf.resource.aws_iam_role)
        .map((role) => role.name)
        .sort(),
    ).toEqual([
      "sfn-dedup-dev-execution-status-function",
      "sfn-dedup-dev-ledger-reconciler-function",
      "sfn-dedup-dev-ledger-reconciler-schedule",
      "sfn-dedup-dev-ledger-status-function",
      "sfn-dedup-dev-notify-country-workflow",
      "sfn-dedup-dev-orders-start-function",
      "sfn-dedup-dev-orders-status-function",
      "sfn-dedup-dev-orders-workflow",
      "sfn-dedup-dev-start-execution-function",
    ]);
    expect(Object.values(tf.resource.aws_cloudwatch_log_group).map((group) => group.name)).toEqual(
      expect.arrayContaining([
        "/aws/vendedlogs/states/sfn-dedup-dev-orders",
        "/aws/lambda/sfn-dedup-dev-orders-start",
        "/aws/lambda/sfn-dedup-dev-orders-status",
      ]),
    );
  });

  it("puts every route on the environment's one HTTP API, each to its own function, invocable from its own route only", () => {
    expect(Object.keys(tf.resource.aws_apigatewayv2_api)).toHaveLength(1);
    const routes = Object.values(tf.resource.aws_apigatewayv2_route)
      .map((route) => route.route_key)
      .sort();
    expect(routes).toEqual(["GET /executions/{executionName}", "GET /orders/{executionName}", "POST /executions", "POST /orders"]);
    expect(routeTo(tf, "GET /orders/{executionName}").integration.integration_uri).toBe(
      functionReference(tf, "sfn-dedup-dev-orders-status", "invoke_arn"),
    );
    expect(routeTo(tf, "POST /orders").integration.integration_uri).toBe(functionReference(tf, "sfn-dedup-dev-orders-start", "invoke_arn"));
    const permissions = Object.values(tf.resource.aws_lambda_permission).filter((p) => p.principal === "apigateway.amazonaws.com");
    expect(permissions.map((p) => [p.function_name, p.source_arn.split("/*/")[1]])).toEqual(
      expect.arrayContaining([
        [functionReference(tf, "sfn-dedup-dev-orders-status", "function_name"), "GET/orders/*"],
        [functionReference(tf, "sfn-dedup-dev-execution-status", "function_name"), "GET/executions/*"],
      ]),
    );
    expect(permissions.map((p) => p.source_arn.split("/*/")[1]).sort()).toEqual([
      "GET/executions/*",
      "GET/orders/*",
      "POST/executions",
      "POST/orders",
    ]);
  });

  it("lets each status function describe its own workflow's executions and read the ledger, nothing else", () => {
    const orders = rolePolicy(tf, "-orders-status-function").statements;
    const ordersMachine = `aws_sfn_state_machine.${stateMachineId("sfn-dedup-dev-orders")}`;
    expect(orders.map((s) => [s.Sid, s.Action])).toEqual([
      ["DescribeWorkflowExecutions", ["states:DescribeExecution"]],
      ["ReadExecutionLedger", ["dynamodb:GetItem"]],
      ["WriteOwnLogs", ["logs:CreateLogStream", "logs:PutLogEvents"]],
      ["SendXRayTraces", expect.any(Array)],
    ]);
    expect(orders[0].Resource[0]).toMatch(new RegExp(`:execution:\\$\\{${ordersMachine}\\.name\\}:\\*$`));
    expect(JSON.stringify(orders)).not.toContain(stateMachineId("sfn-dedup-dev-notify-country"));
  });

  it("shows a succeeded execution's output only for a workflow that sets exposeOutput", () => {
    const exposed = synthProject({
      workflows: { ...TWO_WORKFLOWS, orders: { ...TWO_WORKFLOWS.orders, exposeOutput: true } },
      environments: { dev: environment },
    }).dev.tf;
    const [ordersStateMachine] = resourceWhere(exposed, "aws_sfn_state_machine", (sm) => sm.name === "sfn-dedup-dev-orders");
    expect(lambdaFunction(exposed, "sfn-dedup-dev-orders-status").environment.variables).toEqual({
      STATE_MACHINE_ARN: `\${aws_sfn_state_machine.${ordersStateMachine}.arn}`,
      EXPOSE_OUTPUT: "true",
    });
    expect(lambdaFunction(exposed, "sfn-dedup-dev-execution-status").environment.variables.EXPOSE_OUTPUT).toBeUndefined();
    // The role is the same either way: describing an execution is all it may do.
    expect(rolePolicy(exposed, "-orders-status-function").statements.map((s) => s.Action)).toEqual(
      rolePolicy(synthesize(), "-orders-status-function").statements.map((s) => s.Action),
    );
  });

  it("lets each start function start and describe its own workflow's executions only", () => {
    const orders = rolePolicy(tf, "-orders-start-function").statements;
    const ordersMachine = `aws_sfn_state_machine.${stateMachineId("sfn-dedup-dev-orders")}`;
    expect(orders.find((s) => s.Sid === "StartWorkflowExecutions")!.Resource).toEqual([`\${${ordersMachine}.arn}`]);
    expect(orders.find((s) => s.Sid === "DescribeWorkflowExecutions")!.Resource[0]).toMatch(
      new RegExp(`:execution:\\$\\{${ordersMachine}\\.name\\}:\\*$`),
    );
    expect(JSON.stringify(orders)).not.toContain(stateMachineId("sfn-dedup-dev-notify-country"));
  });

  it(
    "lets only a workflow that re-runs failed requests redrive and read the history of its own executions, " + "and tells its function so",
    () => {
      const tfRerun = synthProject({
        workflows: { ...TWO_WORKFLOWS, orders: { ...TWO_WORKFLOWS.orders, rerun: "after-failure" } },
        environments: { dev: environment },
      }).dev.tf;
      const fns = Object.values(tfRerun.resource.aws_lambda_function) as Attributes[];
      const orders = fns.find((fn) => fn.function_name === "sfn-dedup-dev-orders-start")!;
      const notify = fns.find((fn) => fn.function_name === "sfn-dedup-dev-start-execution")!;
      expect(orders.environment.variables.RERUN).toBe("after-failure");
      expect(notify.environment.variables).not.toHaveProperty("RERUN");
      const redrive = rolePolicy(tfRerun, "-orders-start-function").statements.find(
        (statement) => statement.Sid === "RerunFailedExecutions",
      )!;
      expect(redrive.Action).toEqual(["states:GetExecutionHistory", "states:RedriveExecution"]);
      expect(redrive.Resource).toEqual([expect.stringMatching(/:execution:\$\{aws_sfn_state_machine\.[\w-]+\.name\}:\*$/)]);
      expect(redrive.Resource[0]).toContain("orders");
      expect(JSON.stringify(rolePolicy(tfRerun, "-start-execution-function").statements)).not.toMatch(
        /RedriveExecution|GetExecutionHistory/,
      );
    },
  );

  it("tells every start function the account's Step Functions history only when it is not AWS's 90 days", () => {
    const startFunctions = (tf: typeof tfDefault) =>
      (Object.values(tf.resource.aws_lambda_function) as Attributes[]).filter((fn) => /-start(-execution)?$/.test(fn.function_name));
    const tfDefault = synthesize({});
    const tfShort = synthesize({ stepFunctionsHistoryDays: 30 });
    for (const fn of startFunctions(tfDefault)) expect(fn.environment.variables).not.toHaveProperty("STEP_FUNCTIONS_HISTORY_DAYS");
    expect(startFunctions(tfShort).map((fn) => fn.environment.variables.STEP_FUNCTIONS_HISTORY_DAYS)).toEqual(["30", "30"]);
  });

  it("derives the orders workflow's grants from its ASL: PutItem on the team's table, Publish to the topic (with its key)", () => {
    const { statements } = rolePolicy(tf, "-orders-workflow");
    const table =
      `arn:${dataReferenceTo(tf, "aws_partition", "partition")}:dynamodb:${dataReferenceTo(tf, "aws_region", "id")}:` +
      `${dataReferenceTo(tf, "aws_caller_identity", "account_id")}:table/team-orders`;
    expect(statements.map((s) => [s.Sid, s.Action, s.Resource])).toEqual([
      ["PublishToNotificationTopic", ["sns:Publish"], [notificationTopicReference(tf, "arn")]],
      ["EncryptForNotificationTopic", ["kms:GenerateDataKey", "kms:Decrypt"], expect.any(Array)],
      ["DynamodbPutItem1", ["dynamodb:PutItem"], [table]],
      ["DeliverExecutionLogs", expect.any(Array), ["*"]],
      ["SendXRayTraces", expect.any(Array), ["*"]],
    ]);
  });

  it("outputs each workflow's endpoint and state machine, the default's under the names it had", () => {
    expect(Object.keys(tf.output).sort()).toEqual([
      "alarm_topic_arn",
      "endpoint_url",
      "orders_endpoint_url",
      "orders_state_machine_arn",
      "state_machine_arn",
      "topic_arn",
    ]);
    expect(tf.output.orders_endpoint_url.value).toMatch(/\/orders$/);
  });

  it(
    "shares the ledger, keying the orders workflow's records within its state machine " + "so two workflows keyed alike never share one",
    () => {
      expect(starter("sfn-dedup-dev-orders-start").environment.variables).toMatchObject({ LEDGER_KEY_SCOPE: "sfn-dedup-dev-orders" });
      expect(starter("sfn-dedup-dev-start-execution").environment.variables.LEDGER_KEY_SCOPE).toBeUndefined();
      // Each status function reads the records its start function writes: the same table, the same scope.
      for (const [start, status] of [
        ["sfn-dedup-dev-orders-start", "sfn-dedup-dev-orders-status"],
        ["sfn-dedup-dev-start-execution", "sfn-dedup-dev-execution-status"],
      ]) {
        const { LEDGER_TABLE_NAME, LEDGER_KEY_SCOPE } = starter(start).environment.variables;
        expect(starter(status).environment.variables).toEqual({
          STATE_MACHINE_ARN: expect.any(String),
          LEDGER_TABLE_NAME,
          ...(LEDGER_KEY_SCOPE ? { LEDGER_KEY_SCOPE } : {}),
        });
      }
      expect(starter("sfn-dedup-dev-ledger-status").environment.variables).toMatchObject({
        LEDGER_SCOPED_STATE_MACHINES: "sfn-dedup-dev-orders",
      });
      const pattern = JSON.parse((Object.values(tf.resource.aws_cloudwatch_event_rule)[0] as Attributes).event_pattern);
      expect(pattern.detail.stateMachineArn).toHaveLength(2);
    },
  );

  it("names each start function's environment and workflow for its metrics, and the ledger-status function's environment", () => {
    expect(starter("sfn-dedup-dev-start-execution").environment.variables).toMatchObject({
      METRICS_ENVIRONMENT: "dev",
      METRICS_WORKFLOW: "notify-country",
    });
    expect(starter("sfn-dedup-dev-orders-start").environment.variables).toMatchObject({
      METRICS_ENVIRONMENT: "dev",
      METRICS_WORKFLOW: "orders",
    });
    expect(starter("sfn-dedup-dev-ledger-status").environment.variables).toMatchObject({ METRICS_ENVIRONMENT: "dev" });
    expect(starter("sfn-dedup-dev-ledger-status").environment.variables).not.toHaveProperty("METRICS_WORKFLOW");
    // The status functions emit no metrics.
    expect(starter("sfn-dedup-dev-orders-status").environment.variables).not.toHaveProperty("METRICS_ENVIRONMENT");
  });

  it("lets the one ledger reconciler describe both workflows' executions, and tells it which records are whose", () => {
    const notify = `aws_sfn_state_machine.${stateMachineId("sfn-dedup-dev-notify-country")}`;
    const orders = `aws_sfn_state_machine.${stateMachineId("sfn-dedup-dev-orders")}`;
    expect(starter("sfn-dedup-dev-ledger-reconciler").environment.variables).toEqual({
      LEDGER_TABLE_NAME: referenceTo(tf, "aws_dynamodb_table", "name"),
      LEDGER_STATE_MACHINE_ARNS: `\${${notify}.arn},\${${orders}.arn}`,
      LEDGER_SCOPED_STATE_MACHINES: "sfn-dedup-dev-orders",
      METRICS_ENVIRONMENT: "dev",
    });
    const describe = rolePolicy(tf, "-ledger-reconciler-function").statements.find(
      (statement) => statement.Sid === "DescribeServedExecutions",
    )!;
    expect(describe.Resource.map((resource: string) => resource.split(":").slice(-2).join(":"))).toEqual([
      "sfn-dedup-dev-notify-country:*",
      "sfn-dedup-dev-orders:*",
    ]);
  });

  it("bundles each workflow's start function with its own request schema", () => {
    expect(starter("sfn-dedup-dev-orders-start").source_code_hash).not.toBe(starter("sfn-dedup-dev-start-execution").source_code_hash);
  });
});
