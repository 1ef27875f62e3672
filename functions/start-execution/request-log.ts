import { embeddedMetrics, withEmbeddedMetrics } from "../shared/embedded-metrics";
import { writeLogLine } from "../shared/log-line";
import { METRIC_DIMENSIONS, METRICS_NAMESPACE, type RequestOutcome, START_METRICS } from "../shared/metrics-contract";
import type { RequestMetricDimensions } from "./contract";
import type { StartOutcome } from "./start-execution-once";

/** How the handler answers a request: what Step Functions (and the ledger) made of it, or why it never got that far. */
type HandlerOutcome = StartOutcome["outcome"] | "invalid-request" | "internal-error";

/**
 * REQUEST_OUTCOMES (functions/shared/metrics-contract.ts, the `Outcome` dimension's values) must be exactly the
 * handler's outcomes: an outcome added to the handler's types, or to the list alone, fails to compile here.
 */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const OUTCOMES_ARE_THE_HANDLERS: Same<RequestOutcome, HandlerOutcome> = true;
void OUTCOMES_ARE_THE_HANDLERS;

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
  readonly outcome: RequestOutcome;
  readonly statusCode: number;
  readonly latencyMs: number;
  readonly errorName?: string;
  /** A ledger write that failed after the answer was decided (recording the execution, releasing a claim). */
  readonly ledgerErrorName?: string;
}

export type RequestLogWriter = (record: RequestLogRecord) => void;

/**
 * The request's metrics, in Embedded Metric Format: `Requests` (1) and `Latency` (its `latencyMs`), with one
 * dimension set, Environment + Workflow + Outcome. One set because every question asked of these metrics is
 * per workflow and outcome (requests by outcome, the duplicate ratio, latency of started requests); each more
 * set would publish every value again as another custom metric, billed as such, while a total across
 * outcomes (or workflows) is the SUM of their series in a metric math or SEARCH expression.
 */
export function requestMetrics(
  dimensions: RequestMetricDimensions,
  record: Pick<RequestLogRecord, "outcome" | "latencyMs">,
  timestamp: Date,
) {
  return embeddedMetrics(
    METRICS_NAMESPACE,
    {
      [METRIC_DIMENSIONS.environment]: dimensions.environment,
      [METRIC_DIMENSIONS.workflow]: dimensions.workflow,
      [METRIC_DIMENSIONS.outcome]: record.outcome,
    },
    {
      [START_METRICS.requests]: { value: 1, unit: "Count" },
      [START_METRICS.latency]: { value: record.latencyMs, unit: "Milliseconds" },
    },
    timestamp,
  );
}

/**
 * Writes the request's line (functions/shared/log-line.ts: one JSON line on stdout, whatever the function's
 * log format) with its metrics in it: the log fields stay as they were, and CloudWatch reads the metrics from
 * the same line.
 */
export function requestLogWriter(dimensions: RequestMetricDimensions, write: (line: object) => void = writeLogLine): RequestLogWriter {
  return (record) => write(withEmbeddedMetrics(record, requestMetrics(dimensions, record, new Date())));
}
