import { randomUUID } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { ServiceError } from "./service-error";

/** A message the workflow published, as the outbox file holds it (one JSON object per line). */
export interface OutboxMessage {
  readonly topic: string;
  readonly subject: string | null;
  readonly message: string;
  readonly time: string;
}

/**
 * SNS on this machine: the workflow's `sns:publish` tasks end here instead of in someone's mailbox. A
 * publish to a topic the stack does not define fails as SNS would (`SNS.NotFoundException`).
 */
export class SnsOutbox {
  public readonly messages: OutboxMessage[] = [];

  constructor(
    private readonly topics: ReadonlySet<string>,
    private readonly options: { readonly file?: string; readonly onMessage?: (message: OutboxMessage) => void } = {},
  ) {
    if (options.file) {
      fs.mkdirSync(path.dirname(path.resolve(options.file)), { recursive: true });
    }
  }

  /** The `arn:aws:states:::sns:publish` task: its Parameters in, SNS's answer out. */
  public publish(parameters: unknown): { MessageId: string } {
    const { TopicArn, Message, Subject } = (parameters ?? {}) as { TopicArn?: unknown; Message?: unknown; Subject?: unknown };
    if (typeof TopicArn !== "string" || !this.topics.has(TopicArn)) {
      throw new ServiceError("SNS.NotFoundException", `Topic does not exist: ${String(TopicArn)}`);
    }
    if (typeof Message !== "string" || Message === "") {
      throw new ServiceError("SNS.InvalidParameterException", "Invalid parameter: Message");
    }
    const message: OutboxMessage = {
      topic: TopicArn,
      subject: typeof Subject === "string" ? Subject : null,
      message: Message,
      time: new Date().toISOString(),
    };
    this.messages.push(message);
    if (this.options.file) {
      fs.appendFileSync(this.options.file, `${JSON.stringify(message)}\n`);
    }
    this.options.onMessage?.(message);
    return { MessageId: randomUUID() };
  }
}
