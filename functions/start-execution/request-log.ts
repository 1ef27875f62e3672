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

/**
 * Written straight to stdout rather than through `console`, which the Lambda runtime rewrites into its
 * own text or JSON envelope: the line stays one JSON object whatever the function's log format.
 */
export const writeToStdout: RequestLogWriter = (record) => {
  process.stdout.write(`${JSON.stringify({ timestamp: new Date().toISOString(), ...record })}\n`);
};
