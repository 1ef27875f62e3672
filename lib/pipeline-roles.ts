import type { EnvironmentConfig } from "./config/environment-config";
import { PROJECT_NAME } from "./project-tags";

/** The roles the GitHub workflow assumes in each environment's account (.github/workflows/cdktf.yml). */
export const PIPELINE_ROLE_NAMES = { plan: "sfn-dedup-github-plan", deploy: "sfn-dedup-github-deploy" } as const;
const GITHUB_OIDC_HOST = "token.actions.githubusercontent.com";

type Condition = Record<string, Record<string, string | readonly string[]>>;

interface Statement {
  readonly Sid: string;
  readonly Effect: "Allow";
  readonly Action: readonly string[];
  readonly Resource: readonly string[];
  readonly Condition?: Condition;
}

/** A statement of a role's trust policy: who may assume it, not what it may do. */
interface TrustStatement {
  readonly Sid: string;
  readonly Effect: "Allow";
  readonly Principal: { readonly Federated: string } | { readonly AWS: string };
  readonly Action: readonly string[];
  readonly Condition: Condition;
}

export interface PolicyDocument<S = Statement> {
  readonly Version: "2012-10-17";
  readonly Statement: readonly S[];
}

export interface RoleDefinition {
  readonly roleName: string;
  readonly account: string;
  readonly trustPolicy: PolicyDocument<TrustStatement>;
  readonly permissions: PolicyDocument;
}

/** How the pipeline reaches one environment: its roles, and the state role when state lives elsewhere. */
export interface PipelineRoles {
  readonly plan: RoleDefinition;
  readonly deploy: RoleDefinition;
  readonly state?: RoleDefinition;
}

/**
 * What Terraform needs, per resource type the stacks create, to read it (`plan`) and to change it
 * (`deploy`). A test fails when a stack uses a type missing here, so the documented roles keep up with
 * the code.
 */
