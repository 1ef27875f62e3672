import { DEFAULT_STEP_FUNCTIONS_HISTORY_DAYS, STEP_FUNCTIONS_HISTORY_DAYS, type StepFunctionsHistoryDays } from "../../functions/start-execution/contract";
import type { ExecutionNameStrategy } from "../../functions/start-execution/contract";
import { ALARMS_DEFAULTS, type AlarmsConfig, alarmsConfigFrom } from "./alarms-config";
import { type ApiConfig, API_DEFAULTS, apiConfigFrom } from "./api-config";
import { partitionOf, regionProblem } from "./aws-regions";
import { ConfigError } from "./config-error";
import type { ConfigReader } from "./config-reader";
import { executionNameFrom } from "./execution-name-config";
import { defaultWorkflow, type WorkflowConfig } from "./workflow-config";
import { LOGGING_DEFAULTS, type LoggingConfig, loggingConfigFrom } from "./logging-config";
import {
  AWS_ACCOUNT_ID,
  AWS_REGION,
  EMAIL_ADDRESS,
  IAM_ROLE_ARN,
  KMS_KEY_ARN,
  KMS_KEY_ONLY_ARN,
  S3_BUCKET_NAME,
  S3_STATE_KEY,
  TAG_KEY,
  TAG_VALUE,
} from "./patterns";

/** Where an environment keeps its Terraform state, when not locally. */
export interface StateConfig {
  readonly bucket: string;
  /** @default the environment's region */
  readonly region: string;
  /** @default `sfn-dedup/<environment>/terraform.tfstate` */
  readonly key: string;
  /** Role to assume for the state bucket, typically in a separate state account. */
  readonly roleArn?: string;
  /** KMS key the state objects are encrypted with; S3's default encryption otherwise. */
  readonly kmsKeyId?: string;
}

/** The execution ledger: a DynamoDB table that keeps every request's claim beyond Step Functions' 90 days. */
export interface LedgerConfig {
  /** Days after which a request may run again; undefined: never. */
  readonly retentionDays?: number;
}

/** One deployment of the trigger: one stack, one AWS account and region. */
export interface EnvironmentConfig {
  /** The stack's name (`cdktf deploy <name>`) and part of every resource name. */
  readonly name: string;
  /** The only account the stack may deploy to; absent only for the unconfigured default stack. */
  readonly account?: string;
  readonly region: string;
  /** Role the AWS provider assumes to deploy. */
  readonly deployRoleArn?: string;
  readonly notificationEmails: readonly string[];
  /** The default workflow's key, when the project configures no `workflows`; each workflow has its own otherwise. */
  readonly executionName: ExecutionNameStrategy;
  /** The workflows the stack deploys: the project's `workflows`, or the default one keyed by `executionName`. */
  readonly workflows: readonly WorkflowConfig[];
  /** Absent: no ledger; Step Functions alone refuses a repeated name, for `stepFunctionsHistoryDays`. */
  readonly ledger?: LedgerConfig;
  /** How long Step Functions keeps closed executions in the account: 90 (AWS's default) or 30 (by quota request). */
  readonly stepFunctionsHistoryDays: StepFunctionsHistoryDays;
  /** Remote state; absent means local state. */
  readonly state?: StateConfig;
  /** A customer managed key for the topic, the log groups, the ledger and the functions' variables; AWS-managed keys otherwise. */
  readonly kmsKeyArn?: string;
  readonly logs: LoggingConfig;
  readonly api: ApiConfig;
  /**
   * Concurrent executions reserved for (and capping) the start-execution function; `false`: no function
   * reserves any, for accounts whose concurrency quota leaves nothing to reserve (README, Configuration).
   */
  readonly reservedConcurrency: number | false;
  /** Added to the project's own default tags. */
  readonly tags: Readonly<Record<string, string>>;
  /** The environment's CloudWatch alarms and the topic they notify; `false`: no alarms. */
  readonly alarms: AlarmsConfig | false;
}

/** Tags every resource gets from the provider; configured `tags` may not replace them. */
export const RESERVED_TAG_KEYS = ["project", "environment", "managed-by"] as const;

export const ENVIRONMENT_FIELDS = [
  "account",
  "region",
  "deployRoleArn",
  "notificationEmails",
  "executionName",
  "ledger",
  "stepFunctionsHistoryDays",
  "state",
  "kmsKeyArn",
  "logs",
  "api",
  "reservedConcurrency",
  "tags",
  "alarms",
] as const;
const STATE_FIELDS = ["bucket", "region", "key", "roleArn", "kmsKeyId"] as const;

