import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Apigatewayv2Integration } from "@cdktf/provider-aws/lib/apigatewayv2-integration";
import { Apigatewayv2Route } from "@cdktf/provider-aws/lib/apigatewayv2-route";
import { App } from "cdktf";
import { AwsEnvironment } from "../../lib/aws-environment";
import { projectConfigFrom } from "../../lib/config/project-config";
import { DedupTriggerStack } from "../../lib/dedup-trigger-stack";
import { FUNCTION_ENTRIES } from "../../lib/function-entries";
import { NodejsFunction } from "../../lib/nodejs-function";
import { PROJECT_ROOT } from "../../lib/project-root";
import { WorkflowStateMachine } from "../../lib/workflow-state-machine";
import { ENVIRONMENT } from "../../functions/start-execution/settings";

export const ORDERS_ROUTE = "POST /orders";
/** The team's own table: named by a substitution, not declared by the stack. */
export const TEAM_ORDERS_TABLE = "team-orders";

/**
 * A stack with two workflows on one HTTP API, built with the project's constructs as the platform will hold
 * them: notify-country behind POST /executions, and the orders example (asl/orders.asl.json) behind
 * POST /orders with its own state machine and start-execution function, keyed by orderId. The orders table
 * is the team's, so the stack does not declare it.
 */
export function synthesizeTwoWorkflows(): { outdir: string; stackDir: string } {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "sfn-dedup-two-workflows-"));
  const app = new App({ outdir, context: {} });
  const [environment] = projectConfigFrom({}).environments;
  const stack = new DedupTriggerStack(app, environment);
  const prefix = `sfn-dedup-${environment.name}`;
  const logging = { ...environment.logs.workflow, retentionDays: environment.logs.retentionDays };

  const orders = new WorkflowStateMachine(stack, "orders-workflow", {
    name: `${prefix}-orders`,
    definitionFile: path.join(PROJECT_ROOT, "asl", "orders.asl.json"),
    definitionSubstitutions: { Partition: AwsEnvironment.of(stack).partition, TopicArn: stack.topic.arn, OrdersTableName: TEAM_ORDERS_TABLE },
    taskStatements: stack.topic.publishStatements(),
    policyName: "record-and-publish-orders",
    logging,
  });
  const starter = new NodejsFunction(stack, "orders-start-execution", {
    name: `${prefix}-orders-start-execution`,
    description: "Starts the orders workflow at most once per orderId",
    entry: FUNCTION_ENTRIES.startExecution,
    environment: {
      [ENVIRONMENT.stateMachineArn]: orders.arn,
      [ENVIRONMENT.executionNameFrom]: "field",
      [ENVIRONMENT.executionNameField]: "orderId",
    },
    statements: orders.startAndDescribeStatements(),
    policyName: "start-orders-executions",
    logRetentionDays: environment.logs.retentionDays,
  });
  const integration = new Apigatewayv2Integration(stack, "orders-integration", {
    apiId: stack.api.api.id,
    integrationType: "AWS_PROXY",
    integrationUri: starter.function.invokeArn,
    payloadFormatVersion: "2.0",
  });
  new Apigatewayv2Route(stack, "orders-route", { apiId: stack.api.api.id, routeKey: ORDERS_ROUTE, target: `integrations/${integration.id}` });
  app.synth();
  return { outdir, stackDir: path.join(outdir, "stacks", environment.name) };
}
