import * as path from "node:path";
import { runSimulation } from "@cloud-copilot/iam-simulate";
import { AwsEnvironment } from "../lib/aws-environment";
import { policyDocument } from "../lib/iam-policy";
import { PROJECT_ROOT } from "../lib/project-root";
import { substituteDefinition } from "../lib/state-machine-definition";
import { DynamodbTable, LambdaFunction, SnsTopic } from "../lib/toolkit/aws-provider";
import { TerraformOutput, TerraformStack, Testing } from "../lib/toolkit/cdktf";
import { WorkflowPermissionsError } from "../lib/workflow-permissions-error";
import { deriveTaskGrants, type TaskGrant, taskGrantStatements } from "../lib/workflow-task-grants";

const ACCOUNT = "111122223333";
const OTHER_ACCOUNT = "444455556666";
const arn = (service: string, resource: string) => `arn:aws:${service}:eu-west-1:${ACCOUNT}:${resource}`;
const TOPIC = arn("sns", "orders");
const STATE_MACHINE = arn("states", "stateMachine:child");

const task = (resource: string, parameters?: unknown, extra: Record<string, unknown> = {}) => ({
  Type: "Task",
  Resource: resource,
  ...(parameters === undefined ? {} : { Parameters: parameters }),
  End: true,
  ...extra,
});
const machine = (states: Record<string, unknown>, top: Record<string, unknown> = {}) => ({
  StartAt: Object.keys(states)[0],
  States: states,
  ...top,
});
const derive = (definition: unknown, coveredStates?: string[]) =>
  deriveTaskGrants(definition, { workflowName: "orders", arn, coveredStates });
/** The grants of a definition with one task, "Call". */
const grantsOfTask = (resource: string, parameters?: unknown, extra?: Record<string, unknown>) =>
  derive(machine({ Call: task(resource, parameters, extra) }));
/** The refusal of a definition with one task, "Call". */
function refusalOfTask(resource: string, parameters?: unknown, extra?: Record<string, unknown>): string {
  try {
    grantsOfTask(resource, parameters, extra);
  } catch (error) {
    expect(error).toBeInstanceOf(WorkflowPermissionsError);
    const { refusals } = error as WorkflowPermissionsError;
    expect(refusals).toHaveLength(1);
    expect(refusals[0].state).toBe("Call");
    return refusals[0].message;
  }
  throw new Error("expected a refusal");
}
const integration = (name: string) => `arn:aws:states:::${name}`;
/** A state that goes on to `next` instead of ending. */
const thenGo = (next: string, state: Record<string, unknown>) => ({ ...state, End: undefined, Next: next });
const jsonataTask = (resource: string, args: unknown, extra: Record<string, unknown> = {}) => ({
  Type: "Task",
  Resource: resource,
  Arguments: args,
  End: true,
  ...extra,
});
const notifyCountry = (substitutions: Record<string, string>) =>
  substituteDefinition(path.join(PROJECT_ROOT, "asl", "notify-country.asl.json"), substitutions);
const fn = (resource: string) => arn("lambda", `function:${resource}`);
const fnIn = (account: string, resource: string) => `arn:aws:lambda:eu-west-1:${account}:function:${resource}`;

