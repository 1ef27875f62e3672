import * as path from "node:path";
import type { Construct } from "constructs";
import { EXECUTION_NAME_PARAMETER, STATUS_ENVIRONMENT } from "../functions/execution-status/contract";
import { LEDGER_KEY_SCOPE_VARIABLE } from "../functions/shared/ledger-contract";
import type { ExecutionNameStrategy, RequestMetricDimensions } from "../functions/start-execution/contract";
import { DEFAULT_STEP_FUNCTIONS_HISTORY_DAYS, ENVIRONMENT } from "../functions/start-execution/contract";
import { AwsEnvironment } from "./aws-environment";
import { awsProvider } from "./aws-provider";
import { ConfigError } from "./config/config-error";
import type { EnvironmentConfig } from "./config/environment-config";
import type { WorkflowConfig } from "./config/workflow-config";
import { ExecutionLedgerTable } from "./execution-ledger-table";
import { executionStatusBundle, FUNCTION_LIMITS, startExecutionBundle } from "./function-entries";
import { HttpLambdaApi, parseRouteKey } from "./http-lambda-api";
import type { PolicyStatement } from "./iam-policy";
import { LedgerReconciler } from "./ledger-reconciler";
import { LedgerStatusUpdates } from "./ledger-status-updates";
import { NodejsFunction } from "./nodejs-function";
import { NotificationTopic } from "./notification-topic";
import { PROJECT_ROOT } from "./project-root";
import { defaultTags } from "./project-tags";
import { resourcePrefix } from "./resource-names";
import { stateBackend } from "./state-backend";
import { substituteDefinition } from "./state-machine-definition";
import { TerraformOutput, TerraformStack } from "./toolkit/cdktf";
import { TriggerAlarms } from "./trigger-alarms";
import { TriggerDashboard } from "./trigger-dashboard";
import { type WorkflowIdentity, workflowIdentity } from "./workflow-identity";
import { WorkflowStateMachine } from "./workflow-state-machine";
import { deriveTaskGrants, type TaskGrant, taskGrantStatements } from "./workflow-task-grants";

/**
 * A ledger claim outlives the invocation that holds it: only once the lease is over may a later request
 * take the claim over, and by then the holder has finished or been stopped by its timeout.
 */
export const LEDGER_LEASE_SECONDS = 2 * FUNCTION_LIMITS.startExecution.timeoutSeconds;

/**
 * The whole trigger for one environment: one HTTP API, one topic, the ledger when configured, and per
 * workflow a Standard state machine, a start-execution function and its route, and an execution-status
 * function and its route:
 * HTTP API -> start-execution Lambda -> state machine (asl/<workflow>.asl.json) -> its tasks (the topic, …);
 * HTTP API -> execution-status Lambda -> DescribeExecution (with the ledger: its record once forgotten).
 */
export class DedupTriggerStack extends TerraformStack {
  public readonly topic: NotificationTopic;
  public readonly workflows: readonly TriggeredWorkflow[];
  public readonly api: HttpLambdaApi;
  public readonly ledger?: ExecutionLedgerTable;
  public readonly ledgerStatus?: LedgerStatusUpdates;
  public readonly ledgerReconciler?: LedgerReconciler;
  /** Absent with `alarms: false`. */
  public readonly alarms?: TriggerAlarms;
  public readonly dashboard: TriggerDashboard;

