import { Construct } from "constructs";
import { type RequestOutcome, START_METRICS } from "../functions/shared/metrics-contract";
import { AlarmTopic } from "./alarm-topic";
import type { AlarmsConfig } from "./config/alarms-config";
import { FUNCTION_ERROR_RETRY_ATTEMPTS } from "./ledger-status-updates";
import {
  AWS_METRICS,
  functionMetric,
  httpApiMetric,
  type MetricId,
  queueMetric,
  startMetric,
  stateMachineMetric,
} from "./observed-metrics";
import { CloudwatchMetricAlarm } from "./toolkit/aws-provider";

/** A workflow as its alarms and its dashboard widgets name it. */
export interface ObservedWorkflow {
  /** The workflow's name, the `Workflow` dimension of the project's metrics. */
  readonly name: string;
  readonly stateMachineName: string;
  readonly stateMachineArn: string;
  readonly startFunctionName: string;
}

export interface TriggerAlarmsProps {
  /** The environment's name, the `Environment` dimension of the project's metrics. */
  readonly environment: string;
  /** `sfn-dedup-<env>`: every alarm's name starts with it. */
  readonly prefix: string;
  readonly config: AlarmsConfig;
  /** The environment's customer managed key, for the alarm topic. */
  readonly kmsKeyArn?: string;
  readonly workflows: readonly ObservedWorkflow[];
  readonly api: { readonly id: string; readonly name: string };
  /** With the ledger: the ledger-status function's dead-letter queue. */
  readonly deadLetterQueueName?: string;
}

/** What a start-execution function answers when Step Functions or the ledger's table keeps failing (a 503). */
export const UNAVAILABLE_OUTCOME = "unavailable" satisfies RequestOutcome;

/** Counts are judged over five minutes: long enough to gather a burst, short enough to page within minutes. */
const COUNT_PERIOD_SECONDS = 300;
const MINUTE = 60;

type Comparison = "GreaterThanThreshold" | "GreaterThanOrEqualToThreshold";

/** One alarm, before it is a resource. */
interface AlarmDefinition {
  /** The alarm's name without the environment's prefix: its construct id, so renaming a workflow's resources renames it. */
  readonly id: string;
  readonly name: string;
  /** What it means and what to do: the text the notification carries. */
  readonly description: string;
  /** One metric, or several whose values are added (a missing point counts as 0). */
  readonly metrics: readonly MetricId[];
  readonly statistic: "Sum" | "Maximum";
  readonly periodSeconds: number;
  readonly evaluationPeriods: number;
  readonly datapointsToAlarm: number;
  readonly comparison: Comparison;
  readonly threshold: number;
}

/**
 * The environment's alarms, each notifying the alarm topic when it goes off and when it is OK again.
 *
 * Every alarm treats missing data as not breaching: each metric here is published only when something happens
 * (Lambda's per invocation, Step Functions' per execution event, the project's per request, API Gateway's per
 * request, SQS's only while the queue is active, and a queue that holds a message is), so no data means nothing
 * went wrong. Treated as missing, a quiet environment's alarms would sit in INSUFFICIENT_DATA and say nothing.
 */
export class TriggerAlarms extends Construct {
  public readonly alarms: readonly CloudwatchMetricAlarm[];
  /** The topic the alarms notify: the stack's, or `topicArn`. */
  public readonly topicArn: string;
  /** The topic the stack created; absent with `topicArn`. */
  public readonly topic?: AlarmTopic;

  constructor(scope: Construct, id: string, props: TriggerAlarmsProps) {
    super(scope, id);
    const definitions = alarmDefinitions(props);
    if (props.config.topicArn) {
      this.topicArn = props.config.topicArn;
    } else {
      this.topic = new AlarmTopic(this, "topic", {
        name: `${props.prefix}-alarms`,
        emails: props.config.emails,
        kmsKeyArn: props.kmsKeyArn,
        alarmNames: definitions.map((definition) => definition.name),
      });
      this.topicArn = this.topic.arn;
    }
    this.alarms = definitions.map((definition) => metricAlarm(this, definition, this.topicArn));
  }
}

