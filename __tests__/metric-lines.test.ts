import { statusMetrics } from "../functions/ledger-status/status-log";
import { requestMetrics } from "../functions/start-execution/request-log";
import { formatMetricLine, MetricTally } from "../local/metric-lines";

const NOW = new Date("2026-11-25T10:00:00.000Z");

/** A start-execution log line as the function writes it: the log fields and its metrics. */
function requestLine(outcome: "started" | "already-running", latencyMs: number): string {
  const record = { level: "INFO", message: "execution request", requestId: "r-1", key: "country", outcome, statusCode: 202, latencyMs };
  return JSON.stringify({
    timestamp: NOW.toISOString(),
    ...record,
    ...requestMetrics({ environment: "default", workflow: "notify-country" }, record, NOW),
  });
}

describe("the sandbox's --metrics lines (local/metric-lines.ts)", () => {
  it("prints a start-execution line's metrics with their units and dimensions", () => {
    expect(formatMetricLine(requestLine("started", 12))).toEqual([
      "sfn-dedup Requests=1 Latency=12ms {Environment=default, Workflow=notify-country, Outcome=started}",
    ]);
  });

  it("prints a ledger-status line's three counts", () => {
    const line = JSON.stringify({ message: "execution status", recorded: false, ...statusMetrics("prod", { recorded: false }, NOW) });
    expect(formatMetricLine(line)).toEqual(["sfn-dedup StatusesRecorded=0 StatusesIgnored=1 EventsDropped=0 {Environment=prod}"]);
  });

  it("prints every directive and dimension set, arrays of values, and units it has no symbol for", () => {
    const line = JSON.stringify({
      _aws: {
        Timestamp: NOW.getTime(),
        CloudWatchMetrics: [
          {
            Namespace: "a",
            Dimensions: [["Service"], []],
            Metrics: [
              { Name: "Size", Unit: "Bytes" },
              { Name: "Time", Unit: "Seconds" },
            ],
          },
          { Namespace: "b", Dimensions: [], Metrics: [{ Name: "Ratio" }] },
        ],
      },
      Service: "api",
      Size: [10, 20],
      Time: 1.5,
      Ratio: 0.25,
    });
    expect(formatMetricLine(line)).toEqual(["a Size=[10, 20] Bytes Time=1.5s {Service=api} {}", "b Ratio=0.25"]);
  });

  it.each([
    ["a plain log line", "START RequestId: 1 Version: $LATEST"],
    ["a JSON log line without metrics", '{"level":"INFO","message":"execution status"}'],
    ["a published message", '{"topic":"arn:aws:sns:…","message":"I love my France"}'],
    ["a line that only looks like one", '{"_aws": not json'],
  ])("prints nothing for %s", (_case, line) => {
    expect(formatMetricLine(line)).toEqual([]);
  });

  it("totals the metrics by dimensions: counts summed, other units as samples, average and maximum", () => {
    const tally = new MetricTally();
    tally.add(requestLine("started", 10));
    tally.add("not a metric line");
    tally.add(requestLine("started", 20));
    tally.add(requestLine("already-running", 5));

    expect(tally.summary()).toEqual([
      "sfn-dedup Requests {Environment=default, Workflow=notify-country, Outcome=started}: 2",
      "sfn-dedup Latency {Environment=default, Workflow=notify-country, Outcome=started}: 2 samples, average 15ms, maximum 20ms",
      "sfn-dedup Requests {Environment=default, Workflow=notify-country, Outcome=already-running}: 1",
      "sfn-dedup Latency {Environment=default, Workflow=notify-country, Outcome=already-running}: 1 sample, average 5ms, maximum 5ms",
    ]);
    expect(new MetricTally().summary()).toEqual([]);
  });
});