  constructor(scope: Construct, config: EnvironmentConfig) {
    super(scope, config.name);
    // Resource names carry project and environment, so environments can share an account.
    const prefix = resourcePrefix(config.name);

    // Deploying needs terraform 1.10 (S3-native state locking); older versions fail at init, not mid-apply.
    this.addOverride("terraform.required_version", ">= 1.10");
    awsProvider(this, {
      region: config.region,
      account: config.account,
      roleArn: config.deployRoleArn,
      sessionName: prefix,
      defaultTags: defaultTags(config.name, config.tags),
    });
    stateBackend(this, config.state);

    this.topic = new NotificationTopic(this, "notifications", {
      name: `${prefix}-notifications`,
      emails: config.notificationEmails,
      kmsKeyArn: config.kmsKeyArn,
    });

    const workflows = config.workflows.map((workflow) => workflowStateMachine(this, config, workflow, this.topic));

    if (config.ledger) {
      this.ledger = new ExecutionLedgerTable(this, "execution-ledger", {
        name: `${prefix}-ledger`,
        retentionDays: config.ledger.retentionDays,
        kmsKeyArn: config.kmsKeyArn,
      });
    }

    const starters = workflows.map(({ workflow, identity, stateMachine }) =>
      startExecutionFunction(this, config, workflow, identity, stateMachine, this.ledger),
    );
    const statusFunctions = workflows.map(({ workflow, identity, stateMachine }) =>
      executionStatusFunction(this, config, workflow, identity, stateMachine, this.ledger),
    );

    if (this.ledger) {
      const ledgerStateMachines = workflows.map(({ workflow, identity, stateMachine }) => ({
        workflow: workflow.name,
        arn: stateMachine.arn,
        name: identity.stateMachineName,
        unscopedLedgerKeys: identity.unscopedLedgerKeys,
      }));
      // What both of the ledger's own functions are built with.
      const ledgerFunctions = {
        prefix,
        environment: config.name,
        stateMachines: ledgerStateMachines,
        ledger: this.ledger,
        logRetentionDays: config.logs.retentionDays,
        kmsKeyArn: config.kmsKeyArn,
        reserveConcurrency: config.reservedConcurrency !== false,
      };
      this.ledgerStatus = new LedgerStatusUpdates(this, "ledger-status", ledgerFunctions);
      // The ledger heals itself: a scheduled sweep of its open records (README.md, "The ledger heals itself").
      this.ledgerReconciler = new LedgerReconciler(this, "ledger-reconciler", ledgerFunctions);
    }

    this.api = new HttpLambdaApi(this, "http-api", {
      name: `${prefix}-api`,
      // Every workflow's route and its status route: CORS allows both methods when it is configured.
      methods: [...new Set([...config.workflows.map((workflow) => parseRouteKey(workflow.route)[0]), "GET"])],
      throttling: config.api.throttling,
      cors: config.api.cors,
      authorization: config.api.authorization,
      accessLogs: { retentionDays: config.logs.retentionDays, kmsKeyArn: config.kmsKeyArn },
    });

    this.workflows = workflows.map(({ workflow, identity, stateMachine }, index) => {
      const starter = starters[index];
      const status = statusFunctions[index];
      const endpointUrl = this.api.addRoute(identity.ids.route, workflow.route, starter.function);
      this.api.addRoute(identity.ids.statusRoute, statusRouteOf(workflow.route), status.function);
      new TerraformOutput(this, identity.ids.endpointUrlOutput, {
        value: endpointUrl,
        description:
          identity.ids.route === ""
            ? "POST JSON requests here to start the workflow at most once per request key."
            : `POST JSON requests here to start the ${workflow.name} workflow at most once per request key.`,
      });
      new TerraformOutput(this, identity.ids.stateMachineArnOutput, {
        value: stateMachine.arn,
        description: identity.ids.route === "" ? "The workflow's state machine." : `The ${workflow.name} workflow's state machine.`,
      });
      return { config: workflow, identity, stateMachine, starter, status };
    });
    new TerraformOutput(this, "topic_arn", { value: this.topic.arn, description: "The topic the workflow publishes to." });

    // Operating it: what goes wrong reaches someone, and what happens can be seen (README.md, Alarms and dashboard).
    const observed = this.workflows.map(({ config: workflow, identity, stateMachine }) => ({
      name: workflow.name,
      stateMachineName: identity.stateMachineName,
      stateMachineArn: stateMachine.arn,
      startFunctionName: identity.startFunctionName,
    }));
    const deadLetterQueueName = this.ledgerStatus?.deadLetterQueue.name;
    if (config.alarms) {
      this.alarms = new TriggerAlarms(this, "alarms", {
        environment: config.name,
        prefix,
        config: config.alarms,
        kmsKeyArn: config.kmsKeyArn,
        workflows: observed,
        api: { id: this.api.api.id, name: this.api.api.name },
        deadLetterQueueName,
      });
      new TerraformOutput(this, "alarm_topic_arn", { value: this.alarms.topicArn, description: "The topic the alarms notify." });
    }
    this.dashboard = new TriggerDashboard(this, "dashboard", {
      name: `${prefix}-overview`,
      environment: config.name,
      region: config.region,
      workflows: observed,
      apiId: this.api.api.id,
      deadLetterQueueName,
      alarmArns: this.alarms?.alarms.map((alarm) => alarm.arn) ?? [],
    });
  }

  /** The workflow of that name; throws when the stack has none. */
  public workflow(name: string): TriggeredWorkflow {
    const found = this.workflows.find((workflow) => workflow.config.name === name);
    if (!found) throw new Error(`Stack ${this.node.id} has no workflow ${name}.`);
    return found;
  }
}

/** One workflow as the stack deploys it. */
export interface TriggeredWorkflow {
  readonly config: WorkflowConfig;
  readonly identity: WorkflowIdentity;
  readonly stateMachine: WorkflowStateMachine;
  readonly starter: NodejsFunction;
  /** Behind `GET <route's path>/{executionName}`. */
  readonly status: NodejsFunction;
}