function metricAlarm(scope: Construct, definition: AlarmDefinition, topicArn: string): CloudwatchMetricAlarm {
  const common = {
    alarmName: definition.name,
    alarmDescription: definition.description,
    comparisonOperator: definition.comparison,
    threshold: definition.threshold,
    evaluationPeriods: definition.evaluationPeriods,
    datapointsToAlarm: definition.datapointsToAlarm,
    treatMissingData: "notBreaching",
    actionsEnabled: true,
    alarmActions: [topicArn],
    okActions: [topicArn],
  };
  const [only, ...others] = definition.metrics;
  if (others.length === 0) {
    return new CloudwatchMetricAlarm(scope, definition.id, {
      ...common,
      namespace: only.namespace,
      metricName: only.name,
      dimensions: { ...only.dimensions },
      statistic: definition.statistic,
      period: definition.periodSeconds,
    });
  }
  const ids = definition.metrics.map((_, index) => `m${index}`);
  return new CloudwatchMetricAlarm(scope, definition.id, {
    ...common,
    metricQuery: [
      ...definition.metrics.map((metric, index) => ({
        id: ids[index],
        returnData: false,
        metric: {
          namespace: metric.namespace,
          metricName: metric.name,
          dimensions: { ...metric.dimensions },
          stat: definition.statistic,
          period: definition.periodSeconds,
        },
      })),
      { id: "total", expression: ids.map((metricId) => `FILL(${metricId}, 0)`).join(" + "), label: "Total", returnData: true },
    ],
  });
}

/** Every alarm of the environment: its own, then each workflow's. */
function alarmDefinitions(props: TriggerAlarmsProps): AlarmDefinition[] {
  const { thresholds } = props.config;
  const named = (name: string) => ({ id: name.slice(props.prefix.length + 1), name });
  const count = {
    statistic: "Sum" as const,
    periodSeconds: COUNT_PERIOD_SECONDS,
    evaluationPeriods: 1,
    datapointsToAlarm: 1,
    comparison: "GreaterThanOrEqualToThreshold" as const,
  };
  const environmentAlarms: AlarmDefinition[] = [
    ...(props.deadLetterQueueName
      ? [
          {
            ...named(`${props.prefix}-ledger-status-dead-letters`),
            description:
              `The ledger-status dead-letter queue ${props.deadLetterQueueName} is not empty: a status change the ledger could not ` +
              `record after Lambda's ${FUNCTION_ERROR_RETRY_ATTEMPTS + 1} attempts waits there (14 days at most), and its ledger record ` +
              `still shows the execution as not finished. Read why in the log group /aws/lambda/${props.prefix}-ledger-status, fix the ` +
              "cause, then replay each message to the function and delete it (README.md, Alarms and dashboard).",
            metrics: [queueMetric(AWS_METRICS.sqs.visibleMessages, props.deadLetterQueueName)],
            statistic: "Maximum" as const,
            periodSeconds: COUNT_PERIOD_SECONDS,
            evaluationPeriods: 1,
            datapointsToAlarm: 1,
            comparison: "GreaterThanThreshold" as const,
            threshold: 0,
          },
        ]
      : []),
    {
      ...named(`${props.prefix}-api-5xx`),
      description:
        `The HTTP API ${props.api.name} answered ${thresholds.serverErrors} or more requests with a 5xx in 5 minutes, all routes ` +
        `together. Find them in the access log /aws/vendedlogs/apigateway/${props.api.name} (status, integrationError, errorMessage): a ` +
        "503 with Retry-After is the trigger saying unavailable, a 500 an integration or function failure; the workflow alarms tell " +
        "which one.",
      metrics: [httpApiMetric(AWS_METRICS.httpApi.serverErrors, props.api.id)],
      ...count,
      threshold: thresholds.serverErrors,
    },
  ];
  return [...environmentAlarms, ...props.workflows.flatMap((workflow) => workflowAlarms(props, workflow, named, count))];
}