/** The defaults, in one place; README.md "Configuration" documents the same values. */
export const ENVIRONMENT_DEFAULTS = {
  notificationEmails: [] as readonly string[],
  executionName: { from: "country" } as ExecutionNameStrategy,
  logs: LOGGING_DEFAULTS,
  api: API_DEFAULTS,
  stepFunctionsHistoryDays: DEFAULT_STEP_FUNCTIONS_HISTORY_DAYS,
  /** Enough for a few hundred requests per second at the function's latency, without starving the account. */
  reservedConcurrency: 20,
  tags: {} as Readonly<Record<string, string>>,
  alarms: ALARMS_DEFAULTS as AlarmsConfig | false,
} as const;

/**
 * What a fresh clone synthesizes when no environment is configured: one stack, local state, any account;
 * the project's workflows, or the default one.
 */
export function defaultEnvironment(workflows?: readonly WorkflowConfig[]): EnvironmentConfig {
  return {
    name: "default",
    region: "us-east-1",
    ...ENVIRONMENT_DEFAULTS,
    workflows: workflows ?? [defaultWorkflow(ENVIRONMENT_DEFAULTS.executionName)],
  };
}

export function stateKeyFor(environment: string): string {
  return `sfn-dedup/${environment}/terraform.tfstate`;
}

/** `workflows`: the project's, which every environment deploys; undefined when it configures none. */
export function environmentConfigFrom(name: string, reader: ConfigReader, workflows?: readonly WorkflowConfig[]): EnvironmentConfig {
  reader.allowOnly(ENVIRONMENT_FIELDS);
  if (workflows && reader.has("executionName")) {
    throw new ConfigError(
      reader.fieldPath("executionName"),
      "names the default workflow's key; with context.workflows configured, set executionName on each workflow (context.workflows.<name>.executionName).",
    );
  }
  const executionName = executionNameFrom(reader.optionalObject("executionName")) ?? ENVIRONMENT_DEFAULTS.executionName;
  const account = reader.requiredString("account", AWS_ACCOUNT_ID, 'a 12-digit AWS account id, as a string ("123456789012")');
  const region = knownRegion(reader, "region", reader.requiredString("region", AWS_REGION, "an AWS region such as eu-west-1"));
  const deployRoleArn = reader.optionalString("deployRoleArn", IAM_ROLE_ARN, "an IAM role ARN such as arn:aws:iam::123456789012:role/deploy");
  if (deployRoleArn) {
    requireSameAccount(reader.fieldPath("deployRoleArn"), deployRoleArn, account);
    requireSamePartition(reader.fieldPath("deployRoleArn"), deployRoleArn, region, "the environment's region");
  }
  return {
    name,
    account,
    region,
    deployRoleArn,
    notificationEmails:
      reader.optionalStringList("notificationEmails", EMAIL_ADDRESS, "e-mail addresses such as ops@example.com") ??
      ENVIRONMENT_DEFAULTS.notificationEmails,
    executionName,
    workflows: workflows ?? [defaultWorkflow(executionName)],
    ledger: ledgerFrom(reader),
    stepFunctionsHistoryDays: historyDaysFrom(reader),
    state: stateFrom(reader.optionalObject("state"), name, region),
    kmsKeyArn: kmsKeyFrom(reader, region),
    logs: loggingConfigFrom(reader.optionalObject("logs")),
    api: apiConfigFrom(reader.optionalObject("api")),
    reservedConcurrency:
      reader.valueOf("reservedConcurrency") === false
        ? false
        : (reader.optionalInteger("reservedConcurrency", 1, 1000, "the function's reserved concurrency, or false for none") ??
          ENVIRONMENT_DEFAULTS.reservedConcurrency),
    tags: reader.optionalStringMap("tags", tagProblem) ?? ENVIRONMENT_DEFAULTS.tags,
    alarms: alarmsConfigFrom(reader, "alarms", region),
  };
}

function kmsKeyFrom(reader: ConfigReader, region: string): string | undefined {
  const keyArn = reader.optionalString("kmsKeyArn", KMS_KEY_ONLY_ARN, "a KMS key ARN (not an alias) such as arn:aws:kms:eu-west-1:123456789012:key/…");
  const keyRegion = keyArn && KMS_KEY_ONLY_ARN.exec(keyArn)![1];
  if (keyRegion && keyRegion !== region) {
    throw new ConfigError(reader.fieldPath("kmsKeyArn"), `is in ${keyRegion}, not the environment's region ${region}: KMS keys are regional.`);
  }
  return keyArn;
}

