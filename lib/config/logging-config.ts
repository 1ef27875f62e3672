import { ConfigError } from "./config-error";
import type { ConfigReader } from "./config-reader";

/** The retention periods CloudWatch Logs accepts, in days. */
export const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653] as const;
export const WORKFLOW_LOG_LEVELS = ["ALL", "ERROR", "FATAL", "OFF"] as const;
export type WorkflowLogLevel = (typeof WORKFLOW_LOG_LEVELS)[number];

export interface LoggingConfig {
  /** How long every log group of the environment keeps its events. */
  readonly retentionDays: number;
  /** What the state machine logs: ERROR without execution data by default, since requests may hold personal data. */
  readonly workflow: { readonly level: WorkflowLogLevel; readonly includeExecutionData: boolean };
}

/** One year: what scanners ask of log retention (CKV_AWS_338). */
export const LOGGING_DEFAULTS: LoggingConfig = {
  retentionDays: 365,
  workflow: { level: "ERROR", includeExecutionData: false },
};

/** `"logs": { "retentionDays": 365, "workflow": { "level": "ERROR", "includeExecutionData": false } }` */
export function loggingConfigFrom(reader: ConfigReader | undefined): LoggingConfig {
  if (!reader) {
    return LOGGING_DEFAULTS;
  }
  reader.allowOnly(["retentionDays", "workflow"]);
  const retentionDays = reader.valueOf("retentionDays") ?? LOGGING_DEFAULTS.retentionDays;
  if (!(LOG_RETENTION_DAYS as readonly unknown[]).includes(retentionDays)) {
    throw new ConfigError(reader.fieldPath("retentionDays"), `must be one of CloudWatch's retention periods: ${LOG_RETENTION_DAYS.join(", ")}; got ${JSON.stringify(retentionDays)}.`);
  }
  const workflow = reader.optionalObject("workflow")?.allowOnly(["level", "includeExecutionData"]);
  return {
    retentionDays: retentionDays as number,
    workflow: {
      level: workflow?.optionalEnum("level", WORKFLOW_LOG_LEVELS) ?? LOGGING_DEFAULTS.workflow.level,
      includeExecutionData: workflow?.optionalBoolean("includeExecutionData") ?? LOGGING_DEFAULTS.workflow.includeExecutionData,
    },
  };
}
