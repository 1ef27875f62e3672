import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { PROJECT_ROOT } from "../lib/project-root";
import { type Attributes, synthProject, type TerraformJson } from "./support/synth";

/**
 * The scanner rules that apply to these resources, checked on the synthesized output. Checkov and Trivy
 * scan the native-syntax output (cdk.tf), which hcl-output.test.ts proves equal to this JSON; the checks
 * read the JSON because it is easier to query. Each test names its rule. Rules the project deliberately
 * does not meet are in .checkov.yaml, .trivyignore and README.md: those lists must agree, and each skip
 * must fire in some configuration here (a skip that never fires hides nothing and says something false).
 */
const KEY = "arn:aws:kms:eu-west-1:111111111111:key/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0";
const configurations = {
  default: synthProject({}),
  hardened: synthProject({
    environments: {
      prod: {
        account: "111111111111",
        region: "eu-west-1",
        ledger: true,
        kmsKeyArn: KEY,
        api: { authorization: { type: "jwt", issuer: "https://idp.example.com", audience: ["client-1"] } },
        state: { bucket: "acme-terraform-state", kmsKeyId: KEY },
      },
    },
  }),
  // The ledger and a state bucket with the default keys: where the ledger's and the bucket's skips fire.
  ledger: synthProject({
    environments: { dev: { account: "222222222222", region: "eu-west-1", ledger: true, state: { bucket: "acme-dev-state" } } },
  }),
};
const stacks = Object.entries(configurations).flatMap(([configuration, byName]) =>
  Object.entries(byName).map(([name, stack]) => ({ label: `${configuration}/${name}`, tf: stack.tf, hcl: stack.hcl })),
);
const hardened = stacks.filter((stack) => stack.label.startsWith("hardened/"));

function resources(type: string, from = stacks): Array<{ label: string; resource: Attributes }> {
  return from.flatMap(({ label, tf }) =>
    Object.entries(tf.resource[type] ?? {}).map(([id, resource]) => ({ label: `${label} ${type}.${id}`, resource })),
  );
}

function each(type: string, check: (resource: Attributes, tf: TerraformJson) => boolean, from = stacks): void {
  const found = from.flatMap(({ label, tf }) =>
    Object.entries(tf.resource[type] ?? {}).map(([id, resource]) => ({ label: `${label} ${type}.${id}`, resource, tf })),
  );
  expect(found.length).toBeGreaterThan(0);
  expect(found.filter(({ resource, tf }) => !check(resource, tf)).map(({ label }) => label)).toEqual([]);
}

/** Actions IAM accepts on no narrower resource than "*" (Service Authorization Reference). */
const RESOURCELESS_ACTIONS = new Set([
  "xray:PutTraceSegments",
  "xray:PutTelemetryRecords",
  "xray:GetSamplingRules",
  "xray:GetSamplingTargets",
  "logs:CreateLogDelivery",
  "logs:GetLogDelivery",
  "logs:UpdateLogDelivery",
  "logs:DeleteLogDelivery",
  "logs:ListLogDeliveries",
  "logs:PutResourcePolicy",
  "logs:DescribeResourcePolicies",
  "logs:DescribeLogGroups",
]);

const statements = () =>
  resources("aws_iam_role_policy").flatMap(({ label, resource }) =>
    (JSON.parse(resource.policy).Statement as Array<{ Effect: string; Action: string[]; Resource: string[] }>).map((statement) => ({
      label,
      ...statement,
    })),
  );

/** The resources of a type that break a rule (as the rule reads them), in any configuration above. */
function breaking(type: string, breaks: (resource: Attributes) => boolean): string[] {
  return resources(type)
    .filter(({ resource }) => breaks(resource))
    .map(({ label }) => label);
}

/** State buckets in stacks that have no resource of the given type attached to any bucket. */
function bucketsWithout(type: string): string[] {
  return stacks.filter(({ tf }) => tf.resource.aws_s3_bucket && !tf.resource[type]).map(({ label }) => label);
}

