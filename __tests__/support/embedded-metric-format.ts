/**
 * CloudWatch's Embedded Metric Format, read as CloudWatch Logs reads it: the rules of the specification
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html)
 * and of the metrics it extracts (PutMetricData's MetricDatum and Dimension), written down here from those pages
 * and not from the project's writer, so that a test of a log line checks the line against them, not against
 * what functions/shared/embedded-metrics.ts happens to produce.
 */

/** CloudWatch's units (MetricDatum's Unit); a MetricDefinition without one is `None`. */
export const CLOUDWATCH_UNITS: ReadonlySet<string> = new Set([
  "Seconds",
  "Microseconds",
  "Milliseconds",
  "Bytes",
  "Kilobytes",
  "Megabytes",
  "Gigabytes",
  "Terabytes",
  "Bits",
  "Kilobits",
  "Megabits",
  "Gigabits",
  "Terabits",
  "Percent",
  "Count",
  "Bytes/Second",
  "Kilobytes/Second",
  "Megabytes/Second",
  "Gigabytes/Second",
  "Terabytes/Second",
  "Bits/Second",
  "Kilobits/Second",
  "Megabits/Second",
  "Gigabits/Second",
  "Terabits/Second",
  "Count/Second",
  "None",
]);

/** A DimensionSet holds at most 30 dimension keys. */
const MAX_DIMENSIONS_PER_SET = 30;
/** A MetricDirective's Metrics holds at most 100 MetricDefinitions. */
const MAX_METRICS_PER_DIRECTIVE = 100;
/** A metric's value may be an array of at most 100 numbers. */
const MAX_VALUES_PER_METRIC = 100;
/** A log event's size limit; the older of the limits the specification's pages state (256 KB; now 1 MB). */
const MAX_EVENT_BYTES = 256 * 1024;
/** CloudWatch drops metrics timestamped more than 14 days in the past or 2 hours in the future. */
const MAX_PAST_MS = 14 * 86_400_000;
const MAX_FUTURE_MS = 2 * 3_600_000;

/** Namespace, metric and dimension names: 1-255 characters; ASCII, no control characters, not starting with ':'. */
const NAME = /^(?!:)[ -~]{1,255}$/;
/** Dimension values: 1-1024 ASCII characters, no control characters, at least one that is not whitespace. */
const DIMENSION_VALUE = /^(?=.*\S)[ -~]{1,1024}$/;

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);
const isNumber = (value: unknown): value is number => typeof value === "number" && Number.isFinite(value);
const extraMembers = (object: Record<string, unknown>, allowed: readonly string[]) =>
  Object.keys(object).filter((key) => !allowed.includes(key));

/**
 * Every rule of the specification the line breaks, as sentences; none for a valid EMF document.
 * `now` is when CloudWatch would receive it, for the Timestamp's window.
 */
