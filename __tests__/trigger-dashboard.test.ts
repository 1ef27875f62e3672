import {
  DUPLICATE_OUTCOMES,
  METRIC_DIMENSIONS,
  METRICS_NAMESPACE,
  RECONCILER_METRICS,
  START_METRICS,
} from "../functions/shared/metrics-contract";
import { TWO_WORKFLOWS } from "./support/multi-workflow-stack";
import { unpublished } from "./support/published-metrics";
import { type Attributes, synthProject, synthTrigger, type TerraformJson } from "./support/synth";

/** Two workflows and the ledger: every widget there is. */
const prod = synthProject({
  workflows: TWO_WORKFLOWS,
  environments: { prod: { account: "111111111111", region: "eu-west-1", ledger: true } },
}).prod.tf;
const fresh = synthTrigger().tf;

interface Widget {
  type: string;
  x: number;
  y: number;
  width: number;
  height: number;
  properties: Record<string, any>;
}

/** A metric a widget or an alarm reads: from a metric line, a search expression, or an alarm's own fields. */
interface ReadMetric {
  where: string;
  namespace: string;
  name: string;
  dimensions: Record<string, string>;
}

function dashboard(tf: TerraformJson): { name: string; widgets: Widget[] } {
  const dashboards = Object.values(tf.resource.aws_cloudwatch_dashboard);
  expect(dashboards).toHaveLength(1);
  return { name: dashboards[0].dashboard_name, widgets: JSON.parse(dashboards[0].dashboard_body).widgets };
}

const SEARCH = /SEARCH\('\{"?([^",]+)"?,([^}]*)\} MetricName="([^"]+)"((?: \w+="[^"]*")*)', '(\w+)', (\d+)\)/g;

