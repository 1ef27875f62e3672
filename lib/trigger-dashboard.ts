import { Construct } from "constructs";
import { DUPLICATE_OUTCOMES, RECONCILER_METRICS, START_METRICS } from "../functions/shared/metrics-contract";
import {
  AWS_METRICS,
  environmentMetric,
  httpApiMetric,
  type MetricId,
  queueMetric,
  startMetric,
  startMetricSearch,
  stateMachineMetric,
} from "./observed-metrics";
import { CloudwatchDashboard } from "./toolkit/aws-provider";
import type { ObservedWorkflow } from "./trigger-alarms";

export interface TriggerDashboardProps {
  /** `sfn-dedup-<env>-overview`. */
  readonly name: string;
  /** The environment's name, the `Environment` dimension of the project's metrics. */
  readonly environment: string;
  /** Where the metrics are: the environment's region. */
  readonly region: string;
  readonly workflows: readonly ObservedWorkflow[];
  readonly apiId: string;
  /** With the ledger: the ledger-status function's dead-letter queue. */
  readonly deadLetterQueueName?: string;
  /** The environment's alarms, shown by state at the top; none with `alarms: false`. */
  readonly alarmArns: readonly string[];
}

/** A metric widget's line: a metric, or a metric math / search expression, with its rendering options. */
type MetricLine = readonly unknown[];

interface Widget {
  readonly type: "metric" | "alarm";
  readonly width: number;
  readonly height: number;
  readonly properties: Record<string, unknown>;
}

/** CloudWatch dashboards are 24 units wide. */
const GRID_WIDTH = 24;
const GRAPH_HEIGHT = 6;
/** Requests and latency per minute; executions and the ledger's queue per five minutes, as their alarms read them. */
const REQUEST_PERIOD_SECONDS = 60;
const COUNT_PERIOD_SECONDS = 300;

/**
 * One dashboard per environment, built from the stack: a row of alarms, the HTTP API, then per workflow its
 * requests by outcome, its duplicate ratio, its executions and its latency, then, with the ledger, the
 * dead-letter queue and the reconciler. Every metric is named from functions/shared/metrics-contract.ts or
 * lib/observed-metrics.ts, so the widgets show what the functions emit and AWS publishes, nothing typed twice.
 */
export class TriggerDashboard extends Construct {
  public readonly dashboard: CloudwatchDashboard;

  constructor(scope: Construct, id: string, props: TriggerDashboardProps) {
    super(scope, id);
    this.dashboard = new CloudwatchDashboard(this, "dashboard", {
      dashboardName: props.name,
      // Terraform references (the state machines' ARNs, the API's id, the alarms' ARNs) are interpolated in this
      // string at plan time, as in the IAM policies.
      dashboardBody: JSON.stringify({ widgets: laidOut(dashboardWidgets(props)) }),
    });
  }
}

