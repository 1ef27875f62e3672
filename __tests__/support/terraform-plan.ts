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

/**
 * A resource a stack is planned as already having: its type, logical id and the attributes an apply would have left
 * in state (in the provider's state schema, `schemaVersion` its version). Planned with `-refresh=false`, as nothing
 * here can read AWS: the plan compares the configuration with these attributes, as it would with what AWS reports.
 */
export interface PriorResource {
  readonly type: string;
  readonly name: string;
  readonly schemaVersion: number;
  readonly attributes: Readonly<Record<string, unknown>>;
}

export interface StackPlan {
  /** Every resource the plan would change, as `terraform plan -json` reports them, addressed within the stack. */
  readonly resourceChanges: readonly PlannedResourceChange[];
}

/**
 * Plans every stack of several cdktf output directories (configuration name -> outdir) in one `terraform init` and
 * one `terraform plan`, each stack a module `<configuration>_<stack>` of a root configuration written in `root`
 * (a new directory, which belongs to the caller and is left for inspection), with fake credentials and an STS
 * stand-in on 127.0.0.1. Returns each configuration's stacks' planned changes. Nothing reaches AWS or any registry.
 *
 * Why one root: the ~700 MB provider builds its whole schema in every process Terraform starts (~2.5 CPU-seconds
 * each), so a stack planned alone cost ~7.5 CPU-seconds, ~55 for the seven stacks the test plans; as modules of one
 * root they cost ~31 (GOGC=400, measured on 2 cores), since Terraform loads the schema and validates once for all
 * of them. The plan still runs one provider instance per provider configuration, as each stack would alone, so
 * `allowed_account_ids` and `assume_role` keep differing per stack. One plan already keeps both cores busy
 * (Terraform and the provider instances are multi-threaded Go), so nothing else is run beside it.
 *
 * What differs from planning a stack as its own root module:
 * - a child module's backend is ignored (Terraform warns "Backend configuration ignored"): the stack's S3 or local
 *   backend was never used by these plans anyway, since the override used to replace it with a local one;
 * - relative paths in arguments (the Lambda zip's `filename`) are resolved by the provider from the working
 *   directory, the root's, not the module's. hashicorp/aws 5.100.0 plans without opening the zip (a plan with no
 *   `assets` beside the root passed too), but the root gets an `assets` tree of symlinks to every stack's assets
 *   anyway, so each `filename` names the very file it would name from the stack's directory, whatever a provider
 *   reads (two stacks with the same asset path hold the same content hash; a difference in bytes is an error);
 * - the stacks' outputs are evaluated but not reported as root outputs; `required_version` and every
 *   `required_providers` constraint still apply to each module, and its provider blocks stay its own.
 *
 * Each stack gets an override file (written beside its cdk.tf.json, which stays as synthesized, and left there)
 * pinning the mirror's provider version and giving every AWS provider block fake credentials of its account and
 * the stand-in's endpoint. `terraform validate` runs first, on its own, as a pipeline's lint step would (`plan`
 * validates again before it plans; the extra provider start costs a few CPU-seconds for the whole root).
 */
