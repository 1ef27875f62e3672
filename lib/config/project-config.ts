import { PROJECT_ROOT } from "../project-root";
import { requireDistinctIdentities, requireNamesWithinLimits } from "../workflow-identity";
import { ConfigError, type ConfigSource } from "./config-error";
import { type FieldsOf, fieldNames, readField } from "./config-field";
import { ConfigReader } from "./config-reader";
import { defaultEnvironment, ENVIRONMENT_FIELDS, type EnvironmentConfig, environmentConfigFrom } from "./environment-config";
import { ENVIRONMENT_NAME, IAM_ROLE_ARN } from "./patterns";
import { WORKFLOW_FIELDS, type WorkflowConfig, workflowsConfigFrom } from "./workflow-config";

/** A state bucket to bootstrap: one per distinct bucket the environments use. */
export interface StateBucketConfig {
  readonly bucket: string;
  readonly region: string;
  readonly roleArn?: string;
  readonly kmsKeyId?: string;
  /**
   * The account the bucket lives in, the only one its stack may touch: the state role's account, or,
   * without a role, the account of the environments that use it (they reach it with their own credentials).
   */
  readonly account?: string;
  /** The environments whose state it holds. */
  readonly environments: readonly string[];
}

export interface ProjectConfig {
  readonly environments: readonly EnvironmentConfig[];
  /** Every workflow each environment deploys (the default one when `workflows` is not configured). */
  readonly workflows: readonly WorkflowConfig[];
  readonly stateBuckets: readonly StateBucketConfig[];
}

/** cdktf keeps its own keys in the context (cdktfVersion, cdktfRelativeModules, @cdktf/…); they are not ours to refuse. */
const CDKTF_OWN_KEY = /^(cdktf|@cdktf\/)/;

/** The name of the stack that bootstraps a state bucket. */
export function stateBucketStackName(bucket: string): string {
  return `state-${bucket}`;
}

/**
 * Reads the context (cdktf.json's, or CDKTF_CONTEXT_JSON: `source`): `environments` (each becomes a stack
 * named after it), or, when none is configured, the single default environment. Every mistake is refused
 * here, before anything is synthesized, naming the source, the environment and the field.
 */
export function projectConfigFrom(
  context: unknown,
  source: ConfigSource = "cdktf.json",
  projectRoot: string = PROJECT_ROOT,
): ProjectConfig {
  try {
    return readProjectConfig(context, projectRoot);
  } catch (error) {
    // Errors are raised where the mistake is found, which knows the field but not the source.
    throw error instanceof ConfigError ? error.from(source) : error;
  }
}

/** What the readers of the context's fields need: where the files are, and the workflows, read first. */
interface ProjectContext {
  readonly projectRoot: string;
  readonly workflows?: readonly WorkflowConfig[];
}

/** The context's own fields (cdktf keeps its own beside them), in the order its error message lists them. */
export const PROJECT_FIELDS = {
  environments: {
    doc: "the environments, each one stack named after it",
    default: { of: ({ workflows }: ProjectContext) => [defaultEnvironment(workflows)], shown: "the one environment `default`" },
    read: (reader, name, { workflows }: ProjectContext) => {
      const declared = reader.optionalObject(name);
      if (!declared || declared.fields().length === 0) {
        return undefined;
      }
      return declared.fields().map((environment) => {
        if (!ENVIRONMENT_NAME.test(environment)) {
          throw new ConfigError(
            declared.fieldPath(environment),
            "is not a valid environment name: 1-20 lower-case letters, digits and hyphens, starting with a letter and not ending with a " +
              "hyphen (it names the stack and every resource).",
          );
        }
        return environmentConfigFrom(environment, declared.requiredObject(environment, "the environment's settings"), workflows);
      });
    },
    fields: ENVIRONMENT_FIELDS,
  },
  workflows: {
    doc: "the workflows every environment deploys",
    default: { value: undefined, shown: "the default workflow, notify-country" },
    read: (reader, name, { projectRoot }: ProjectContext) => {
      const declared = reader.optionalObject(name);
      return declared && workflowsConfigFrom(declared, projectRoot);
    },
    fields: WORKFLOW_FIELDS,
  },
} satisfies FieldsOf<{ environments: readonly EnvironmentConfig[]; workflows: readonly WorkflowConfig[] | undefined }>;