/** Every metric a widget reads, search expressions included (their dimension schema, and the values they filter on). */
function metricsOf(widget: Widget): ReadMetric[] {
  const where = widget.properties.title;
  return (widget.properties.metrics ?? []).flatMap((line: unknown[]): ReadMetric[] => {
    if (typeof line[0] === "string") {
      const [namespace, name, ...rest] = line as string[];
      const pairs = rest.filter((item) => typeof item === "string");
      const dimensions = Object.fromEntries(pairs.flatMap((_, index) => (index % 2 === 0 ? [[pairs[index], pairs[index + 1]]] : [])));
      return [{ where, namespace, name, dimensions }];
    }
    const { expression } = line[0] as { expression: string };
    return [...expression.matchAll(SEARCH)].map(([, namespace, schema, name, filters]) => {
      const values = Object.fromEntries([...filters.matchAll(/(\w+)="([^"]*)"/g)].map(([, key, value]) => [key, value]));
      // A dimension of the schema that no filter names is read for every value (the outcome, on these widgets).
      return {
        where,
        namespace,
        name,
        dimensions: Object.fromEntries(schema.split(",").map((dimension) => [dimension, values[dimension] ?? "*"])),
      };
    });
  });
}

function alarmMetrics(tf: TerraformJson): ReadMetric[] {
  return Object.values<Attributes>(tf.resource.aws_cloudwatch_metric_alarm ?? {}).flatMap((alarm): ReadMetric[] =>
    alarm.metric_query
      ? alarm.metric_query
          .filter((query: Attributes) => query.metric)
          .map((query: Attributes) => ({
            where: alarm.alarm_name,
            namespace: query.metric.namespace,
            name: query.metric.metric_name,
            dimensions: query.metric.dimensions,
          }))
      : [{ where: alarm.alarm_name, namespace: alarm.namespace, name: alarm.metric_name, dimensions: alarm.dimensions }],
  );
}

const titles = (tf: TerraformJson) => dashboard(tf).widgets.map((widget) => widget.properties.title);

describe("the dashboard", () => {
  it("is one per environment, sfn-dedup-<env>-overview", () => {
    expect(dashboard(prod).name).toBe("sfn-dedup-prod-overview");
    expect(dashboard(fresh).name).toBe("sfn-dedup-default-overview");
  });

  it("shows the alarms, the API, then per workflow its requests, duplicates, executions and latency, then the ledger", () => {
    expect(titles(prod)).toEqual([
      "Alarms",
      "HTTP API: requests, 4xx, 5xx (every route)",
      ...["notify-country", "orders"].flatMap((workflow) => [
        `${workflow}: requests by outcome`,
        `${workflow}: duplicates, % of requests`,
        `${workflow}: executions`,
        `${workflow}: latency p50 by outcome (ms)`,
        `${workflow}: latency p99 by outcome (ms)`,
      ]),
      "Ledger: status changes waiting in the dead-letter queue",
      "Ledger: records healed by the reconciler",
    ]);
    // Without the ledger there is no queue and no reconciler to show.
    expect(titles(fresh).filter((title) => title.startsWith("Ledger"))).toEqual([]);
  });

  it(
    "shows only metrics the stack's functions emit (metrics-contract.ts) or AWS publishes (support/published-metrics.ts), and so do the " +
      "alarms",
    () => {
      const read = [...dashboard(prod).widgets.flatMap(metricsOf), ...alarmMetrics(prod)];
      expect(read.length).toBeGreaterThan(30);
      const problems = read.flatMap(({ where, namespace, name, dimensions }) => {
        const problem = unpublished(namespace, name, Object.keys(dimensions));
        return problem ? [`${where}: ${problem}`] : [];
      });
      expect(problems).toEqual([]);
    },
  );

  it("reads the project's metrics of this environment and its workflows, the duplicate outcomes by name", () => {
    const own = [...dashboard(prod).widgets.flatMap(metricsOf), ...alarmMetrics(prod)].filter(
      (metric) => metric.namespace === METRICS_NAMESPACE,
    );
    expect(new Set(own.map((metric) => metric.dimensions[METRIC_DIMENSIONS.environment]))).toEqual(new Set(["prod"]));
    const workflows = own.map((metric) => metric.dimensions[METRIC_DIMENSIONS.workflow]).filter((workflow) => workflow !== undefined);
    expect(new Set(workflows)).toEqual(new Set(["notify-country", "orders"]));
    const outcomes = new Set(own.map((metric) => metric.dimensions[METRIC_DIMENSIONS.outcome]).filter((outcome) => outcome !== undefined));
    expect(outcomes).toEqual(new Set(["*", ...DUPLICATE_OUTCOMES, "unavailable"]));
  });

  it("computes each workflow's duplicate ratio from the duplicate outcomes over all its requests", () => {
    const ratio = dashboard(prod).widgets.find((widget) => widget.properties.title === "orders: duplicates, % of requests")!;
    const lines = ratio.properties.metrics as unknown[][];
    const duplicates = lines.filter((line) => line[1] === START_METRICS.requests);
    expect(duplicates.map((line) => line[7])).toEqual([...DUPLICATE_OUTCOMES]);
    expect(duplicates.every((line) => (line.at(-1) as Attributes).visible === false)).toBe(true);
    const expressions = lines.filter((line) => typeof line[0] === "object").map((line) => line[0] as Attributes);
    expect(expressions[0]).toMatchObject({
      id: "requests",
      visible: false,
      expression:
        `SUM(SEARCH('{"sfn-dedup",Environment,Outcome,Workflow} MetricName="Requests" Environment="prod" Workflow="orders"', ` +
        `'Sum', 300))`,
    });
    const ids = duplicates.map((line) => (line.at(-1) as Attributes).id);
    expect(expressions[1].expression).toBe(`100 * (${ids.map((id) => `FILL(${id}, 0)`).join(" + ")}) / requests`);
  });

  it("shows the latency's p50 and p99 and the executions started, succeeded and failed of each workflow", () => {
    const widget = (title: string) => dashboard(prod).widgets.find((candidate) => candidate.properties.title === title)!;
    expect(widget("orders: latency p99 by outcome (ms)").properties.metrics[0][0].expression).toContain(
      `MetricName="${START_METRICS.latency}"`,
    );
    expect(widget("orders: latency p99 by outcome (ms)").properties.metrics[0][0].expression).toMatch(/'p99', 60\)$/);
    expect(widget("notify-country: latency p50 by outcome (ms)").properties.metrics[0][0].expression).toMatch(/'p50', 60\)$/);
    const executions = metricsOf(widget("orders: executions"));
    expect(executions.map((metric) => metric.name)).toEqual(
      expect.arrayContaining(["ExecutionsStarted", "ExecutionsSucceeded", "ExecutionsFailed"]),
    );
    expect(new Set(executions.map((metric) => metric.dimensions.StateMachineArn))).toEqual(
      new Set([`\${aws_sfn_state_machine.${stateMachineId(prod, "sfn-dedup-prod-orders")}.arn}`]),
    );
  });

  it("shows the dead-letter queue's depth and the records the reconciler healed, with the ledger", () => {
    const widgets = dashboard(prod).widgets.filter((widget) => widget.properties.title.startsWith("Ledger"));
    const [queue, healed] = widgets.flatMap(metricsOf);
    expect(queue).toMatchObject({ namespace: "AWS/SQS", name: "ApproximateNumberOfMessagesVisible" });
    expect(queue.dimensions.QueueName).toMatch(/^\$\{aws_sqs_queue\.ledger-status_dead-letter-queue_\w+\.name\}$/);
    expect(healed).toEqual({
      where: "Ledger: records healed by the reconciler",
      namespace: METRICS_NAMESPACE,
      name: RECONCILER_METRICS.healed,
      dimensions: { Environment: "prod" },
    });
  });

  it("lists every alarm of the environment by state, and none with alarms: false", () => {
    const alarmIds = Object.keys(prod.resource.aws_cloudwatch_metric_alarm);
    const [alarmsWidget] = dashboard(prod).widgets;
    expect(alarmsWidget.type).toBe("alarm");
    expect([...alarmsWidget.properties.alarms].sort()).toEqual(alarmIds.map((id) => `\${aws_cloudwatch_metric_alarm.${id}.arn}`).sort());
    expect(dashboard(synthTrigger({ alarms: false }).tf).widgets.map((widget) => widget.type)).not.toContain("alarm");
  });

  it("lays its widgets on CloudWatch's 24-column grid without overlap, graphs in the environment's region", () => {
    const { widgets } = dashboard(prod);
    for (const widget of widgets) {
      expect(widget.x + widget.width).toBeLessThanOrEqual(24);
      if (widget.type === "metric") expect(widget.properties.region).toBe("eu-west-1");
    }
    const cells = widgets.flatMap((widget) =>
      Array.from(
        { length: widget.width * widget.height },
        (_, index) => `${widget.x + (index % widget.width)},${widget.y + Math.floor(index / widget.width)}`,
      ),
    );
    expect(new Set(cells).size).toBe(cells.length);
  });

  it("names the stack's resources by Terraform reference only, and no dynamic label that Terraform would read as one", () => {
    const [body] = Object.values<Attributes>(prod.resource.aws_cloudwatch_dashboard).map(
      (attributes) => attributes.dashboard_body as string,
    );
    const references = [...body.matchAll(/\$\{([^}]*)\}/g)].map(([, reference]) => reference);
    expect(references.length).toBeGreaterThan(0);
    for (const reference of references) {
      const [type, id] = reference.split(".");
      expect({ reference, exists: prod.resource[type]?.[id] !== undefined }).toEqual({ reference, exists: true });
    }
    expect(body).not.toContain("%{");
  });
});

function stateMachineId(tf: TerraformJson, name: string): string {
  return Object.entries(tf.resource.aws_sfn_state_machine).find(([, machine]) => machine.name === name)![0];
}
