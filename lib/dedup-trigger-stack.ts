import * as path from "node:path";
import { TerraformOutput, TerraformStack } from "cdktf";
import type { Construct } from "constructs";
import type { ExecutionNameStrategy } from "../functions/start-execution/execution-name";
import { ENVIRONMENT } from "../functions/start-execution/settings";
import { AwsEnvironment } from "./aws-environment";
import { awsProvider } from "./aws-provider";
import { ExecutionLedgerTable } from "./execution-ledger-table";
import { DEFAULT_REQUEST_SCHEMA, FUNCTION_ENTRIES } from "./function-entries";
import type { EnvironmentConfig } from "./config/environment-config";
import { HttpLambdaApi } from "./http-lambda-api";
import { LedgerStatusUpdates } from "./ledger-status-updates";
import { NodejsFunction } from "./nodejs-function";
import { NotificationTopic } from "./notification-topic";
import { PROJECT_ROOT } from "./project-root";
import { defaultTags, PROJECT_NAME } from "./project-tags";
import { stateBackend } from "./state-backend";
import { WorkflowStateMachine } from "./workflow-state-machine";

export const TRIGGER_ROUTE = "POST /executions";
/** Well under API Gateway's 30 s integration limit, so the client always gets the function's answer. */
export const START_EXECUTION_TIMEOUT_SECONDS = 10;
/**
 * A ledger claim outlives the invocation that holds it: only once the lease is over may a later request
 * take the claim over, and by then the holder has finished or been stopped by its timeout.
 */
export const LEDGER_LEASE_SECONDS = 2 * START_EXECUTION_TIMEOUT_SECONDS;

/**
 * The whole trigger for one environment:
 * HTTP API -> start-execution Lambda -> Standard state machine (asl/notify-country.asl.json) -> SNS topic.
 */
export class DedupTriggerStack extends TerraformStack {
  public readonly topic: NotificationTopic;
  public readonly workflow: WorkflowStateMachine;
  public readonly starter: NodejsFunction;
  public readonly api: HttpLambdaApi;
  public readonly ledger?: ExecutionLedgerTable;

  constructor(scope: Construct, config: EnvironmentConfig) {
    super(scope, config.name);
    // Resource names carry project and environment, so environments can share an account.
    const prefix = `${PROJECT_NAME}-${config.name}`;

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

    this.workflow = new WorkflowStateMachine(this, "workflow", {
      name: `${prefix}-notify-country`,
      definitionFile: path.join(PROJECT_ROOT, "asl", "notify-country.asl.json"),
      // The partition as the IAM statements take it, so the workflow runs in aws-cn and aws-us-gov too.
      definitionSubstitutions: { Partition: AwsEnvironment.of(this).partition, TopicArn: this.topic.arn },
      taskStatements: this.topic.publishStatements(),
      policyName: "publish-notifications",
      logging: { ...config.logs.workflow, retentionDays: config.logs.retentionDays, kmsKeyArn: config.kmsKeyArn },
    });

    if (config.ledger) {
      this.ledger = new ExecutionLedgerTable(this, "execution-ledger", {
        name: `${prefix}-ledger`,
        retentionDays: config.ledger.retentionDays,
        kmsKeyArn: config.kmsKeyArn,
      });
    }

    this.starter = new NodejsFunction(this, "start-execution", {
      name: `${prefix}-start-execution`,
      description: "Starts the workflow at most once per request key, for the HTTP API route (sfn-dedup)",
      // The ledger needs the DynamoDB client; the function without one ships without it.
      entry: this.ledger ? FUNCTION_ENTRIES.startExecutionWithLedger : FUNCTION_ENTRIES.startExecution,
      requestSchema: DEFAULT_REQUEST_SCHEMA,
      timeoutSeconds: START_EXECUTION_TIMEOUT_SECONDS,
      environment: {
        ...startExecutionEnvironment(this.workflow.arn, config.executionName),
        ...(this.ledger ? ledgerEnvironment(this.ledger.name, config.ledger?.retentionDays) : {}),
      },
      statements: [...this.workflow.startAndDescribeStatements(), ...(this.ledger ? [this.ledger.claimStatement()] : [])],
      policyName: "start-workflow-executions",
      logRetentionDays: config.logs.retentionDays,
      kmsKeyArn: config.kmsKeyArn,
      reservedConcurrency: config.reservedConcurrency === false ? undefined : config.reservedConcurrency,
    });

    if (this.ledger) {
      new LedgerStatusUpdates(this, "ledger-status", {
        prefix,
        stateMachineArn: this.workflow.arn,
        ledger: this.ledger,
        logRetentionDays: config.logs.retentionDays,
        kmsKeyArn: config.kmsKeyArn,
        reserveConcurrency: config.reservedConcurrency !== false,
      });
    }

    this.api = new HttpLambdaApi(this, "http-api", {
      name: `${prefix}-api`,
      routeKey: TRIGGER_ROUTE,
      handler: this.starter.function,
      throttling: config.api.throttling,
      cors: config.api.cors,
      authorization: config.api.authorization,
      accessLogs: { retentionDays: config.logs.retentionDays, kmsKeyArn: config.kmsKeyArn },
    });

    new TerraformOutput(this, "endpoint_url", {
      value: this.api.routeUrl,
      description: "POST JSON requests here to start the workflow at most once per request key.",
    });
    new TerraformOutput(this, "state_machine_arn", { value: this.workflow.arn, description: "The workflow's state machine." });
    new TerraformOutput(this, "topic_arn", { value: this.topic.arn, description: "The topic the workflow publishes to." });
  }
}

function ledgerEnvironment(tableName: string, retentionDays: number | undefined): Record<string, string> {
  return {
    [ENVIRONMENT.ledgerTableName]: tableName,
    [ENVIRONMENT.ledgerLeaseSeconds]: String(LEDGER_LEASE_SECONDS),
    ...(retentionDays === undefined ? {} : { [ENVIRONMENT.ledgerRetentionDays]: String(retentionDays) }),
  };
}

/** The start-execution function's configuration, in the variables functions/start-execution/settings.ts reads. */
function startExecutionEnvironment(stateMachineArn: string, strategy: ExecutionNameStrategy): Record<string, string> {
  return {
    [ENVIRONMENT.stateMachineArn]: stateMachineArn,
    [ENVIRONMENT.executionNameFrom]: strategy.from,
    ...(strategy.from === "field" ? { [ENVIRONMENT.executionNameField]: strategy.field } : {}),
  };
}
