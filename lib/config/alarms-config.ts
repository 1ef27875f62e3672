import { partitionOf } from "./aws-regions";
import { ConfigError } from "./config-error";
import { defaultsOf, type FieldsOf, fieldNames, readField, readFields } from "./config-field";
import type { ConfigReader } from "./config-reader";
import { EMAIL_ADDRESS } from "./patterns";

/**
 * When each alarm goes off (README.md, Alarms and dashboard). Counts are per workflow where the alarm is, over
 * five minutes unless the name says otherwise; an alarm goes off at the threshold ("at least").
 */
export interface AlarmThresholds {
  /** `unavailable` answers of one workflow's trigger in a minute, in 2 of 3 consecutive minutes. */
  readonly unavailablePerMinute: number;
  /** Executions of one workflow that failed, timed out or were aborted. */
  readonly failedExecutions: number;
  /** State transitions of one workflow's executions that Step Functions throttled (`ExecutionThrottled`). */
  readonly throttledExecutions: number;
  /** Failed invocations (errors, timeouts) of one workflow's start-execution function. */
  readonly functionErrors: number;
  /** Invocations of one workflow's start-execution function that Lambda throttled. */
  readonly functionThrottles: number;
  /** 5xx answers of the HTTP API, every route together. */
  readonly serverErrors: number;
}

/** The environment's alarms and where they notify. */
export interface AlarmsConfig {
  /** Subscribers of the alarm topic the stack creates (`sfn-dedup-<env>-alarms`). */
  readonly emails: readonly string[];
  /** An existing topic to notify instead; the stack then creates none (its policy and key are the owner's). */
  readonly topicArn?: string;
  readonly thresholds: AlarmThresholds;
}

/** A standard SNS topic's ARN; captures the partition and the region. */
const SNS_TOPIC_ARN = /^arn:(aws(?:-[a-z]+)*):sns:([a-z0-9-]+):\d{12}:[A-Za-z0-9_-]{1,256}$/;
const MAX_THRESHOLD = 100_000;

/** A threshold's reader; `what` completes "must be …" in its error. */
function threshold(what: string) {
  return (reader: ConfigReader, name: string) => reader.optionalInteger(name, 1, MAX_THRESHOLD, what);
}

/**
 * Low enough that one real incident is seen, high enough that one unlucky request is not paged: every count
 * is something the trigger never does when healthy, except `unavailable` answers and 5xx, of which a few can
 * follow a blip in an AWS service and are retried by clients.
 */
export const ALARM_THRESHOLD_FIELDS = {
  unavailablePerMinute: {
    doc: "a workflow's trigger answering `unavailable` (503) that many times a minute, in 2 of 3 minutes",
    default: { value: 5 },
    read: threshold("how many unavailable answers a minute raise the alarm"),
  },
  failedExecutions: {
    doc: "a workflow's executions that failed, timed out or were aborted, in 5 minutes",
    default: { value: 1 },
    read: threshold("how many failed, timed-out or aborted executions in 5 minutes raise the alarm"),
  },
  throttledExecutions: {
    doc: "a workflow's state transitions Step Functions throttled (`ExecutionThrottled`), in 5 minutes",
    default: { value: 1 },
    read: threshold("how many throttled state transitions in 5 minutes raise the alarm"),
  },
  functionErrors: {
    doc: "failed invocations of a workflow's start-execution function, in 5 minutes",
    default: { value: 1 },
    read: threshold("how many function errors in 5 minutes raise the alarm"),
  },
  functionThrottles: {
    doc: "throttled invocations of a workflow's start-execution function, in 5 minutes",
    default: { value: 1 },
    read: threshold("how many throttled invocations in 5 minutes raise the alarm"),
  },
  serverErrors: {
    doc: "5xx answers of the HTTP API, every route together, in 5 minutes",
    default: { value: 5 },
    read: threshold("how many 5xx answers in 5 minutes raise the alarm"),
  },
} satisfies FieldsOf<AlarmThresholds>;

export const ALARM_THRESHOLD_DEFAULTS: AlarmThresholds = defaultsOf(ALARM_THRESHOLD_FIELDS);

/** `"alarms": { "emails": [...], "topicArn"?: "...", "<threshold>": n, … }`: flat, the thresholds beside the rest. */
export const ALARMS_FIELDS = {
  emails: {
    doc: "subscribers of the alarm topic `sfn-dedup-<env>-alarms`",
    default: { value: [] },
    read: (reader, name) => reader.optionalStringList(name, EMAIL_ADDRESS, "e-mail addresses such as oncall@example.com"),
  },
  topicArn: {
    doc: "an existing topic the alarms notify instead",
    default: { value: undefined, shown: "a topic of the stack's" },
    read: (reader, name, region: string) => {
      const topicArn = reader.optionalString(name, SNS_TOPIC_ARN, "an SNS topic ARN such as arn:aws:sns:eu-west-1:123456789012:ops-alarms");
      if (topicArn) {
        const [, partition, topicRegion] = SNS_TOPIC_ARN.exec(topicArn)!;
        if (topicRegion !== region) {
          throw new ConfigError(
            reader.fieldPath(name),
            `is in ${topicRegion}, not the environment's region ${region}: CloudWatch alarms notify topics in their own region only.`,
          );
        }
        if (partition !== partitionOf(region)) {
          throw new ConfigError(
            reader.fieldPath(name),
            `is in partition ${partition}, not ${partitionOf(region)}, the partition of the environment's region ${region}.`,
          );
        }
      }
      return topicArn;
    },
  },
  ...ALARM_THRESHOLD_FIELDS,
} satisfies FieldsOf<Pick<AlarmsConfig, "emails" | "topicArn"> & AlarmThresholds>;

/** What an environment gets without `alarms`: every alarm, on a topic of its own that nobody subscribes to yet. */
export const ALARMS_DEFAULTS: AlarmsConfig = { emails: defaultsOf(ALARMS_FIELDS).emails, thresholds: ALARM_THRESHOLD_DEFAULTS };

/**
 * `"alarms": false`, `true` (the defaults), or `{ "emails": [...], "topicArn"?: "...", "<threshold>": n, … }`;
 * absent: undefined, for the environment's default. `region` is the environment's: CloudWatch notifies topics
 * in the alarm's region only.
 */
export function alarmsConfigFrom(reader: ConfigReader, field: string, region: string): AlarmsConfig | false | undefined {
  const value = reader.valueOf(field);
  if (value === undefined) {
    return undefined;
  }
  if (value === true) {
    return ALARMS_DEFAULTS;
  }
  if (value === false) {
    return false;
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new ConfigError(
      reader.fieldPath(field),
      `must be true, false or { "emails": [...], "topicArn": "...", <thresholds> }; got ${JSON.stringify(value)}.`,
    );
  }
  const alarms = reader.requiredObject(field, "the alarms' settings").allowOnly(fieldNames(ALARMS_FIELDS));
  // The topic first: with one, emails are refused whatever they hold.
  const topicArn = readField(ALARMS_FIELDS, "topicArn", alarms, region);
  if (topicArn && alarms.has("emails")) {
    throw new ConfigError(
      alarms.fieldPath("emails"),
      "subscribe to the topic the stack creates; with topicArn the stack creates none: subscribe to that topic where it is managed, or " +
        "leave topicArn out.",
    );
  }
  return {
    emails: readField(ALARMS_FIELDS, "emails", alarms),
    ...(topicArn ? { topicArn } : {}),
    thresholds: readFields(ALARM_THRESHOLD_FIELDS, alarms),
  };
}
