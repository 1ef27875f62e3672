import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { type StsStandIn, startStsStandIn } from "./sts-stand-in";

/** Where a filesystem mirror is looked for when SFN_DEDUP_TF_MIRROR does not name one. */
export const DEFAULT_PROVIDER_MIRROR = "/opt/tf-plugins";
const AWS_PROVIDER = "registry.terraform.io/hashicorp/aws";
/** Written beside each stack's cdk.tf.json; Terraform merges `*_override.tf.json` files last, so cdk.tf.json stays as synthesized. */
export const OVERRIDE_FILE = "zz_sfn_dedup_test_override.tf.json";

export interface TerraformTools {
  readonly terraform: string;
  /** A filesystem mirror (unpacked layout) holding the hashicorp/aws provider for this platform. */
  readonly mirror: string;
  /** The mirror's AWS provider version, which the plans use instead of the project's pin. */
  readonly awsProviderVersion: string;
}

/** The tools, or what is missing and how to provide it: the tests that need them are skipped with that reason. */
export function findTerraformTools(env: NodeJS.ProcessEnv = process.env): { tools: TerraformTools } | { missing: string } {
  if (env.SFN_DEDUP_TERRAFORM && !isExecutable(env.SFN_DEDUP_TERRAFORM)) {
    return { missing: `SFN_DEDUP_TERRAFORM=${env.SFN_DEDUP_TERRAFORM} is not an executable file` };
  }
  const terraform = env.SFN_DEDUP_TERRAFORM || onPath("terraform", env.PATH ?? "");
  if (!terraform) {
    return { missing: "no terraform CLI on PATH (install Terraform >= 1.10, or set SFN_DEDUP_TERRAFORM to its path)" };
  }
  const mirror = env.SFN_DEDUP_TF_MIRROR || DEFAULT_PROVIDER_MIRROR;
  const platform = terraformPlatform();
  const versionsDirectory = path.join(mirror, AWS_PROVIDER);
  const versions = fs.existsSync(versionsDirectory)
    ? fs.readdirSync(versionsDirectory).filter((version) => fs.existsSync(path.join(versionsDirectory, version, platform)))
    : [];
  if (versions.length === 0) {
    return {
      missing:
        `no ${AWS_PROVIDER} provider for ${platform} in the filesystem mirror ${mirror} (set SFN_DEDUP_TF_MIRROR to a mirror in the ` +
        `unpacked layout: <mirror>/${AWS_PROVIDER}/<version>/${platform}/terraform-provider-aws_*)`,
    };
  }
  return { tools: { terraform, mirror, awsProviderVersion: versions.sort(compareVersions).at(-1)! } };
}

export interface PlannedResourceChange {
  readonly address: string;
  readonly type: string;
  readonly actions: readonly string[];
}

export interface StackPlan {
  /** Every resource the plan would change, as `terraform plan -json` reports them. */
  readonly resourceChanges: readonly PlannedResourceChange[];
}

/**
 * Runs `terraform init` (installing from the mirror only) and `terraform plan` in every stack directory of a cdktf
 * output directory, with fake credentials and an STS stand-in on 127.0.0.1, and returns each stack's planned
 * changes. Nothing reaches AWS or any registry. Each stack gets an override file (written beside its
 * cdk.tf.json, left there for inspection) pinning the mirror's provider version, a local backend and the
 * stand-in's endpoint for every AWS provider block; Terraform's files (.terraform, the lock file, the plan)
 * are written in the stack directory, which belongs to the caller.
 *
 * `plan` walks Terraform's validate graph (what `terraform validate` runs) before it plans, and stops on its
 * errors, so a separate `terraform validate` would repeat that work for no further proof: with this provider,
 * at ~3 CPU-seconds a stack (one more provider start that builds the whole schema).
 */
export async function planStacks(outdir: string, tools: TerraformTools): Promise<Record<string, StackPlan>> {
  const stacksDirectory = path.join(outdir, "stacks");
  const stacks = fs.readdirSync(stacksDirectory).sort();
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "sfn-dedup-terraform-"));
  const sts = await startStsStandIn();
  try {
    const env = terraformEnvironment(tools, scratch);
    const plans = await Promise.all(
      stacks.map(async (stack) => {
        const directory = path.join(stacksDirectory, stack);
        writeOverride(directory, tools, sts);
        return [stack, await terraformSlots.run(() => initAndPlan(tools.terraform, directory, env))] as const;
      }),
    );
    return Object.fromEntries(plans);
  } finally {
    await sts.close();
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

/**
 * The provider is ~700 MB of Go that builds its whole schema in each of the three processes a plan starts: a
 * stack costs ~7 CPU-seconds. More plans at once than cores only add memory (~750 MB each).
 */
const terraformSlots = limiter(Math.max(1, os.availableParallelism()));

async function initAndPlan(terraform: string, directory: string, env: NodeJS.ProcessEnv): Promise<StackPlan> {
  await runTerraform(terraform, ["init", "-input=false", "-no-color"], directory, env);
  // -json streams each planned change as it is decided: no `terraform show -json`, which would start the provider
  // once more. The plan file is still written, for anyone who wants to look at it.
  const plan = await runTerraform(terraform, ["plan", "-json", "-input=false", "-lock=false", "-out=tfplan"], directory, env);
  return { resourceChanges: plannedChanges(plan) };
}

/** The planned_change messages of `terraform plan -json` (machine-readable UI, one JSON object a line). */
function plannedChanges(planOutput: string): PlannedResourceChange[] {
  return planOutput
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line))
    .filter((message) => message.type === "planned_change")
    .map(({ change }) => ({ address: change.resource.addr, type: change.resource.resource_type, actions: [change.action] }));
}

