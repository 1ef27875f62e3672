import { embeddedMetrics, withEmbeddedMetrics } from "../shared/embedded-metrics";
import { writeLogLine } from "../shared/log-line";
import { METRIC_DIMENSIONS, METRICS_NAMESPACE, RECONCILER_METRICS } from "../shared/metrics-contract";
import type { SweepLogRecord } from "./handler";
import type { RecordLogRecord } from "./reconcile";

/**
 * Writes the reconciler's lines (one JSON line each on stdout, functions/shared/log-line.ts). The sweep's line
 * carries its metrics in Embedded Metric Format, dimension Environment: `RecordsExamined`, `RecordsHealed` and
 * `ClaimsSettled`, every sweep, zeros included, so that a sum over any period is a count. A record's own line
 * (one per record the sweep changed or could not check) is plain.
 */
export function sweepLogWriter(
  environment: string,
  write: (line: object) => void = writeLogLine,
): (record: SweepLogRecord | RecordLogRecord) => void {
  return (record) => {
    if (record.message !== "ledger reconciled") {
      write(record);
      return;
    }
    const {
      [RECONCILER_METRICS.examined]: examined,
      [RECONCILER_METRICS.healed]: healed,
      [RECONCILER_METRICS.settled]: settled,
      ...fields
    } = record as SweepLogRecord;
    const metrics = embeddedMetrics(
      METRICS_NAMESPACE,
      { [METRIC_DIMENSIONS.environment]: environment },
      {
        [RECONCILER_METRICS.examined]: { value: examined, unit: "Count" },
        [RECONCILER_METRICS.healed]: { value: healed, unit: "Count" },
        [RECONCILER_METRICS.settled]: { value: settled, unit: "Count" },
      },
      new Date(),
    );
    write(withEmbeddedMetrics(fields, metrics));
  };
}
