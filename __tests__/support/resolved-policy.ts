import { rolePolicy, type TerraformJson } from "./synth";

/** The account and region the policies are resolved in. */
export const ACCOUNT = "111111111111";
export const REGION = "eu-west-1";
export const arn = (service: string, resource: string, region = REGION) => `arn:aws:${service}:${region}:${ACCOUNT}:${resource}`;

/**
 * A role's inline policy with the stack's references replaced by what they name in the account, ready for the
 * IAM simulator (support/iam-simulation.ts). Fails on a reference it cannot resolve.
 */
export function resolvedPolicy(tf: TerraformJson, roleNameSuffix: string): unknown {
  const { statements } = rolePolicy(tf, roleNameSuffix);
  return resolvedDocument(tf, JSON.stringify({ Version: "2012-10-17", Statement: statements }));
}

/** Any policy document of the stack (a topic's, a key's) with its references resolved as resolvedPolicy's are. */
export function resolvedDocument(tf: TerraformJson, document: string): unknown {
  const nameOf = (type: string, id: string) => tf.resource[type][id].name as string;
  const text = document
    .replace(/\$\{aws_sns_topic\.([\w-]+)\.arn\}/g, (_, id: string) => arn("sns", nameOf("aws_sns_topic", id)))
    .replace(/\$\{data\.aws_partition\.[\w-]+\.partition\}/g, "aws")
    .replace(/\$\{data\.aws_region\.[\w-]+\.id\}/g, REGION)
    .replace(/\$\{data\.aws_caller_identity\.[\w-]+\.account_id\}/g, ACCOUNT)
    .replace(/\$\{aws_sfn_state_machine\.([\w-]+)\.name\}/g, (_, id: string) => nameOf("aws_sfn_state_machine", id))
    .replace(/\$\{aws_sfn_state_machine\.([\w-]+)\.arn\}/g, (_, id: string) =>
      arn("states", `stateMachine:${nameOf("aws_sfn_state_machine", id)}`),
    )
    .replace(/\$\{aws_dynamodb_table\.([\w-]+)\.arn\}/g, (_, id: string) => arn("dynamodb", `table/${nameOf("aws_dynamodb_table", id)}`))
    .replace(/\$\{aws_cloudwatch_log_group\.([\w-]+)\.arn\}/g, (_, id: string) =>
      arn("logs", `log-group:${nameOf("aws_cloudwatch_log_group", id)}`),
    )
    .replace(/\$\{aws_lambda_function\.([\w-]+)\.arn\}/g, (_, id: string) =>
      arn("lambda", `function:${tf.resource.aws_lambda_function[id].function_name as string}`),
    );
  expect(text).not.toContain("${");
  return JSON.parse(text);
}