export function emfViolations(line: string, now: Date = new Date()): string[] {
  const violations: string[] = [];
  if (Buffer.byteLength(line, "utf8") > MAX_EVENT_BYTES) violations.push(`the line is over ${MAX_EVENT_BYTES} bytes`);
  let root: unknown;
  try {
    // The whole message must be one JSON object: nothing before or after it.
    root = JSON.parse(line);
  } catch {
    return [...violations, "the line is not one JSON text"];
  }
  if (!isObject(root)) return [...violations, "the line is not a JSON object"];
  const aws = root._aws;
  if (!isObject(aws)) return [...violations, "no _aws metadata object"];
  if (!Number.isInteger(aws.Timestamp)) {
    violations.push("_aws.Timestamp is not a whole number of milliseconds since the epoch");
  } else {
    const age = now.getTime() - (aws.Timestamp as number);
    if (age > MAX_PAST_MS || -age > MAX_FUTURE_MS) violations.push("_aws.Timestamp is outside 14 days before to 2 hours after now");
  }
  if (!Array.isArray(aws.CloudWatchMetrics)) return [...violations, "_aws.CloudWatchMetrics is not an array"];

  aws.CloudWatchMetrics.forEach((directive: unknown, index) => {
    const at = `CloudWatchMetrics[${index}]`;
    if (!isObject(directive)) {
      violations.push(`${at} is not a MetricDirective object`);
      return;
    }
    for (const extra of extraMembers(directive, ["Namespace", "Dimensions", "Metrics"]))
      violations.push(`${at} has a member the specification does not define: ${extra}`);
    if (typeof directive.Namespace !== "string" || !NAME.test(directive.Namespace))
      violations.push(`${at}.Namespace is not a namespace of 1-255 ASCII characters`);
    else if (directive.Namespace.startsWith("AWS/")) violations.push(`${at}.Namespace is in AWS's own namespaces`);

    if (!Array.isArray(directive.Dimensions)) {
      violations.push(`${at}.Dimensions is not an array of DimensionSets`);
    } else {
      directive.Dimensions.forEach((set: unknown, setIndex) => {
        if (!Array.isArray(set) || !set.every((key) => typeof key === "string")) {
          violations.push(`${at}.Dimensions[${setIndex}] is not an array of dimension keys`);
          return;
        }
        if (set.length > MAX_DIMENSIONS_PER_SET)
          violations.push(`${at}.Dimensions[${setIndex}] has more than ${MAX_DIMENSIONS_PER_SET} dimensions`);
        if (new Set(set).size !== set.length) violations.push(`${at}.Dimensions[${setIndex}] names a dimension twice`);
        for (const key of set as string[]) {
          if (!NAME.test(key)) violations.push(`dimension name ${JSON.stringify(key)} is not 1-255 ASCII characters`);
          if (!(key in root)) violations.push(`dimension ${key} has no member on the root node`);
          else if (typeof root[key] !== "string") violations.push(`dimension ${key}'s member is not a string`);
          else if (!DIMENSION_VALUE.test(root[key] as string)) violations.push(`dimension ${key}'s value is not 1-1024 ASCII characters`);
        }
      });
    }

    if (!Array.isArray(directive.Metrics)) {
      violations.push(`${at}.Metrics is not an array of MetricDefinitions`);
      return;
    }
    if (directive.Metrics.length > MAX_METRICS_PER_DIRECTIVE)
      violations.push(`${at}.Metrics has more than ${MAX_METRICS_PER_DIRECTIVE} metrics`);
    const names = new Set<string>();
    directive.Metrics.forEach((definition: unknown, metricIndex) => {
      const where = `${at}.Metrics[${metricIndex}]`;
      if (!isObject(definition)) {
        violations.push(`${where} is not a MetricDefinition object`);
        return;
      }
      for (const extra of extraMembers(definition, ["Name", "Unit", "StorageResolution"]))
        violations.push(`${where} has a member the specification does not define: ${extra}`);
      const { Name: name, Unit: unit, StorageResolution: resolution } = definition;
      if (typeof name !== "string" || !NAME.test(name)) {
        violations.push(`${where}.Name is not a metric name of 1-255 ASCII characters`);
        return;
      }
      if (names.has(name)) violations.push(`${where} defines ${name} twice`);
      names.add(name);
      if (unit !== undefined && (typeof unit !== "string" || !CLOUDWATCH_UNITS.has(unit)))
        violations.push(`${where}.Unit ${JSON.stringify(unit)} is not a CloudWatch unit`);
      if (resolution !== undefined && resolution !== 1 && resolution !== 60)
        violations.push(`${where}.StorageResolution is neither 1 nor 60`);
      const value = root[name];
      if (!(name in root)) violations.push(`metric ${name} has no member on the root node`);
      else if (Array.isArray(value) ? value.length > MAX_VALUES_PER_METRIC || !value.every(isNumber) : !isNumber(value)) {
        violations.push(`metric ${name}'s member is not a number or an array of at most ${MAX_VALUES_PER_METRIC} numbers`);
      }
    });
  });
  return violations;
}

/** One metric as CloudWatch extracts it from a line. */
export interface ExtractedMetric {
  readonly namespace: string;
  readonly name: string;
  readonly unit: string;
  readonly value: number | readonly number[];
  /** The dimension values of one of its dimension sets. */
  readonly dimensions: Readonly<Record<string, string>>;
}

/** The metrics CloudWatch extracts from a valid line: one per metric and dimension set. */
export function extractedMetrics(line: string): ExtractedMetric[] {
  const root = JSON.parse(line);
  return root._aws.CloudWatchMetrics.flatMap(
    (directive: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string; Unit?: string }[] }) =>
      directive.Dimensions.flatMap((set) =>
        directive.Metrics.map((definition) => ({
          namespace: directive.Namespace,
          name: definition.Name,
          unit: definition.Unit ?? "None",
          value: root[definition.Name],
          dimensions: Object.fromEntries(set.map((key) => [key, root[key]])),
        })),
      ),
  );
}