describe("deriveTaskGrants: each integration and form gets exactly its action on its resource", () => {
  it.each<[string, string, unknown, string, string[]]>([
    ["sns:publish, TopicArn", "sns:publish", { TopicArn: TOPIC, Message: "hi" }, "sns:Publish", [TOPIC]],
    [
      "sns:publish, TargetArn (a platform endpoint)",
      "sns:publish",
      { TargetArn: arn("sns", "endpoint/GCM/app/1"), Message: "hi" },
      "sns:Publish",
      [arn("sns", "endpoint/GCM/app/1")],
    ],
    [
      "sns:publish.waitForTaskToken",
      "sns:publish.waitForTaskToken",
      { TopicArn: TOPIC, "Message.$": "$$.Task.Token" },
      "sns:Publish",
      [TOPIC],
    ],
    [
      "sqs:sendMessage, regional URL",
      "sqs:sendMessage",
      { QueueUrl: `https://sqs.eu-west-1.amazonaws.com/${OTHER_ACCOUNT}/jobs`, MessageBody: "x" },
      "sqs:SendMessage",
      [`arn:aws:sqs:eu-west-1:${OTHER_ACCOUNT}:jobs`],
    ],
    [
      "sqs:sendMessage, legacy URL",
      "sqs:sendMessage",
      { QueueUrl: `https://us-west-2.queue.amazonaws.com/${ACCOUNT}/jobs.fifo`, MessageBody: "x" },
      "sqs:SendMessage",
      [`arn:aws:sqs:us-west-2:${ACCOUNT}:jobs.fifo`],
    ],
    [
      "sqs:sendMessage, China URL",
      "sqs:sendMessage",
      { QueueUrl: `https://sqs.cn-north-1.amazonaws.com.cn/${ACCOUNT}/jobs`, MessageBody: "x" },
      "sqs:SendMessage",
      [`arn:aws:sqs:cn-north-1:${ACCOUNT}:jobs`],
    ],
    [
      "sqs:sendMessage.waitForTaskToken",
      "sqs:sendMessage.waitForTaskToken",
      { QueueUrl: `https://sqs.eu-west-1.amazonaws.com/${ACCOUNT}/jobs`, MessageBody: "x" },
      "sqs:SendMessage",
      [`arn:aws:sqs:eu-west-1:${ACCOUNT}:jobs`],
    ],
    [
      "dynamodb:putItem, table name",
      "dynamodb:putItem",
      { TableName: "orders", Item: {} },
      "dynamodb:PutItem",
      [arn("dynamodb", "table/orders")],
    ],
    [
      "dynamodb:getItem, table ARN",
      "dynamodb:getItem",
      { TableName: `arn:aws:dynamodb:us-east-1:${OTHER_ACCOUNT}:table/audit`, Key: {} },
      "dynamodb:GetItem",
      [`arn:aws:dynamodb:us-east-1:${OTHER_ACCOUNT}:table/audit`],
    ],
    [
      "dynamodb:updateItem",
      "dynamodb:updateItem",
      { TableName: "orders", Key: {} },
      "dynamodb:UpdateItem",
      [arn("dynamodb", "table/orders")],
    ],
    [
      "dynamodb:deleteItem",
      "dynamodb:deleteItem",
      { TableName: "orders", Key: {} },
      "dynamodb:DeleteItem",
      [arn("dynamodb", "table/orders")],
    ],
    [
      "lambda:invoke, name: the function and its versions and aliases",
      "lambda:invoke",
      { FunctionName: "resize" },
      "lambda:InvokeFunction",
      [fn("resize"), fn("resize:*")],
    ],
    [
      "lambda:invoke, name:alias: that alias only",
      "lambda:invoke",
      { FunctionName: "resize:live" },
      "lambda:InvokeFunction",
      [fn("resize:live")],
    ],
    [
      "lambda:invoke, name and Qualifier",
      "lambda:invoke",
      { FunctionName: "resize", Qualifier: "7" },
      "lambda:InvokeFunction",
      [fn("resize:7")],
    ],
    ["lambda:invoke, name:$LATEST", "lambda:invoke", { FunctionName: "resize:$LATEST" }, "lambda:InvokeFunction", [fn("resize:$LATEST")]],
    [
      "lambda:invoke, partial ARN (another account)",
      "lambda:invoke",
      { FunctionName: `${OTHER_ACCOUNT}:function:resize` },
      "lambda:InvokeFunction",
      [fnIn(OTHER_ACCOUNT, "resize"), fnIn(OTHER_ACCOUNT, "resize:*")],
    ],
    [
      "lambda:invoke, qualified partial ARN",
      "lambda:invoke",
      { FunctionName: `${OTHER_ACCOUNT}:function:resize:live` },
      "lambda:InvokeFunction",
      [fnIn(OTHER_ACCOUNT, "resize:live")],
    ],
    [
      "lambda:invoke, full ARN",
      "lambda:invoke",
      { FunctionName: fnIn(OTHER_ACCOUNT, "resize") },
      "lambda:InvokeFunction",
      [fnIn(OTHER_ACCOUNT, "resize"), fnIn(OTHER_ACCOUNT, "resize:*")],
    ],
    [
      "lambda:invoke, qualified full ARN",
      "lambda:invoke",
      { FunctionName: fn("resize:live") },
      "lambda:InvokeFunction",
      [fn("resize:live")],
    ],
    [
      "lambda:invoke, same qualifier twice",
      "lambda:invoke",
      { FunctionName: fn("resize:live"), Qualifier: "live" },
      "lambda:InvokeFunction",
      [fn("resize:live")],
    ],
    [
      "lambda:invoke.waitForTaskToken",
      "lambda:invoke.waitForTaskToken",
      { FunctionName: "resize", Payload: { "token.$": "$$.Task.Token" } },
      "lambda:InvokeFunction",
      [fn("resize"), fn("resize:*")],
    ],
    [
      "events:putEvents, bus name",
      "events:putEvents",
      { Entries: [{ EventBusName: "orders", Detail: {} }] },
      "events:PutEvents",
      [arn("events", "event-bus/orders")],
    ],
    [
      "events:putEvents, bus ARN",
      "events:putEvents",
      { Entries: [{ EventBusName: `arn:aws:events:eu-west-1:${OTHER_ACCOUNT}:event-bus/central` }] },
      "events:PutEvents",
      [`arn:aws:events:eu-west-1:${OTHER_ACCOUNT}:event-bus/central`],
    ],
    [
      "events:putEvents, no bus: the default one",
      "events:putEvents",
      { Entries: [{ Detail: {} }] },
      "events:PutEvents",
      [arn("events", "event-bus/default")],
    ],
    [
      "events:putEvents, several entries: each bus once",
      "events:putEvents",
      { Entries: [{ EventBusName: "orders" }, {}, { EventBusName: "orders" }] },
      "events:PutEvents",
      [arn("events", "event-bus/orders"), arn("events", "event-bus/default")],
    ],
    [
      "events:putEvents.waitForTaskToken",
      "events:putEvents.waitForTaskToken",
      { Entries: [{ EventBusName: "orders" }] },
      "events:PutEvents",
      [arn("events", "event-bus/orders")],
    ],
    [
      "states:startExecution",
      "states:startExecution",
      { StateMachineArn: STATE_MACHINE, "Input.$": "$" },
      "states:StartExecution",
      [STATE_MACHINE],
    ],
    [
      "states:startExecution.waitForTaskToken",
      "states:startExecution.waitForTaskToken",
      { StateMachineArn: STATE_MACHINE },
      "states:StartExecution",
      [STATE_MACHINE],
    ],
  ])("%s", (_, api, parameters, action, resources) => {
    expect(grantsOfTask(integration(api), parameters)).toEqual([{ states: ["Call"], actions: [action], resources }]);
  });

  it.each([["aws-us-gov"], ["aws-cn"], ["${Partition-substituted}"]])("reads the integration whatever the partition (%s)", (partition) => {
    expect(grantsOfTask(`arn:${partition}:states:::sns:publish`, { TopicArn: TOPIC })).toEqual([
      { states: ["Call"], actions: ["sns:Publish"], resources: [TOPIC] },
    ]);
  });

  it.each<[string, string, string[]]>([
    ["unqualified", fn("resize"), [fn("resize"), fn("resize:*")]],
    ["qualified", fn("resize:live"), [fn("resize:live")]],
  ])("invokes a Lambda function named as the Resource (the legacy form), %s", (_, resource, resources) => {
    expect(grantsOfTask(resource)).toEqual([{ states: ["Call"], actions: ["lambda:InvokeFunction"], resources }]);
  });

  it("takes JSONata Arguments whose targets are literal", () => {
    const definition = machine(
      { Call: jsonataTask(integration("sns:publish"), { TopicArn: TOPIC, Message: "{% $states.input.text %}" }) },
      { QueryLanguage: "JSONata" },
    );
    expect(derive(definition)).toEqual([{ states: ["Call"], actions: ["sns:Publish"], resources: [TOPIC] }]);
  });

  it("gives asl/notify-country.asl.json exactly sns:Publish on its TopicArn", () => {
    const definition = notifyCountry({ Partition: "aws", TopicArn: TOPIC });
    expect(derive(definition)).toEqual([{ states: ["PublishLoveMessage"], actions: ["sns:Publish"], resources: [TOPIC] }]);
  });
});