function writeOverride(directory: string, tools: TerraformTools, sts: StsStandIn): void {
  const synthesized = JSON.parse(fs.readFileSync(path.join(directory, "cdk.tf.json"), "utf8"));
  const providerNames = Object.keys(synthesized.provider ?? {});
  if (providerNames.some((name) => name !== "aws")) {
    throw new Error(`${directory}: only the aws provider can be planned without a cloud; found ${providerNames.join(", ")}`);
  }
  const providers = (synthesized.provider?.aws ?? []) as { alias?: string; allowed_account_ids?: string[] }[];
  const override = {
    terraform: {
      // An override's backend replaces the stack's (S3 would need S3); the state is never written, plan only reads it.
      backend: { local: { path: "terraform.tfstate" } },
      // The mirror holds one 5.x version while the project pins 6.25.0: the plans prove the configuration against 5.x.
      required_providers: { aws: { source: "hashicorp/aws", version: tools.awsProviderVersion } },
    },
    provider: {
      // Every provider block, aliases included: one left out would look for real credentials and real STS.
      aws: providers.map((provider) => {
        // The account the provider must find (allowed_account_ids) is the one these keys belong to; an assumed role's
        // credentials belong to the role's account.
        const credentials = sts.credentialsFor(provider.allowed_account_ids?.[0] ?? "123456789012");
        return {
          ...(provider.alias ? { alias: provider.alias } : {}),
          access_key: credentials.accessKeyId,
          secret_key: credentials.secretAccessKey,
          skip_metadata_api_check: true,
          endpoints: [{ sts: sts.url }],
        };
      }),
    },
  };
  fs.writeFileSync(path.join(directory, OVERRIDE_FILE), `${JSON.stringify(override, null, 2)}\n`);
}

/**
 * Terraform's environment: a CLI configuration of our own (never the user's ~/.terraformrc) that installs the
 * AWS provider from the mirror and from nowhere else, and nothing of the caller's TF_* or AWS_* settings (a
 * plugin cache, a data directory, a profile, credentials) that could change what is installed or whom the
 * provider asks.
 */
function terraformEnvironment(tools: TerraformTools, scratch: string): NodeJS.ProcessEnv {
  const cliConfig = path.join(scratch, "terraform.tfrc");
  fs.writeFileSync(
    cliConfig,
    `disable_checkpoint = true\nprovider_installation {\n  filesystem_mirror {\n    path    = ${JSON.stringify(tools.mirror)}\n` +
      `    include = [${JSON.stringify(AWS_PROVIDER)}]\n  }\n}\n`,
  );
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(TF_|AWS_|GOGC$|GOMEMLIMIT$)/.test(name)));
  return {
    ...inherited,
    TF_CLI_CONFIG_FILE: cliConfig,
    CHECKPOINT_DISABLE: "1",
    TF_IN_AUTOMATION: "1",
    TF_INPUT: "0",
    // Terraform and the provider pass the environment on: with the garbage collector running a quarter as often, a
    // plan measured ~25% less CPU (8.8 s -> 6.5 s for the default stack) for ~150 MB more per process.
    GOGC: "400",
  };
}

/** Terraform's answer when it fails: its own diagnostics, which name the file, the line and the attribute. */
function runTerraform(terraform: string, args: string[], directory: string, env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(terraform, args, { cwd: directory, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (code, signal) => {
      if (code === 0) {
        resolve(stdout);
        return;
      }
      const diagnostics = stdout
        .split("\n")
        .filter((line) => line.startsWith('{"'))
        .map((line) => JSON.parse(line))
        .filter((message) => message.type === "diagnostic")
        .map(({ diagnostic }) => `${diagnostic.summary}: ${diagnostic.detail}`);
      const output = diagnostics.length > 0 ? diagnostics.join("\n") : `${stdout}${stderr}`;
      reject(new Error(`terraform ${args[0]} in ${directory} failed (${signal ?? `exit ${code}`}):\n${output.trim()}`));
    });
  });
}

/** At most `slots` tasks at a time, across every caller in this process; the rest wait their turn in order. */
function limiter(slots: number): { run<T>(task: () => Promise<T>): Promise<T> } {
  let running = 0;
  const waiting: (() => void)[] = [];
  return {
    async run(task) {
      if (running >= slots) await new Promise<void>((resolve) => waiting.push(resolve));
      running++;
      try {
        return await task();
      } finally {
        running--;
        waiting.shift()?.();
      }
    },
  };
}

/** Terraform's name for this machine's platform, as mirror directories are named. */
function terraformPlatform(): string {
  const architectures: Record<string, string> = { x64: "amd64", arm64: "arm64", ia32: "386", arm: "arm" };
  return `${process.platform}_${architectures[process.arch] ?? process.arch}`;
}

function onPath(command: string, searchPath: string): string | undefined {
  return searchPath
    .split(path.delimiter)
    .filter(Boolean)
    .map((directory) => path.join(directory, command))
    .find(isExecutable);
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

function compareVersions(a: string, b: string): number {
  const [left, right] = [a, b].map((version) => version.split(/[.-]/).map((part) => Number.parseInt(part, 10) || 0));
  for (let i = 0; i < Math.max(left.length, right.length); i++) {
    if ((left[i] ?? 0) !== (right[i] ?? 0)) return (left[i] ?? 0) - (right[i] ?? 0);
  }
  return 0;
}
