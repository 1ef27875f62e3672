import * as path from "node:path";
import { TerraformOutput, TerraformStack } from "cdktf";
import type { Construct } from "constructs";
import type { ExecutionNameStrategy } from "../functions/start-execution/execution-name";
import { ENVIRONMENT } from "../functions/start-execution/settings";
import { awsProvider } from "./aws-provider";
import type { EnvironmentConfig } from "./config/environment-config";
import { HttpLambdaApi } from "./http-lambda-api";
import { NodejsFunction } from "./nodejs-function";
import { NotificationTopic } from "./notification-topic";
import { PROJECT_ROOT } from "./project-root";
import { defaultTags, PROJECT_NAME } from "./project-tags";
import { stateBackend } from "./state-backend";
import { WorkflowStateMachine } from "./workflow-state-machine";

export const TRIGGER_ROUTE = "POST /executions";

/**
 * The whole trigger for one environment:
 * HTTP API -> start-execution Lambda -> Standard state machine (asl/notify-country.asl.json) -> SNS topic.
 */
export class DedupTriggerStack extends TerraformStack {
  public readonly topic: NotificationTopic;
  public readonly workflow: WorkflowStateMachine;
  public readonly starter: NodejsFunction;
  public readonly api: HttpLambdaApi;

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
    });

    this.workflow = new WorkflowStateMachine(this, "workflow", {
      name: `${prefix}-notify-country`,
      definitionFile: path.join(PROJECT_ROOT, "asl", "notify-country.asl.json"),
      definitionSubstitutions: { TopicArn: this.topic.arn },
      taskStatements: [this.topic.publishStatement()],
    });

    this.starter = new NodejsFunction(this, "start-execution", {
      name: `${prefix}-start-execution`,
      entry: "functions/start-execution/index.ts",
      environment: startExecutionEnvironment(this.workflow.arn, config.executionName),
      statements: this.workflow.startAndDescribeStatements(),
    });

    this.api = new HttpLambdaApi(this, "http-api", {
      name: `${prefix}-api`,
      routeKey: TRIGGER_ROUTE,
      handler: this.starter.function,
    });

    new TerraformOutput(this, "endpoint_url", {
      value: this.api.routeUrl,
      description: "POST JSON requests here to start the workflow at most once per request key.",
    });
    new TerraformOutput(this, "state_machine_arn", { value: this.workflow.arn, description: "The workflow's state machine." });
    new TerraformOutput(this, "topic_arn", { value: this.topic.arn, description: "The topic the workflow publishes to." });
  }
}

/** The start-execution function's configuration, in the variables functions/start-execution/settings.ts reads. */
function startExecutionEnvironment(stateMachineArn: string, strategy: ExecutionNameStrategy): Record<string, string> {
  return {
    [ENVIRONMENT.stateMachineArn]: stateMachineArn,
    [ENVIRONMENT.executionNameFrom]: strategy.from,
    ...(strategy.from === "field" ? { [ENVIRONMENT.executionNameField]: strategy.field } : {}),
  };
}
