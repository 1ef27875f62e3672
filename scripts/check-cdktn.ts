// Tries the move from CDKTF to CDK Terrain (README.md, Leaving CDKTF) in a copy of the project, and reports what it
// changes in the synthesized Terraform, resource by resource:
//   npm run check:cdktn [-- --keep] [--test]
// Two copies of the files git tracks (as they are in the working tree) go to a temporary directory: one as it is,
// one moved (package.json, lib/toolkit, the workflow's CLI calls; scripts/cdktn/move-to-cdktn.ts), where npm
// install runs. Both synthesize each configuration of scripts/cdktn/check-configurations.ts with `npm run synth`'s
// command, and cdktf.json's also through each toolkit's CLI; nothing is written to this project's cdktf.out.
// Exit status: 0 when the move changes no resource, data source, output or asset (only the provider pin and the
// toolkit's metadata); 3 when it does (each difference listed); 1 when the move, npm install or a synth fails;
// 2 for a bad invocation (scripts/command-line.ts).
// It installs packages from the registry, so it is not part of npm test.
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PROJECT_ROOT } from "../lib/project-root";
import { TOOLKIT_CLI } from "../lib/toolkit/names";
import { CHECK_CONFIGURATIONS, type CheckConfiguration } from "./cdktn/check-configurations";
import { movePackageJson, moveSeamModule, moveWorkflow, PACKAGE_MOVES, SEAM_MODULES, WORKFLOW_FILE } from "./cdktn/move-to-cdktn";
import { changesDeployedThings, compareOutputs, formatComparison } from "./cdktn/synth-comparison";
import { CHECK_CDKTN_COMMAND, type CheckCdktnOptions, parseCheckCdktnArguments } from "./check-cdktn-arguments";
import { printUsage, reportedAsUsageError } from "./command-line";

/** The moved copy's CLI: cdktn-cli's command. */
const MOVED_CLI = "cdktn";

/** The exit status when the move changes a resource, data source, output or asset (2 is a bad invocation's). */
const DIFFERS_EXIT_STATUS = 3;

/** A step that failed: the check cannot say anything about the move. */
class CheckFailure extends Error {}

interface Side {
  readonly label: string;
  readonly dir: string;
  readonly cli: string;
}

function main(argv: string[]): number {
  const parsed = parseCheckCdktnArguments(argv);
  if (parsed === "help") {
    printUsage(CHECK_CDKTN_COMMAND.usage);
    return 0;
  }
  const options: CheckCdktnOptions = parsed;
  const workspace = fs.mkdtempSync(path.join(os.tmpdir(), "sfn-dedup-check-cdktn-"));
  let keep = options.keep;
  try {
    const before: Side = { label: "CDKTF", dir: copyTrackedFiles(path.join(workspace, "cdktf")), cli: TOOLKIT_CLI };
    fs.symlinkSync(path.join(PROJECT_ROOT, "node_modules"), path.join(before.dir, "node_modules"), "dir");
    const after: Side = { label: "CDK Terrain", dir: copyTrackedFiles(path.join(workspace, "cdktn")), cli: MOVED_CLI };

    print("The move (README.md, Leaving CDKTF), in a copy of the project:");
    for (const line of applyMove(before.dir, after.dir)) print(`  ${line}`);
    print("  npm install ...");
    run("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error"], after.dir, process.env, "npm install in the moved copy");
    for (const line of installedToolkit(before, after)) print(`  ${line}`);

    let differs = false;
    const runs: { title: string; synth: (side: Side, outdir: string) => void; configuration: CheckConfiguration }[] = [
      ...CHECK_CONFIGURATIONS.map((configuration) => ({
        title: `${configuration.name} (npm run synth's command)`,
        configuration,
        synth: (side: Side, outdir: string) => synthesizeWithApp(side, configuration, outdir, workspace),
      })),
      {
        title: `cdktf.json through each CLI (${TOOLKIT_CLI} synth / ${MOVED_CLI} synth)`,
        configuration: { name: "cdktf.json" },
        synth: (side: Side, outdir: string) => synthesizeWithCli(side, outdir, workspace),
      },
    ];
    for (const [index, { title, synth }] of runs.entries()) {
      const outdirs = [before, after].map((side) => path.join(workspace, "out", `${index}-${path.basename(side.dir)}`));
      fs.mkdirSync(path.join(workspace, "out"), { recursive: true });
      synth(before, outdirs[0]);
      synth(after, outdirs[1]);
      const comparison = compareOutputs(outdirs[0], outdirs[1]);
      differs ||= changesDeployedThings(comparison);
      print("");
      print(`Synthesized: ${title}, CDKTF -> CDK Terrain`);
      for (const line of formatComparison(comparison)) print(line);
    }

    if (options.test) {
      print("");
      print("npm test in the moved copy ...");
      // The conventions tests ask git which files the project tracks.
      run("git", ["init", "--quiet"], after.dir, process.env, "git init in the moved copy");
      run("git", ["add", "--all"], after.dir, process.env, "git add in the moved copy");
      const output = run("npm", ["test"], after.dir, process.env, "npm test in the moved copy", true);
      const totals = lastLinesMatching(output, /^(Tests|Test Suites):/).map((line) => line.replace(/\s+/g, " "));
      print(`  passed: ${totals.join("; ")}`);
    }

    print("");
    print(
      differs
        ? "Result: the move changes resources, data sources, outputs or assets (listed above): a plan would show them."
        : "Result: the move changes no resource, data source, output or asset; only the provider requirement and metadata.",
    );
    return differs ? DIFFERS_EXIT_STATUS : 0;
  } catch (error) {
    if (error instanceof CheckFailure) keep = true;
    throw error;
  } finally {
    if (keep) print(`Copies and synth output kept in ${workspace}`);
    else fs.rmSync(workspace, { recursive: true, force: true });
  }
}