describe("deriveTaskGrants: nesting and merging", () => {
  const publish = (topic: string) => task(integration("sns:publish"), { TopicArn: topic, Message: "x" });
  const put = (table: string) => task(integration("dynamodb:putItem"), { TableName: table, Item: {} });
  const nested = machine({
    Record: thenGo("Fan out", put("orders")),
    "Fan out": {
      Type: "Parallel",
      Next: "Each item",
      Branches: [
        machine({ Publish: publish(TOPIC), Other: { Type: "Pass", End: true } }),
        machine({ "Record again": put("orders"), Audit: publish(arn("sns", "audit")) }),
      ],
    },
    "Each item": {
      Type: "Map",
      End: true,
      ItemProcessor: {
        ProcessorConfig: { Mode: "INLINE" },
        ...machine({
          "Inner fan out": {
            Type: "Parallel",
            End: true,
            Branches: [machine({ "Publish item": publish(TOPIC) })],
          },
        }),
      },
    },
    "Old map": {
      Type: "Map",
      End: true,
      Iterator: machine({ "Invoke old": task(integration("lambda:invoke"), { FunctionName: "old" }) }),
    },
  });

  it("recurses into Parallel branches, Map item processors and the older Map iterators, merging states that share a target", () => {
    expect(derive(nested)).toEqual<TaskGrant[]>([
      { states: ["Record", "Record again"], actions: ["dynamodb:PutItem"], resources: [arn("dynamodb", "table/orders")] },
      { states: ["Publish", "Publish item"], actions: ["sns:Publish"], resources: [TOPIC] },
      { states: ["Audit"], actions: ["sns:Publish"], resources: [arn("sns", "audit")] },
      { states: ["Invoke old"], actions: ["lambda:InvokeFunction"], resources: [fn("old"), fn("old:*")] },
    ]);
  });

  it("keeps each action on a shared table apart: GetItem is not granted where only PutItem is called", () => {
    const definition = machine({
      Put: thenGo("Get", put("orders")),
      Get: task(integration("dynamodb:getItem"), { TableName: "orders", Key: {} }),
    });
    expect(derive(definition).map((grant) => [grant.states, grant.actions])).toEqual([
      [["Put"], ["dynamodb:PutItem"]],
      [["Get"], ["dynamodb:GetItem"]],
    ]);
  });

  it("names statements per action in order of first appearance, so adding another integration changes no Sid", () => {
    const sids = (definition: unknown) => taskGrantStatements(derive(definition)).map((statement) => statement.sid);
    expect(sids(nested)).toEqual(["DynamodbPutItem1", "SnsPublish1", "SnsPublish2", "LambdaInvokeFunction1"]);
    const withMore = machine({
      First: thenGo("Rest", task(integration("sqs:sendMessage"), { QueueUrl: `https://sqs.eu-west-1.amazonaws.com/${ACCOUNT}/q` })),
      Rest: { Type: "Parallel", End: true, Branches: [nested] },
    });
    expect(sids(withMore)).toEqual(["SqsSendMessage1", "DynamodbPutItem1", "SnsPublish1", "SnsPublish2", "LambdaInvokeFunction1"]);
    // The project's policy rules accept them: alphanumeric Sids, named actions and resources.
    expect(() => policyDocument(taskGrantStatements(derive(withMore)))).not.toThrow();
  });
});

