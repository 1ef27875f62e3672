import { serviceMayCall } from "./support/iam-simulation";
import { TWO_WORKFLOWS } from "./support/multi-workflow-stack";
import { ACCOUNT, arn, REGION, resolvedDocument } from "./support/resolved-policy";
import {
  type Attributes,
  notificationTopic,
  referenceTo,
  resourceWhere,
  synthProject,
  synthTrigger,
  type TerraformJson,
} from "./support/synth";

const KEY = `arn:aws:kms:${REGION}:${ACCOUNT}:key/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0`;
const ALARM_TOPIC = arn("sns", "sfn-dedup-prod-alarms");

/** Two workflows, the ledger, a customer managed key, subscribers and two thresholds of its own. */
const prod = synthProject({
  workflows: TWO_WORKFLOWS,
  environments: {
    prod: {
      account: ACCOUNT,
      region: REGION,
      ledger: true,
      kmsKeyArn: KEY,
      alarms: { emails: ["oncall@example.com", "ops@example.com"], unavailablePerMinute: 20, failedExecutions: 3 },
    },
  },
}).prod.tf;
/** A fresh clone: no configuration at all. */
const fresh = synthTrigger().tf;

const alarms = (tf: TerraformJson): Attributes[] => Object.values(tf.resource.aws_cloudwatch_metric_alarm ?? {});
const alarm = (tf: TerraformJson, name: string): Attributes =>
  resourceWhere(tf, "aws_cloudwatch_metric_alarm", (candidate) => candidate.alarm_name === name)[1];
const alarmTopic = (tf: TerraformJson): [string, Attributes] => resourceWhere(tf, "aws_sns_topic", (topic) => /-alarms$/.test(topic.name));
const stateMachineArn = (tf: TerraformJson, name: string) =>
  `\${aws_sfn_state_machine.${resourceWhere(tf, "aws_sfn_state_machine", (machine) => machine.name === name)[0]}.arn}`;