/** The files git tracks, as they are in the working tree now (a deleted one is left out), copied to `target`. */
function copyTrackedFiles(target: string): string {
  const files = execFileSync("git", ["ls-files", "-z"], { cwd: PROJECT_ROOT, encoding: "utf8" })
    .split("\0")
    .filter((file) => file !== "");
  for (const file of files) {
    const source = path.join(PROJECT_ROOT, file);
    if (!fs.existsSync(source)) continue;
    fs.mkdirSync(path.dirname(path.join(target, file)), { recursive: true });
    fs.copyFileSync(source, path.join(target, file));
  }
  return target;
}

/** Applies the move to `movedDir` (a copy of `originalDir`); returns what it edited, file by file, as git counts lines. */
function applyMove(originalDir: string, movedDir: string): string[] {
  const edits: [string, (text: string) => string][] = [
    ["package.json", movePackageJson],
    ...SEAM_MODULES.map((file): [string, (text: string) => string] => [file, moveSeamModule]),
    [WORKFLOW_FILE, moveWorkflow],
  ];
  const lines: string[] = [];
  const total = { files: 0, added: 0, removed: 0 };
  for (const [file, move] of edits) {
    const target = path.join(movedDir, file);
    if (!fs.existsSync(target)) throw new CheckFailure(`The move edits ${file}, which the project does not have.`);
    fs.writeFileSync(target, move(fs.readFileSync(target, "utf8")));
    const { added, removed } = lineCounts(path.join(originalDir, file), target);
    lines.push(`${file}: +${added} -${removed} lines`);
    total.files += added + removed > 0 ? 1 : 0;
    total.added += added;
    total.removed += removed;
  }
  lines.push(`in all: ${total.files} files, +${total.added} -${total.removed} lines`);
  const renamed = Object.entries(PACKAGE_MOVES).map(([from, to]) =>
    from === to.name ? `${from} ${to.version}` : `${from} -> ${to.name} ${to.version}`,
  );
  lines.push(`packages: ${renamed.join(", ")}`);
  lines.push("package-lock.json: rewritten by npm install");
  return lines;
}

/** Lines added and removed, as `git diff --numstat` counts them. */
function lineCounts(before: string, after: string): { added: number; removed: number } {
  let output = "";
  try {
    output = execFileSync("git", ["diff", "--no-index", "--numstat", "--", before, after], { encoding: "utf8" });
  } catch (error) {
    // git diff --no-index exits 1 when the files differ, with the counts on stdout.
    output = String((error as { stdout?: string }).stdout ?? "");
  }
  const [added = "0", removed = "0"] = output.trim() === "" ? [] : output.trim().split(/\s+/);
  return { added: Number(added), removed: Number(removed) };
}

