import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { PROJECT_ROOT } from "../../lib/project-root";
import { BEFORE_WORKFLOWS_FIXTURES, LEDGER_JWT_KMS, ledgerTableBeforeIndex } from "../support/before-workflows";
import { TWO_WORKFLOWS } from "../support/multi-workflow-stack";
import { findTerraformTools, type PriorResource, planConfigurations, type StackPlan } from "../support/terraform-plan";

/**
 * The synthesized Terraform is given to the real terraform CLI: init from the local provider mirror, validate,
 * and plan against fake credentials and an STS stand-in. The mirror's AWS provider is 5.x while the project
 * pins 6.25.0, so these plans prove the configuration against the mirror's version (the override pins it);
 * the output keeps to attributes both major versions have.
 */

/** README.md's example context (Configuration), read from README so that the example shown is the one planned. */
function readmeExampleContext(): Record<string, unknown> {
  const readme = fs.readFileSync(path.join(PROJECT_ROOT, "README.md"), "utf8");
  const configuration = readme.slice(readme.indexOf("\n## Configuration\n"));
  const example = /```json\n([\s\S]*?)\n```/.exec(configuration);
  if (!example) throw new Error("README.md's Configuration section has no JSON example");
  return JSON.parse(example[1]).context;
}

const STATE_ROLE = "arn:aws:iam::999999999999:role/terraform-state";

/**
 * Every option on, over two environments: one with JWT authorization, one with IAM, sharing a state bucket; each
 * with two workflows, the default and README's team example (orders, keyed by orderId, writing to the team's table);
 * one's alarms on a topic of its own with a subscriber, the other's on an existing topic.
 */
const EVERY_OPTION_CONTEXT = {
  workflows: {
    "notify-country": { ...TWO_WORKFLOWS["notify-country"], executionName: { from: "payload" } },
    orders: TWO_WORKFLOWS.orders,
  },
  environments: {
    orders: {
      account: "111111111111",
      region: "eu-central-1",
      deployRoleArn: "arn:aws:iam::111111111111:role/sfn-dedup-deploy",
      notificationEmails: ["ops@example.com"],
      ledger: { retentionDays: 3650 },
      state: {
        bucket: "acme-every-option-state",
        region: "eu-west-1",
        roleArn: STATE_ROLE,
        kmsKeyId: "arn:aws:kms:eu-west-1:999999999999:key/1234abcd-12ab-34cd-56ef-1234567890ab",
      },
      kmsKeyArn: "arn:aws:kms:eu-central-1:111111111111:key/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0",
      logs: { retentionDays: 731, workflow: { level: "ALL", includeExecutionData: true } },
      api: {
        throttling: { rateLimit: 200, burstLimit: 400 },
        cors: { allowOrigins: ["https://orders.example.com"], allowHeaders: ["content-type", "authorization"], maxAgeSeconds: 600 },
        authorization: {
          type: "jwt",
          issuer: "https://cognito-idp.eu-central-1.amazonaws.com/eu-central-1_AbC123",
          audience: ["4ldk2example1client"],
          scopes: ["orders/write"],
        },
      },
      reservedConcurrency: 50,
      tags: { "cost-center": "C-42", owner: "platform@example.com" },
      alarms: { emails: ["oncall@example.com"], unavailablePerMinute: 10, failedExecutions: 2 },
    },
    partners: {
      account: "222222222222",
      region: "us-west-2",
      deployRoleArn: "arn:aws:iam::222222222222:role/sfn-dedup-deploy",
      ledger: true,
      state: {
        bucket: "acme-every-option-state",
        region: "eu-west-1",
        roleArn: STATE_ROLE,
        kmsKeyId: "arn:aws:kms:eu-west-1:999999999999:key/1234abcd-12ab-34cd-56ef-1234567890ab",
      },
      kmsKeyArn: "arn:aws:kms:us-west-2:222222222222:key/9a8b7c6d-5e4f-3a2b-1c0d-e9f8a7b6c5d4",
      api: { cors: { allowOrigins: ["*"] }, authorization: { type: "iam" } },
      reservedConcurrency: false,
      tags: { "cost-center": "C-7" },
      alarms: { topicArn: "arn:aws:sns:us-west-2:222222222222:ops-alarms" },
    },
  },
};

/** Each stack's planned resources by type, written out: a resource that appears or vanishes must be seen here. */
/**
 * The default workflow: its state machine, and two functions (start-execution, execution-status), each with a
 * role, policy and log group and its route (POST /executions, GET /executions/{executionName}), integration
 * and permission; the API, its stage and access log group; the topic.
 */