export async function planConfigurations(
  root: string,
  outdirs: Readonly<Record<string, string>>,
  tools: TerraformTools,
  /** Resources already deployed, by configuration and stack: they are in the root's state before the plan. */
  priorState: Readonly<Record<string, Readonly<Record<string, readonly PriorResource[]>>>> = {},
): Promise<Record<string, Record<string, StackPlan>>> {
  const modules = stackModules(outdirs);
  fs.mkdirSync(root);
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "sfn-dedup-terraform-"));
  const sts = await startStsStandIn();
  try {
    for (const { directory } of modules.values()) {
      writeOverride(directory, tools, sts);
      linkAssets(directory, root);
    }
    const moduleBlocks = Object.fromEntries(
      [...modules].map(([name, { directory }]) => {
        // A local module's source must start with ./ or ../, and is written with slashes.
        const relative = path.relative(root, directory).split(path.sep).join("/");
        return [name, { source: relative.startsWith("../") ? relative : `./${relative}` }];
      }),
    );
    fs.writeFileSync(path.join(root, "main.tf.json"), `${JSON.stringify({ module: moduleBlocks }, null, 2)}\n`);
    const prior = writePriorState(root, modules, priorState);
    const env = terraformEnvironment(tools, scratch);
    const describe = (diagnostic: Diagnostic) => describeDiagnostic(diagnostic, modules, root);
    await runTerraform(tools.terraform, ["init", "-input=false", "-no-color", "-json"], root, env, describe);
    // What a reviewer runs first, and what a pipeline's lint step runs: the configuration alone, before any plan.
    await runTerraform(tools.terraform, ["validate", "-json", "-no-color"], root, env, describe);
    // -json streams each planned change as it is decided: no `terraform show -json`, which would start the provider
    // once more. The plan file is still written, for anyone who wants to look at it.
    // With resources in state, no refresh: reading them would ask AWS.
    const planArguments = ["plan", "-json", "-input=false", "-lock=false", "-out=tfplan", ...(prior ? ["-refresh=false"] : [])];
    const output = await runTerraform(tools.terraform, planArguments, root, env, describe);
    const plans: Record<string, Record<string, { resourceChanges: PlannedResourceChange[] }>> = {};
    for (const { configuration, stack } of modules.values()) {
      plans[configuration] ??= {};
      plans[configuration][stack] = { resourceChanges: [] };
    }
    for (const { module, change } of plannedChanges(output)) {
      const stack = modules.get(module);
      if (!stack) throw new Error(`terraform planned ${change.address} outside every stack's module`);
      plans[stack.configuration][stack.stack].resourceChanges.push(change);
    }
    return plans;
  } finally {
    await sts.close();
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

/** The root's local state holding the prior resources, each in its stack's module; false when there are none. */
function writePriorState(
  root: string,
  modules: Map<string, StackModule>,
  priorState: Readonly<Record<string, Readonly<Record<string, readonly PriorResource[]>>>>,
): boolean {
  const resources = [...modules].flatMap(([name, { configuration, stack }]) =>
    (priorState[configuration]?.[stack] ?? []).map((resource) => ({
      module: `module.${name}`,
      mode: "managed",
      type: resource.type,
      name: resource.name,
      provider: `module.${name}.provider["${AWS_PROVIDER}"]`,
      instances: [{ schema_version: resource.schemaVersion, attributes: resource.attributes, sensitive_attributes: [] }],
    })),
  );
  const unknown = Object.entries(priorState).flatMap(([configuration, stacks]) =>
    Object.keys(stacks)
      .filter((stack) => !modules.has(`${configuration}_${stack}`))
      .map((stack) => `${configuration}/${stack}`),
  );
  if (unknown.length > 0) throw new Error(`prior state for stacks that are not planned: ${unknown.join(", ")}`);
  if (resources.length === 0) return false;
  const state = { version: 4, terraform_version: "1.10.0", serial: 1, lineage: "sfn-dedup-test-prior-state", outputs: {}, resources };
  fs.writeFileSync(path.join(root, "terraform.tfstate"), `${JSON.stringify(state, null, 2)}\n`);
  return true;
}

interface StackModule {
  readonly configuration: string;
  readonly stack: string;
  readonly directory: string;
}

/** Every stack directory, by its module name `<configuration>_<stack>`. */
function stackModules(outdirs: Readonly<Record<string, string>>): Map<string, StackModule> {
  const modules = new Map<string, StackModule>();
  for (const [configuration, outdir] of Object.entries(outdirs)) {
    const stacksDirectory = path.join(outdir, "stacks");
    for (const stack of fs.readdirSync(stacksDirectory).sort()) {
      const name = `${configuration}_${stack}`;
      // Terraform's identifiers; and `a_b` + `c` must not meet `a` + `b_c`.
      if (!/^[A-Za-z_][A-Za-z0-9_-]*$/.test(name)) throw new Error(`${name} is not a Terraform module name`);
      if (modules.has(name)) throw new Error(`two stacks would be module ${name}`);
      modules.set(name, { configuration, stack, directory: path.join(stacksDirectory, stack) });
    }
  }
  return modules;
}

/**
 * Symlinks each file of the stack's `assets` under the root's, where the provider looks for a relative `filename`.
 * cdktf names an asset's directory after its content hash, so a path two stacks share holds the same bytes.
 */
function linkAssets(stackDirectory: string, root: string): void {
  const assets = path.join(stackDirectory, "assets");
  if (!fs.existsSync(assets)) return;
  for (const entry of fs.readdirSync(assets, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    const link = path.join(root, path.relative(stackDirectory, file));
    if (fs.existsSync(link)) {
      if (!fs.readFileSync(link).equals(fs.readFileSync(file))) throw new Error(`${link}: two stacks' assets differ`);
      continue;
    }
    fs.mkdirSync(path.dirname(link), { recursive: true });
    fs.symlinkSync(file, link);
  }
}

/** A diagnostic as Terraform gives it, preceded by the stack it concerns (by its address, else by its file). */
function describeDiagnostic(diagnostic: Diagnostic, modules: Map<string, StackModule>, root: string): string {
  const byAddress = /^module\.([^.[]+)/.exec(diagnostic.address ?? "")?.[1];
  const file = diagnostic.range ? path.resolve(root, diagnostic.range.filename) : undefined;
  const stack = modules.get(byAddress ?? "") ?? [...modules.values()].find(({ directory }) => file?.startsWith(`${directory}${path.sep}`));
  const where = [
    stack ? `configuration ${stack.configuration}, stack ${stack.stack}` : "no stack named",
    diagnostic.address,
    diagnostic.range && `${diagnostic.range.filename}:${diagnostic.range.start.line}`,
  ];
  return `[${where.filter(Boolean).join("; ")}] ${diagnostic.summary}${diagnostic.detail ? `: ${diagnostic.detail}` : ""}`;
}

/** The planned_change messages of `terraform plan -json` (machine-readable UI, one JSON object a line), by module. */
function plannedChanges(planOutput: string): { module: string; change: PlannedResourceChange }[] {
  return planOutput
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line))
    .filter((message) => message.type === "planned_change")
    .map(({ change: { resource, action } }) => ({
      // `module.<name>`: the stacks are the root's only modules, and they call none.
      module: String(resource.module ?? "").replace(/^module\./, ""),
      change: { address: resource.resource, type: resource.resource_type, actions: [action] },
    }));
}

function writeOverride(directory: string, tools: TerraformTools, sts: StsStandIn): void {
  const synthesized = JSON.parse(fs.readFileSync(path.join(directory, "cdk.tf.json"), "utf8"));
  const providerNames = Object.keys(synthesized.provider ?? {});
  if (providerNames.some((name) => name !== "aws")) {
    throw new Error(`${directory}: only the aws provider can be planned without a cloud; found ${providerNames.join(", ")}`);
  }
  const providers = (synthesized.provider?.aws ?? []) as { alias?: string; allowed_account_ids?: string[] }[];
  const override = {
    // No backend: a module's is ignored, and the root's state is local (never written: plan only reads it).
    terraform: {
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

interface Diagnostic {
  readonly severity?: string;
  readonly summary: string;
  readonly detail?: string;
  readonly address?: string;
  readonly range?: { readonly filename: string; readonly start: { readonly line: number } };
}

/**
 * Terraform's answer when it fails: its own error diagnostics (-json), which name the file, the line and the attribute,
 * each told by `describe` (which names the stack). Warnings are left out: every stack's ignored backend is one.
 */
function runTerraform(
  terraform: string,
  args: string[],
  directory: string,
  env: NodeJS.ProcessEnv,
  describe: (diagnostic: Diagnostic) => string,
): Promise<string> {
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
      const errors = stdout
        .split("\n")
        .filter((line) => line.startsWith('{"'))
        .map((line) => JSON.parse(line))
        .filter((message) => message.type === "diagnostic" && message.diagnostic.severity === "error")
        .map(({ diagnostic }) => describe(diagnostic));
      const output = errors.length > 0 ? errors.join("\n") : `${stdout}${stderr}`;
      reject(new Error(`terraform ${args[0]} in ${directory} failed (${signal ?? `exit ${code}`}):\n${output.trim()}`));
    });
  });
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