describe("the alarms", () => {
  it("are one set for the environment and five per workflow, each named after what it watches", () => {
    expect(
      alarms(prod)
        .map((candidate) => candidate.alarm_name)
        .sort(),
    ).toEqual(
      [
        "sfn-dedup-prod-ledger-status-dead-letters",
        "sfn-dedup-prod-api-5xx",
        "sfn-dedup-prod-start-execution-errors",
        "sfn-dedup-prod-start-execution-throttles",
        "sfn-dedup-prod-notify-country-executions-failed",
        "sfn-dedup-prod-notify-country-executions-throttled",
        "sfn-dedup-prod-notify-country-unavailable",
        "sfn-dedup-prod-orders-start-errors",
        "sfn-dedup-prod-orders-start-throttles",
        "sfn-dedup-prod-orders-executions-failed",
        "sfn-dedup-prod-orders-executions-throttled",
        "sfn-dedup-prod-orders-unavailable",
      ].sort(),
    );
    // Without the ledger there is no dead-letter queue to watch.
    expect(alarms(fresh).map((candidate) => candidate.alarm_name)).not.toContain("sfn-dedup-default-ledger-status-dead-letters");
    expect(alarms(fresh)).toHaveLength(6);
  });

  it("notify the alarm topic when they go off and when they are OK again, and treat no data as nothing wrong", () => {
    const topic = `\${aws_sns_topic.${alarmTopic(prod)[0]}.arn}`;
    for (const candidate of alarms(prod)) {
      expect(candidate).toMatchObject({
        actions_enabled: true,
        alarm_actions: [topic],
        ok_actions: [topic],
        treat_missing_data: "notBreaching",
      });
      expect(candidate.insufficient_data_actions).toBeUndefined();
    }
  });

  describe.each([
    [
      "the dead-letter queue is not empty",
      "sfn-dedup-prod-ledger-status-dead-letters",
      {
        namespace: "AWS/SQS",
        metric_name: "ApproximateNumberOfMessagesVisible",
        dimensions: { QueueName: expect.stringMatching(/^\$\{aws_sqs_queue\.ledger-status_dead-letter-queue_\w+\.name\}$/) },
        statistic: "Maximum",
        period: 300,
        evaluation_periods: 1,
        comparison_operator: "GreaterThanThreshold",
        threshold: 0,
      },
      ["/aws/lambda/sfn-dedup-prod-ledger-status", "replay each message"],
    ],
    [
      "API 5xx",
      "sfn-dedup-prod-api-5xx",
      {
        namespace: "AWS/ApiGateway",
        metric_name: "5xx",
        dimensions: { ApiId: expect.stringMatching(/^\$\{aws_apigatewayv2_api\.http-api_\w+\.id\}$/) },
        statistic: "Sum",
        period: 300,
        comparison_operator: "GreaterThanOrEqualToThreshold",
        threshold: 5,
      },
      ["access log /aws/vendedlogs/apigateway/"],
    ],
    [
      "start-execution errors",
      "sfn-dedup-prod-orders-start-errors",
      {
        namespace: "AWS/Lambda",
        metric_name: "Errors",
        dimensions: { FunctionName: "sfn-dedup-prod-orders-start" },
        statistic: "Sum",
        period: 300,
        threshold: 1,
      },
      ["/aws/lambda/sfn-dedup-prod-orders-start", "roll back"],
    ],
    [
      "start-execution throttles",
      "sfn-dedup-prod-start-execution-throttles",
      {
        namespace: "AWS/Lambda",
        metric_name: "Throttles",
        dimensions: { FunctionName: "sfn-dedup-prod-start-execution" },
        statistic: "Sum",
        period: 300,
        threshold: 1,
      },
      ["raise reservedConcurrency", "api.throttling"],
    ],
    [
      "executions throttled",
      "sfn-dedup-prod-orders-executions-throttled",
      { namespace: "AWS/States", metric_name: "ExecutionThrottled", statistic: "Sum", period: 300, threshold: 1 },
      ["StateTransition quota"],
    ],
    [
      "the trigger answering unavailable, per minute in 2 of 3 minutes",
      "sfn-dedup-prod-orders-unavailable",
      {
        namespace: "sfn-dedup",
        metric_name: "Requests",
        dimensions: { Environment: "prod", Workflow: "orders", Outcome: "unavailable" },
        statistic: "Sum",
        period: 60,
        evaluation_periods: 3,
        datapoints_to_alarm: 2,
        comparison_operator: "GreaterThanOrEqualToThreshold",
        threshold: 20,
      },
      ["503", "/aws/lambda/sfn-dedup-prod-orders-start"],
    ],
  ])("%s", (_, name, expected, advice) => {
    it("reads its metric, with every dimension it is published with, against its threshold", () => {
      expect(alarm(prod, name)).toMatchObject(expected);
    });

    it("says in its description what it means and what to do", () => {
      const { alarm_description: description } = alarm(prod, name);
      expect(description.length).toBeLessThanOrEqual(1024);
      for (const words of advice) expect(description).toContain(words);
    });
  });

  it("watch each workflow's state machine for executions that failed, timed out or were aborted, added together", () => {
    const failed = alarm(prod, "sfn-dedup-prod-orders-executions-failed");
    const machine = stateMachineArn(prod, "sfn-dedup-prod-orders");
    expect(failed.metric_query).toEqual([
      ...["ExecutionsFailed", "ExecutionsTimedOut", "ExecutionsAborted"].map((metricName, index) => ({
        id: `m${index}`,
        return_data: false,
        metric: { namespace: "AWS/States", metric_name: metricName, dimensions: { StateMachineArn: machine }, stat: "Sum", period: 300 },
      })),
      { id: "total", expression: "FILL(m0, 0) + FILL(m1, 0) + FILL(m2, 0)", label: "Total", return_data: true },
    ]);
    expect(failed).toMatchObject({ threshold: 3, comparison_operator: "GreaterThanOrEqualToThreshold", evaluation_periods: 1 });
    expect(failed.alarm_description).toContain("redrive");
    expect(alarm(prod, "sfn-dedup-prod-orders-executions-throttled").dimensions).toEqual({ StateMachineArn: machine });
  });

  it("take their thresholds from alarms, each one not configured at its default", () => {
    expect(alarm(fresh, "sfn-dedup-default-notify-country-unavailable").threshold).toBe(5);
    expect(alarm(fresh, "sfn-dedup-default-notify-country-executions-failed").threshold).toBe(1);
    expect(alarm(prod, "sfn-dedup-prod-notify-country-unavailable").threshold).toBe(20);
    const thresholds = synthTrigger({ alarms: { throttledExecutions: 7, functionErrors: 2, functionThrottles: 4, serverErrors: 50 } }).tf;
    expect(alarm(thresholds, "sfn-dedup-default-notify-country-executions-throttled").threshold).toBe(7);
    expect(alarm(thresholds, "sfn-dedup-default-start-execution-errors").threshold).toBe(2);
    expect(alarm(thresholds, "sfn-dedup-default-start-execution-throttles").threshold).toBe(4);
    expect(alarm(thresholds, "sfn-dedup-default-api-5xx").threshold).toBe(50);
  });
});