const TRIGGER = {
  aws_apigatewayv2_api: 1,
  aws_apigatewayv2_integration: 2,
  aws_apigatewayv2_route: 2,
  aws_apigatewayv2_stage: 1,
  aws_cloudwatch_log_group: 4,
  aws_iam_role: 3,
  aws_iam_role_policy: 3,
  aws_lambda_function: 2,
  aws_lambda_permission: 2,
  aws_sfn_state_machine: 1,
  aws_sns_topic: 1,
}; // 22
/**
 * The ledger adds its table, the status updater (function, role, policy, log group, async settings), its queue and
 * rule, and the reconciler (function, role, policy, log group) with its schedule (schedule, role, policy).
 */
const TRIGGER_WITH_LEDGER = {
  ...TRIGGER,
  aws_cloudwatch_log_group: 6,
  aws_iam_role: 6,
  aws_iam_role_policy: 6,
  aws_lambda_function: 4,
  aws_lambda_permission: 3,
  aws_dynamodb_table: 1,
  aws_lambda_function_event_invoke_config: 1,
  aws_sqs_queue: 1,
  aws_cloudwatch_event_rule: 1,
  aws_cloudwatch_event_target: 1,
  aws_scheduler_schedule: 1,
}; // 39
/**
 * A second workflow adds its state machine, start and status functions and their two routes: roles, policies,
 * log groups, integrations, permissions.
 */
const WITH_ORDERS_WORKFLOW = (trigger: Record<string, number>) => ({
  ...trigger,
  aws_apigatewayv2_integration: trigger.aws_apigatewayv2_integration + 2,
  aws_apigatewayv2_route: trigger.aws_apigatewayv2_route + 2,
  aws_cloudwatch_log_group: trigger.aws_cloudwatch_log_group + 3,
  aws_iam_role: trigger.aws_iam_role + 3,
  aws_iam_role_policy: trigger.aws_iam_role_policy + 3,
  aws_lambda_function: trigger.aws_lambda_function + 2,
  aws_lambda_permission: trigger.aws_lambda_permission + 2,
  aws_sfn_state_machine: trigger.aws_sfn_state_machine + 1,
}); // 18 more
/**
 * The alarms and the dashboard (README.md, Alarms and dashboard): the API's alarm and five per workflow, the
 * dead-letter queue's with the ledger, the dashboard; unless the alarms notify an existing topic, the alarm topic
 * and its policy, with a key of its own where the environment has no kmsKeyArn, and a subscription per address.
 */
const WITH_ALARMS = (
  trigger: Record<string, number>,
  { workflows = 1, ledger = false, topic = "own-key" as "own-key" | "environment-key" | "existing", subscribers = 0 } = {},
): Record<string, number> => ({
  ...trigger,
  aws_cloudwatch_metric_alarm: 1 + (ledger ? 1 : 0) + 5 * workflows,
  aws_cloudwatch_dashboard: 1,
  ...(topic === "existing" ? {} : { aws_sns_topic: trigger.aws_sns_topic + 1, aws_sns_topic_policy: 1 }),
  ...(topic === "own-key" ? { aws_kms_key: 1, aws_kms_key_policy: 1 } : {}),
  ...(subscribers > 0 ? { aws_sns_topic_subscription: (trigger.aws_sns_topic_subscription ?? 0) + subscribers } : {}),
});
const STATE_BUCKET = {
  aws_s3_bucket: 1,
  aws_s3_bucket_lifecycle_configuration: 1,
  aws_s3_bucket_ownership_controls: 1,
  aws_s3_bucket_policy: 1,
  aws_s3_bucket_public_access_block: 1,
  aws_s3_bucket_server_side_encryption_configuration: 1,
  aws_s3_bucket_versioning: 1,
}; // 7

/**
 * `id` names the output directory and prefixes the stacks' module names in the plan (`<id>_<stack>`). `prior`: what
 * a stack is planned as already having (in state); each of those must plan as an in-place update, never a
 * replacement, or, listed in `unchanged`, not change at all; everything else is created. `fixture`: a stack's
 * cdk.tf.json from __tests__/fixtures/before-workflows instead of a synth of `context`.
 */
