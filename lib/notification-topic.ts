import { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import { SnsTopicSubscription } from "@cdktf/provider-aws/lib/sns-topic-subscription";
import { Construct } from "constructs";
import type { PolicyStatement } from "./iam-policy";

export interface NotificationTopicProps {
  readonly name: string;
  /**
   * E-mail subscribers. Each must confirm the subscription AWS mails them; unconfirmed subscriptions lapse
   * after 48 hours and Terraform cannot delete them before that.
   * @default [] (no subscribers)
   */
  readonly emails?: readonly string[];
}

/** The SNS topic the workflow publishes to, with its e-mail subscribers. */
export class NotificationTopic extends Construct {
  public readonly topic: SnsTopic;

  constructor(scope: Construct, id: string, props: NotificationTopicProps) {
    super(scope, id);
    this.topic = new SnsTopic(this, "topic", { name: props.name });
    for (const email of props.emails ?? []) {
      // Keyed by address, not position: reordering the list must not replace (and re-mail) subscribers.
      new SnsTopicSubscription(this, `email-${email.toLowerCase()}`, {
        topicArn: this.topic.arn,
        protocol: "email",
        endpoint: email,
      });
    }
  }

  public get arn(): string {
    return this.topic.arn;
  }

  /** What a publisher needs: publish to this topic, nothing else. */
  public publishStatement(): PolicyStatement {
    return { sid: "PublishToNotificationTopic", actions: ["sns:Publish"], resources: [this.topic.arn] };
  }
}