/** What npm installed on each side, and that each CLI starts on this Node.js. */
function installedToolkit(before: Side, after: Side): string[] {
  const packageJsonOf = (dir: string, name: string) =>
    JSON.parse(fs.readFileSync(path.join(dir, "node_modules", name, "package.json"), "utf8"));
  return [before, after].map((side) => {
    const names = Object.entries(PACKAGE_MOVES).map(([from, to]) => (side === before ? from : to.name));
    const versions = names.map((name) => `${name} ${packageJsonOf(side.dir, name).version}`).join(", ");
    // The version's line: the CLI may warn about Terraform's configuration after it (none is needed to synthesize).
    const cliOutput = run(cliPath(side), ["--version"], side.dir, cliEnvironment(), `${side.cli} --version`);
    const cliVersion =
      cliOutput
        .split("\n")
        .find((line) => /^\d+\.\d+\.\d+/.test(line.trim()))
        ?.trim() ?? "(no version printed)";
    const providerPackage = side === before ? "@cdktf/provider-aws" : PACKAGE_MOVES["@cdktf/provider-aws"].name;
    // Each provider binding names the Terraform provider it wraps in its package.json.
    const wrapped = packageJsonOf(side.dir, providerPackage).cdktf?.provider;
    const provider = `${providerPackage} wraps ${wrapped?.name ?? "(unknown)"} ${wrapped?.version ?? ""}`.trim();
    return `${side.label}: ${versions}; ${provider}; ${side.cli} --version: ${cliVersion}; Node.js ${process.versions.node}`;
  });
}

/** `npm run synth`'s command (node --import tsx main.ts), with its own output and temp directory (so its own bundle cache). */
function synthesizeWithApp(side: Side, configuration: CheckConfiguration, outdir: string, workspace: string): void {
  const env = synthEnvironment(outdir, path.join(workspace, "tmp", path.basename(outdir)));
  if (configuration.context !== undefined) env.CDKTF_CONTEXT_JSON = JSON.stringify(configuration.context);
  run(process.execPath, ["--import", "tsx", "main.ts"], side.dir, env, `${side.label}: synth of ${configuration.name}`);
}

/** `<cli> synth`, which runs cdktf.json's app with cdktf.json's context. */
function synthesizeWithCli(side: Side, outdir: string, workspace: string): void {
  const env = { ...synthEnvironment(outdir, path.join(workspace, "tmp", path.basename(outdir))), ...cliEnvironment() };
  delete env.CDKTF_OUTDIR;
  run(cliPath(side), ["synth", "--output", outdir], side.dir, env, `${side.label}: ${side.cli} synth`);
}

/** No CDKTF_* or HCL request of the caller's; the output where the check reads it; bundles cached apart. */
function synthEnvironment(outdir: string, tmpdir: string): NodeJS.ProcessEnv {
  fs.mkdirSync(tmpdir, { recursive: true });
  const env: NodeJS.ProcessEnv = { ...process.env, CHECKPOINT_DISABLE: "1", CDKTF_OUTDIR: outdir, TMPDIR: tmpdir };
  for (const name of Object.keys(env)) if (name.startsWith("CDKTF_") && name !== "CDKTF_OUTDIR") delete env[name];
  delete env.SYNTH_HCL_OUTPUT;
  return env;
}

/** The CLIs call a telemetry host unless told not to, and it is unreachable here (README.md, Deploy). */
function cliEnvironment(): NodeJS.ProcessEnv {
  return { ...process.env, CHECKPOINT_DISABLE: "1" };
}

function cliPath(side: Side): string {
  return path.join(side.dir, "node_modules", ".bin", side.cli);
}

/**
 * Runs a command to completion; its standard output (with its standard error after it when `withStderr`) on
 * success, a CheckFailure with the end of both otherwise.
 */
function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv, what: string, withStderr = false): string {
  const result = spawnSync(command, args, { cwd, env, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0) {
    const tail = `${result.stdout ?? ""}${result.stderr ?? ""}${result.error?.message ?? ""}`.trim().split("\n").slice(-30).join("\n");
    throw new CheckFailure(`${what} failed (exit status ${result.status ?? result.signal}):\n${tail}`);
  }
  return withStderr ? `${result.stdout}${result.stderr}` : result.stdout;
}

function lastLinesMatching(output: string, pattern: RegExp): string[] {
  return output
    .split("\n")
    .filter((line) => pattern.test(line.trim()))
    .map((line) => line.trim());
}

function print(line: string): void {
  process.stdout.write(`${line}\n`);
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (error) {
  if (error instanceof CheckFailure) {
    process.stderr.write(`${error.message}\n`);
    process.exitCode = 1;
  } else if (!reportedAsUsageError(error, CHECK_CDKTN_COMMAND.usage)) {
    throw error;
  }
}
