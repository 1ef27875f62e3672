import { embeddedMetrics, withEmbeddedMetrics } from "../shared/embedded-metrics";
import { writeLogLine } from "../shared/log-line";
import { LEDGER_STATUS_METRICS, METRIC_DIMENSIONS, METRICS_ENVIRONMENT_VARIABLES, METRICS_NAMESPACE } from "../shared/metrics-contract";
import { metricDimensionFrom } from "../shared/metrics-environment";
import type { StatusLogRecord } from "./handler";

/**
 * The event's metrics, in Embedded Metric Format, dimension Environment: `StatusesRecorded`, `StatusesIgnored`
 * and `EventsDropped`, 1 for what became of the event and 0 for the others. All three on every line, so each
 * has a data point per event: a sum over any period is a count, and a period with events but no drop shows
 * 0, not missing data, to an alarm. An event whose ledger write failed writes no line (it throws, and is
 * retried): Lambda's Errors metric and the dead-letter queue count those.
 */
export function statusMetrics(environment: string, record: Pick<StatusLogRecord, "recorded" | "problem">, timestamp: Date) {
  const dropped = record.problem !== undefined;
  return embeddedMetrics(
    METRICS_NAMESPACE,
    { [METRIC_DIMENSIONS.environment]: environment },
    {
      [LEDGER_STATUS_METRICS.recorded]: { value: !dropped && record.recorded === true ? 1 : 0, unit: "Count" },
      [LEDGER_STATUS_METRICS.ignored]: { value: !dropped && record.recorded === false ? 1 : 0, unit: "Count" },
      [LEDGER_STATUS_METRICS.dropped]: { value: dropped ? 1 : 0, unit: "Count" },
    },
    timestamp,
  );
}

/** Writes the event's line (one JSON line on stdout, functions/shared/log-line.ts) with its metrics in it. */
export function statusLogWriter(environment: string, write: (line: object) => void = writeLogLine): (record: StatusLogRecord) => void {
  return (record) => write(withEmbeddedMetrics(record, statusMetrics(environment, record, new Date())));
}

/** The environment the function is deployed in, as its metrics name it; it refuses to start without. */
export function metricsEnvironmentFrom(env: NodeJS.ProcessEnv): string {
  return metricDimensionFrom(env, METRICS_ENVIRONMENT_VARIABLES.environment);
}
