import { embeddedMetrics, withEmbeddedMetrics } from "../functions/shared/embedded-metrics";
import { METRICS_ENVIRONMENT_VARIABLES } from "../functions/shared/metrics-contract";
import { metricDimensionFrom } from "../functions/shared/metrics-environment";
import { emfViolations, extractedMetrics } from "./support/embedded-metric-format";

const NOW = new Date("2026-11-25T10:00:00.000Z");

/** A valid document in the shape of the specification's own example, to break one rule at a time. */
function document(change: (doc: any) => void = () => {}): string {
  const doc: any = {
    _aws: {
      Timestamp: NOW.getTime(),
      CloudWatchMetrics: [
        { Namespace: "sfn-dedup", Dimensions: [["Environment", "Outcome"]], Metrics: [{ Name: "Requests", Unit: "Count" }] },
      ],
    },
    Environment: "prod",
    Outcome: "started",
    Requests: 1,
    message: "any other member is a log field",
  };
  change(doc);
  return JSON.stringify(doc);
}

describe("the EMF rules log lines are held to (__tests__/support/embedded-metric-format.ts)", () => {
  it("accepts a valid document, a metric without a unit (None) and one with an array of values", () => {
    expect(emfViolations(document(), NOW)).toEqual([]);
    expect(
      emfViolations(
        document((doc) => {
          doc._aws.CloudWatchMetrics[0].Metrics.push({ Name: "Latency" });
          doc.Latency = [1, 2.5, 3];
        }),
        NOW,
      ),
    ).toEqual([]);
  });

  it.each<[string, (doc: any) => void, string]>([
    ["no _aws", (doc) => delete doc._aws, "no _aws metadata object"],
    ["a Timestamp in seconds as a string", (doc) => (doc._aws.Timestamp = "1796030522"), "_aws.Timestamp is not a whole number"],
    ["a Timestamp 15 days old", (doc) => (doc._aws.Timestamp = NOW.getTime() - 15 * 86_400_000), "outside 14 days"],
    ["no Namespace", (doc) => delete doc._aws.CloudWatchMetrics[0].Namespace, "Namespace is not a namespace"],
    ["an AWS namespace", (doc) => (doc._aws.CloudWatchMetrics[0].Namespace = "AWS/States"), "in AWS's own namespaces"],
    ["a dimension with no member", (doc) => delete doc.Outcome, "dimension Outcome has no member on the root node"],
    ["a dimension value that is a number", (doc) => (doc.Outcome = 202), "dimension Outcome's member is not a string"],
    ["an empty dimension value", (doc) => (doc.Outcome = ""), "dimension Outcome's value is not 1-1024 ASCII characters"],
    ["a non-ASCII dimension value", (doc) => (doc.Environment = "prod-é"), "dimension Environment's value is not 1-1024 ASCII characters"],
    [
      "31 dimensions in a set",
      (doc) => {
        const keys = Array.from({ length: 31 }, (_, index) => `D${index}`);
        for (const key of keys) doc[key] = "x";
        doc._aws.CloudWatchMetrics[0].Dimensions = [keys];
      },
      "more than 30 dimensions",
    ],
    [
      "101 metrics",
      (doc) => {
        doc._aws.CloudWatchMetrics[0].Metrics = Array.from({ length: 101 }, (_, index) => ({ Name: `M${index}`, Unit: "Count" }));
        for (let index = 0; index < 101; index++) doc[`M${index}`] = 1;
      },
      "more than 100 metrics",
    ],
    ["a metric with no member", (doc) => delete doc.Requests, "metric Requests has no member on the root node"],
    ["a metric value that is a string", (doc) => (doc.Requests = "1"), "metric Requests's member is not a number"],
    [
      "a unit CloudWatch does not have",
      (doc) => (doc._aws.CloudWatchMetrics[0].Metrics[0].Unit = "ms"),
      'Unit "ms" is not a CloudWatch unit',
    ],
    ["a member a MetricDefinition may not have", (doc) => (doc._aws.CloudWatchMetrics[0].Metrics[0].Value = 1), "does not define: Value"],
    ["a storage resolution of 5", (doc) => (doc._aws.CloudWatchMetrics[0].Metrics[0].StorageResolution = 5), "neither 1 nor 60"],
  ])("refuses %s", (_case, change, violation) => {
    expect(emfViolations(document(change), NOW)).toEqual([expect.stringContaining(violation)]);
  });

  it("refuses a line that is not one JSON object", () => {
    expect(emfViolations(`START ${document()}`, NOW)).toEqual(["the line is not one JSON text"]);
  });
});

describe("embeddedMetrics", () => {
  it("puts every metric under one dimension set, with the dimensions' and metrics' values as top-level members", () => {
    const metrics = embeddedMetrics(
      "sfn-dedup",
      { Environment: "prod", Workflow: "orders" },
      { Requests: { value: 1, unit: "Count" }, Latency: { value: 12, unit: "Milliseconds" } },
      NOW,
    );
    const line = JSON.stringify(withEmbeddedMetrics({ level: "INFO", outcome: "started" }, metrics));

    expect(emfViolations(line, NOW)).toEqual([]);
    expect(JSON.parse(line)).toEqual({
      level: "INFO",
      outcome: "started",
      _aws: {
        Timestamp: NOW.getTime(),
        CloudWatchMetrics: [
          {
            Namespace: "sfn-dedup",
            Dimensions: [["Environment", "Workflow"]],
            Metrics: [
              { Name: "Requests", Unit: "Count" },
              { Name: "Latency", Unit: "Milliseconds" },
            ],
          },
        ],
      },
      Environment: "prod",
      Workflow: "orders",
      Requests: 1,
      Latency: 12,
    });
    expect(extractedMetrics(line).map(({ name, value }) => [name, value])).toEqual([
      ["Requests", 1],
      ["Latency", 12],
    ]);
  });

  it("refuses, at compile time, a log record with a field named like a dimension, a metric or _aws", () => {
    const metrics = embeddedMetrics("sfn-dedup", { Outcome: "started" }, { Requests: { value: 1, unit: "Count" } }, NOW);
    // @ts-expect-error `Outcome` would be read as the dimension's value
    withEmbeddedMetrics({ Outcome: "mine" }, metrics);
    // @ts-expect-error `Requests` would be read as the metric's value
    withEmbeddedMetrics({ Requests: 2 }, metrics);
    // @ts-expect-error `_aws` is EMF's metadata
    withEmbeddedMetrics({ _aws: {} }, metrics);
    // Another case is another member.
    expect(withEmbeddedMetrics({ outcome: "mine" }, metrics)).toMatchObject({ outcome: "mine", Outcome: "started" });
  });
});

describe("metricDimensionFrom", () => {
  const variable = METRICS_ENVIRONMENT_VARIABLES.environment;

  it.each(["default", "prod", "notify-country"])("takes %s", (value) => {
    expect(metricDimensionFrom({ [variable]: value }, variable)).toBe(value);
  });

  it.each([
    ["missing", undefined],
    ["empty", ""],
    ["blank", "   "],
    ["non-ASCII", "prôd"],
    ["with a control character", "prod\n"],
    ["over 1024 characters", "x".repeat(1025)],
  ])("refuses a value %s, naming the variable, so the function does not start", (_case, value) => {
    expect(() => metricDimensionFrom({ [variable]: value }, variable)).toThrow(/^METRICS_ENVIRONMENT must be a metric dimension value/);
  });
});