function workflowAlarms(
  props: TriggerAlarmsProps,
  workflow: ObservedWorkflow,
  named: (name: string) => { id: string; name: string },
  count: Pick<AlarmDefinition, "statistic" | "periodSeconds" | "evaluationPeriods" | "datapointsToAlarm" | "comparison">,
): AlarmDefinition[] {
  const { thresholds } = props.config;
  const { stepFunctions, lambda } = AWS_METRICS;
  const functionLog = `/aws/lambda/${workflow.startFunctionName}`;
  return [
    {
      ...named(`${workflow.startFunctionName}-errors`),
      description:
        `The ${workflow.name} workflow's start-execution function ${workflow.startFunctionName} failed ${thresholds.functionErrors} or ` +
        "more invocations in 5 minutes (an uncaught error or its timeout): those clients got a 5xx from API Gateway, and a request may " +
        `have started its execution without being told. Read ${functionLog} and the function's X-Ray traces; roll back a bad deploy. ` +
        "Clients resend safely.",
      metrics: [functionMetric(lambda.errors, workflow.startFunctionName)],
      ...count,
      threshold: thresholds.functionErrors,
    },
    {
      ...named(`${workflow.startFunctionName}-throttles`),
      description:
        `Lambda turned away ${thresholds.functionThrottles} or more invocations of ${workflow.startFunctionName} in 5 minutes: its ` +
        "reserved concurrency was all in use, and those clients got an error from API Gateway. If traffic really grew, raise " +
        "reservedConcurrency (README.md, Configuration); if one client floods the route, lower api.throttling.",
      metrics: [functionMetric(lambda.throttles, workflow.startFunctionName)],
      ...count,
      threshold: thresholds.functionThrottles,
    },
    {
      ...named(`${workflow.stateMachineName}-executions-failed`),
      description:
        `${thresholds.failedExecutions} or more executions of the ${workflow.name} workflow (state machine ${workflow.stateMachineName}) ` +
        "failed, timed out or were aborted in 5 minutes. Filter its executions by status in the Step Functions console, read the error " +
        `and cause in each history and in /aws/vendedlogs/states/${workflow.stateMachineName}; fix the cause, then redrive them (within ` +
        "14 days) or, for a workflow with rerun after-failure, let clients resend.",
      metrics: [stepFunctions.failed, stepFunctions.timedOut, stepFunctions.aborted].map((name) =>
        stateMachineMetric(name, workflow.stateMachineArn),
      ),
      ...count,
      threshold: thresholds.failedExecutions,
    },
    {
      ...named(`${workflow.stateMachineName}-executions-throttled`),
      description:
        `Step Functions throttled ${thresholds.throttledExecutions} or more state transitions of the ${workflow.name} workflow's ` +
        "executions in 5 minutes (ExecutionThrottled: the account's StateTransition quota in this region). Executions run late, none is " +
        "lost. If it lasts, lower api.throttling or ask AWS (Service Quotas) for a higher StateTransition quota.",
      metrics: [stateMachineMetric(stepFunctions.throttled, workflow.stateMachineArn)],
      ...count,
      threshold: thresholds.throttledExecutions,
    },
    {
      ...named(`${workflow.stateMachineName}-unavailable`),
      description:
        `The ${workflow.name} workflow's trigger answered ${UNAVAILABLE_OUTCOME} (503, Retry-After) to ` +
        `${thresholds.unavailablePerMinute} or more requests a minute in 2 of 3 minutes: Step Functions, or the ledger's table, kept ` +
        "failing after the SDK's retries, and nothing was started for those requests. Clients retry; check the AWS Health Dashboard for " +
        `the region and the errorName of those lines in ${functionLog}.`,
      metrics: [startMetric(START_METRICS.requests, props.environment, workflow.name, UNAVAILABLE_OUTCOME)],
      statistic: "Sum",
      periodSeconds: MINUTE,
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
      comparison: "GreaterThanOrEqualToThreshold",
      threshold: thresholds.unavailablePerMinute,
    },
  ];
}