export const ACTIONS_BY_RESOURCE_TYPE: Readonly<Record<string, { service: keyof ResourceScopes; read: readonly string[]; write: readonly string[] }>> = {
  aws_sns_topic: {
    service: "sns",
    read: ["sns:GetTopicAttributes", "sns:ListTagsForResource"],
    write: ["sns:CreateTopic", "sns:DeleteTopic", "sns:SetTopicAttributes", "sns:TagResource", "sns:UntagResource"],
  },
  aws_sns_topic_subscription: {
    service: "sns",
    read: ["sns:GetSubscriptionAttributes"],
    write: ["sns:Subscribe", "sns:Unsubscribe", "sns:SetSubscriptionAttributes"],
  },
  aws_sfn_state_machine: {
    service: "states",
    read: ["states:DescribeStateMachine", "states:ListStateMachineVersions", "states:ListTagsForResource"],
    write: ["states:CreateStateMachine", "states:UpdateStateMachine", "states:DeleteStateMachine", "states:TagResource", "states:UntagResource"],
  },
  aws_iam_role: {
    service: "iam",
    read: ["iam:GetRole", "iam:ListRolePolicies", "iam:ListAttachedRolePolicies", "iam:ListInstanceProfilesForRole"],
    write: ["iam:CreateRole", "iam:DeleteRole", "iam:UpdateRole", "iam:UpdateAssumeRolePolicy", "iam:TagRole", "iam:UntagRole"],
  },
  aws_iam_role_policy: {
    service: "iam",
    read: ["iam:GetRolePolicy"],
    write: ["iam:PutRolePolicy", "iam:DeleteRolePolicy"],
  },
  aws_lambda_function: {
    service: "lambda",
    read: [
      "lambda:GetFunction",
      "lambda:GetFunctionConfiguration",
      "lambda:GetFunctionCodeSigningConfig",
      "lambda:GetFunctionConcurrency",
      "lambda:ListVersionsByFunction",
      "lambda:ListTags",
    ],
    write: [
      "lambda:CreateFunction",
      "lambda:DeleteFunction",
      "lambda:UpdateFunctionCode",
      "lambda:UpdateFunctionConfiguration",
      "lambda:PutFunctionConcurrency",
      "lambda:DeleteFunctionConcurrency",
      "lambda:TagResource",
      "lambda:UntagResource",
    ],
  },
  aws_lambda_permission: {
    service: "lambda",
    read: ["lambda:GetPolicy"],
    write: ["lambda:AddPermission", "lambda:RemovePermission"],
  },
  aws_cloudwatch_log_group: {
    service: "logs",
    read: ["logs:ListTagsForResource"],
    write: [
      "logs:CreateLogGroup",
      "logs:DeleteLogGroup",
      "logs:PutRetentionPolicy",
      "logs:DeleteRetentionPolicy",
      "logs:AssociateKmsKey",
      "logs:DisassociateKmsKey",
      "logs:TagResource",
      "logs:UntagResource",
    ],
  },
  aws_dynamodb_table: {
    service: "dynamodb",
    read: ["dynamodb:DescribeTable", "dynamodb:DescribeContinuousBackups", "dynamodb:DescribeTimeToLive", "dynamodb:ListTagsOfResource"],
    write: [
      "dynamodb:CreateTable",
      "dynamodb:UpdateTable",
      "dynamodb:DeleteTable",
      "dynamodb:UpdateContinuousBackups",
      "dynamodb:UpdateTimeToLive",
      "dynamodb:TagResource",
      "dynamodb:UntagResource",
    ],
  },
  aws_sqs_queue: {
    service: "sqs",
    read: ["sqs:GetQueueAttributes", "sqs:ListQueueTags"],
    write: ["sqs:CreateQueue", "sqs:DeleteQueue", "sqs:SetQueueAttributes", "sqs:TagQueue", "sqs:UntagQueue"],
  },
  aws_cloudwatch_event_rule: {
    service: "events",
    read: ["events:DescribeRule", "events:ListTagsForResource"],
    write: ["events:PutRule", "events:DeleteRule", "events:TagResource", "events:UntagResource"],
  },
  aws_cloudwatch_event_target: {
    service: "events",
    read: ["events:ListTargetsByRule"],
    write: ["events:PutTargets", "events:RemoveTargets"],
  },
  aws_apigatewayv2_api: { service: "apigateway", read: ["apigateway:GET"], write: ["apigateway:POST", "apigateway:PATCH", "apigateway:DELETE", "apigateway:PUT"] },
  aws_apigatewayv2_integration: { service: "apigateway", read: ["apigateway:GET"], write: ["apigateway:POST", "apigateway:PATCH", "apigateway:DELETE"] },
  aws_apigatewayv2_route: { service: "apigateway", read: ["apigateway:GET"], write: ["apigateway:POST", "apigateway:PATCH", "apigateway:DELETE"] },
  aws_apigatewayv2_stage: { service: "apigateway", read: ["apigateway:GET"], write: ["apigateway:POST", "apigateway:PATCH", "apigateway:DELETE"] },
  aws_apigatewayv2_authorizer: { service: "apigateway", read: ["apigateway:GET"], write: ["apigateway:POST", "apigateway:PATCH", "apigateway:DELETE"] },
};

/** Data sources read at plan time; they need no permission (sts:GetCallerIdentity never does). */
export const PERMISSION_FREE_DATA_SOURCES = ["aws_caller_identity", "aws_partition", "aws_region"] as const;

interface ResourceScopes {
  readonly sns: readonly string[];
  readonly states: readonly string[];
  readonly iam: readonly string[];
  readonly lambda: readonly string[];
  readonly logs: readonly string[];
  readonly dynamodb: readonly string[];
  readonly events: readonly string[];
  readonly sqs: readonly string[];
  readonly apigateway: readonly string[];
}

/**
 * The IAM roles the pipeline needs for one environment, least privilege: every statement names the
 * environment's resources (`sfn-dedup-<env>-*` in its account and region). The exceptions are stated
 * where they are: API Gateway IDs are random (the APIs of the account and region), and listing log groups
 * cannot be narrowed by name.
 */
