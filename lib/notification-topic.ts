import { Construct } from "constructs";
import { AwsEnvironment } from "./aws-environment";
import type { PolicyStatement } from "./iam-policy";
import { SnsTopic, SnsTopicSubscription } from "./toolkit/aws-provider";

export interface NotificationTopicProps {
  readonly name: string;
  /**
   * E-mail subscribers. Each must confirm the subscription AWS mails them; unconfirmed subscriptions lapse
   * after 48 hours and Terraform cannot delete them before that.
   * @default [] (no subscribers)
   */
  readonly emails?: readonly string[];
  /** Customer managed key for the messages at rest. @default the AWS-managed key, alias/aws/sns */
  readonly kmsKeyArn?: string;
}

export const SNS_MANAGED_KEY_ALIAS = "alias/aws/sns";

/** The SNS topic the workflow publishes to, encrypted with KMS, with its e-mail subscribers. */
export class NotificationTopic extends Construct {
  public readonly topic: SnsTopic;
  private readonly kmsKeyArn?: string;

  constructor(scope: Construct, id: string, props: NotificationTopicProps) {
    super(scope, id);
    this.kmsKeyArn = props.kmsKeyArn;
    this.topic = new SnsTopic(this, "topic", { name: props.name, kmsMasterKeyId: props.kmsKeyArn ?? SNS_MANAGED_KEY_ALIAS });
    subscribeByEmail(this, this.topic.arn, props.emails ?? []);
  }

  public get arn(): string {
    return this.topic.arn;
  }

  /** What a publisher needs: publish to this topic, and use its key to encrypt the message. */
  public publishStatements(): PolicyStatement[] {
    const aws = AwsEnvironment.of(this);
    const viaSns = { "kms:ViaService": `sns.${aws.region}.amazonaws.com` };
    return [
      { sid: "PublishToNotificationTopic", actions: ["sns:Publish"], resources: [this.topic.arn] },
      this.kmsKeyArn
        ? {
            sid: "EncryptForNotificationTopic",
            actions: ["kms:GenerateDataKey", "kms:Decrypt"],
            resources: [this.kmsKeyArn],
            conditions: { StringEquals: viaSns },
          }
        : {
            sid: "EncryptForNotificationTopic",
            actions: ["kms:GenerateDataKey", "kms:Decrypt"],
            // An AWS-managed key has no ARN to name before its first use: the account's keys in the
            // region, narrowed to the aws/sns alias and to calls SNS makes.
            resources: [aws.arn("kms", "key/*")],
            conditions: { StringEquals: viaSns, "ForAnyValue:StringEquals": { "kms:ResourceAliases": SNS_MANAGED_KEY_ALIAS } },
          },
    ];
  }
}

/** E-mail subscriptions of a topic, each a child of `scope` named after its address. */
export function subscribeByEmail(scope: Construct, topicArn: string, emails: readonly string[]): void {
  for (const email of emails) {
    // Keyed by address, not position: reordering the list must not replace (and re-mail) subscribers.
    new SnsTopicSubscription(scope, `email-${email.toLowerCase()}`, { topicArn, protocol: "email", endpoint: email });
  }
}
