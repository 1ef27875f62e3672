import { partitionOf } from "./config/aws-regions";
import type { EnvironmentConfig } from "./config/environment-config";
import { PROJECT_NAME, reconcilerScheduleRoleName, resourcePrefix } from "./resource-names";

/**
 * The roles the GitHub workflow assumes (.github/workflows/cdktf.yml, through `npm run environments`): one
 * plan role per account, shared by its environments (every pull request plans every environment, read
 * only), and one deploy role per environment, so that only a job running in that environment's GitHub
 * environment, behind its protection rules, can change it, even when environments share an account.
 */
export const PLAN_ROLE_NAME = `${PROJECT_NAME}-github-plan`;
const DEPLOY_ROLE_NAME_PREFIX = `${PROJECT_NAME}-github-deploy-`;

export function deployRoleName(environment: string): string {
  return `${DEPLOY_ROLE_NAME_PREFIX}${environment}`;
}

/** The ARNs of the roles the workflow assumes for one environment, in the partition of its region. */
export function pipelineRoleArns(environment: EnvironmentConfig): { readonly plan: string; readonly deploy: string } {
  const account = deployableAccount(environment);
  return {
    plan: iamArn(environment.region, account, `role/${PLAN_ROLE_NAME}`),
    deploy: iamArn(environment.region, account, `role/${deployRoleName(environment.name)}`),
  };
}

/** An IAM ARN (IAM is global within a partition: no region field) in the partition `region` belongs to. */
function iamArn(region: string, account: string, resource: string): string {
  return `arn:${partitionOf(region)}:iam::${account}:${resource}`;
}

/** An environment the pipeline cannot be given roles for; the message says why and what to change. */
export class PipelineRoleError extends Error {
  public override readonly name = "PipelineRoleError";
}

/**
 * The account of an environment the pipeline can reach. An environment named `github` or `github-…`
 * would name its resources `sfn-dedup-github-…`, like the pipeline's roles, and its deploy role, allowed
 * to change its own roles, could rewrite them: refused.
 */
function deployableAccount(environment: EnvironmentConfig): string {
  if (!environment.account) {
    throw new PipelineRoleError(
      `Environment ${environment.name} has no account: only configured environments are deployed by the pipeline.`,
    );
  }
  if (environment.name === "github" || environment.name.startsWith("github-")) {
    throw new PipelineRoleError(
      `Environment ${environment.name}: its resources would be named ${resourcePrefix(environment.name)}-*, which covers the pipeline's ` +
        `own roles (${PLAN_ROLE_NAME}, ${DEPLOY_ROLE_NAME_PREFIX}<environment>); rename the environment.`,
    );
  }
  return environment.account;
}
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
  readonly Principal: { readonly Federated: string } | { readonly AWS: string | readonly string[] };
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

/**
 * How the pipeline reaches one environment: its roles, the state role when state lives elsewhere, and the
 * role `deployRoleArn` names, which the AWS provider assumes in plan and deploy alike.
 */
export interface PipelineRoles {
  readonly plan: RoleDefinition;
  readonly deploy: RoleDefinition;
  readonly state?: RoleDefinition;
  readonly providerRole?: RoleDefinition;
}

/**
 * What Terraform needs, per resource type the stacks create, to read it (`plan`) and to change it
 * (`deploy`). A test fails when a stack uses a type missing here, so the documented roles keep up with
 * the code.
 */
export const ACTIONS_BY_RESOURCE_TYPE: Readonly<
  Record<string, { service: keyof ResourceScopes; read: readonly string[]; write: readonly string[] }>
