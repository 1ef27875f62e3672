import type { ExecutionNameStrategy } from "../../functions/start-execution/contract";
import {
  DEFAULT_STEP_FUNCTIONS_HISTORY_DAYS,
  STEP_FUNCTIONS_HISTORY_DAYS,
  type StepFunctionsHistoryDays,
} from "../../functions/start-execution/contract";
import { PROJECT_NAME } from "../resource-names";
import { ALARMS_DEFAULTS, ALARMS_FIELDS, type AlarmsConfig, alarmsConfigFrom } from "./alarms-config";
import { API_DEFAULTS, API_FIELDS, type ApiConfig, apiConfigFrom } from "./api-config";
import { partitionOf, regionProblem } from "./aws-regions";
import { ConfigError } from "./config-error";
import { defaultsOf, type FieldsOf, fieldNames, readField, readObject } from "./config-field";
import type { ConfigReader } from "./config-reader";
import { EXECUTION_NAME_FIELDS, executionNameFrom } from "./execution-name-config";
import { LOGGING_DEFAULTS, LOGGING_FIELDS, type LoggingConfig, loggingConfigFrom } from "./logging-config";
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
import { defaultWorkflow, type WorkflowConfig } from "./workflow-config";

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

/** What the readers of an environment's fields may depend on, read before them. */
interface EnvironmentContext {
  readonly name: string;
  readonly account: string;
  readonly region: string;
}

/** `"ledger": { "retentionDays": n }`. */
export const LEDGER_FIELDS = {
  retentionDays: {
    doc: "days after which a request may run again",
    default: { value: undefined, shown: "never" },
    read: (reader, name) => reader.optionalInteger(name, 1, 36_500, "how many days a request is remembered"),
  },
} satisfies FieldsOf<LedgerConfig>;

export const STATE_FIELDS = {
  bucket: {
    doc: "the state bucket",
    default: { required: true },
    read: (reader, name) =>
      reader.requiredString(name, S3_BUCKET_NAME, "an S3 bucket name (3-63 lower-case letters, digits, dots and hyphens)"),
  },
  region: {
    doc: "the bucket's region",
    default: { of: (environment: EnvironmentContext) => environment.region, shown: "the environment's" },
    read: (reader, name) => knownRegion(reader, name, reader.optionalString(name, AWS_REGION, "an AWS region such as eu-west-1")),
  },
  key: {
    doc: "must differ between environments",
    default: { of: (environment: EnvironmentContext) => stateKeyFor(environment.name), shown: "`sfn-dedup/<name>/terraform.tfstate`" },
    read: (reader, name) => reader.optionalString(name, S3_STATE_KEY, "an S3 object key without leading slash or spaces"),
  },
  roleArn: {
    doc: "role to assume for the state bucket",
    default: { value: undefined },
    read: (reader, name) =>
      reader.optionalString(name, IAM_ROLE_ARN, "an IAM role ARN such as arn:aws:iam::123456789012:role/terraform-state"),
  },
  kmsKeyId: {
    doc: "key the state objects are encrypted with",
    default: { value: undefined, shown: "S3 default encryption" },
    read: (reader, name) =>
      reader.optionalString(name, KMS_KEY_ARN, "a KMS key or alias ARN such as arn:aws:kms:eu-west-1:123456789012:key/…"),
  },
} satisfies FieldsOf<StateConfig>;

