import { EXECUTION_NAME_SOURCES, type ExecutionNameStrategy } from "../../functions/start-execution/execution-name";
import { ConfigError } from "./config-error";
import { ConfigReader } from "./config-reader";

/** What one deployment of the trigger is configured with. */
export interface TriggerConfig {
  /** AWS region the stack deploys to. */
  readonly region: string;
  /** E-mail subscribers of the notification topic. */
  readonly notificationEmails: readonly string[];
  /** What the execution name is derived from. */
  readonly executionName: ExecutionNameStrategy;
}

/** The defaults, in one place: README.md "Configuration" documents the same values. */
export const TRIGGER_DEFAULTS: TriggerConfig = {
  region: "us-east-1",
  notificationEmails: [],
  executionName: { from: "country" },
};

/** Fields of cdktf.json `context` this project reads; cdktf adds its own keys there too. */
export const TRIGGER_CONTEXT_FIELDS = ["region", "notificationEmails", "executionName"] as const;

export const AWS_REGION_PATTERN = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d{1,2}$/;
/** Deliberately plain: one @, no spaces, a dotted domain. SNS does the real check when it mails. */
export const EMAIL_PATTERN = /^[^\s@]+@[^\s@]+\.[^\s@.]+$/;
/** A top-level JSON field name: what a client can send, what the Lambda reads by name. */
const FIELD_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_-]{0,63}$/;

export function triggerConfigFrom(context: ConfigReader): TriggerConfig {
  return {
    region:
      context.optionalString("region", AWS_REGION_PATTERN, "an AWS region such as eu-west-1") ?? TRIGGER_DEFAULTS.region,
    notificationEmails:
      context.optionalStringList("notificationEmails", EMAIL_PATTERN, "e-mail addresses such as ops@example.com") ??
      TRIGGER_DEFAULTS.notificationEmails,
    executionName: executionNameFrom(context.optionalObject("executionName")) ?? TRIGGER_DEFAULTS.executionName,
  };
}

function executionNameFrom(reader: ConfigReader | undefined): ExecutionNameStrategy | undefined {
  if (!reader) {
    return undefined;
  }
  reader.allowOnly(["from", "field"]);
  const from = reader.optionalEnum("from", EXECUTION_NAME_SOURCES);
  if (from === undefined) {
    throw new ConfigError(reader.fieldPath("from"), `is required: one of ${EXECUTION_NAME_SOURCES.join(", ")}.`);
  }
  if (from !== "field") {
    if (reader.has("field")) {
      throw new ConfigError(reader.fieldPath("field"), `is only used when "from" is "field".`);
    }
    return { from };
  }
  const field = reader.requiredString("field", FIELD_NAME_PATTERN, "the name of a top-level request field such as orderId");
  return { from, field };
}