/**
 * For each check .checkov.yaml skips, what makes it fail without the skip. The keys must be exactly the
 * skipped checks and each must find something: a skip nothing here fires (CKV_AWS_289 / CKV_AWS_290,
 * which Checkov 3.3.13 passes) has no honest entry, so it cannot stay in the file.
 */
const CHECKOV_SKIPS_FIRE_ON: Record<string, () => string[]> = {
  CKV_AWS_285: () => breaking("aws_sfn_state_machine", (machine) => machine.logging_configuration?.include_execution_data !== true),
  CKV_AWS_117: () => breaking("aws_lambda_function", (fn) => fn.vpc_config === undefined),
  CKV_AWS_272: () => breaking("aws_lambda_function", (fn) => fn.code_signing_config_arn === undefined),
  CKV_AWS_116: () => breaking("aws_lambda_function", (fn) => fn.dead_letter_config === undefined),
  CKV_AWS_173: () => breaking("aws_lambda_function", (fn) => fn.environment?.variables !== undefined && fn.kms_key_arn === undefined),
  CKV_AWS_158: () => breaking("aws_cloudwatch_log_group", (group) => group.kms_key_id === undefined),
  CKV_AWS_119: () => breaking("aws_dynamodb_table", (table) => table.server_side_encryption?.kms_key_arn === undefined),
  CKV_AWS_297: () => breaking("aws_scheduler_schedule", (schedule) => schedule.kms_key_arn === undefined),
  CKV_AWS_309: () => breaking("aws_apigatewayv2_route", (route) => route.authorization_type === "NONE"),
  CKV_AWS_18: () => bucketsWithout("aws_s3_bucket_logging"),
  CKV_AWS_144: () => bucketsWithout("aws_s3_bucket_replication_configuration"),
  CKV2_AWS_62: () => bucketsWithout("aws_s3_bucket_notification"),
};

/** The same for each rule .trivyignore ignores. */
const TRIVY_IGNORES_FIRE_ON: Record<string, () => string[]> = {
  "AVD-AWS-0136": () => breaking("aws_sns_topic", (topic) => topic.kms_master_key_id === "alias/aws/sns"),
  "AVD-AWS-0017": () => breaking("aws_cloudwatch_log_group", (group) => group.kms_key_id === undefined),
  "AVD-AWS-0025": () => breaking("aws_dynamodb_table", (table) => table.server_side_encryption?.kms_key_arn === undefined),
  "AVD-AWS-0132": () =>
    breaking("aws_s3_bucket_server_side_encryption_configuration", (encryption) => {
      return !encryption.rule[0].apply_server_side_encryption_by_default.kms_master_key_id;
    }),
  "AVD-AWS-0089": () => bucketsWithout("aws_s3_bucket_logging"),
};

