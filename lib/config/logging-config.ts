import { ConfigError } from "./config-error";
import { defaultsOf, type FieldsOf, readObject } from "./config-field";
import type { ConfigReader } from "./config-reader";

/** The retention periods CloudWatch Logs accepts, in days. */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;
export const WORKFLOW_LOG_LEVELS = ["ALL", "ERROR", "FATAL", "OFF"] as const;
export type WorkflowLogLevel = (typeof WORKFLOW_LOG_LEVELS)[number];

export interface LoggingConfig {
  /** How long every log group of the environment keeps its events. */
  readonly retentionDays: number;
  /** What the state machine logs: ERROR without execution data by default, since requests may hold personal data. */
  readonly workflow: { readonly level: WorkflowLogLevel; readonly includeExecutionData: boolean };
}

/** `logs.workflow`: ERROR without execution data by default, since requests may hold personal data. */
export const WORKFLOW_LOGGING_FIELDS = {
  level: {
    doc: "what the state machine logs",
    default: { value: "ERROR" },
    read: (reader, name) => reader.optionalEnum(name, WORKFLOW_LOG_LEVELS),
  },
  includeExecutionData: {
    doc: "whether its logs carry execution input and output",
    default: { value: false },
    read: (reader, name) => reader.optionalBoolean(name),
  },
} satisfies FieldsOf<LoggingConfig["workflow"]>;

/** `"logs": { "retentionDays": 365, "workflow": { "level": "ERROR", "includeExecutionData": false } }` */
export const LOGGING_FIELDS = {
  retentionDays: {
    doc: "retention of every log group",
    // One year: what scanners ask of log retention (CKV_AWS_338).
    default: { value: 365 },
    read: (reader, name) => {
      // null has always counted as left out here.
      const retentionDays = reader.valueOf(name) ?? undefined;
      if (retentionDays !== undefined && !(LOG_RETENTION_DAYS as readonly unknown[]).includes(retentionDays)) {
        throw new ConfigError(
          reader.fieldPath(name),
          `must be one of CloudWatch's retention periods: ${LOG_RETENTION_DAYS.join(", ")}; got ${JSON.stringify(retentionDays)}.`,
        );
      }
      return retentionDays as number | undefined;
    },
  },
  workflow: {
    doc: "what the state machine logs",
    default: { value: defaultsOf(WORKFLOW_LOGGING_FIELDS) },
    read: (reader, name) => readObject(WORKFLOW_LOGGING_FIELDS, reader.optionalObject(name)),
    fields: WORKFLOW_LOGGING_FIELDS,
  },
} satisfies FieldsOf<LoggingConfig>;

export const LOGGING_DEFAULTS: LoggingConfig = defaultsOf(LOGGING_FIELDS);

export function loggingConfigFrom(reader: ConfigReader | undefined): LoggingConfig {
  return readObject(LOGGING_FIELDS, reader);
}