/** An environment's fields, in the order its error messages and README list them; environmentConfigFrom reads them. */
export const ENVIRONMENT_FIELDS = {
  account: {
    doc: "the AWS provider refuses any other account",
    default: { required: true },
    read: (reader, name) => reader.requiredString(name, AWS_ACCOUNT_ID, 'a 12-digit AWS account id, as a string ("123456789012")'),
  },
  region: {
    doc: "where the stack deploys",
    default: { required: true },
    read: (reader, name) => knownRegion(reader, name, reader.requiredString(name, AWS_REGION, "an AWS region such as eu-west-1")),
  },
  deployRoleArn: {
    doc: "the role the AWS provider assumes for every call, in plans as in deploys",
    default: { value: undefined },
    read: (reader, name, { account, region }: EnvironmentContext) => {
      const deployRoleArn = reader.optionalString(name, IAM_ROLE_ARN, "an IAM role ARN such as arn:aws:iam::123456789012:role/deploy");
      if (deployRoleArn) {
        requireSameAccount(reader.fieldPath(name), deployRoleArn, account);
        requireSamePartition(reader.fieldPath(name), deployRoleArn, region, "the environment's region");
      }
      return deployRoleArn;
    },
  },
  notificationEmails: {
    doc: "topic subscribers",
    default: { value: [] },
    read: (reader, name) => reader.optionalStringList(name, EMAIL_ADDRESS, "e-mail addresses such as ops@example.com"),
  },
  executionName: {
    doc: "what names the default workflow's executions",
    default: { value: { from: "country" } },
    read: (reader, name) => executionNameFrom(reader.optionalObject(name)),
    fields: EXECUTION_NAME_FIELDS,
  },
  ledger: {
    doc: "the execution ledger",
    default: { value: undefined, shown: "off" },
    read: ledgerFrom,
    fields: LEDGER_FIELDS,
  },
  stepFunctionsHistoryDays: {
    doc: "how long the account's Step Functions keeps closed executions, and so refuses their names",
    default: { value: DEFAULT_STEP_FUNCTIONS_HISTORY_DAYS },
    read: historyDaysFrom,
  },
  state: {
    doc: "remote state in S3",
    default: { value: undefined, shown: "local state" },
    read: (reader, name, environment: EnvironmentContext) => stateFrom(reader.optionalObject(name), environment),
    fields: STATE_FIELDS,
  },
  kmsKeyArn: {
    doc: "customer managed key for the topic, every log group, the ledger table",
    default: { value: undefined, shown: "AWS-managed keys" },
    read: (reader, name, { region }: EnvironmentContext) => kmsKeyFrom(reader, name, region),
  },
  logs: {
    doc: "the environment's logging",
    default: { value: LOGGING_DEFAULTS },
    read: (reader, name) => loggingConfigFrom(reader.optionalObject(name)),
    fields: LOGGING_FIELDS,
  },
  api: {
    doc: "the HTTP API's throttling, CORS and authorization",
    default: { value: API_DEFAULTS },
    read: (reader, name) => apiConfigFrom(reader.optionalObject(name)),
    fields: API_FIELDS,
  },
  reservedConcurrency: {
    doc: "concurrency reserved for, and capping, each workflow's start-execution function",
    // Enough for a few hundred requests per second at the function's latency, without starving the account.
    default: { value: 20 },
    read: (reader, name) =>
      reader.valueOf(name) === false
        ? false
        : reader.optionalInteger(name, 1, 1000, "the function's reserved concurrency, or false for none"),
  },
  tags: {
    doc: "added to every resource's default tags",
    default: { value: {} },
    read: (reader, name) => reader.optionalStringMap(name, tagProblem),
  },
  alarms: {
    doc: "the environment's CloudWatch alarms and the topic they notify",
    default: { value: ALARMS_DEFAULTS, shown: "on: every alarm, on a topic of the stack's without subscribers" },
    read: (reader, name, { region }: EnvironmentContext) => alarmsConfigFrom(reader, name, region),
    fields: ALARMS_FIELDS,
  },
} satisfies FieldsOf<Omit<EnvironmentConfig, "name" | "workflows">>;

/** The defaults, in one place: README.md "Configuration" documents the same values (a test holds it to them). */
export const ENVIRONMENT_DEFAULTS = defaultsOf(ENVIRONMENT_FIELDS);

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
  return `${PROJECT_NAME}/${environment}/terraform.tfstate`;
}