describe("deriveTaskGrants: targets that cannot be scoped at synth are refused, naming the state", () => {
  const covers =
    "Add a permissions entry in cdktf.json context.workflows.orders.permissions with the actions and resources it needs " +
    'and "covers": ["Call"].';

  it.each<[string, string, unknown, RegExp, Record<string, unknown>?]>([
    [
      "a JSONPath TopicArn",
      "sns:publish",
      { "TopicArn.$": "$.topic" },
      /TopicArn is chosen at run time \(the JSONPath "TopicArn\.\$": "\$\.topic"\), so the topic cannot be named/,
    ],
    [
      "an intrinsic function",
      "sns:publish",
      { "TopicArn.$": "States.Format('arn:aws:sns:eu-west-1:1:{}', $.t)" },
      /TopicArn is chosen at run time \(the JSONPath "TopicArn\.\$": "States\.Format/,
    ],
    ["an SMS", "sns:publish", { PhoneNumber: "+33600000000", Message: "x" }, /PhoneNumber, which has no ARN to name/],
    ["no target at all", "sns:publish", { Message: "x" }, /names no TopicArn or TargetArn/],
    ["a TopicArn that is no ARN", "sns:publish", { TopicArn: "orders" }, /TopicArn "orders" is not an ARN/],
    ["a JSONPath QueueUrl", "sqs:sendMessage", { "QueueUrl.$": "$.queue" }, /QueueUrl is chosen at run time/],
    [
      "a QueueUrl that is no SQS URL",
      "sqs:sendMessage",
      { QueueUrl: "https://example.com/q" },
      /QueueUrl "https:\/\/example\.com\/q" is not an SQS queue URL/,
    ],
    [
      "a JSONPath TableName",
      "dynamodb:getItem",
      { "TableName.$": "$.table" },
      /TableName is chosen at run time .* so the table cannot be named/,
    ],
    [
      "a JSONPath FunctionName",
      "lambda:invoke",
      { "FunctionName.$": "$.fn" },
      /FunctionName is chosen at run time .* so the function cannot be named/,
    ],
    ["a JSONPath Qualifier", "lambda:invoke", { FunctionName: "resize", "Qualifier.$": "$.version" }, /Qualifier is chosen at run time/],
    [
      "two different qualifiers",
      "lambda:invoke",
      { FunctionName: "resize:live", Qualifier: "7" },
      /qualified with live but Qualifier is 7/,
    ],
    ["JSONPath Entries", "events:putEvents", { "Entries.$": "$.events" }, /Entries are chosen at run time/],
    [
      "a JSONPath EventBusName",
      "events:putEvents",
      { Entries: [{ "EventBusName.$": "$.bus" }] },
      /Entries\[0\]: EventBusName is chosen at run time/,
    ],
    [
      "a JSONPath StateMachineArn",
      "states:startExecution",
      { "StateMachineArn.$": "$.machine" },
      /StateMachineArn is chosen at run time .* so the state machine cannot be named/,
    ],
    [
      "states:startExecution.sync",
      "states:startExecution.sync",
      { StateMachineArn: STATE_MACHINE },
      /more than states:startExecution itself \(states:DescribeExecution, states:StopExecution and the EventBridge/,
    ],
    [
      "states:startExecution.sync:2",
      "states:startExecution.sync:2",
      { StateMachineArn: STATE_MACHINE },
      /states:startExecution\.sync:2 runs a job/,
    ],
    [
      "dynamodb with a task token, which Step Functions does not offer",
      "dynamodb:putItem.waitForTaskToken",
      { TableName: "t" },
      /the \.waitForTaskToken pattern is not one this project derives/,
    ],
    [
      "an AWS SDK integration",
      "aws-sdk:s3:getObject",
      { Bucket: "b", Key: "k" },
      /aws-sdk:s3:getObject is not an integration this project derives permissions for \(sns:publish, sqs:sendMessage/,
    ],
    ["ecs", "ecs:runTask.sync", { Cluster: "c" }, /ecs:runTask\.sync is not an integration/],
    ["glue", "glue:startJobRun", { JobName: "j" }, /glue:startJobRun is not an integration/],
    ["HTTP", "http:invoke", { ApiEndpoint: "https://example.com", Method: "GET" }, /http:invoke is not an integration/],
    [
      "another role's credentials",
      "sns:publish",
      { TopicArn: TOPIC },
      /another role's credentials \(Credentials\): the workflow role needs sts:AssumeRole/,
      { Credentials: { RoleArn: arn("iam", "role/x") } },
    ],
    // A rest parameter: jest takes a test function declaring more parameters than its row has for one awaiting done().
  ])("%s", (_, api, parameters, reason, ...extra) => {
    const message = refusalOfTask(integration(api), parameters, extra[0]);
    expect(message).toMatch(/^State "Call": /);
    expect(message).toMatch(reason);
    expect(message.endsWith(covers)).toBe(true);
  });

  it.each<[string, string, RegExp]>([
    ["an activity", `arn:aws:states:eu-west-1:${ACCOUNT}:activity:review`, /is an activity/],
    ["a Resource that is neither", "arn:aws:sqs:eu-west-1:1:q", /neither an optimized integration .* nor a Lambda function ARN/],
  ])("refuses %s", (_, resource, reason) => {
    expect(refusalOfTask(resource)).toMatch(reason);
  });

  it.each<[string, Record<string, unknown>, Record<string, unknown>]>([
    ["top level", { QueryLanguage: "JSONata" }, {}],
    ["state", {}, { QueryLanguage: "JSONata" }],
  ])("refuses a JSONata expression as target, JSONata set at the %s", (_, top, onState) => {
    const definition = machine({ Call: jsonataTask(integration("sns:publish"), { TopicArn: "{% $states.input.topic %}" }, onState) }, top);
    expect(() => derive(definition)).toThrow(
      /State "Call": TopicArn is chosen at run time \(the JSONata expression \{% \$states\.input\.topic %\}\)/,
    );
  });

  it("refuses JSONata Arguments that are one expression", () => {
    const definition = machine({ Call: jsonataTask(integration("lambda:invoke"), "{% $states.input %}", { QueryLanguage: "JSONata" }) });
    expect(() => derive(definition)).toThrow(/its arguments are all chosen at run time \(the JSONata expression \{% \$states\.input %\}\)/);
  });

  it("refuses a distributed Map, whose own permissions are not derived, and still reads its item processor", () => {
    const definition = machine({
      Batch: {
        Type: "Map",
        End: true,
        ItemReader: { Resource: integration("s3:listObjectsV2"), Parameters: { Bucket: "b" } },
        ItemProcessor: {
          ProcessorConfig: { Mode: "DISTRIBUTED", ExecutionType: "STANDARD" },
          ...machine({ Publish: task(integration("sns:publish"), { TopicArn: TOPIC }) }),
        },
      },
    });
    expect(() => derive(definition)).toThrow(/State "Batch": it is a distributed Map, which starts child executions/);
    expect(derive(definition, ["Batch"])).toEqual([{ states: ["Publish"], actions: ["sns:Publish"], resources: [TOPIC] }]);
  });

  it("reports every refusal of a definition at once, nested ones by their path", () => {
    const definition = machine({
      Sdk: thenGo("Fan out", task(integration("aws-sdk:s3:putObject"), { Bucket: "b" })),
      "Fan out": {
        Type: "Parallel",
        End: true,
        Branches: [
          machine({ Publish: task(integration("sns:publish"), { "TopicArn.$": "$.topic" }) }),
          machine({
            Items: {
              Type: "Map",
              End: true,
              ItemProcessor: machine({ Invoke: task(integration("lambda:invoke"), { "FunctionName.$": "$.fn" }) }),
            },
          }),
        ],
      },
    });
    let error: WorkflowPermissionsError | undefined;
    try {
      derive(definition);
    } catch (thrown) {
      error = thrown as WorkflowPermissionsError;
    }
    expect(error).toBeInstanceOf(WorkflowPermissionsError);
    expect(error?.refusals.map((refusal) => [refusal.state, refusal.path])).toEqual([
      ["Sdk", "Sdk"],
      ["Publish", "Fan out > branch 1 > Publish"],
      ["Invoke", "Fan out > branch 2 > Items > item processor > Invoke"],
    ]);
    expect(error?.message).toMatch(
      /^Workflow orders: the permissions of 3 states cannot be derived from its definition:\n {2}- State "Sdk": /,
    );
    expect(error?.refusals[1].message).toBe(
      'State "Fan out > branch 1 > Publish": TopicArn is chosen at run time (the JSONPath "TopicArn.$": "$.topic"), ' +
        "so the topic cannot be named in the policy. Add a permissions entry in cdktf.json " +
        'context.workflows.orders.permissions with the actions and resources it needs and "covers": ["Publish"].',
    );
  });

  it("accepts a refusal a permissions entry covers, and still derives what the state does name", () => {
    const definition = machine({
      Publish: thenGo("Emit", task(integration("sns:publish"), { "TopicArn.$": "$.topic" })),
      Emit: task(integration("events:putEvents"), { Entries: [{ EventBusName: "orders" }, { "EventBusName.$": "$.bus" }] }),
    });
    expect(() => derive(definition, ["Publish"])).toThrow(/State "Emit": events:putEvents's Entries\[1\]: EventBusName is chosen/);
    expect(derive(definition, ["Publish", "Emit"])).toEqual([
      { states: ["Emit"], actions: ["events:PutEvents"], resources: [arn("events", "event-bus/orders")] },
    ]);
  });

  it("refuses a covers entry that names no state, listing the states there are", () => {
    const definition = machine({ Publish: task(integration("sns:publish"), { TopicArn: TOPIC }) });
    expect(() => derive(definition, ["Pubilsh"])).toThrow(
      '"covers": ["Pubilsh"] in cdktf.json context.workflows.orders.permissions names no state of the definition; states it has: Publish.',
    );
  });
});

describe("deriveTaskGrants with Terraform references", () => {
  /**
   * The grants' JSON as Terraform will read it, in a stack whose ARNs are built by AwsEnvironment. Where
   * Terraform decides, the text holds an interpolation with quotes of its own: JSON once Terraform evaluates it.
   */
  function synthesizedText(build: (stack: TerraformStack) => Record<string, unknown>): string {
    const stack = new TerraformStack(Testing.app(), "test");
    const aws = AwsEnvironment.of(stack);
    const grants = deriveTaskGrants(machine(build(stack)), {
      workflowName: "orders",
      arn: (service, resource) => aws.arn(service, resource),
    });
    new TerraformOutput(stack, "grants", { value: JSON.stringify(grants) });
    return JSON.parse(Testing.synth(stack)).output.grants.value;
  }
  const synthesized = (build: (stack: TerraformStack) => Record<string, unknown>): unknown => JSON.parse(synthesizedText(build));
  /** `${data.aws_region.aws-environment_….id}`, as AwsEnvironment's references synthesize (the region's name is its id). */
  const environment = (field: "partition" | "region" | "account") => {
    const [source, attribute] =
      field === "account" ? ["caller_identity", "account_id"] : field === "region" ? ["region", "id"] : [field, field];
    return new RegExp(`\\$\\{data\\.aws_${source}\\.aws-environment_\\w+\\.${attribute}\\}`);
  };

  it("grants on a referenced topic and partition as references", () => {
    const grants = synthesized((stack) => {
      const topic = new SnsTopic(stack, "topic", { name: "t" });
      return { Call: task(`arn:${AwsEnvironment.of(stack).partition}:states:::sns:publish`, { TopicArn: topic.arn }) };
    });
    expect(grants).toEqual([{ states: ["Call"], actions: ["sns:Publish"], resources: ["${aws_sns_topic.topic.arn}"] }]);
  });

  it("lets Terraform tell a referenced table's name from its ARN, and merges the states that name the same reference", () => {
    const text = synthesizedText((stack) => {
      const table = new DynamodbTable(stack, "table", { name: "t", hashKey: "k", attribute: [{ name: "k", type: "S" }] });
      const name = table.name;
      return {
        Put: thenGo("Again", task(integration("dynamodb:putItem"), { TableName: name })),
        Again: task(integration("dynamodb:putItem"), { TableName: name }),
      };
    });
    const grant = /^\[\{"states":\["Put","Again"\],"actions":\["dynamodb:PutItem"\],"resources":\["(.*)"\]\}\]$/.exec(text);
    expect(grant).not.toBeNull();
    const resource = grant?.[1] ?? "";
    expect(resource.startsWith('${startswith(aws_dynamodb_table.table.name, "arn:") ? aws_dynamodb_table.table.name : "arn:')).toBe(true);
    expect(resource).toMatch(environment("partition"));
    expect(resource).toMatch(environment("region"));
    expect(resource).toMatch(environment("account"));
    expect(resource).toMatch(/:table\/\$\{aws_dynamodb_table\.table\.name\}"\}$/);
  });

  it("lets Terraform tell a referenced function's name from its ARN, with its versions and aliases", () => {
    const text = synthesizedText((stack) => {
      const fn = new LambdaFunction(stack, "fn", { functionName: "f", role: "r" });
      return { Call: task(integration("lambda:invoke"), { FunctionName: fn.arn }) };
    });
    const [, unqualified, everyQualifier] = /"resources":\["(.*)","(.*)"\]/.exec(text) ?? [];
    expect(unqualified.startsWith('${startswith(aws_lambda_function.fn.arn, "arn:") ? aws_lambda_function.fn.arn : "arn:')).toBe(true);
    expect(unqualified.endsWith(':function:${aws_lambda_function.fn.arn}"}')).toBe(true);
    expect(everyQualifier).toBe(`${unqualified}:*`);
  });

  it("reads a queue URL whose region and account are references", () => {
    const grants = synthesized((stack) => {
      const aws = AwsEnvironment.of(stack);
      return { Call: task(integration("sqs:sendMessage"), { QueueUrl: `https://sqs.${aws.region}.amazonaws.com/${aws.accountId}/jobs` }) };
    }) as TaskGrant[];
    const [resource] = grants[0].resources;
    const [prefix, partition, service, region, account, queue] = resource.split(":");
    expect([prefix, service, queue]).toEqual(["arn", "sqs", "jobs"]);
    expect(partition).toMatch(environment("partition"));
    expect(region).toMatch(environment("region"));
    expect(account).toMatch(environment("account"));
  });

  it("puts a partial function ARN's account into the stack's partition and region", () => {
    const grants = synthesized(() => ({
      Call: task(integration("lambda:invoke"), { FunctionName: `${OTHER_ACCOUNT}:function:resize:live` }),
    })) as TaskGrant[];
    expect(grants[0].resources).toHaveLength(1);
    const [prefix, partition, service, region, ...rest] = grants[0].resources[0].split(":");
    expect([prefix, service, ...rest]).toEqual(["arn", "lambda", OTHER_ACCOUNT, "function", "resize", "live"]);
    expect(partition).toMatch(environment("partition"));
    expect(region).toMatch(environment("region"));
  });

  it("refuses a QueueUrl that is a reference, whose ARN cannot be read at synth", () => {
    const stack = new TerraformStack(Testing.app(), "test");
    const url = new SnsTopic(stack, "stand-in", { name: "t" }).id;
    expect(() => derive(machine({ Call: task(integration("sqs:sendMessage"), { QueueUrl: url }) }))).toThrow(
      /State "Call": QueueUrl is a Terraform reference, whose queue ARN cannot be read at synth/,
    );
  });
});

describe("the derived policies, evaluated by an IAM policy simulator", () => {
  const ROLE = `arn:aws:iam::${ACCOUNT}:role/orders-workflow`;
  const ORDERS_TABLE = arn("dynamodb", "table/orders");
  const AUDIT_TABLE = arn("dynamodb", "table/audit");
  const QUEUE = arn("sqs", "jobs");
  const QUEUE_URL = `https://sqs.eu-west-1.amazonaws.com/${ACCOUNT}/jobs`;

  /** What IAM decides for the workflow role, with the derived statements as its only policy. */
  async function decide(grants: readonly TaskGrant[], action: string, resource: string): Promise<string> {
    const policy = JSON.parse(policyDocument(taskGrantStatements(grants)));
    const result = await runSimulation(
      {
        identityPolicies: [{ name: "workflow", policy }],
        serviceControlPolicies: [],
        resourceControlPolicies: [],
        request: { action, principal: ROLE, resource: { resource, accountId: ACCOUNT }, contextVariables: {} },
      },
      {},
    );
    if (result.resultType === "error") {
      throw new Error(`The simulation of ${action} on ${resource} did not run: ${JSON.stringify(result.errors)}`);
    }
    return result.overallResult;
  }

  const notifyCountryGrants = derive(notifyCountry({ Partition: "aws", TopicArn: TOPIC }));
  const orderPipeline = derive(
    machine({
      Record: thenGo("Fan out", task(integration("dynamodb:putItem"), { TableName: "orders", Item: {} })),
      "Fan out": {
        Type: "Parallel",
        End: true,
        Branches: [
          machine({
            "Read audit": thenGo("Resize", task(integration("dynamodb:getItem"), { TableName: AUDIT_TABLE, Key: {} })),
            Resize: task(integration("lambda:invoke"), { FunctionName: "resize" }),
          }),
          machine({
            Items: {
              Type: "Map",
              End: true,
              ItemProcessor: machine({
                Charge: thenGo("Queue", task(integration("lambda:invoke"), { FunctionName: "charge", Qualifier: "live" })),
                Queue: thenGo("Emit", task(integration("sqs:sendMessage.waitForTaskToken"), { QueueUrl: QUEUE_URL })),
                Emit: thenGo("Child", task(integration("events:putEvents"), { Entries: [{ EventBusName: "orders" }, { Detail: {} }] })),
                Child: task(integration("states:startExecution"), { StateMachineArn: STATE_MACHINE }),
              }),
            },
          }),
        ],
      },
    }),
  );

  it.each<[string, readonly TaskGrant[], string, string]>([
    ["notify-country publishes to its topic", notifyCountryGrants, "sns:Publish", TOPIC],
    ["the pipeline puts orders", orderPipeline, "dynamodb:PutItem", ORDERS_TABLE],
    ["the pipeline reads the audit table", orderPipeline, "dynamodb:GetItem", AUDIT_TABLE],
    ["the pipeline invokes resize", orderPipeline, "lambda:InvokeFunction", fn("resize")],
    ["the pipeline invokes a version of resize", orderPipeline, "lambda:InvokeFunction", fn("resize:3")],
    ["the pipeline invokes charge's live alias", orderPipeline, "lambda:InvokeFunction", fn("charge:live")],
    ["the pipeline queues jobs", orderPipeline, "sqs:SendMessage", QUEUE],
    ["the pipeline emits on its bus", orderPipeline, "events:PutEvents", arn("events", "event-bus/orders")],
    ["the pipeline emits on the default bus", orderPipeline, "events:PutEvents", arn("events", "event-bus/default")],
    ["the pipeline starts its child workflow", orderPipeline, "states:StartExecution", STATE_MACHINE],
  ])("allows each call a task makes: %s", async (_, grants, action, resource) => {
    await expect(decide(grants, action, resource)).resolves.toBe("Allowed");
  });

  it.each<[string, readonly TaskGrant[], string, string]>([
    ["notify-country publishing to another topic", notifyCountryGrants, "sns:Publish", arn("sns", "orders-other")],
    ["notify-country sending to a queue", notifyCountryGrants, "sqs:SendMessage", QUEUE],
    ["GetItem where only PutItem is called", orderPipeline, "dynamodb:GetItem", ORDERS_TABLE],
    ["PutItem where only GetItem is called", orderPipeline, "dynamodb:PutItem", AUDIT_TABLE],
    ["another table", orderPipeline, "dynamodb:PutItem", arn("dynamodb", "table/orders-archive")],
    ["charge unqualified", orderPipeline, "lambda:InvokeFunction", fn("charge")],
    ["charge's other alias", orderPipeline, "lambda:InvokeFunction", fn("charge:canary")],
    ["another function's live alias", orderPipeline, "lambda:InvokeFunction", fn("refund:live")],
    ["a function whose name starts like one granted", orderPipeline, "lambda:InvokeFunction", fn("resize-all")],
    ["another queue", orderPipeline, "sqs:SendMessage", arn("sqs", "jobs-dlq")],
    ["another event bus", orderPipeline, "events:PutEvents", arn("events", "event-bus/audit")],
    ["another state machine", orderPipeline, "states:StartExecution", arn("states", "stateMachine:other")],
    ["an action no task calls", orderPipeline, "dynamodb:Scan", ORDERS_TABLE],
  ])("denies near misses: %s", async (_, grants, action, resource) => {
    await expect(decide(grants, action, resource)).resolves.toBe("ImplicitlyDenied");
  });
});
