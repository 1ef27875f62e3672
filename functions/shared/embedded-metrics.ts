/**
 * CloudWatch Embedded Metric Format (EMF): metrics carried by the log line a function already writes.
 * CloudWatch Logs extracts them from the function's log group as the line arrives, so publishing them takes
 * no PutMetricData call, no permission and no second line. The document is the line's `_aws` member (the
 * namespace, the dimension set, each metric's name and unit) plus one top-level member per dimension (its
 * value, a string) and per metric (its value, a number); every other member of the line stays a log field.
 * Specification: https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html
 */

/** The CloudWatch units the project's metrics are in (EMF accepts any CloudWatch unit). */
export type MetricUnit = "Count" | "Milliseconds";

export interface MetricValue {
  readonly value: number;
  readonly unit: MetricUnit;
}

/** The members EMF adds to a log line: `_aws`, each dimension's value, each metric's value. */
export type EmbeddedMetrics<Dimension extends string, Metric extends string> = {
  readonly _aws: {
    /** Milliseconds since the epoch: the metrics' time. */
    readonly Timestamp: number;
    readonly CloudWatchMetrics: readonly {
      readonly Namespace: string;
      /** One dimension set: each metric is published once, with all of the line's dimensions. */
      readonly Dimensions: readonly (readonly Dimension[])[];
      readonly Metrics: readonly { readonly Name: Metric; readonly Unit: MetricUnit }[];
    }[];
  };
} & { readonly [name in Dimension]: string } & { readonly [name in Metric]: number };

/** The member names a log line's own fields may not take: they would be read as (or overwrite) the metrics'. */
export type EmbeddedMetricMember<Dimension extends string, Metric extends string> = "_aws" | Dimension | Metric;

/**
 * The EMF members for one set of dimension values and one value per metric, at a time. The names are the
 * project's (functions/shared/metrics-contract.ts): fixed, few and short, so the specification's limits (100
 * metrics, 30 dimensions per set, names of 1-255 characters) hold by construction; dimension values must be
 * 1-1024 ASCII characters, which functions/shared/metrics-environment.ts checks where they come in.
 */
export function embeddedMetrics<Dimension extends string, Metric extends string>(
  namespace: string,
  dimensions: { readonly [name in Dimension]: string },
  metrics: { readonly [name in Metric]: MetricValue },
  timestamp: Date,
): EmbeddedMetrics<Dimension, Metric> {
  const metricNames = Object.keys(metrics) as Metric[];
  return {
    _aws: {
      Timestamp: timestamp.getTime(),
      CloudWatchMetrics: [
        {
          Namespace: namespace,
          Dimensions: [Object.keys(dimensions) as Dimension[]],
          Metrics: metricNames.map((name) => ({ Name: name, Unit: metrics[name].unit })),
        },
      ],
    },
    ...dimensions,
    ...Object.fromEntries(metricNames.map((name) => [name, metrics[name].value])),
  } as EmbeddedMetrics<Dimension, Metric>;
}

/**
 * A log record with the metrics' members added. The record may not have a field named like one of them (the
 * type says so at compile time): EMF reads top-level members by name, so a log field `Outcome` would be the
 * dimension's value, and a field `Requests` a metric's. Different case is a different member: `outcome` and
 * `Outcome` live side by side.
 */
export function withEmbeddedMetrics<Record extends object, Dimension extends string, Metric extends string>(
  record: Record & { readonly [name in EmbeddedMetricMember<Dimension, Metric>]?: never },
  metrics: EmbeddedMetrics<Dimension, Metric>,
): Record & EmbeddedMetrics<Dimension, Metric> {
  return { ...record, ...metrics };
}
