/**
 * The metrics the functions' log lines carry (CloudWatch Embedded Metric Format), in a form a person reads:
 * `npm run local -- --metrics` prints each line's metrics as CloudWatch would extract them, and a count of
 * them by dimensions when it stops.
 */

/** How a value's unit is written after it; Count and None are plain numbers. */
const UNIT_SUFFIXES: Readonly<Record<string, string>> = {
  Count: "",
  None: "",
  Milliseconds: "ms",
  Microseconds: "us",
  Seconds: "s",
  Percent: "%",
};

interface Directive {
  readonly Namespace?: unknown;
  readonly Dimensions?: unknown;
  readonly Metrics?: unknown;
}

/** One metric of one line, with the dimension values of one of its dimension sets. */
export interface LineMetric {
  readonly namespace: string;
  readonly name: string;
  readonly unit: string;
  readonly values: readonly number[];
  readonly dimensions: readonly (readonly [string, string])[];
}

/** The EMF directives of a log line; none for a line that is not an EMF document. */
function directivesOf(line: string): { root: Record<string, unknown>; directives: Directive[] } | undefined {
  if (!line.startsWith("{") || !line.includes('"_aws"')) return undefined;
  let root: unknown;
  try {
    root = JSON.parse(line);
  } catch {
    return undefined;
  }
  const metrics = (root as { _aws?: { CloudWatchMetrics?: unknown } })?._aws?.CloudWatchMetrics;
  return Array.isArray(metrics)
    ? {
        root: root as Record<string, unknown>,
        directives: metrics.filter((directive) => typeof directive === "object" && directive !== null),
      }
    : undefined;
}

const text = (value: unknown) => (typeof value === "string" ? value : (JSON.stringify(value) ?? "?"));
const numbers = (value: unknown): number[] =>
  (Array.isArray(value) ? value : [value]).filter((item): item is number => typeof item === "number");
const dimensionSetsOf = (directive: Directive): string[][] =>
  Array.isArray(directive.Dimensions) ? directive.Dimensions.filter(Array.isArray).map((set) => set.map(String)) : [];
const definitionsOf = (directive: Directive): { Name: string; Unit: string }[] =>
  Array.isArray(directive.Metrics)
    ? directive.Metrics.filter((definition) => typeof definition?.Name === "string").map((definition) => ({
        Name: definition.Name,
        Unit: typeof definition.Unit === "string" ? definition.Unit : "None",
      }))
    : [];

/**
 * Each EMF directive of the line, one text each: `sfn-dedup Requests=1 Latency=12ms {Environment=default,
 * Workflow=notify-country, Outcome=started}`; nothing for a line without metrics.
 */
export function formatMetricLine(line: string): string[] {
  const parsed = directivesOf(line);
  if (!parsed) return [];
  const { root, directives } = parsed;
  return directives.map((directive) => {
    const values = definitionsOf(directive).map(({ Name, Unit }) => {
      const value = root[Name];
      const suffix = UNIT_SUFFIXES[Unit] ?? ` ${Unit}`;
      return `${Name}=${Array.isArray(value) ? `[${value.map(text).join(", ")}]` : text(value)}${suffix}`;
    });
    const sets = dimensionSetsOf(directive).map((set) => `{${set.map((key) => `${key}=${text(root[key])}`).join(", ")}}`);
    return [text(directive.Namespace), ...values, ...sets].join(" ");
  });
}

/** The metrics CloudWatch would extract from the line: one per metric and dimension set. */
export function metricsOfLine(line: string): LineMetric[] {
  const parsed = directivesOf(line);
  if (!parsed) return [];
  const { root, directives } = parsed;
  return directives.flatMap((directive) => {
    const sets = dimensionSetsOf(directive);
    return (sets.length > 0 ? sets : [[]]).flatMap((set) =>
      definitionsOf(directive).map(({ Name, Unit }) => ({
        namespace: text(directive.Namespace),
        name: Name,
        unit: Unit,
        values: numbers(root[Name]),
        dimensions: set.map((key) => [key, text(root[key])] as const),
      })),
    );
  });
}

/**
 * The metrics seen so far, by namespace, metric and dimension values: a count's total, or how many samples
 * of another unit with their average and maximum.
 */
export class MetricTally {
  private readonly seen = new Map<string, { metric: LineMetric; samples: number; sum: number; max: number }>();

  public add(line: string): void {
    for (const metric of metricsOfLine(line)) {
      const key = JSON.stringify([metric.namespace, metric.name, metric.dimensions]);
      const entry = this.seen.get(key) ?? { metric, samples: 0, sum: 0, max: Number.NEGATIVE_INFINITY };
      for (const value of metric.values) {
        entry.samples++;
        entry.sum += value;
        entry.max = Math.max(entry.max, value);
      }
      this.seen.set(key, entry);
    }
  }

  /** One line per metric and dimension values, in the order first seen; none before any metric. */
  public summary(): string[] {
    return [...this.seen.values()].map(({ metric, samples, sum, max }) => {
      const dimensions = `{${metric.dimensions.map(([key, value]) => `${key}=${value}`).join(", ")}}`;
      const suffix = UNIT_SUFFIXES[metric.unit] ?? ` ${metric.unit}`;
      const figures =
        metric.unit === "Count"
          ? `${sum}`
          : `${samples} sample${samples === 1 ? "" : "s"}, average ${round(sum / samples)}${suffix}, maximum ${round(max)}${suffix}`;
      return `${metric.namespace} ${metric.name} ${dimensions}: ${figures}`;
    });
  }
}

const round = (value: number) => (Number.isFinite(value) ? Math.round(value * 10) / 10 : 0);