/** `POST /orders` -> `GET /orders/{executionName}`: an execution of the workflow, by the name the POST answered with. */
export function statusRouteOf(route: string): string {
  const [, routePath] = parseRouteKey(route);
  return `GET ${routePath}/{${EXECUTION_NAME_PARAMETER}}`;
}

/**
 * The workflow's state machine: its ASL with the workflow's and the project's placeholders filled in, and a
 * role with exactly what its tasks need (derived from the ASL, plus the workflow's `permissions`).
 */
function workflowStateMachine(stack: TerraformStack, config: EnvironmentConfig, workflow: WorkflowConfig, topic: NotificationTopic) {
  const identity = workflowIdentity(config.name, workflow.name);
  const aws = AwsEnvironment.of(stack);
  const definitionFile = path.join(PROJECT_ROOT, workflow.definition);
  // One token for the topic's ARN: each read of `topic.arn` is a new token, and the grants are compared with it.
  const topicArn = topic.arn;
  const definition = configured(workflow, "substitutions", () =>
    substituteDefinition(definitionFile, workflow.substitutions, {
      // The partition as the IAM statements take it, so the workflow runs in aws-cn and aws-us-gov too.
      Partition: aws.partition,
      Region: aws.region,
      Account: aws.accountId,
      Environment: config.name,
      TopicArn: topicArn,
    }),
  );
  const grants = configured(workflow, "permissions", () =>
    deriveTaskGrants(definition, {
      workflowName: workflow.name,
      arn: (service, resource) => aws.arn(service, resource),
      coveredStates: workflow.permissions.flatMap((permission) => permission.covers),
    }),
  );
  const stateMachine = new WorkflowStateMachine(stack, identity.ids.workflow, {
    name: identity.stateMachineName,
    definition,
    taskStatements: taskStatementsOf(grants, topic, topicArn, workflow),
    policyName: identity.unscopedLedgerKeys ? "publish-notifications" : "workflow-tasks",
    logging: { ...config.logs.workflow, retentionDays: config.logs.retentionDays, kmsKeyArn: config.kmsKeyArn },
  });
  return { workflow, identity, stateMachine };
}

/**
 * What the tasks may do: publishing to the project's topic comes with the topic's encryption statements (as
 * the topic grants it); every other target as derived from the ASL; then the workflow's own statements.
 */
function taskStatementsOf(
  grants: readonly TaskGrant[],
  topic: NotificationTopic,
  topicArn: string,
  workflow: WorkflowConfig,
): PolicyStatement[] {
  const publishesToTopic = grants.some((grant) => grant.actions.includes("sns:Publish") && grant.resources.includes(topicArn));
  const otherGrants = grants
    .map((grant) => ({ ...grant, resources: grant.resources.filter((resource) => resource !== topicArn) }))
    .filter((grant) => grant.resources.length > 0);
  return [
    ...(publishesToTopic ? topic.publishStatements() : []),
    ...taskGrantStatements(otherGrants),
    ...workflow.permissions.map((permission, index) => ({
      sid: `WorkflowPermission${index + 1}`,
      actions: permission.actions,
      resources: permission.resources,
      wildcardResourceReason: permission.reason,
    })),
  ];
}

/** The start-execution function of a workflow: its key, its request schema, its state machine only. */
function startExecutionFunction(
  stack: TerraformStack,
  config: EnvironmentConfig,
  workflow: WorkflowConfig,
  identity: WorkflowIdentity,
  stateMachine: WorkflowStateMachine,
  ledger: ExecutionLedgerTable | undefined,
): NodejsFunction {
  const bundle = startExecutionBundle(workflow, ledger !== undefined);
  return new NodejsFunction(stack, identity.ids.startFunction, {
    name: identity.startFunctionName,
    description:
      identity.ids.route === ""
        ? "Starts the workflow at most once per request key, for the HTTP API route (sfn-dedup)"
        : `Starts the ${workflow.name} workflow at most once per request key, for ${workflow.route} (sfn-dedup)`,
    entry: bundle.entry,
    requestSchema: bundle.requestSchema,
    limits: FUNCTION_LIMITS.startExecution,
    environment: {
      ...startExecutionEnvironment(stateMachine.arn, workflow.executionName, { environment: config.name, workflow: workflow.name }),
      // Unset means "never", so that the functions of workflows that do not re-run keep their configuration.
      ...(workflow.rerun === "after-failure" ? { [ENVIRONMENT.rerun]: workflow.rerun } : {}),
      // Unset means 90, AWS's default, for the same reason.
      ...(config.stepFunctionsHistoryDays === DEFAULT_STEP_FUNCTIONS_HISTORY_DAYS
        ? {}
        : { [ENVIRONMENT.stepFunctionsHistoryDays]: String(config.stepFunctionsHistoryDays) }),
      ...(ledger ? ledgerEnvironment(ledger.name, config.ledger?.retentionDays, identity) : {}),
    },
    statements: [
      ...stateMachine.startAndDescribeStatements(),
      ...(workflow.rerun === "after-failure" ? [stateMachine.rerunStatement()] : []),
      ...(ledger ? [ledger.claimStatement()] : []),
    ],
    policyName: "start-workflow-executions",
    logRetentionDays: config.logs.retentionDays,
    kmsKeyArn: config.kmsKeyArn,
    reservedConcurrency: config.reservedConcurrency === false ? undefined : config.reservedConcurrency,
  });
}