describe("the alarm topic", () => {
  it("is sfn-dedup-<env>-alarms, encrypted with the environment's key when it has one, subscribed by the alarm addresses only", () => {
    const [id, topic] = alarmTopic(prod);
    expect(topic).toMatchObject({ name: "sfn-dedup-prod-alarms", kms_master_key_id: KEY });
    expect(prod.resource.aws_kms_key).toBeUndefined();
    const subscriptions = Object.values(prod.resource.aws_sns_topic_subscription).filter(
      (subscription) => subscription.topic_arn === `\${aws_sns_topic.${id}.arn}`,
    );
    expect(subscriptions.map((subscription) => [subscription.protocol, subscription.endpoint]).sort()).toEqual([
      ["email", "oncall@example.com"],
      ["email", "ops@example.com"],
    ]);
    expect(notificationTopic(prod).name).toBe("sfn-dedup-prod-notifications");
  });

  it("has no subscribers by default, and a key of its own: CloudWatch cannot use the AWS-managed alias/aws/sns", () => {
    const [, topic] = alarmTopic(fresh);
    expect(topic.kms_master_key_id).toBe(referenceTo(fresh, "aws_kms_key", "arn"));
    expect(fresh.resource.aws_sns_topic_subscription).toBeUndefined();
    expect(Object.values(fresh.resource.aws_kms_key)).toEqual([
      expect.objectContaining({ enable_key_rotation: true, is_enabled: true, deletion_window_in_days: 30 }),
    ]);
    expect(Object.values(fresh.resource.aws_kms_key_policy)).toEqual([
      expect.objectContaining({ key_id: referenceTo(fresh, "aws_kms_key", "key_id") }),
    ]);
  });

  it("is named by the output alarm_topic_arn", () => {
    expect(prod.output.alarm_topic_arn.value).toBe(`\${aws_sns_topic.${alarmTopic(prod)[0]}.arn}`);
  });

  describe("its policy, evaluated as IAM would (@cloud-copilot/iam-simulate)", () => {
    const policy = resolvedDocument(prod, onlyPolicy(prod).policy);
    const publish = (context: Record<string, string>, service = "cloudwatch.amazonaws.com") =>
      serviceMayCall(service, "sns:Publish", ALARM_TOPIC, policy, context);

    it("lets CloudWatch publish for every alarm of the environment", async () => {
      for (const { alarm_name: name } of alarms(prod)) {
        expect({
          name,
          decision: await publish({ "aws:SourceAccount": ACCOUNT, "aws:SourceArn": arn("cloudwatch", `alarm:${name}`) }),
        }).toEqual({ name, decision: "Allowed" });
      }
    });

    it("not for another alarm, another account's alarm, or another region's, and lets no other service publish", async () => {
      expect(await publish({ "aws:SourceAccount": ACCOUNT, "aws:SourceArn": arn("cloudwatch", "alarm:sfn-dedup-dev-api-5xx") })).toBe(
        "ImplicitlyDenied",
      );
      expect(
        await publish({
          "aws:SourceAccount": "222222222222",
          "aws:SourceArn": "arn:aws:cloudwatch:eu-west-1:222222222222:alarm:sfn-dedup-prod-api-5xx",
        }),
      ).toBe("ImplicitlyDenied");
      expect(
        await publish({ "aws:SourceAccount": ACCOUNT, "aws:SourceArn": arn("cloudwatch", "alarm:sfn-dedup-prod-api-5xx", "us-east-1") }),
      ).toBe("ImplicitlyDenied");
      expect(
        await publish(
          { "aws:SourceAccount": ACCOUNT, "aws:SourceArn": arn("cloudwatch", "alarm:sfn-dedup-prod-api-5xx") },
          "events.amazonaws.com",
        ),
      ).toBe("ImplicitlyDenied");
    });
  });

  describe("its own key's policy", () => {
    const policy = resolvedDocument(fresh, Object.values(fresh.resource.aws_kms_key_policy)[0].policy) as {
      Statement: Array<Record<string, any>>;
    };
    const key = arn("kms", "key/1234abcd-12ab-34cd-56ef-1234567890ab");
    const topic = arn("sns", "sfn-dedup-default-alarms");

    it("lets CloudWatch use the key only for messages to the alarm topic, which SNS names in the encryption context", () => {
      const [, cloudWatch] = policy.Statement;
      expect(cloudWatch).toEqual({
        Sid: "CloudWatchAlarmsEncryptForTheAlarmTopic",
        Effect: "Allow",
        Principal: { Service: "cloudwatch.amazonaws.com" },
        Action: ["kms:GenerateDataKey*", "kms:Decrypt"],
        Resource: "*",
        Condition: { StringEquals: { "aws:SourceAccount": ACCOUNT, "kms:EncryptionContext:aws:sns:topicArn": topic } },
      });
    });

    describe("evaluated as IAM would, the encryption context aside", () => {
      // @cloud-copilot/iam-simulate 0.1.173 recognises variable condition keys only in the form prefix/name
      // (aws:PrincipalTag/…), not kms:EncryptionContext:<name>, which it ignores and so never matches: that
      // condition is asserted as written, above, and left out of the simulated policy.
      const simulated = structuredClone(policy);
      delete simulated.Statement[1].Condition.StringEquals["kms:EncryptionContext:aws:sns:topicArn"];
      const use = (action: string, account: string) =>
        serviceMayCall("cloudwatch.amazonaws.com", action, key, simulated, { "aws:SourceAccount": account });

      it("lets CloudWatch generate data keys and decrypt on behalf of the account", async () => {
        expect(await use("kms:GenerateDataKey", ACCOUNT)).toBe("Allowed");
        expect(await use("kms:Decrypt", ACCOUNT)).toBe("Allowed");
      });

      it("not on behalf of another account, and never to administer or read the key", async () => {
        expect(await use("kms:GenerateDataKey", "222222222222")).toBe("ImplicitlyDenied");
        for (const action of ["kms:PutKeyPolicy", "kms:ScheduleKeyDeletion", "kms:Encrypt", "kms:CreateGrant", "kms:DescribeKey"]) {
          expect({ action, decision: await use(action, ACCOUNT) }).toEqual({ action, decision: "ImplicitlyDenied" });
        }
      });
    });

    it("leaves the key's administration to the account's IAM policies, as AWS's default key policy does", () => {
      expect(policy.Statement[0]).toEqual({
        Sid: "AdministeredThroughIam",
        Effect: "Allow",
        Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
        Action: "kms:*",
        Resource: "*",
      });
    });
  });
});

