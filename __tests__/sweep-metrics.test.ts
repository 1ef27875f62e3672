import { sweepLogWriter } from "../functions/ledger-reconciler/sweep-log";
import { RECONCILER_METRICS } from "../functions/shared/metrics-contract";
import { emfViolations, extractedMetrics } from "./support/embedded-metric-format";

/** The reconciler's sweep line carries RecordsExamined, RecordsHealed and ClaimsSettled as valid EMF; its record lines stay plain. */
describe("the ledger reconciler's metrics", () => {
  const lines: string[] = [];
  const log = sweepLogWriter("prod", (line) => lines.push(JSON.stringify(line)));

  beforeEach(() => {
    lines.length = 0;
  });

  it("writes the sweep's counts as Embedded Metric Format, dimension Environment, zeros included", () => {
    log({
      level: "INFO",
      message: "ledger reconciled",
      [RECONCILER_METRICS.examined]: 3,
      [RECONCILER_METRICS.healed]: 2,
      [RECONCILER_METRICS.settled]: 0,
      deferred: 1,
      forgotten: 0,
      closed: 0,
      superseded: 0,
      failed: 0,
      queries: 8,
      durationMs: 120,
    });
    expect(emfViolations(lines[0])).toEqual([]);
    const metrics = extractedMetrics(lines[0]);
    expect(metrics.map(({ name, value, dimensions }) => ({ name, value, dimensions }))).toEqual(
      expect.arrayContaining([
        { name: "RecordsExamined", value: 3, dimensions: { Environment: "prod" } },
        { name: "RecordsHealed", value: 2, dimensions: { Environment: "prod" } },
        { name: "ClaimsSettled", value: 0, dimensions: { Environment: "prod" } },
      ]),
    );
    expect(JSON.parse(lines[0])).toMatchObject({ message: "ledger reconciled", deferred: 1, queries: 8 });
  });

  it("leaves a record's own line without metrics", () => {
    log({ level: "INFO", message: "ledger record reconciled" } as never);
    expect(JSON.parse(lines[0])).not.toHaveProperty("_aws");
  });
});