/**
 * The execution-status function of a workflow: it may describe its own state machine's executions and, with
 * the ledger, read the ledger's items; nothing else. Its concurrency is reserved as the start function's is.
 */
function executionStatusFunction(
  stack: TerraformStack,
  config: EnvironmentConfig,
  workflow: WorkflowConfig,
  identity: WorkflowIdentity,
  stateMachine: WorkflowStateMachine,
  ledger: ExecutionLedgerTable | undefined,
): NodejsFunction {
  const route = statusRouteOf(workflow.route);
  return new NodejsFunction(stack, identity.ids.statusFunction, {
    name: identity.statusFunctionName,
    description:
      identity.ids.route === ""
        ? `Answers the status of the workflow's executions, for ${route} (sfn-dedup)`
        : `Answers the status of the ${workflow.name} workflow's executions, for ${route} (sfn-dedup)`,
    entry: executionStatusBundle(ledger !== undefined).entry,
    limits: FUNCTION_LIMITS.executionStatus,
    environment: {
      [STATUS_ENVIRONMENT.stateMachineArn]: stateMachine.arn,
      // Only when asked for: outputs may hold personal data.
      ...(workflow.exposeOutput ? { [STATUS_ENVIRONMENT.exposeOutput]: "true" } : {}),
      // The table and the key scope exactly as the start function gets them, so it reads the records that one writes.
      ...(ledger
        ? pick(
            ledgerEnvironment(ledger.name, config.ledger?.retentionDays, identity),
            STATUS_ENVIRONMENT.ledgerTableName,
            STATUS_ENVIRONMENT.ledgerKeyScope,
          )
        : {}),
    },
    statements: [...stateMachine.describeStatements(), ...(ledger ? [ledger.readStatement()] : [])],
    policyName: "describe-workflow-executions",
    logRetentionDays: config.logs.retentionDays,
    kmsKeyArn: config.kmsKeyArn,
    reservedConcurrency: config.reservedConcurrency === false ? undefined : config.reservedConcurrency,
  });
}

/** The variables of those names, of the ones given (a variable absent there stays absent). */
function pick(variables: Record<string, string>, ...names: string[]): Record<string, string> {
  return Object.fromEntries(Object.entries(variables).filter(([name]) => names.includes(name)));
}

/** A mistake found while building a workflow, said of the configuration field that can fix it. */
function configured<T>(workflow: WorkflowConfig, field: string, build: () => T): T {
  try {
    return build();
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    throw new ConfigError(`context.workflows.${workflow.name}.${field}`, (error as Error).message);
  }
}

function ledgerEnvironment(tableName: string, retentionDays: number | undefined, identity: WorkflowIdentity): Record<string, string> {
  return {
    [ENVIRONMENT.ledgerTableName]: tableName,
    [ENVIRONMENT.ledgerLeaseSeconds]: String(LEDGER_LEASE_SECONDS),
    ...(retentionDays === undefined ? {} : { [ENVIRONMENT.ledgerRetentionDays]: String(retentionDays) }),
    // Two workflows share the table: records of all but the default's are keyed within their state machine.
    ...(identity.unscopedLedgerKeys ? {} : { [LEDGER_KEY_SCOPE_VARIABLE]: identity.stateMachineName }),
  };
}

/** The start-execution function's configuration, in the variables functions/start-execution/settings.ts reads. */
function startExecutionEnvironment(
  stateMachineArn: string,
  strategy: ExecutionNameStrategy,
  metrics: RequestMetricDimensions,
): Record<string, string> {
  return {
    [ENVIRONMENT.stateMachineArn]: stateMachineArn,
    // The dimension values of the metrics in its log lines (functions/start-execution/request-log.ts).
    [ENVIRONMENT.metricsEnvironment]: metrics.environment,
    [ENVIRONMENT.metricsWorkflow]: metrics.workflow,
    [ENVIRONMENT.executionNameFrom]: strategy.from,
    ...(strategy.from === "field" ? { [ENVIRONMENT.executionNameField]: strategy.field } : {}),
    ...(strategy.from === "header" ? { [ENVIRONMENT.executionNameHeader]: strategy.header } : {}),
  };
}