export function pipelineRolesFor(environment: EnvironmentConfig, repository: string): PipelineRoles {
  if (!environment.account) {
    throw new Error(`Environment ${environment.name} has no account: only configured environments are deployed by the pipeline.`);
  }
  const { account, region } = environment;
  const prefix = `${PROJECT_NAME}-${environment.name}-`;
  const scopes: ResourceScopes = {
    sns: [`arn:aws:sns:${region}:${account}:${prefix}*`],
    states: [`arn:aws:states:${region}:${account}:stateMachine:${prefix}*`],
    iam: [`arn:aws:iam::${account}:role/${prefix}*`],
    lambda: [`arn:aws:lambda:${region}:${account}:function:${prefix}*`],
    logs: [`arn:aws:logs:${region}:${account}:log-group:/aws/*/${prefix}*`, `arn:aws:logs:${region}:${account}:log-group:/aws/*/${prefix}*:*`],
    dynamodb: [`arn:aws:dynamodb:${region}:${account}:table/${prefix}*`],
    events: [`arn:aws:events:${region}:${account}:rule/${prefix}*`],
    sqs: [`arn:aws:sqs:${region}:${account}:${prefix}*`],
    apigateway: [`arn:aws:apigateway:${region}::/apis`, `arn:aws:apigateway:${region}::/apis/*`, `arn:aws:apigateway:${region}::/tags/*`],
  };

  const stateStatements = environment.state && !environment.state.roleArn ? stateAccessStatements(environment) : [];
  const assumeStateRole: Statement[] = environment.state?.roleArn
    ? [{ Sid: "AssumeStateRole", Effect: "Allow", Action: ["sts:AssumeRole", "sts:TagSession"], Resource: [environment.state.roleArn] }]
    : [];
  const assumeDeployRole: Statement[] = environment.deployRoleArn
    ? [{ Sid: "AssumeDeployRole", Effect: "Allow", Action: ["sts:AssumeRole", "sts:TagSession"], Resource: [environment.deployRoleArn] }]
    : [];

  const plan: RoleDefinition = {
    roleName: PIPELINE_ROLE_NAMES.plan,
    account,
    trustPolicy: githubTrust(account, repository, "pull_request"),
    permissions: document([
      ...perService("Read", "read", scopes),
      listLogGroups(region, account),
      ...stateStatements,
      ...assumeStateRole,
    ]),
  };
  const deploy: RoleDefinition = {
    roleName: PIPELINE_ROLE_NAMES.deploy,
    account,
    trustPolicy: githubTrust(account, repository, `environment:${environment.name}`),
    permissions: document([
      ...perService("Read", "read", scopes),
      ...perService("Change", "write", scopes),
      listLogGroups(region, account),
      vendedLogDelivery(),
      ...(environment.kmsKeyArn ? [useEnvironmentKey(environment.kmsKeyArn)] : []),
      {
        Sid: "PassOwnRolesToLambdaAndStepFunctions",
        Effect: "Allow",
        Action: ["iam:PassRole"],
        Resource: scopes.iam,
        Condition: { StringEquals: { "iam:PassedToService": ["lambda.amazonaws.com", "states.amazonaws.com"] } },
      },
      ...stateStatements,
      ...assumeStateRole,
      ...assumeDeployRole,
    ]),
  };
  return { plan, deploy, state: environment.state?.roleArn ? stateRole(environment, account) : undefined };
}

function perService(sidPrefix: string, access: "read" | "write", scopes: ResourceScopes): Statement[] {
  const actions = new Map<keyof ResourceScopes, Set<string>>();
  for (const { service, read, write } of Object.values(ACTIONS_BY_RESOURCE_TYPE)) {
    const set = actions.get(service) ?? new Set<string>();
    for (const action of access === "read" ? read : write) set.add(action);
    actions.set(service, set);
  }
  return [...actions]
    .filter(([, set]) => set.size > 0)
    .map(([service, set]) => ({
      Sid: `${sidPrefix}${service[0].toUpperCase()}${service.slice(1)}`,
      Effect: "Allow" as const,
      Action: [...set].sort(),
      Resource: scopes[service],
    }));
}

/** DescribeLogGroups is a list call: IAM accepts no narrower resource than the region's log groups. */
function listLogGroups(region: string, account: string): Statement {
  return { Sid: "ListLogGroups", Effect: "Allow", Action: ["logs:DescribeLogGroups"], Resource: [`arn:aws:logs:${region}:${account}:log-group:*`] };
}

