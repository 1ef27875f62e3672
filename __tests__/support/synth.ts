import { projectConfigFrom } from "../../lib/config/project-config";
import { DedupTriggerStack } from "../../lib/dedup-trigger-stack";
import { blockSchemaOf } from "../../lib/hcl/block-schema";
import { renderHcl } from "../../lib/hcl/render-hcl";
import { StateBucketStack } from "../../lib/state-bucket-stack";
import { type TerraformStack, Testing } from "../../lib/toolkit/cdktf";

export type Attributes = Record<string, any>;
export interface TerraformJson {
  provider: Record<string, Attributes[]>;
  resource: Record<string, Record<string, Attributes>>;
  data: Record<string, Record<string, Attributes>>;
  output: Record<string, Attributes>;
  terraform: Attributes;
}

export interface SynthesizedTrigger {
  readonly stack: DedupTriggerStack;
  /** The stack's cdk.tf.json, as the matchers of cdktf's Testing expect it. */
  readonly synthesized: string;
  readonly tf: TerraformJson;
}

/**
 * Synthesizes the trigger stack in memory. Without settings: the unconfigured default stack. With
 * settings: an environment named "default" in account 123456789012, us-east-1, with those settings.
 */
export function synthTrigger(settings?: Record<string, unknown>): SynthesizedTrigger {
  const context = settings ? { environments: { default: { account: "123456789012", region: "us-east-1", ...settings } } } : {};
  const [environment] = projectConfigFrom(context).environments;
  const stack = new DedupTriggerStack(Testing.app(), environment);
  const synthesized = Testing.synth(stack);
  return { stack, synthesized, tf: JSON.parse(synthesized) as TerraformJson };
}

/** Every stack main.ts would create for a cdktf.json context, synthesized in memory, by stack name. */
export function synthProject(
  context: Record<string, unknown>,
): Record<string, { synthesized: string; tf: TerraformJson; hcl: () => string }> {
  const project = projectConfigFrom(context);
  const app = Testing.app();
  const stacks: TerraformStack[] = [
    ...project.environments.map((environment) => new DedupTriggerStack(app, environment)),
    ...project.stateBuckets.map((bucket) => new StateBucketStack(app, bucket)),
  ];
  return Object.fromEntries(
    stacks.map((stack) => {
      const synthesized = Testing.synth(stack);
      const tf = JSON.parse(synthesized) as TerraformJson;
      // What `npm run synth:hcl` writes (cdk.tf), rendered on demand.
      return [stack.node.id, { synthesized, tf, hcl: () => renderHcl(JSON.parse(synthesized), blockSchemaOf(stack)) }];
    }),
  );
}

/** The one resource of a type; fails the test when there are none or several. */
export function onlyResource(tf: TerraformJson, type: string): Attributes {
  const resources = Object.values(tf.resource[type] ?? {});
  if (resources.length !== 1) {
    throw new Error(`expected one ${type}, found ${resources.length}`);
  }
  return resources[0];
}

/** `${type.<logical id>.<attribute>}` for the one resource of a type. */
export function referenceTo(tf: TerraformJson, type: string, attribute: string): string {
  const ids = Object.keys(tf.resource[type] ?? {});
  if (ids.length !== 1) {
    throw new Error(`expected one ${type}, found ${ids.length}`);
  }
  return `\${${type}.${ids[0]}.${attribute}}`;
}

/** `${data.type.<logical id>.<attribute>}` for the one data source of a type. */
export function dataReferenceTo(tf: TerraformJson, type: string, attribute: string): string {
  const ids = Object.keys(tf.data?.[type] ?? {});
  if (ids.length !== 1) {
    throw new Error(`expected one data.${type}, found ${ids.length}`);
  }
  return `\${data.${type}.${ids[0]}.${attribute}}`;
}

/** The logical id of the log group with this name. */
export function logGroupId(tf: TerraformJson, name: string): string {
  const found = Object.entries(tf.resource.aws_cloudwatch_log_group ?? {}).filter(([, group]) => group.name === name);
  if (found.length !== 1) {
    throw new Error(`expected one log group named ${name}, found ${found.length}`);
  }
  return found[0][0];
}

export interface PolicyStatementJson {
  Sid: string;
  Effect: string;
  Action: string[];
  Resource: string[];
}

/** The inline policy of the role whose name ends with `suffix`, parsed. */
export function rolePolicy(tf: TerraformJson, roleNameSuffix: string): { trust: any; statements: PolicyStatementJson[] } {
  const roles = Object.entries(tf.resource.aws_iam_role).filter(([, role]) => role.name.endsWith(roleNameSuffix));
  if (roles.length !== 1) {
    throw new Error(`expected one role named *${roleNameSuffix}, found ${roles.length}`);
  }
  const [roleId, role] = roles[0];
  const policies = Object.values(tf.resource.aws_iam_role_policy).filter((policy) => policy.role === `\${aws_iam_role.${roleId}.name}`);
  if (policies.length !== 1) {
    throw new Error(`expected one inline policy on ${role.name}, found ${policies.length}`);
  }
  return { trust: JSON.parse(role.assume_role_policy), statements: JSON.parse(policies[0].policy).Statement };
}

/** The logical id and attributes of the one resource of a type that matches; fails the test otherwise. */
export function resourceWhere(
  tf: TerraformJson,
  type: string,
  matches: (attributes: Attributes) => boolean,
): [id: string, attributes: Attributes] {
  const found = Object.entries(tf.resource[type] ?? {}).filter(([, attributes]) => matches(attributes));
  if (found.length !== 1) {
    throw new Error(`expected one matching ${type}, found ${found.length}`);
  }
  return found[0];
}

/** The Lambda function of that name. */
export function lambdaFunction(tf: TerraformJson, functionName: string): Attributes {
  return resourceWhere(tf, "aws_lambda_function", (fn) => fn.function_name === functionName)[1];
}

/** `${aws_lambda_function.<logical id>.<attribute>}` for the function of that name. */
export function functionReference(tf: TerraformJson, functionName: string, attribute: string): string {
  return `\${aws_lambda_function.${resourceWhere(tf, "aws_lambda_function", (fn) => fn.function_name === functionName)[0]}.${attribute}}`;
}

/** The route of that key, its integration and the Lambda permission of the function the integration invokes. */
export function routeTo(tf: TerraformJson, routeKey: string): { route: Attributes; integration: Attributes; integrationId: string } {
  const [, route] = resourceWhere(tf, "aws_apigatewayv2_route", (candidate) => candidate.route_key === routeKey);
  const integrationId = /^integrations\/\$\{aws_apigatewayv2_integration\.([^.]+)\.id\}$/.exec(route.target)?.[1];
  const integration = integrationId ? tf.resource.aws_apigatewayv2_integration?.[integrationId] : undefined;
  if (!integrationId || !integration) {
    throw new Error(`route ${routeKey} leads to no integration of the stack`);
  }
  return { route, integration, integrationId };
}

/** The workflows' topic, `sfn-dedup-<env>-notifications` (the alarm topic is the stack's other one). */
export function notificationTopic(tf: TerraformJson): Attributes {
  return resourceWhere(tf, "aws_sns_topic", (topic) => /-notifications$/.test(topic.name))[1];
}

/** `${aws_sns_topic.<logical id>.<attribute>}` for the workflows' topic. */
export function notificationTopicReference(tf: TerraformJson, attribute: string): string {
  return `\${aws_sns_topic.${resourceWhere(tf, "aws_sns_topic", (topic) => /-notifications$/.test(topic.name))[0]}.${attribute}}`;
}
