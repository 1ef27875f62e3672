import { Construct } from "constructs";
import { AwsEnvironment } from "./aws-environment";
import { subscribeByEmail } from "./notification-topic";
import { KmsKey, KmsKeyPolicy, SnsTopic, SnsTopicPolicy } from "./toolkit/aws-provider";

export interface AlarmTopicProps {
  /** `sfn-dedup-<env>-alarms`. */
  readonly name: string;
  /** E-mail subscribers; each confirms the subscription AWS mails them. @default [] */
  readonly emails?: readonly string[];
  /**
   * The environment's customer managed key, whose policy must let CloudWatch use it (README.md, Alarms and
   * dashboard). @default a key of the topic's own
   */
  readonly kmsKeyArn?: string;
  /** The alarms that may publish to the topic, by name: no other alarm, and no other account's. */
  readonly alarmNames: readonly string[];
}

export const CLOUDWATCH_PRINCIPAL = "cloudwatch.amazonaws.com";
/** KMS's longest waiting period: a key deleted by mistake can be restored for 30 days. */
const KEY_DELETION_WINDOW_DAYS = 30;

/**
 * The topic the environment's alarms notify, encrypted like every topic of the project, with its e-mail
 * subscribers, and a policy that lets CloudWatch publish for the environment's alarms only.
 *
 * Its key cannot be the AWS-managed `alias/aws/sns` the notification topic uses by default: CloudWatch publishes
 * to an encrypted topic only if the key's policy lets `cloudwatch.amazonaws.com` use the key, and an AWS-managed
 * key's policy cannot be changed (AWS re:Post, "How do I configure a CloudWatch alarm with an encrypted SNS
 * topic?"; SNS Developer Guide, "Enable compatibility between event sources from AWS services and encrypted
 * topics"). Without `kmsKeyArn` the topic gets a customer managed key of its own, which protects nothing else.
 */
export class AlarmTopic extends Construct {
  public readonly topic: SnsTopic;
  /** The key the stack created for the topic; absent when the environment's key encrypts it. */
  public readonly key?: KmsKey;

  constructor(scope: Construct, id: string, props: AlarmTopicProps) {
    super(scope, id);
    const aws = AwsEnvironment.of(this);
    // Built from the name, not read from the topic: the key's policy names the topic, and the topic names the key.
    const topicArn = aws.arn("sns", props.name);

    if (!props.kmsKeyArn) {
      this.key = new KmsKey(this, "key", {
        description: `Encrypts the alarm topic ${props.name} (sfn-dedup); CloudWatch alarms of the account may use it for that topic only`,
        enableKeyRotation: true,
        isEnabled: true,
        deletionWindowInDays: KEY_DELETION_WINDOW_DAYS,
      });
      // Its own resource rather than the key's `policy`, as Checkov's CKV2_AWS_64 looks for.
      new KmsKeyPolicy(this, "key-policy", { keyId: this.key.keyId, policy: alarmKeyPolicy(aws, topicArn) });
    }

    this.topic = new SnsTopic(this, "topic", { name: props.name, kmsMasterKeyId: props.kmsKeyArn ?? this.key!.arn });
    subscribeByEmail(this, this.topic.arn, props.emails ?? []);
    new SnsTopicPolicy(this, "policy", {
      arn: this.topic.arn,
      policy: alarmTopicPolicy(
        this.topic.arn,
        aws.accountId,
        props.alarmNames.map((name) => aws.arn("cloudwatch", `alarm:${name}`)),
      ),
    });
  }

  public get arn(): string {
    return this.topic.arn;
  }
}

/**
 * The topic's policy: CloudWatch may publish, for the alarms named and on behalf of the account only, as AWS
 * recommends against the cross-service confused deputy (`aws:SourceArn`, `aws:SourceAccount`). The account's own
 * principals need no statement here: within the account, their IAM policies decide.
 */
export function alarmTopicPolicy(topicArn: string, accountId: string, alarmArns: readonly string[]): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "CloudWatchAlarmsOfTheEnvironment",
        Effect: "Allow",
        Principal: { Service: CLOUDWATCH_PRINCIPAL },
        Action: "sns:Publish",
        Resource: topicArn,
        Condition: { StringEquals: { "aws:SourceAccount": accountId }, ArnLike: { "aws:SourceArn": [...alarmArns] } },
      },
    ],
  });
}

/**
 * The key's policy: the account administers it through IAM (the statement every key policy AWS writes starts
 * with; without it no one could ever change or delete the key), and CloudWatch may encrypt messages for the
 * alarm topic, on behalf of the account, and nothing else (SNS names the topic in the encryption context).
 */
function alarmKeyPolicy(aws: AwsEnvironment, topicArn: string): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "AdministeredThroughIam",
        Effect: "Allow",
        Principal: { AWS: `arn:${aws.partition}:iam::${aws.accountId}:root` },
        Action: "kms:*",
        Resource: "*",
      },
      {
        Sid: "CloudWatchAlarmsEncryptForTheAlarmTopic",
        Effect: "Allow",
        Principal: { Service: CLOUDWATCH_PRINCIPAL },
        Action: ["kms:GenerateDataKey*", "kms:Decrypt"],
        Resource: "*",
        Condition: { StringEquals: { "aws:SourceAccount": aws.accountId, "kms:EncryptionContext:aws:sns:topicArn": topicArn } },
      },
    ],
  });
}