/**
 * Access logs (API Gateway) and execution logs (Step Functions) are set up through CloudWatch Logs' log
 * delivery API, whose actions take no resource: AWS requires "*".
 */
function vendedLogDelivery(): Statement {
  return {
    Sid: "SetUpVendedLogDelivery",
    Effect: "Allow",
    Action: [
      "logs:CreateLogDelivery",
      "logs:DeleteLogDelivery",
      "logs:DescribeResourcePolicies",
      "logs:GetLogDelivery",
      "logs:ListLogDeliveries",
      "logs:PutResourcePolicy",
      "logs:UpdateLogDelivery",
    ],
    Resource: ["*"],
  };
}

/** Creating resources encrypted with the environment's key: the services take grants on it. */
function useEnvironmentKey(kmsKeyArn: string): Statement {
  return {
    Sid: "UseEnvironmentKey",
    Effect: "Allow",
    Action: ["kms:CreateGrant", "kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey"],
    Resource: [kmsKeyArn],
  };
}

/** Reading and writing this environment's state object and its lock file, nothing else in the bucket. */
function stateAccessStatements(environment: EnvironmentConfig): Statement[] {
  const state = environment.state!;
  const bucketArn = `arn:aws:s3:::${state.bucket}`;
  const statements: Statement[] = [
    { Sid: "ListOwnState", Effect: "Allow", Action: ["s3:ListBucket"], Resource: [bucketArn], Condition: { StringEquals: { "s3:prefix": [state.key, `${state.key}.tflock`] } } },
    { Sid: "ReadWriteOwnState", Effect: "Allow", Action: ["s3:GetObject", "s3:PutObject"], Resource: [`${bucketArn}/${state.key}`, `${bucketArn}/${state.key}.tflock`] },
    { Sid: "ReleaseStateLock", Effect: "Allow", Action: ["s3:DeleteObject"], Resource: [`${bucketArn}/${state.key}.tflock`] },
  ];
  if (state.kmsKeyId) {
    statements.push({ Sid: "UseStateKey", Effect: "Allow", Action: ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"], Resource: [state.kmsKeyId] });
  }
  return statements;
}

/** The role `state.roleArn` names, in the state account, assumable by this environment's pipeline roles only. */
function stateRole(environment: EnvironmentConfig, account: string): RoleDefinition {
  const roleArn = environment.state!.roleArn!;
  const [, stateAccount, roleName] = /^arn:aws[a-z-]*:iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/.exec(roleArn)!;
  return {
    roleName,
    account: stateAccount,
    trustPolicy: document([
      {
        Sid: "PipelineRolesOfTheEnvironment",
        Effect: "Allow",
        // The account as principal, narrowed to the two roles: IAM accepts this before the roles exist.
        Principal: { AWS: `arn:aws:iam::${account}:root` },
        Action: ["sts:AssumeRole", "sts:TagSession"],
        Condition: {
          ArnEquals: { "aws:PrincipalArn": Object.values(PIPELINE_ROLE_NAMES).map((name) => `arn:aws:iam::${account}:role/${name}`) },
        },
      },
    ]),
    permissions: document(stateAccessStatements(environment)),
  };
}

/** Trust for GitHub's OIDC tokens from one repository and one kind of run (pull request or environment). */
function githubTrust(account: string, repository: string, subject: string): PolicyDocument<TrustStatement> {
  return document([
    {
      Sid: "GitHubActions",
      Effect: "Allow",
      Principal: { Federated: `arn:aws:iam::${account}:oidc-provider/${GITHUB_OIDC_HOST}` },
      Action: ["sts:AssumeRoleWithWebIdentity"],
      Condition: {
        StringEquals: {
          [`${GITHUB_OIDC_HOST}:aud`]: "sts.amazonaws.com",
          [`${GITHUB_OIDC_HOST}:sub`]: `repo:${repository}:${subject}`,
        },
      },
    },
  ]);
}

function document<S>(statements: S[]): PolicyDocument<S> {
  return { Version: "2012-10-17", Statement: statements };
}