function dashboardWidgets(props: TriggerDashboardProps): Widget[] {
  const graph = (title: string, width: number, metrics: MetricLine[], extra: Record<string, unknown> = {}): Widget => ({
    type: "metric",
    width,
    height: GRAPH_HEIGHT,
    properties: { title, region: props.region, view: "timeSeries", stacked: false, metrics, ...extra },
  });
  const { stepFunctions, httpApi, sqs } = AWS_METRICS;
  return [
    ...(props.alarmArns.length > 0
      ? [{ type: "alarm" as const, width: GRID_WIDTH, height: 4, properties: { title: "Alarms", alarms: [...props.alarmArns] } }]
      : []),
    graph(
      "HTTP API: requests, 4xx, 5xx (every route)",
      GRID_WIDTH,
      [httpApi.requests, httpApi.clientErrors, httpApi.serverErrors].map((name) =>
        metricLine(httpApiMetric(name, props.apiId), { stat: "Sum", label: name }),
      ),
      { period: REQUEST_PERIOD_SECONDS },
    ),
    ...props.workflows.flatMap((workflow) => {
      const search = (name: string, statistic: string, period: number) =>
        startMetricSearch(name, props.environment, workflow.name, statistic, period);
      return [
        graph(
          `${workflow.name}: requests by outcome`,
          8,
          [[{ expression: search(START_METRICS.requests, "Sum", REQUEST_PERIOD_SECONDS), id: "requests" }]],
          {
            period: REQUEST_PERIOD_SECONDS,
          },
        ),
        graph(
          `${workflow.name}: duplicates, % of requests`,
          8,
          duplicateRatio(props.environment, workflow.name, search(START_METRICS.requests, "Sum", COUNT_PERIOD_SECONDS)),
          {
            period: COUNT_PERIOD_SECONDS,
            yAxis: { left: { min: 0, max: 100 } },
          },
        ),
        graph(
          `${workflow.name}: executions`,
          8,
          [stepFunctions.started, stepFunctions.succeeded, stepFunctions.failed, stepFunctions.timedOut, stepFunctions.aborted].map(
            (name) => metricLine(stateMachineMetric(name, workflow.stateMachineArn), { stat: "Sum", label: name }),
          ),
          { period: COUNT_PERIOD_SECONDS },
        ),
        ...(["p50", "p99"] as const).map((percentile) =>
          graph(
            `${workflow.name}: latency ${percentile} by outcome (ms)`,
            12,
            [[{ expression: search(START_METRICS.latency, percentile, REQUEST_PERIOD_SECONDS), id: percentile }]],
            {
              period: REQUEST_PERIOD_SECONDS,
            },
          ),
        ),
      ];
    }),
    ...(props.deadLetterQueueName
      ? [
          graph(
            "Ledger: status changes waiting in the dead-letter queue",
            12,
            [
              metricLine(queueMetric(sqs.visibleMessages, props.deadLetterQueueName), {
                stat: "Maximum",
                label: props.deadLetterQueueName,
              }),
            ],
            { period: COUNT_PERIOD_SECONDS },
          ),
          graph(
            "Ledger: records healed by the reconciler",
            12,
            [
              metricLine(environmentMetric(RECONCILER_METRICS.healed, props.environment), {
                stat: "Sum",
                label: RECONCILER_METRICS.healed,
              }),
            ],
            { period: COUNT_PERIOD_SECONDS },
          ),
        ]
      : []),
  ];
}

/**
 * The share of a workflow's requests answered as duplicates (DUPLICATE_OUTCOMES), in percent: each duplicate
 * outcome's count (hidden), all requests whatever their outcome (hidden), and their ratio.
 */
function duplicateRatio(environment: string, workflow: string, allRequests: string): MetricLine[] {
  const duplicates = DUPLICATE_OUTCOMES.map((outcome, index) =>
    metricLine(startMetric(START_METRICS.requests, environment, workflow, outcome), {
      stat: "Sum",
      id: `duplicate${index}`,
      visible: false,
    }),
  );
  const sum = DUPLICATE_OUTCOMES.map((_, index) => `FILL(duplicate${index}, 0)`).join(" + ");
  return [
    ...duplicates,
    [{ expression: `SUM(${allRequests})`, id: "requests", visible: false }],
    [{ expression: `100 * (${sum}) / requests`, id: "ratio", label: `${DUPLICATE_OUTCOMES.join(", ")}` }],
  ];
}

/** `[namespace, name, dimension, value, …, options]`: the dashboard's form of a metric. */
function metricLine(metric: MetricId, options: Record<string, unknown>): MetricLine {
  return [metric.namespace, metric.name, ...Object.entries(metric.dimensions).flat(), options];
}

/** Widgets placed left to right, a new row whenever the next one does not fit. */
function laidOut(widgets: readonly Widget[]): Array<Widget & { x: number; y: number }> {
  let x = 0;
  let y = 0;
  let rowHeight = 0;
  return widgets.map((widget) => {
    if (x + widget.width > GRID_WIDTH) {
      x = 0;
      y += rowHeight;
      rowHeight = 0;
    }
    const placed = { ...widget, x, y };
    x += widget.width;
    rowHeight = Math.max(rowHeight, widget.height);
    return placed;
  });
}