function readmeSection(heading: string): string {
  const readme = fs.readFileSync(path.join(PROJECT_ROOT, "README.md"), "utf8");
  const start = readme.indexOf(heading);
  expect(start).toBeGreaterThan(-1);
  const end = readme.slice(start + 1).search(/\n##+ /);
  return end === -1 ? readme.slice(start) : readme.slice(start, start + 1 + end);
}

describe("policy scanners", () => {
  it("CKV_AWS_26: SNS topics are encrypted with KMS", () => {
    each("aws_sns_topic", (topic) => typeof topic.kms_master_key_id === "string" && topic.kms_master_key_id !== "");
  });

  it("CKV_AWS_169: SNS topic policies are not public: they name a service, under conditions", () => {
    each("aws_sns_topic_policy", (topicPolicy) =>
      (JSON.parse(topicPolicy.policy).Statement as Array<Record<string, any>>).every(
        (statement) =>
          statement.Principal?.Service === "cloudwatch.amazonaws.com" &&
          statement.Condition?.StringEquals?.["aws:SourceAccount"] !== undefined,
      ),
    );
  });

  it("CKV_AWS_319: alarm actions are enabled", () => {
    each("aws_cloudwatch_metric_alarm", (alarm) => alarm.actions_enabled === true && alarm.alarm_actions.length > 0);
  });

  describe("the alarm topic's own key (without kmsKeyArn)", () => {
    it("CKV_AWS_7 / AVD-AWS-0065: rotates", () => {
      each("aws_kms_key", (key) => key.enable_key_rotation === true);
    });

    it("CKV_AWS_227: is enabled", () => {
      each("aws_kms_key", (key) => key.is_enabled !== false);
    });

    it("CKV2_AWS_64: has its policy as an aws_kms_key_policy resource, and CKV_AWS_33: no statement allows the wildcard principal", () => {
      each("aws_kms_key", (key, tf) => {
        const id = Object.entries(tf.resource.aws_kms_key).find(([, candidate]) => candidate === key)![0];
        const policies = Object.values(tf.resource.aws_kms_key_policy ?? {}).filter(
          (keyPolicy) => keyPolicy.key_id === `\${aws_kms_key.${id}.key_id}`,
        );
        if (policies.length !== 1 || key.policy !== undefined) return false;
        const statements = JSON.parse(policies[0].policy).Statement as Array<Record<string, any>>;
        return statements.every((statement) => statement.Principal !== "*" && ![statement.Principal?.AWS].flat().includes("*"));
      });
    });
  });

  it("CKV_AWS_284: state machines are traced with X-Ray", () => {
    each("aws_sfn_state_machine", (machine) => machine.tracing_configuration?.enabled === true);
  });

  it("state machines log their executions to their own log group (CKV_AWS_285 asks more, below)", () => {
    each(
      "aws_sfn_state_machine",
      (machine) =>
        machine.logging_configuration?.level !== "OFF" &&
        /^\$\{aws_cloudwatch_log_group\.[^}]+\.arn\}:\*$/.test(machine.logging_configuration?.log_destination),
    );
  });

  it("CKV_AWS_285: with logs.workflow.includeExecutionData, execution data is logged (skipped by default: personal data)", () => {
    // The rule reads logging_configuration.include_execution_data and nothing else (Checkov 3.3.13).
    each("aws_sfn_state_machine", (machine) => machine.logging_configuration?.include_execution_data === false);
    const settings = { account: "222222222222", region: "eu-west-1", logs: { workflow: { includeExecutionData: true } } };
    const opted = Object.values(synthProject({ environments: { dev: settings } })).map(({ tf }) => ({
      label: "opted-in",
      tf,
      hcl: () => "",
    }));
    each("aws_sfn_state_machine", (machine) => machine.logging_configuration?.include_execution_data === true, opted);
  });

  it("CKV_AWS_50: functions are traced with X-Ray", () => {
    each("aws_lambda_function", (fn) => fn.tracing_config?.mode === "Active");
  });

  it("CKV_AWS_115: functions have a reserved concurrency", () => {
    each("aws_lambda_function", (fn) => Number.isInteger(fn.reserved_concurrent_executions) && fn.reserved_concurrent_executions > 0);
  });

  it(
    "CKV_AWS_116: the asynchronously invoked status updater has a dead-letter queue (skipped: the others are synchronous, or " +
      "scheduled)",
    () => {
      const eventTargets = resources("aws_cloudwatch_event_target").map(({ resource }) => resource.arn.replace(/\.arn\}$/, ""));
      expect(eventTargets.length).toBeGreaterThan(0);
      each("aws_lambda_function", (fn, tf) => {
        const id = Object.entries(tf.resource.aws_lambda_function).find(([, candidate]) => candidate === fn)![0];
        const asynchronous = eventTargets.includes(`\${aws_lambda_function.${id}`);
        return !asynchronous || /^\$\{aws_sqs_queue\.[^}]+\.arn\}$/.test(fn.dead_letter_config?.target_arn);
      });
      // The ledger reconciler is invoked asynchronously too, by its schedule, and has no queue on purpose: its event
      // carries nothing, and the next sweep is its retry (the schedule retries nothing either).
      each("aws_scheduler_schedule", (schedule, tf) => {
        const id = /^\$\{aws_lambda_function\.([^.]+)\.arn\}$/.exec(schedule.target.arn)![1];
        return (
          tf.resource.aws_lambda_function[id].dead_letter_config === undefined && schedule.target.retry_policy.maximum_retry_attempts === 0
        );
      });
    },
  );

  it("CKV_AWS_173: with a customer key, function variables are encrypted with it (skipped by default)", () => {
    each("aws_lambda_function", (fn) => fn.kms_key_arn === KEY, hardened);
  });

  it("CKV_AWS_76: the HTTP API writes access logs", () => {
    each(
      "aws_apigatewayv2_stage",
      (stage) =>
        /^\$\{aws_cloudwatch_log_group\./.test(stage.access_log_settings?.destination_arn) && stage.access_log_settings.format !== "",
    );
  });

  it("CKV_AWS_309: with authorization configured, the route is authorized (skipped by default: public)", () => {
    each("aws_apigatewayv2_route", (route) => route.authorization_type !== "NONE", hardened);
  });

  it("CKV_AWS_62 / CKV_AWS_63: no statement allows every action", () => {
    const found = statements();
    expect(found.length).toBeGreaterThan(10);
    expect(found.filter((statement) => statement.Action.some((action) => action === "*" || action.endsWith(":*")))).toEqual([]);
  });

  it('CKV_AWS_355, CKV_AWS_286 to CKV_AWS_290: only actions that take no resource are allowed on "*"', () => {
    // Checkov's analysis (cloudsplaining) leaves such actions out, which is why CKV_AWS_289 / CKV_AWS_290
    // (permissions management, write access) pass although logs:PutResourcePolicy and xray:Put* are on "*".
    const onEverything = statements().filter((statement) => statement.Effect === "Allow" && statement.Resource.includes("*"));
    expect(onEverything.length).toBeGreaterThan(0);
    expect(onEverything.flatMap((statement) => statement.Action).filter((action) => !RESOURCELESS_ACTIONS.has(action))).toEqual([]);
  });

  it("CKV_AWS_109 / CKV_AWS_110 / CKV_AWS_111 do not apply: policies are inline JSON, never aws_iam_policy_document data sources", () => {
    // Those two ids check only data sources; if one is ever added, they must be reviewed (and skipped or met).
    expect(
      stacks.filter(({ tf }) => (tf as { data?: Record<string, unknown> }).data?.aws_iam_policy_document).map(({ label }) => label),
    ).toEqual([]);
  });

  it("CKV_AWS_66 / CKV_AWS_338: log groups keep their events for at least a year by default", () => {
    each("aws_cloudwatch_log_group", (group) => group.retention_in_days >= 365);
  });

  it("CKV_AWS_158: with a customer key, log groups are encrypted with it (skipped by default)", () => {
    each("aws_cloudwatch_log_group", (group) => group.kms_key_id === KEY, hardened);
  });

  it("CKV_AWS_28: the ledger table has point-in-time recovery", () => {
    each("aws_dynamodb_table", (table) => table.point_in_time_recovery?.enabled === true);
  });

  it("CKV_AWS_119: with a customer key, the ledger table is encrypted with it (skipped by default)", () => {
    each("aws_dynamodb_table", (table) => table.server_side_encryption?.kms_key_arn === KEY, hardened);
  });

  it("CKV_AWS_297: with a customer key, the reconciler's schedule is encrypted with it (skipped by default)", () => {
    each("aws_scheduler_schedule", (schedule) => schedule.kms_key_arn === KEY, hardened);
  });

  it("CKV_AWS_27: the dead-letter queue is encrypted", () => {
    each("aws_sqs_queue", (queue) => queue.sqs_managed_sse_enabled === true || typeof queue.kms_master_key_id === "string");
  });

  describe("the state bucket", () => {
    it("CKV_AWS_21: is versioned", () => {
      each("aws_s3_bucket_versioning", (versioning) => versioning.versioning_configuration?.status === "Enabled");
    });

    it("CKV_AWS_19 / CKV_AWS_145: is encrypted with KMS by default", () => {
      each(
        "aws_s3_bucket_server_side_encryption_configuration",
        (encryption) => encryption.rule[0].apply_server_side_encryption_by_default.sse_algorithm === "aws:kms",
      );
    });

    it("CKV_AWS_53 / 54 / 55 / 56: blocks public ACLs and policies", () => {
      each(
        "aws_s3_bucket_public_access_block",
        (block) => block.block_public_acls && block.block_public_policy && block.ignore_public_acls && block.restrict_public_buckets,
      );
    });
  });

  it(".checkov.yaml scans the native-syntax output, which Checkov 3.3.13 reads (it stops on cdk.tf.json)", () => {
    expect(parse(fs.readFileSync(path.join(PROJECT_ROOT, ".checkov.yaml"), "utf8")).framework).toEqual(["terraform"]);
  });

  it("every check .checkov.yaml skips fails without the skip in some configuration", () => {
    const skipped: string[] = parse(fs.readFileSync(path.join(PROJECT_ROOT, ".checkov.yaml"), "utf8"))["skip-check"];
    expect(Object.keys(CHECKOV_SKIPS_FIRE_ON).sort()).toEqual([...skipped].sort());
    const firing = Object.fromEntries(Object.entries(CHECKOV_SKIPS_FIRE_ON).map(([id, fires]) => [id, fires().length > 0]));
    expect(firing).toEqual(Object.fromEntries(skipped.map((id) => [id, true])));
  });

  it("the checks skipped in .checkov.yaml are exactly those README.md lists, each with a reason", () => {
    const configFile = fs.readFileSync(path.join(PROJECT_ROOT, ".checkov.yaml"), "utf8");
    const skipped: string[] = parse(configFile)["skip-check"];
    const section = readmeSection("### Checkov");
    const listed = [...section.matchAll(/^\| (CKV2?_[A-Z]+_\d+(?:, CKV2?_[A-Z]+_\d+)*) \| skipped/gm)].flatMap((match) =>
      match[1].split(", "),
    );
    expect([...skipped].sort()).toEqual([...listed].sort());
    for (const id of skipped) {
      // The line above each entry (or group of entries) is a comment giving the reason.
      expect(configFile).toMatch(new RegExp(`#[^\\n]+\\n(?:\\s+- CKV2?_[A-Z]+_\\d+\\n)*\\s+- ${id}\\n`));
    }
  });

  describe("Trivy (on the native-syntax output, cdk.tf)", () => {
    it("reads every block it checks as a nested block, which it cannot see in cdk.tf.json", () => {
      // trivy#5080: in Terraform JSON a nested block is indistinguishable from an object attribute.
      const hcl = stacks.map(({ hcl }) => hcl()).join("\n");
      for (const block of [
        "tracing_config",
        "access_log_settings",
        "point_in_time_recovery",
        "versioning_configuration",
        "server_side_encryption",
        "dead_letter_config",
      ]) {
        expect(hcl).toMatch(new RegExp(`^\\s+${block} \\{$`, "m"));
      }
    });

    it("AVD-AWS-0067: every Lambda permission names its source", () => {
      each("aws_lambda_permission", (permission) =>
        /^\$\{aws_(apigatewayv2_api|cloudwatch_event_rule)\.[^}]+\}/.test(permission.source_arn),
      );
    });

    it("AVD-AWS-0066: functions are traced with X-Ray", () => {
      each("aws_lambda_function", (fn) => fn.tracing_config?.mode === "Active");
    });

    it("AVD-AWS-0001: the HTTP API stage writes access logs", () => {
      each(
        "aws_apigatewayv2_stage",
        (stage) => typeof stage.access_log_settings?.destination_arn === "string" && stage.access_log_settings.destination_arn !== "",
      );
    });

    it("AVD-AWS-0095: SNS topics are encrypted", () => {
      each("aws_sns_topic", (topic) => typeof topic.kms_master_key_id === "string" && topic.kms_master_key_id !== "");
    });

    it("AVD-AWS-0136: with a customer key, SNS topics are encrypted with it (ignored by default: alias/aws/sns)", () => {
      each("aws_sns_topic", (topic) => topic.kms_master_key_id === KEY, hardened);
    });

    it("AVD-AWS-0017: with a customer key, log groups are encrypted with it (ignored by default)", () => {
      each("aws_cloudwatch_log_group", (group) => group.kms_key_id === KEY, hardened);
    });

    it("AVD-AWS-0024: the ledger table has point-in-time recovery", () => {
      each("aws_dynamodb_table", (table) => table.point_in_time_recovery?.enabled === true);
    });

    it("AVD-AWS-0025: with a customer key, the ledger table is encrypted with it (ignored by default)", () => {
      each(
        "aws_dynamodb_table",
        (table) => table.server_side_encryption?.enabled === true && table.server_side_encryption.kms_key_arn === KEY,
        hardened,
      );
    });

    it("AVD-AWS-0096 / AVD-AWS-0135: the dead-letter queue is encrypted, never with alias/aws/sqs", () => {
      each(
        "aws_sqs_queue",
        (queue) =>
          (queue.sqs_managed_sse_enabled === true || typeof queue.kms_master_key_id === "string") &&
          queue.kms_master_key_id !== "alias/aws/sqs",
      );
    });

    describe("the state bucket", () => {
      it("AVD-AWS-0088: is encrypted", () => {
        each("aws_s3_bucket_server_side_encryption_configuration", (encryption) =>
          ["aws:kms", "aws:kms:dsse", "AES256"].includes(encryption.rule[0].apply_server_side_encryption_by_default.sse_algorithm),
        );
      });

      it("AVD-AWS-0132: with state.kmsKeyId, is encrypted with that key (ignored by default: aws/s3)", () => {
        each(
          "aws_s3_bucket_server_side_encryption_configuration",
          (encryption) => encryption.rule[0].apply_server_side_encryption_by_default.kms_master_key_id === KEY,
          hardened,
        );
      });

      it("AVD-AWS-0090: is versioned", () => {
        each("aws_s3_bucket_versioning", (versioning) => versioning.versioning_configuration?.status === "Enabled");
      });

      it("AVD-AWS-0094: has a public access block, and AVD-AWS-0086 / 0087 / 0091 / 0093: with every setting on", () => {
        const buckets = resources("aws_s3_bucket").length;
        expect(buckets).toBeGreaterThan(0);
        expect(resources("aws_s3_bucket_public_access_block").length).toBe(buckets);
        each(
          "aws_s3_bucket_public_access_block",
          (block) => block.block_public_acls && block.block_public_policy && block.ignore_public_acls && block.restrict_public_buckets,
        );
      });
    });

    it("every rule .trivyignore ignores fails without it in some configuration", () => {
      const ignoreFile = fs.readFileSync(path.join(PROJECT_ROOT, ".trivyignore"), "utf8");
      const ignored = ignoreFile
        .split("\n")
        .map((line) => line.trim())
        .filter((line) => line !== "" && !line.startsWith("#"));
      expect(Object.keys(TRIVY_IGNORES_FIRE_ON).sort()).toEqual([...ignored].sort());
      const firing = Object.fromEntries(Object.entries(TRIVY_IGNORES_FIRE_ON).map(([id, fires]) => [id, fires().length > 0]));
      expect(firing).toEqual(Object.fromEntries(ignored.map((id) => [id, true])));
    });

    it("the rules ignored in .trivyignore are exactly those README.md lists as ignored, each with a reason", () => {
      const ignoreFile = fs.readFileSync(path.join(PROJECT_ROOT, ".trivyignore"), "utf8");
      const ignored = ignoreFile
        .split("\n")
        .map((line) => line.trim())
        .filter((line) => line !== "" && !line.startsWith("#"));
      const listed = [...readmeSection("### Trivy").matchAll(/^\| (AVD-AWS-\d{4}(?:, AVD-AWS-\d{4})*) \| ignored/gm)].flatMap((match) =>
        match[1].split(", "),
      );
      expect(ignored.length).toBeGreaterThan(0);
      expect([...ignored].sort()).toEqual([...listed].sort());
      for (const id of ignored) {
        expect(id).toMatch(/^AVD-AWS-\d{4}$/);
        expect(ignoreFile).toMatch(new RegExp(`#[^\\n]+\\n${id}\\n`));
      }
    });
  });
});