> = {
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
  aws_sns_topic_policy: { service: "sns", read: ["sns:GetTopicAttributes"], write: ["sns:SetTopicAttributes"] },
  aws_cloudwatch_metric_alarm: {
    service: "cloudwatch",
    read: ["cloudwatch:DescribeAlarms", "cloudwatch:ListTagsForResource"],
    write: ["cloudwatch:PutMetricAlarm", "cloudwatch:DeleteAlarms", "cloudwatch:TagResource", "cloudwatch:UntagResource"],
  },
  aws_cloudwatch_dashboard: {
    service: "cloudwatch",
    read: ["cloudwatch:GetDashboard"],
    write: ["cloudwatch:PutDashboard", "cloudwatch:DeleteDashboards"],
  },
  // The alarm topic's own key, when the environment has no kmsKeyArn (lib/alarm-topic.ts). Creating it is apart
  // (createAlarmTopicKey): CreateKey names no key.
  aws_kms_key: {
    service: "kms",
    read: ["kms:DescribeKey", "kms:GetKeyPolicy", "kms:GetKeyRotationStatus", "kms:ListResourceTags"],
    write: [
      "kms:EnableKeyRotation",
      "kms:DisableKeyRotation",
      "kms:EnableKey",
      "kms:DisableKey",
      "kms:UpdateKeyDescription",
      "kms:ScheduleKeyDeletion",
      "kms:TagResource",
      "kms:UntagResource",
    ],
  },
  aws_kms_key_policy: { service: "kms", read: ["kms:GetKeyPolicy"], write: ["kms:PutKeyPolicy"] },
  aws_sfn_state_machine: {
    service: "states",
    read: ["states:DescribeStateMachine", "states:ListStateMachineVersions", "states:ListTagsForResource"],
    write: [
      "states:CreateStateMachine",
      "states:UpdateStateMachine",
      "states:DeleteStateMachine",
      "states:TagResource",
      "states:UntagResource",
    ],
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
  aws_lambda_function_event_invoke_config: {
    service: "lambda",
    read: ["lambda:GetFunctionEventInvokeConfig"],
    write: ["lambda:PutFunctionEventInvokeConfig", "lambda:UpdateFunctionEventInvokeConfig", "lambda:DeleteFunctionEventInvokeConfig"],
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
  // Schedules take no tags (their groups do): nothing to tag or list.
  aws_scheduler_schedule: {
    service: "scheduler",
    read: ["scheduler:GetSchedule"],
    write: ["scheduler:CreateSchedule", "scheduler:UpdateSchedule", "scheduler:DeleteSchedule"],
  },
  aws_apigatewayv2_api: {
    service: "apigateway",
    read: ["apigateway:GET"],
    write: ["apigateway:POST", "apigateway:PATCH", "apigateway:DELETE", "apigateway:PUT"],
  },
  aws_apigatewayv2_integration: {
    service: "apigateway",
    read: ["apigateway:GET"],
    write: ["apigateway:POST", "apigateway:PATCH", "apigateway:DELETE"],
  },
  aws_apigatewayv2_route: {
    service: "apigateway",
    read: ["apigateway:GET"],
    write: ["apigateway:POST", "apigateway:PATCH", "apigateway:DELETE"],
  },
  aws_apigatewayv2_stage: {
    service: "apigateway",
    read: ["apigateway:GET"],
    write: ["apigateway:POST", "apigateway:PATCH", "apigateway:DELETE"],
  },
  aws_apigatewayv2_authorizer: {
    service: "apigateway",
    read: ["apigateway:GET"],
    write: ["apigateway:POST", "apigateway:PATCH", "apigateway:DELETE"],
  },
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
  readonly scheduler: readonly string[];
  readonly apigateway: readonly string[];
  readonly cloudwatch: readonly string[];
  /** The alarm topic's key, when the stack creates one; none otherwise. */
  readonly kms: readonly string[];
}

/**
 * The IAM roles the pipeline uses for one environment, least privilege: every statement names the
 * resources (`sfn-dedup-<env>-*` in their account and region) of the environments the role serves. The
 * exceptions are stated where they are: API Gateway IDs are random (the APIs of the account and region),
 * and listing log groups cannot be narrowed by name.
 *
 * A role that several environments share is defined once for all of them, so that it reads the same
 * whichever environment it is printed for: the plan role covers every environment in its account, a
 * state role (`state.roleArn`) every environment whose state it holds, and a `deployRoleArn` role every
 * environment that names it. Applying one environment's output never takes access away from another.
 *
 * With `deployRoleArn` set, the AWS provider makes every call of a plan or a deploy through that role:
 * the pipeline's own roles then keep only the state and the right to assume it, and that role has what
 * the deploy role would otherwise have.
 */
export function pipelineRolesFor(
  environment: EnvironmentConfig,
  environments: readonly EnvironmentConfig[],
  repository: string,
): PipelineRoles {
  const account = deployableAccount(environment);
  const inAccount = environments.filter((candidate) => candidate.account === account);
  inAccount.forEach(deployableAccount);

  const plan: RoleDefinition = {
    roleName: PLAN_ROLE_NAME,
    account,
    trustPolicy: githubTrust(environment.region, account, repository, "pull_request"),
    permissions: document(
      mergedBySid(
        inAccount.flatMap((peer) => [
          ...(peer.deployRoleArn ? [] : readStatements(peer)),
          ...(peer.state && !peer.state.roleArn ? stateAccessStatements([peer], "plan") : []),
          ...assumeStateRole(peer),
          ...assumeProviderRole(peer),
        ]),
      ),
    ),
  };
  const deploy: RoleDefinition = {
    roleName: deployRoleName(environment.name),
    account,
    trustPolicy: githubTrust(environment.region, account, repository, `environment:${environment.name}`),
    permissions: document([
      ...(environment.deployRoleArn ? [] : deployStatements([environment])),
      ...(environment.state && !environment.state.roleArn ? stateAccessStatements([environment], "deploy") : []),
      ...assumeStateRole(environment),
      ...assumeProviderRole(environment),
    ]),
  };
  const stateRoleArn = environment.state?.roleArn;
  const providerRoleArn = environment.deployRoleArn;
  return {
    plan,
    deploy,
    state: stateRoleArn
      ? stateRole(
          stateRoleArn,
          environments.filter((candidate) => candidate.state?.roleArn === stateRoleArn),
        )
      : undefined,
    providerRole: providerRoleArn
      ? providerRole(
          providerRoleArn,
          environments.filter((candidate) => candidate.deployRoleArn === providerRoleArn),
        )
      : undefined,
  };
}

/** What a plan reads: the environment's resources. */
function readStatements(environment: EnvironmentConfig): Statement[] {
  return [...perService("Read", "read", resourceScopes(environment), scopeConditions(environment)), listLogGroups(environment)];
}

/** What a deploy needs of AWS, state aside: read and change the environments' resources, pass their roles. */
function deployStatements(environments: readonly EnvironmentConfig[]): Statement[] {
  return mergedBySid(
    environments.flatMap((environment) => {
      const scopes = resourceScopes(environment);
      const conditions = scopeConditions(environment);
      return [
        ...perService("Read", "read", scopes, conditions),
        ...perService("Change", "write", scopes, conditions),
        listLogGroups(environment),
        vendedLogDelivery(),
        ...(environment.kmsKeyArn ? [useEnvironmentKey(environment.kmsKeyArn)] : []),
        ...(createsAlarmTopicKey(environment) ? [createAlarmTopicKey(environment)] : []),
        {
          Sid: "PassOwnRolesToLambdaAndStepFunctions",
          Effect: "Allow" as const,
          Action: ["iam:PassRole"],
          Resource: scopes.iam,
          Condition: { StringEquals: { "iam:PassedToService": ["lambda.amazonaws.com", "states.amazonaws.com"] } },
        },
        ...(environment.ledger ? [passScheduleRole(environment)] : []),
      ];
    }),
  );
}

/** The ledger reconciler's schedule (lib/ledger-reconciler.ts) is given its one role, and EventBridge Scheduler nothing else. */
function passScheduleRole(environment: EnvironmentConfig): Statement {
  return {
    Sid: "PassReconcilerScheduleRoleToScheduler",
    Effect: "Allow",
    Action: ["iam:PassRole"],
    Resource: [iamArn(environment.region, environment.account!, `role/${reconcilerScheduleRoleName(resourcePrefix(environment.name))}`)],
    Condition: { StringEquals: { "iam:PassedToService": ["scheduler.amazonaws.com"] } },
  };
}

/** The environment's resources, by service: `sfn-dedup-<env>-*` in its partition, account and region. */
function resourceScopes(environment: EnvironmentConfig): ResourceScopes {
  const { account, region } = environment;
  const partition = partitionOf(region);
  const prefix = `${resourcePrefix(environment.name)}-`;
  const inRegion = (service: string, resource: string) => `arn:${partition}:${service}:${region}:${account}:${resource}`;
  return {
    sns: [inRegion("sns", `${prefix}*`)],
    states: [inRegion("states", `stateMachine:${prefix}*`)],
    iam: [iamArn(region, account!, `role/${prefix}*`)],
    lambda: [inRegion("lambda", `function:${prefix}*`)],
    logs: [inRegion("logs", `log-group:/aws/*/${prefix}*`), inRegion("logs", `log-group:/aws/*/${prefix}*:*`)],
    dynamodb: [inRegion("dynamodb", `table/${prefix}*`)],
    events: [inRegion("events", `rule/${prefix}*`)],
    sqs: [inRegion("sqs", `${prefix}*`)],
    // In the account's default schedule group, where the stacks put theirs (lib/ledger-reconciler.ts).
    scheduler: [inRegion("scheduler", `schedule/default/${prefix}*`)],
    // API Gateway ARNs name no account.
    apigateway: ["/apis", "/apis/*", "/tags/*"].map((path) => `arn:${partition}:apigateway:${region}::${path}`),
    // Dashboards are global: their ARNs name no region.
    cloudwatch: [inRegion("cloudwatch", `alarm:${prefix}*`), `arn:${partition}:cloudwatch::${account}:dashboard/${prefix}*`],
    // A key's ARN is a random id: the keys of the account and region, narrowed to the environment's by their tags.
    kms: createsAlarmTopicKey(environment) ? [inRegion("kms", "key/*")] : [],
  };
}

/** Conditions that narrow a service's resources further, where their names cannot. */
function scopeConditions(environment: EnvironmentConfig): Partial<Record<keyof ResourceScopes, Condition>> {
  return { kms: { StringEquals: { "aws:ResourceTag/project": PROJECT_NAME, "aws:ResourceTag/environment": environment.name } } };
}

/** Whether the stack creates a key for its alarm topic: alarms on, on a topic of its own, without kmsKeyArn. */
function createsAlarmTopicKey(environment: EnvironmentConfig): boolean {
  return environment.alarms !== false && environment.alarms.topicArn === undefined && environment.kmsKeyArn === undefined;
}

/**
 * CreateKey takes no resource, and a key is tagged as it is created (the provider's default tags) only with
 * kms:TagResource on every key of the account and region (AWS KMS Developer Guide, "Controlling access to tags"):
 * both on "*", allowed only with the environment's tags. That tagging right is the deploy role's way to bring
 * another key of the account under its management (README.md, Pipeline).
 */
function createAlarmTopicKey(environment: EnvironmentConfig): Statement {
  return {
    Sid: "CreateAlarmTopicKey",
    Effect: "Allow",
    Action: ["kms:CreateKey", "kms:TagResource"],
    Resource: ["*"],
    Condition: { StringEquals: { "aws:RequestTag/project": PROJECT_NAME, "aws:RequestTag/environment": environment.name } },
  };
}

function assumeStateRole(environment: EnvironmentConfig): Statement[] {
  return environment.state?.roleArn
    ? [{ Sid: "AssumeStateRole", Effect: "Allow", Action: ["sts:AssumeRole", "sts:TagSession"], Resource: [environment.state.roleArn] }]
    : [];
}

/** Plan and deploy alike: the provider assumes `deployRoleArn` for every call, a plan's reads included. */
function assumeProviderRole(environment: EnvironmentConfig): Statement[] {
  return environment.deployRoleArn
    ? [{ Sid: "AssumeDeployRole", Effect: "Allow", Action: ["sts:AssumeRole", "sts:TagSession"], Resource: [environment.deployRoleArn] }]
    : [];
}

function perService(
  sidPrefix: string,
  access: "read" | "write",
  scopes: ResourceScopes,
  conditions: Partial<Record<keyof ResourceScopes, Condition>>,
): Statement[] {
  const actions = new Map<keyof ResourceScopes, Set<string>>();
  for (const { service, read, write } of Object.values(ACTIONS_BY_RESOURCE_TYPE)) {
    const set = actions.get(service) ?? new Set<string>();
    for (const action of access === "read" ? read : write) set.add(action);
    actions.set(service, set);
  }
  return [...actions]
    .filter(([service, set]) => set.size > 0 && scopes[service].length > 0)
    .map(([service, set]) => ({
      Sid: `${sidPrefix}${service[0].toUpperCase()}${service.slice(1)}`,
      Effect: "Allow" as const,
      Action: [...set].sort(),
      Resource: scopes[service],
      ...(conditions[service] ? { Condition: conditions[service] } : {}),
    }));
}

/** DescribeLogGroups is a list call: IAM accepts no narrower resource than the region's log groups. */
function listLogGroups({ region, account }: EnvironmentConfig): Statement {
  const allLogGroups = `arn:${partitionOf(region)}:logs:${region}:${account}:log-group:*`;
  return { Sid: "ListLogGroups", Effect: "Allow", Action: ["logs:DescribeLogGroups"], Resource: [allLogGroups] };
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

/**
 * Access to the environments' state objects and lock files, nothing else in their buckets. Terraform's S3
 * locking (`use_lockfile`) writes `<key>.tflock` and deletes it on release, so a plan needs to read the
 * state and write and delete the lock; only a deploy writes the state itself.
 */
function stateAccessStatements(environments: readonly EnvironmentConfig[], access: "plan" | "deploy"): Statement[] {
  return mergedBySid(
    environments.flatMap((environment): Statement[] => {
      const state = environment.state!;
      const bucket = `arn:${partitionOf(state.region)}:s3:::${state.bucket}`;
      const stateObject = `${bucket}/${state.key}`;
      const lockFile = `${stateObject}.tflock`;
      const statements: Statement[] = [
        {
          Sid: "ListOwnState",
          Effect: "Allow",
          Action: ["s3:ListBucket"],
          Resource: [bucket],
          Condition: { StringEquals: { "s3:prefix": [state.key, `${state.key}.tflock`] } },
        },
        { Sid: "ReadOwnState", Effect: "Allow", Action: ["s3:GetObject"], Resource: [stateObject] },
        ...(access === "deploy"
          ? [{ Sid: "WriteOwnState", Effect: "Allow" as const, Action: ["s3:PutObject"], Resource: [stateObject] }]
          : []),
        {
          Sid: "TakeAndReleaseStateLock",
          Effect: "Allow",
          Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
          Resource: [lockFile],
        },
      ];
      if (state.kmsKeyId) {
        statements.push({
          Sid: "UseStateKey",
          Effect: "Allow",
          Action: ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"],
          Resource: [state.kmsKeyId],
        });
      }
      return statements;
    }),
  );
}

/**
 * The role `state.roleArn` names, in the state account, defined for every environment whose state it
 * holds: assumable by their plan and deploy roles only, reaching their state objects only. The plan and
 * deploy roles reach it alike, and a session of it cannot tell which of them assumed it: it has the
 * deploy's access (write the state), which a plan through it therefore has too (README.md, Pipeline).
 */
function stateRole(roleArn: string, environments: readonly EnvironmentConfig[]): RoleDefinition {
  return assumedRole(roleArn, environments, stateAccessStatements(environments, "deploy"));
}

/**
 * The role `deployRoleArn` names, in the environment's account, defined for every environment that names
 * it: assumable by their plan and deploy roles only, with what their deploys need. Like a state role, it
 * cannot tell a plan from a deploy: a plan through it has the deploy's access (README.md, Pipeline).
 */
function providerRole(roleArn: string, environments: readonly EnvironmentConfig[]): RoleDefinition {
  return assumedRole(roleArn, environments, deployStatements(environments));
}

/** A role the environments' plan and deploy roles assume, and no one else. */
function assumedRole(roleArn: string, environments: readonly EnvironmentConfig[], statements: Statement[]): RoleDefinition {
  const [, partition, account, roleName] = /^arn:(aws[a-z-]*):iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/.exec(roleArn)!;
  const pipelineRoles = environments.map(pipelineRoleArns);
  const accounts = [...new Set(environments.map(deployableAccount))];
  return {
    roleName,
    account,
    trustPolicy: document([
      {
        Sid: "PipelineRolesOfTheEnvironments",
        Effect: "Allow",
        // The accounts as principals, narrowed to the pipeline roles: IAM accepts this before the roles exist.
        Principal: { AWS: oneOrMany(accounts.map((peerAccount) => `arn:${partition}:iam::${peerAccount}:root`)) },
        Action: ["sts:AssumeRole", "sts:TagSession"],
        Condition: {
          ArnEquals: { "aws:PrincipalArn": [...new Set(pipelineRoles.flatMap(({ plan, deploy }) => [plan, deploy]))] },
        },
      },
    ]),
    permissions: document(statements),
  };
}

/** Trust for GitHub's OIDC tokens from one repository and one kind of run (pull request or environment). */
function githubTrust(region: string, account: string, repository: string, subject: string): PolicyDocument<TrustStatement> {
  return document([
    {
      Sid: "GitHubActions",
      Effect: "Allow",
      Principal: { Federated: iamArn(region, account, `oidc-provider/${GITHUB_OIDC_HOST}`) },
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

/**
 * One statement per Sid (IAM requires them distinct in a policy), each the union of the statements of
 * that Sid: their resources, and their condition values. Statements of one Sid grant the same actions
 * under the same condition keys, so the union grants what each did, and for the list condition on state
 * prefixes, at most the listing of another environment's state key in a bucket they share.
 */
function mergedBySid<S extends { readonly Sid: string }>(statements: readonly S[]): S[] {
  const bySid = new Map<string, S>();
  for (const statement of statements) {
    const previous = bySid.get(statement.Sid);
    bySid.set(statement.Sid, previous === undefined ? statement : (union(previous, statement) as S));
  }
  return [...bySid.values()];
}

function union(a: unknown, b: unknown): unknown {
  if (Array.isArray(a) || Array.isArray(b)) return [...new Set([a, b].flat())];
  if (typeof a === "object" && a !== null && typeof b === "object" && b !== null) {
    const merged: Record<string, unknown> = { ...a };
    for (const [key, value] of Object.entries(b)) merged[key] = key in merged ? union(merged[key], value) : value;
    return merged;
  }
  return a === b ? a : [a, b];
}

function oneOrMany(values: readonly string[]): string | readonly string[] {
  return values.length === 1 ? values[0] : values;
}