const CONFIGURATIONS: {
  id: string;
  name: string;
  context: Record<string, unknown>;
  expected: Record<string, Record<string, number>>;
  prior?: Record<string, PriorResource[]>;
  unchanged?: Record<string, string[]>;
  fixture?: { stack: string; file: string };
}[] = [
  { id: "default", name: "the default synth (no context)", context: {}, expected: { default: WITH_ALARMS(TRIGGER) } },
  {
    id: "readme",
    name: "README's example",
    context: readmeExampleContext(),
    expected: {
      dev: WITH_ALARMS({ ...TRIGGER, aws_sns_topic_subscription: 1 }), // 34
      prod: WITH_ALARMS(
        { ...TRIGGER_WITH_LEDGER, aws_sns_topic_subscription: 2, aws_apigatewayv2_authorizer: 1 },
        { ledger: true, topic: "environment-key", subscribers: 1 },
      ), // 53
      "state-acme-terraform-state": STATE_BUCKET,
    },
  },
  {
    id: "every-option",
    name: "every option on",
    context: EVERY_OPTION_CONTEXT,
    expected: {
      orders: WITH_ALARMS(
        { ...WITH_ORDERS_WORKFLOW(TRIGGER_WITH_LEDGER), aws_sns_topic_subscription: 1, aws_apigatewayv2_authorizer: 1 },
        { workflows: 2, ledger: true, topic: "environment-key", subscribers: 1 },
      ), // 75
      // IAM authorization is a route setting, not an authorizer; the alarms notify the team's existing topic.
      partners: WITH_ALARMS(WITH_ORDERS_WORKFLOW(TRIGGER_WITH_LEDGER), { workflows: 2, ledger: true, topic: "existing" }), // 70
      "state-acme-every-option-state": STATE_BUCKET,
    },
  },
  {
    // A ledger deployed before the open-records index (issue 14): its table gains the index in place.
    id: "ledger-before-index",
    name: "the ledger deployed before its open-records index (the table in state as the fixture deployed it)",
    context: LEDGER_JWT_KMS,
    // LEDGER_JWT_KMS has kmsKeyArn: the alarm topic uses it, no key of its own.
    expected: {
      prod: WITH_ALARMS(
        { ...TRIGGER_WITH_LEDGER, aws_sns_topic_subscription: 1, aws_apigatewayv2_authorizer: 1 },
        { ledger: true, topic: "environment-key" },
      ),
    },
    prior: { prod: [ledgerTableBeforeIndex()] },
  },
  {
    // The control: the configuration that deployed that table, planned against the same state, changes nothing of
    // it. So the state is the table as it was, and the update above is the index (its attributes and the GSI).
    id: "ledger-fixture",
    name: "the configuration that deployed that table, against the same state",
    context: {},
    fixture: { stack: "prod", file: "ledger-jwt-kms.tf.json" },
    expected: {
      prod: {
        aws_apigatewayv2_api: 1,
        aws_apigatewayv2_authorizer: 1,
        aws_apigatewayv2_integration: 1,
        aws_apigatewayv2_route: 1,
        aws_apigatewayv2_stage: 1,
        aws_cloudwatch_event_rule: 1,
        aws_cloudwatch_event_target: 1,
        aws_cloudwatch_log_group: 4,
        aws_iam_role: 3,
        aws_iam_role_policy: 3,
        aws_lambda_function: 2,
        aws_lambda_function_event_invoke_config: 1,
        aws_lambda_permission: 2,
        aws_sfn_state_machine: 1,
        aws_sns_topic: 1,
        aws_sns_topic_subscription: 1,
        aws_sqs_queue: 1,
      }, // 26, and the table unchanged
    },
    prior: { prod: [ledgerTableBeforeIndex()] },
    unchanged: { prod: [`aws_dynamodb_table.${ledgerTableBeforeIndex().name}`] },
  },
];

/** Emulator limits, not AWS ones: one plan of seven stacks, ~35 CPU-seconds, on a shared 2-core machine. */
const PLAN_TIMEOUT_MS = 10 * 60_000;

const found = findTerraformTools();
if ("missing" in found) {
  // Said in the run's output, not only counted among the skipped tests.
  console.warn(`terraform-plan.test.ts skipped: ${found.missing}`);
}
const tools = "tools" in found ? found.tools : undefined;
const describeWithTerraform = tools ? describe : describe.skip;
const title = tools
  ? `terraform init and plan, with the mirror's hashicorp/aws ${tools.awsProviderVersion} in place of the project's pin`
  : `terraform init and plan (skipped: ${"missing" in found ? found.missing : ""})`;