/** `workflows`: the project's, which every environment deploys; undefined when it configures none. */
export function environmentConfigFrom(name: string, reader: ConfigReader, workflows?: readonly WorkflowConfig[]): EnvironmentConfig {
  reader.allowOnly(fieldNames(ENVIRONMENT_FIELDS));
  if (workflows && reader.has("executionName")) {
    throw new ConfigError(
      reader.fieldPath("executionName"),
      "names the default workflow's key; with context.workflows configured, set executionName on each workflow " +
        "(context.workflows.<name>.executionName).",
    );
  }
  // The key, account and region first: a mistake there is the one reported, and the other fields' checks need the latter two.
  const executionName = readField(ENVIRONMENT_FIELDS, "executionName", reader);
  const account = readField(ENVIRONMENT_FIELDS, "account", reader);
  const region = readField(ENVIRONMENT_FIELDS, "region", reader);
  const environment: EnvironmentContext = { name, account, region };
  return {
    name,
    account,
    region,
    deployRoleArn: readField(ENVIRONMENT_FIELDS, "deployRoleArn", reader, environment),
    notificationEmails: readField(ENVIRONMENT_FIELDS, "notificationEmails", reader),
    executionName,
    workflows: workflows ?? [defaultWorkflow(executionName)],
    ledger: readField(ENVIRONMENT_FIELDS, "ledger", reader),
    stepFunctionsHistoryDays: readField(ENVIRONMENT_FIELDS, "stepFunctionsHistoryDays", reader),
    state: readField(ENVIRONMENT_FIELDS, "state", reader, environment),
    kmsKeyArn: readField(ENVIRONMENT_FIELDS, "kmsKeyArn", reader, environment),
    logs: readField(ENVIRONMENT_FIELDS, "logs", reader),
    api: readField(ENVIRONMENT_FIELDS, "api", reader),
    reservedConcurrency: readField(ENVIRONMENT_FIELDS, "reservedConcurrency", reader),
    tags: readField(ENVIRONMENT_FIELDS, "tags", reader),
    alarms: readField(ENVIRONMENT_FIELDS, "alarms", reader, environment),
  };
}

function kmsKeyFrom(reader: ConfigReader, field: string, region: string): string | undefined {
  const keyArn = reader.optionalString(
    field,
    KMS_KEY_ONLY_ARN,
    "a KMS key ARN (not an alias) such as arn:aws:kms:eu-west-1:123456789012:key/…",
  );
  const keyRegion = keyArn && KMS_KEY_ONLY_ARN.exec(keyArn)![1];
  if (keyRegion && keyRegion !== region) {
    throw new ConfigError(reader.fieldPath(field), `is in ${keyRegion}, not the environment's region ${region}: KMS keys are regional.`);
  }
  return keyArn;
}

function requireSameAccount(field: string, roleArn: string, account: string): void {
  const roleAccount = IAM_ROLE_ARN.exec(roleArn)![1];
  if (roleAccount !== account) {
    throw new ConfigError(
      field,
      `is in account ${roleAccount}, not the environment's account ${account}: the provider would refuse to deploy with it.`,
    );
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
function historyDaysFrom(reader: ConfigReader, field: string): StepFunctionsHistoryDays | undefined {
  if (!reader.has(field)) return undefined;
  const value = reader.valueOf(field);
  if (!(STEP_FUNCTIONS_HISTORY_DAYS as readonly unknown[]).includes(value)) {
    throw new ConfigError(
      reader.fieldPath(field),
      `must be 90 (Step Functions' default) or 30 (an account whose history retention was shortened by quota request); got ` +
        `${JSON.stringify(value)}.`,
    );
  }
  return value as StepFunctionsHistoryDays;
}

/** `"ledger": true`, `false`, or `{ "retentionDays": n }`. */
function ledgerFrom(reader: ConfigReader, field: string): LedgerConfig | undefined {
  const value = reader.valueOf(field);
  if (value === undefined || value === false) {
    return undefined;
  }
  if (value === true) {
    return {};
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new ConfigError(reader.fieldPath(field), `must be true, false or { "retentionDays": <days> }; got ${JSON.stringify(value)}.`);
  }
  return readObject(LEDGER_FIELDS, reader.requiredObject(field, "the ledger's settings"));
}

function stateFrom(reader: ConfigReader | undefined, environment: EnvironmentContext): StateConfig | undefined {
  if (!reader) {
    return undefined;
  }
  reader.allowOnly(fieldNames(STATE_FIELDS));
  // The role and region first: a role must be in the partition of the state's region.
  const roleArn = readField(STATE_FIELDS, "roleArn", reader);
  const region = readField(STATE_FIELDS, "region", reader, environment);
  if (roleArn) {
    requireSamePartition(reader.fieldPath("roleArn"), roleArn, region, "the state's region");
  }
  return {
    bucket: readField(STATE_FIELDS, "bucket", reader),
    region,
    key: readField(STATE_FIELDS, "key", reader, environment),
    roleArn,
    kmsKeyId: readField(STATE_FIELDS, "kmsKeyId", reader),
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