function requireSameAccount(field: string, roleArn: string, account: string): void {
  const roleAccount = IAM_ROLE_ARN.exec(roleArn)![1];
  if (roleAccount !== account) {
    throw new ConfigError(field, `is in account ${roleAccount}, not the environment's account ${account}: the provider would refuse to deploy with it.`);
  }
}

/** A role in another partition (aws, aws-cn, aws-us-gov, …) cannot be assumed with credentials from this one. */
function requireSamePartition(field: string, roleArn: string, region: string, regionName: string): void {
  const rolePartition = roleArn.split(":")[1];
  if (rolePartition !== partitionOf(region)) {
    const problem = `is in partition ${rolePartition}, not ${partitionOf(region)}, the partition of ${regionName} ${region}.`;
    throw new ConfigError(field, problem);
  }
}

/** `"stepFunctionsHistoryDays": 90 | 30`: what the account's Step Functions keeps (README, Configuration). */
function historyDaysFrom(reader: ConfigReader): StepFunctionsHistoryDays {
  if (!reader.has("stepFunctionsHistoryDays")) return ENVIRONMENT_DEFAULTS.stepFunctionsHistoryDays;
  const value = reader.valueOf("stepFunctionsHistoryDays");
  if (!(STEP_FUNCTIONS_HISTORY_DAYS as readonly unknown[]).includes(value)) {
    throw new ConfigError(
      reader.fieldPath("stepFunctionsHistoryDays"),
      `must be 90 (Step Functions' default) or 30 (an account whose history retention was shortened by quota request); got ${JSON.stringify(value)}.`,
    );
  }
  return value as StepFunctionsHistoryDays;
}

/** `"ledger": true`, `false`, or `{ "retentionDays": n }`. */
function ledgerFrom(reader: ConfigReader): LedgerConfig | undefined {
  const value = reader.valueOf("ledger");
  if (value === undefined || value === false) {
    return undefined;
  }
  if (value === true) {
    return {};
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new ConfigError(reader.fieldPath("ledger"), `must be true, false or { "retentionDays": <days> }; got ${JSON.stringify(value)}.`);
  }
  const ledger = reader.requiredObject("ledger", "the ledger's settings").allowOnly(["retentionDays"]);
  return { retentionDays: ledger.optionalInteger("retentionDays", 1, 36_500, "how many days a request is remembered") };
}

function stateFrom(reader: ConfigReader | undefined, environment: string, environmentRegion: string): StateConfig | undefined {
  if (!reader) {
    return undefined;
  }
  reader.allowOnly(STATE_FIELDS);
  const roleArn = reader.optionalString("roleArn", IAM_ROLE_ARN, "an IAM role ARN such as arn:aws:iam::123456789012:role/terraform-state");
  const region =
    knownRegion(reader, "region", reader.optionalString("region", AWS_REGION, "an AWS region such as eu-west-1")) ?? environmentRegion;
  if (roleArn) {
    requireSamePartition(reader.fieldPath("roleArn"), roleArn, region, "the state's region");
  }
  return {
    bucket: reader.requiredString("bucket", S3_BUCKET_NAME, "an S3 bucket name (3-63 lower-case letters, digits, dots and hyphens)"),
    region,
    key: reader.optionalString("key", S3_STATE_KEY, "an S3 object key without leading slash or spaces") ?? stateKeyFor(environment),
    roleArn,
    kmsKeyId: reader.optionalString("kmsKeyId", KMS_KEY_ARN, "a KMS key or alias ARN such as arn:aws:kms:eu-west-1:123456789012:key/…"),
  };
}

/** A region of the right shape must also exist: `eu-wset-1` would otherwise fail only at plan time. */
function knownRegion<T extends string | undefined>(reader: ConfigReader, field: string, region: T): T {
  const problem = region === undefined ? undefined : regionProblem(region);
  if (problem) {
    throw new ConfigError(reader.fieldPath(field), problem);
  }
  return region;
}

function tagProblem(key: string, value: unknown): string | undefined {
  if ((RESERVED_TAG_KEYS as readonly string[]).includes(key)) {
    return `is set by the project (${RESERVED_TAG_KEYS.join(", ")}); choose another tag key.`;
  }
  if (key.toLowerCase().startsWith("aws:") || !TAG_KEY.test(key)) {
    return "is not a valid tag key: 1-128 letters, digits, spaces and _ . : / = + - @, not starting with aws:.";
  }
  if (typeof value !== "string" || !TAG_VALUE.test(value)) {
    return `must be a tag value: a string of up to 256 letters, digits, spaces and _ . : / = + - @; got ${JSON.stringify(value)}.`;
  }
  return undefined;
}
