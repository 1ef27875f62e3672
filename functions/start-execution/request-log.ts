import { writeLogLine } from "../shared/log-line";

/**
 * One line per request, as JSON on stdout, so that CloudWatch Logs Insights can query every field. It
 * never holds the payload: requests may carry personal data, and the execution name identifies the
 * request well enough to find its execution.
 */
export interface RequestLogRecord {
  readonly level: "INFO" | "WARN" | "ERROR";
  readonly message: "execution request";
  readonly requestId: string;
  /** Which part of the request the name is derived from: `country`, `payload` or `field:<name>`. */
  readonly key: string;
  readonly executionName?: string;
  readonly outcome: string;
  readonly statusCode: number;
  readonly latencyMs: number;
  readonly errorName?: string;
  /** A ledger write that failed after the answer was decided (recording the execution, releasing a claim). */
  readonly ledgerErrorName?: string;
}

export type RequestLogWriter = (record: RequestLogRecord) => void;

/** One JSON line on stdout, whatever the function's log format (functions/shared/log-line.ts). */
export const writeToStdout: RequestLogWriter = writeLogLine;
