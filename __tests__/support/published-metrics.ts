import {
  LEDGER_STATUS_METRICS,
  METRIC_DIMENSIONS,
  METRICS_NAMESPACE,
  RECONCILER_METRICS,
  START_METRICS,
} from "../../functions/shared/metrics-contract";

/** Metrics of one namespace, each published with exactly one of the dimension sets listed. */
export interface PublishedMetrics {
  readonly metrics: readonly string[];
  readonly dimensionSets: ReadonlyArray<readonly string[]>;
}

/**
 * The AWS metrics the stack may alarm on or show, as AWS documents them; written out here, not taken from lib/, so
 * that a name mistyped there is caught. Sources (read 2026):
 * - AWS/States — AWS Step Functions Developer Guide, "Monitoring Step Functions metrics using Amazon CloudWatch",
 *   Execution metrics, dimension StateMachineArn:
 *   https://docs.aws.amazon.com/step-functions/latest/dg/procedure-cw-metrics.html
 *   (`ExecutionThrottled` is singular: "The number of StateEntered events and retries that have been throttled".)
 * - AWS/Lambda — AWS Lambda Developer Guide, "Types of metrics for Lambda functions": invocation metrics (Errors,
 *   Throttles, Invocations), "By Function Name (FunctionName) – View aggregate metrics for all versions and aliases":
 *   https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html
 * - AWS/ApiGateway, HTTP APIs — API Gateway Developer Guide, "Monitor CloudWatch metrics for HTTP APIs in API
 *   Gateway": 4xx, 5xx, Count, IntegrationLatency, Latency, DataProcessed; dimensions ApiId / ApiId, Stage /
 *   ApiId, Method, Resource, Stage. (REST APIs publish 4XXError / 5XXError instead; an old copy of this page in
 *   awsdocs/amazon-api-gateway-developer-guide still listed those for HTTP APIs.)
 *   https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-metrics.html
 * - AWS/SQS — Amazon SQS Developer Guide, "Available CloudWatch metrics for Amazon SQS": "The only dimension that
 *   Amazon SQS sends to CloudWatch is QueueName":
 *   https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-available-cloudwatch-metrics.html
 */
export const AWS_PUBLISHED_METRICS: Readonly<Record<string, PublishedMetrics>> = {
  "AWS/States": {
    metrics: [
      "ExecutionTime",
      "ExecutionThrottled",
      "ExecutionsAborted",
      "ExecutionsFailed",
      "ExecutionsStarted",
      "ExecutionsSucceeded",
      "ExecutionsTimedOut",
    ],
    dimensionSets: [["StateMachineArn"]],
  },
  "AWS/Lambda": {
    metrics: ["Invocations", "Errors", "Throttles", "Duration", "ConcurrentExecutions"],
    // Per function: the aggregate of all its versions and aliases (the other views, by version or alias, are not used here).
    dimensionSets: [["FunctionName"]],
  },
  "AWS/ApiGateway": {
    metrics: ["4xx", "5xx", "Count", "IntegrationLatency", "Latency", "DataProcessed"],
    dimensionSets: [["ApiId"], ["ApiId", "Stage"], ["ApiId", "Method", "Resource", "Stage"]],
  },
  "AWS/SQS": {
    metrics: [
      "ApproximateAgeOfOldestMessage",
      "ApproximateNumberOfMessagesDelayed",
      "ApproximateNumberOfMessagesNotVisible",
      "ApproximateNumberOfMessagesVisible",
      "NumberOfEmptyReceives",
      "NumberOfMessagesDeleted",
      "NumberOfMessagesReceived",
      "NumberOfMessagesSent",
      "SentMessageSize",
    ],
    dimensionSets: [["QueueName"]],
  },
};

/** What the project's functions emit (functions/shared/metrics-contract.ts), with the dimensions each is emitted with. */
export const PROJECT_METRICS: ReadonlyArray<{ readonly namespace: string } & PublishedMetrics> = [
  {
    namespace: METRICS_NAMESPACE,
    metrics: Object.values(START_METRICS),
    dimensionSets: [[METRIC_DIMENSIONS.environment, METRIC_DIMENSIONS.workflow, METRIC_DIMENSIONS.outcome]],
  },
  { namespace: METRICS_NAMESPACE, metrics: Object.values(LEDGER_STATUS_METRICS), dimensionSets: [[METRIC_DIMENSIONS.environment]] },
  { namespace: METRICS_NAMESPACE, metrics: Object.values(RECONCILER_METRICS), dimensionSets: [[METRIC_DIMENSIONS.environment]] },
];

/** Why a metric named so is not one the stack emits or AWS publishes, or undefined when it is. */
export function unpublished(namespace: string, name: string, dimensionNames: readonly string[]): string | undefined {
  const sameSet = (set: readonly string[]) => [...set].sort().join(",") === [...dimensionNames].sort().join(",");
  const candidates = [
    ...(AWS_PUBLISHED_METRICS[namespace] ? [AWS_PUBLISHED_METRICS[namespace]] : []),
    ...PROJECT_METRICS.filter((entry) => entry.namespace === namespace),
  ];
  if (candidates.length === 0) return `${namespace} is neither an AWS namespace listed here nor the project's`;
  const named = candidates.filter((entry) => entry.metrics.includes(name));
  if (named.length === 0) return `${namespace} has no metric ${name}`;
  return named.some((entry) => entry.dimensionSets.some(sameSet))
    ? undefined
    : `${namespace} ${name} is not published with the dimensions ${dimensionNames.join(", ")}`;
}
