import { METRIC_DIMENSIONS, METRICS_NAMESPACE } from "../functions/shared/metrics-contract";

/**
 * A CloudWatch metric as the alarms and the dashboard name it: namespace, name and every dimension. CloudWatch
 * finds a metric by its whole set of dimensions, so a metric named with one dimension too few is another metric,
 * one nobody publishes.
 */
export interface MetricId {
  readonly namespace: string;
  readonly name: string;
  readonly dimensions: Readonly<Record<string, string>>;
}

/**
 * The AWS metrics read here, by namespace, as AWS documents them (README.md, Alarms and dashboard, cites each page).
 * HTTP APIs publish `5xx`/`4xx`, not the REST APIs' `5XXError`/`4XXError`.
 */
export const AWS_METRICS = {
  stepFunctions: {
    namespace: "AWS/States",
    dimension: "StateMachineArn",
    started: "ExecutionsStarted",
    succeeded: "ExecutionsSucceeded",
    failed: "ExecutionsFailed",
    timedOut: "ExecutionsTimedOut",
    aborted: "ExecutionsAborted",
    /** State transitions (StateEntered events and retries) throttled: `ExecutionThrottled`, singular. */
    throttled: "ExecutionThrottled",
  },
  lambda: { namespace: "AWS/Lambda", dimension: "FunctionName", errors: "Errors", throttles: "Throttles" },
  httpApi: { namespace: "AWS/ApiGateway", dimension: "ApiId", requests: "Count", clientErrors: "4xx", serverErrors: "5xx" },
  sqs: { namespace: "AWS/SQS", dimension: "QueueName", visibleMessages: "ApproximateNumberOfMessagesVisible" },
} as const;

export function stateMachineMetric(name: string, stateMachineArn: string): MetricId {
  const { namespace, dimension } = AWS_METRICS.stepFunctions;
  return { namespace, name, dimensions: { [dimension]: stateMachineArn } };
}

export function functionMetric(name: string, functionName: string): MetricId {
  const { namespace, dimension } = AWS_METRICS.lambda;
  return { namespace, name, dimensions: { [dimension]: functionName } };
}

/** Every stage of the API together: the trigger has one, `$default`. */
export function httpApiMetric(name: string, apiId: string): MetricId {
  const { namespace, dimension } = AWS_METRICS.httpApi;
  return { namespace, name, dimensions: { [dimension]: apiId } };
}

export function queueMetric(name: string, queueName: string): MetricId {
  const { namespace, dimension } = AWS_METRICS.sqs;
  return { namespace, name, dimensions: { [dimension]: queueName } };
}

/** A start-execution metric of one workflow and outcome (functions/shared/metrics-contract.ts, START_METRICS). */
export function startMetric(name: string, environment: string, workflow: string, outcome: string): MetricId {
  const { environment: env, workflow: wf, outcome: out } = METRIC_DIMENSIONS;
  return { namespace: METRICS_NAMESPACE, name, dimensions: { [env]: environment, [wf]: workflow, [out]: outcome } };
}

/** A metric the project publishes per environment only: ledger-status's and the reconciler's. */
export function environmentMetric(name: string, environment: string): MetricId {
  return { namespace: METRICS_NAMESPACE, name, dimensions: { [METRIC_DIMENSIONS.environment]: environment } };
}

/**
 * A CloudWatch search expression over one of the project's start-execution metrics of one workflow, whatever its
 * outcome: one time series per outcome that occurred. The outcomes are not listed here on purpose: the functions
 * own them, and a new one appears on the dashboard without a change here. Environment and workflow names are
 * lower-case letters, digits and hyphens, so they need no escaping inside the quotes.
 */
export function startMetricSearch(name: string, environment: string, workflow: string, statistic: string, periodSeconds: number): string {
  const { environment: env, workflow: wf, outcome } = METRIC_DIMENSIONS;
  const schema = `{"${METRICS_NAMESPACE}",${[env, outcome, wf].join(",")}}`;
  return `SEARCH('${schema} MetricName="${name}" ${env}="${environment}" ${wf}="${workflow}"', '${statistic}', ${periodSeconds})`;
}