describe("alarms.topicArn: an existing topic", () => {
  const topicArn = "arn:aws:sns:us-east-1:999999999999:ops-alarms";
  const { tf } = synthTrigger({ alarms: { topicArn } });

  it("is what every alarm notifies; the stack creates no topic, key or topic policy for them", () => {
    for (const candidate of alarms(tf)) expect(candidate).toMatchObject({ alarm_actions: [topicArn], ok_actions: [topicArn] });
    expect(alarms(tf)).toHaveLength(6);
    expect(Object.values(tf.resource.aws_sns_topic).map((topic) => topic.name)).toEqual(["sfn-dedup-default-notifications"]);
    expect(tf.resource.aws_kms_key).toBeUndefined();
    expect(tf.resource.aws_sns_topic_policy).toBeUndefined();
    expect(tf.output.alarm_topic_arn.value).toBe(topicArn);
  });
});

describe("alarms: false", () => {
  const { tf } = synthTrigger({ alarms: false });

  it("creates no alarm, no alarm topic and no key, and outputs no alarm topic; the dashboard stays", () => {
    for (const type of ["aws_cloudwatch_metric_alarm", "aws_sns_topic_policy", "aws_kms_key", "aws_kms_key_policy"])
      expect({ type, resources: tf.resource[type] }).toEqual({ type, resources: undefined });
    expect(Object.values(tf.resource.aws_sns_topic).map((topic) => topic.name)).toEqual(["sfn-dedup-default-notifications"]);
    expect(tf.output.alarm_topic_arn).toBeUndefined();
    expect(Object.keys(tf.resource.aws_cloudwatch_dashboard)).toHaveLength(1);
  });
});

function onlyPolicy(tf: TerraformJson): Attributes {
  const policies = Object.values(tf.resource.aws_sns_topic_policy ?? {});
  expect(policies).toHaveLength(1);
  return policies[0];
}