function readProjectConfig(context: unknown, projectRoot: string): ProjectConfig {
  const root = ConfigReader.object(context, "context");
  const names: string[] = fieldNames(PROJECT_FIELDS);
  for (const key of root.fields()) {
    if (!names.includes(key) && !CDKTF_OWN_KEY.test(key)) {
      throw new ConfigError(
        root.fieldPath(key),
        `is not a known field; allowed fields: ${names.join(", ")} (and cdktf's own cdktf* keys).`,
      );
    }
  }
  // The workflows first: every environment deploys them.
  const workflows = readField(PROJECT_FIELDS, "workflows", root, { projectRoot });
  const environments = readField(PROJECT_FIELDS, "environments", root, { projectRoot, workflows });

  for (const environment of environments) {
    for (const workflow of environment.workflows) requireNamesWithinLimits(environment.name, workflow.name);
    requireDistinctIdentities(
      environment.name,
      environment.workflows.map((workflow) => workflow.name),
    );
  }
  const stateBuckets = stateBucketsOf(environments);
  requireUniqueStackNames([
    ...environments.map((environment) => environment.name),
    ...stateBuckets.map((bucket) => stateBucketStackName(bucket.bucket)),
  ]);
  return { environments, workflows: environments[0].workflows, stateBuckets };
}

/**
 * Environments may share a state bucket (one state account for all), but never a state object, and a
 * shared bucket must be described the same way by each, since one stack bootstraps it.
 */
function stateBucketsOf(environments: readonly EnvironmentConfig[]): StateBucketConfig[] {
  const buckets = new Map<string, StateBucketConfig>();
  const keys = new Map<string, string>();
  for (const { name, account, state } of environments) {
    if (!state) {
      continue;
    }
    const location = `s3://${state.bucket}/${state.key}`;
    const other = keys.get(location);
    if (other) {
      throw new ConfigError(
        `context.environments.${name}.state.key`,
        `${location} is already the state of environment ${other}; each environment needs its own key.`,
      );
    }
    keys.set(location, name);

    const known = buckets.get(state.bucket);
    if (!known) {
      const bucketAccount = state.roleArn ? IAM_ROLE_ARN.exec(state.roleArn)![1] : account;
      buckets.set(state.bucket, {
        bucket: state.bucket,
        region: state.region,
        roleArn: state.roleArn,
        kmsKeyId: state.kmsKeyId,
        account: bucketAccount,
        environments: [name],
      });
      continue;
    }
    for (const field of ["region", "roleArn", "kmsKeyId"] as const) {
      if (known[field] !== state[field]) {
        throw new ConfigError(
          `context.environments.${name}.state.${field}`,
          `is ${JSON.stringify(state[field] ?? null)}, but environment ${known.environments[0]} uses the same bucket ${state.bucket} ` +
            `with ${JSON.stringify(known[field] ?? null)}; a shared bucket must be described the same way.`,
        );
      }
    }
    if (!state.roleArn && known.account !== account) {
      throw new ConfigError(
        `context.environments.${name}.state.roleArn`,
        `is required: environment ${name} (account ${account}) and environment ${known.environments[0]} (account ${known.account}) ` +
          `share the state bucket ${state.bucket}, and without a state role each reaches it with its own account's credentials. Name ` +
          "the role in the bucket's account that both assume (state.roleArn), or use a bucket per account.",
      );
    }
    buckets.set(state.bucket, { ...known, environments: [...known.environments, name] });
  }
  return [...buckets.values()];
}

function requireUniqueStackNames(names: readonly string[]): void {
  const seen = new Set<string>();
  for (const name of names) {
    if (seen.has(name)) {
      throw new ConfigError("context.environments", `two stacks would be named ${name}; rename the environment.`);
    }
    seen.add(name);
  }
}