describeWithTerraform(title, () => {
  // Made in beforeAll: a skipped describe's body still runs, its afterAll does not.
  let workspace = "";
  afterAll(() => workspace && fs.rmSync(workspace, { recursive: true, force: true }));
  const synths = new Map<string, Promise<string>>();
  let plans: Promise<Record<string, Record<string, StackPlan>>>;

  beforeAll(() => {
    workspace = fs.mkdtempSync(path.join(os.tmpdir(), "sfn-dedup-tf-plan-"));
    for (const { id, context, fixture } of CONFIGURATIONS) {
      const outdir = path.join(workspace, id);
      const synth = (fixture ? copyFixture(fixture, outdir) : synthesize(context, outdir)).then(() => outdir);
      synth.catch(() => undefined); // reported by the configuration's test
      synths.set(id, synth);
    }
    // One terraform run for every stack that synthesized (planConfigurations says why); each test awaits its own synth
    // first, so a configuration that fails to synthesize reports its own error and the others are still planned.
    plans = Promise.allSettled(CONFIGURATIONS.map(({ id }) => synths.get(id)!)).then((outcomes) => {
      const outdirs = CONFIGURATIONS.flatMap(({ id }, index) => {
        const outcome = outcomes[index];
        return outcome.status === "fulfilled" ? [[id, outcome.value] as const] : [];
      });
      const prior = Object.fromEntries(CONFIGURATIONS.flatMap(({ id, prior }) => (prior ? [[id, prior] as const] : [])));
      return planConfigurations(path.join(workspace, "root"), Object.fromEntries(outdirs), tools!, prior);
    });
    plans.catch(() => undefined); // reported by every test
  });

  describe.each(CONFIGURATIONS)("$name", ({ id, expected, prior, unchanged }) => {
    it(
      "plans every stack: exactly the expected resources, each one of cdk.tf.json's, all created but those deployed before (updated in " +
        "place, or unchanged)",
      async () => {
        const outdir = await synths.get(id)!;
        const stackPlans = (await plans)[id];
        expect(Object.keys(stackPlans).sort()).toEqual(Object.keys(expected).sort());
        for (const [stack, plan] of Object.entries(stackPlans)) {
          expect({ stack, types: countByType(plan) }).toEqual({ stack, types: expected[stack] });
          const deployed = new Set((prior?.[stack] ?? []).map(({ type, name }) => `${type}.${name}`));
          expect({ stack, actions: Object.fromEntries(plan.resourceChanges.map((change) => [change.address, change.actions])) }).toEqual({
            stack,
            actions: Object.fromEntries(
              plan.resourceChanges.map((change) => [change.address, deployed.has(change.address) ? ["update"] : ["create"]]),
            ),
          });
          const untouched = new Set(unchanged?.[stack] ?? []);
          expect(plan.resourceChanges.filter((change) => deployed.has(change.address))).toHaveLength(deployed.size - untouched.size);
          const synthesized = JSON.parse(fs.readFileSync(path.join(outdir, "stacks", stack, "cdk.tf.json"), "utf8"));
          const synthesizedAddresses = Object.entries(synthesized.resource as Record<string, Record<string, unknown>>).flatMap(
            ([type, resources]) => Object.keys(resources).map((id) => `${type}.${id}`),
          );
          expect({ stack, planned: plan.resourceChanges.map((change) => change.address).sort() }).toEqual({
            stack,
            planned: synthesizedAddresses.filter((address) => !untouched.has(address)).sort(),
          });
        }
      },
      PLAN_TIMEOUT_MS,
    );
  });
});

function countByType(plan: StackPlan): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const { type } of plan.resourceChanges) counts[type] = (counts[type] ?? 0) + 1;
  return counts;
}

/** A fixture's cdk.tf.json as a stack of `outdir`, as synth would have written it. */
async function copyFixture(fixture: { stack: string; file: string }, outdir: string): Promise<void> {
  fs.mkdirSync(path.join(outdir, "stacks", fixture.stack), { recursive: true });
  fs.copyFileSync(path.join(BEFORE_WORKFLOWS_FIXTURES, fixture.file), path.join(outdir, "stacks", fixture.stack, "cdk.tf.json"));
}

/** `npm run synth`'s command, with the test's context in place of cdktf.json's and the output in `outdir`. */
async function synthesize(context: Record<string, unknown>, outdir: string): Promise<void> {
  const env = { ...process.env, CHECKPOINT_DISABLE: "1", CDKTF_CONTEXT_JSON: JSON.stringify(context), CDKTF_OUTDIR: outdir };
  await promisify(execFile)(process.execPath, ["--import", "tsx", "main.ts"], { cwd: PROJECT_ROOT, env });
}
