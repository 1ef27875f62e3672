/**
 * One line per status request, as JSON on stdout (functions/shared/log-line.ts). It never holds an
 * execution's output, error or cause: they may carry personal data; the name finds the execution.
 */
export interface StatusLogRecord {
  readonly level: "INFO" | "WARN" | "ERROR";
  readonly message: "status request";
  readonly requestId: string;
  /** Only a well-formed name: anything else in the path is the client's, and is not repeated here. */
  readonly executionName?: string;
  readonly outcome: string;
  readonly statusCode: number;
  /** The status answered, when one was. */
  readonly executionStatus?: string;
  readonly latencyMs: number;
  readonly errorName?: string;
}

export type StatusLogWriter = (record: StatusLogRecord) => void;
