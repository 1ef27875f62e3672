import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { measureNode } from "../../bench/measured-process";
import { BENCH_COMMAND } from "../../bench/run-arguments";
import { median, percentile } from "../../bench/statistics";
import { BUNDLE_TARGET_BYTES } from "../../lib/function-entries";
import { PROJECT_ROOT } from "../../lib/project-root";

describe("bench statistics", () => {
  it("takes the middle value, or the mean of the two middle ones", () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });

  it("interpolates percentiles between closest ranks", () => {
    const hundred = Array.from({ length: 101 }, (_, index) => index);
    expect(percentile(hundred, 99)).toBe(99);
    expect(percentile([10, 20], 50)).toBe(15);
    expect(percentile([5], 99)).toBe(5);
    expect(() => percentile([], 50)).toThrow("no values");
  });
});

describe("bench measured process", () => {
  const onLinux = fs.existsSync("/proc/self/task") ? it : it.skip;

  onLinux("counts the peak memory of a child process still running at exit, as esbuild's service is", async () => {
    // The child fills <MiB> and lives until its parent exits (its stdin closes then). Two sizes, so the
    // assertions hold whatever the baseline of a node process is on this machine and under this load.
    const parentOfChildFilling = (mib: number) => {
      const child = `Buffer.alloc(${mib} * 2 ** 20, 1); process.stdout.write("ready"); process.stdin.resume();`;
      return (
        `const c = require("node:child_process").spawn(process.execPath, ["-e", ${JSON.stringify(child)}], ` +
        `{ stdio: ["pipe", "pipe", "inherit"] }); c.stdout.once("data", () => process.exit(0));`
      );
    };
    const small = await measureNode(["-e", parentOfChildFilling(8)]);
    const large = await measureNode(["-e", parentOfChildFilling(136)]);
    // The child's extra 128 MiB shows in the children's peak, not in the parent's own.
    expect(large.childrenPeakMiB! - small.childrenPeakMiB!).toBeGreaterThanOrEqual(120);
    expect(Math.abs(large.maxRssMiB - small.maxRssMiB)).toBeLessThan(32);
  });
});

describe("npm run bench with a mistaken option", () => {
  it("measures nothing: its usage instead, exit status 2", () => {
    const result = spawnSync("npm", ["run", "--silent", "bench", "--", "--quick", "--runs", "0"], { cwd: PROJECT_ROOT, encoding: "utf8" });
    expect(result.status).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr).toBe(`--runs must be a whole number >= 1; got "0".\n\n${BENCH_COMMAND.usage}\n`);
  });
});

interface BundleFigure {
  readonly clients: string[];
  readonly coldImports: { node: string; lambdaMajor: boolean; importMs: number[]; baselineMs: number[] }[];
}

/**
 * The benchmark runs here only to prove it still works and reports every figure; its timings mean
 * nothing on a machine busy with the test suite, and nothing here looks at them.
 */
describe("npm run bench --quick", () => {
  const workspace = fs.mkdtempSync(path.join(os.tmpdir(), "sfn-dedup-bench-test-"));
  afterAll(() => fs.rmSync(workspace, { recursive: true, force: true }));

  it("prints the table and writes every figure, with the machine, as JSON, leaving no temporary directory", () => {
    const json = path.join(workspace, "bench.json");
    // The bench's own TMPDIR, to see what it leaves behind.
    const tmpdir = fs.mkdirSync(path.join(workspace, "tmp"), { recursive: true })!;
    const env: NodeJS.ProcessEnv = { ...process.env, TMPDIR: tmpdir };
    for (const name of Object.keys(env)) if (name.startsWith("CDKTF_")) delete env[name];
    // The bench runs in the repository itself and synthesizes its configuration: an empty context keeps
    // the environments a user declared in cdktf.json out of it, so it synthesizes the one default stack.
    env.CDKTF_CONTEXT_JSON = "{}";
    const table = execFileSync("npm", ["run", "--silent", "bench", "--", "--quick", "--runs", "1", "--requests", "50", "--json", json], {
      cwd: PROJECT_ROOT,
      env,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    });

    const matrix = "synth, 3 environments x 3 workflows (3 stacks, 20 functions from 8 distinct bundles)";
    for (const measure of [
      "synth, 1 stack(s)",
      matrix,
      "start-execution bundle: code",
      "ledger-status bundle: code",
      "cold import",
      "handler latency",
      "handler overhead",
      "throughput",
      "schema validation per request, accepted",
      "schema validation per request, refused",
      "resident memory",
    ]) {
      expect(table).toContain(measure);
    }
    expect(table).toMatch(/All targets met\.|target\(s\) not met\./);
    // Of this project's, only synth's content-addressed bundle cache (lib/nodejs-bundle.ts) is meant to
    // outlive a run (tsx keeps its own cache there too).
    expect(fs.readdirSync(tmpdir).filter((entry) => entry.startsWith("sfn-dedup-") && entry !== "sfn-dedup-bundles")).toEqual([]);
    const report = JSON.parse(fs.readFileSync(json, "utf8"));
    expect(Object.keys(report)).toEqual(["date", "machine", "settings", "rows", "figures"]);
    expect(Object.keys(report.machine)).toEqual(["cpu", "cores", "memoryGiB", "os", "node", "npm"]);
    // Every bundle: its size, and its cold import on the Lambda runtime's Node.js major against the unbundled SDK.
    const bundleTargets = Array.from({ length: 6 }, () => ["<= 300 KB", "<= 0.5x"]).flat();
    expect(report.rows.filter((row: { target?: string }) => row.target).map((row: { target: string }) => row.target)).toEqual([
      "<= 0.5x",
      "<= 0.6x",
      ...bundleTargets,
      "p99 <= 2 ms",
      "p99 <= 0.1 ms",
    ]);
    // Every function's bundle is judged, in bytes: 300 KB is 300,000 of them.
    const bundleRows = report.rows.filter((row: { measure: string }) => row.measure.endsWith("bundle: code (gzip; zip)"));
    expect(bundleRows.map((row: { measure: string }) => row.measure.split(" ")[0])).toEqual([
      "start-execution",
      "start-execution-with-ledger",
      "execution-status",
      "execution-status-with-ledger",
      "ledger-status",
      "ledger-reconciler",
    ]);
    const withinTarget = report.figures.bundles.map((bundle: { codeBytes: number }) => bundle.codeBytes <= BUNDLE_TARGET_BYTES);
    expect(bundleRows.map((row: { met: boolean }) => row.met)).toEqual(withinTarget);
    // Each bundle beside the unbundled SDK building the same clients, on the bench's own Node.js (node_modules':
    // the Lambda runtime's major) first, then on every other major on PATH, such as the system's.
    const bundleFigures: BundleFigure[] = report.figures.bundles;
    expect(bundleFigures.map(({ clients }) => clients)).toEqual([
      ["sfn"],
      ["sfn", "dynamodb"],
      ["sfn"],
      ["sfn", "dynamodb"],
      ["dynamodb"],
      ["sfn", "dynamodb"],
    ]);
    for (const { coldImports } of bundleFigures) {
      expect(coldImports[0]).toMatchObject({ node: process.version, lambdaMajor: true });
      const majors = coldImports.map(({ node }) => node.split(".")[0]);
      expect(new Set(majors).size).toBe(majors.length);
      for (const { importMs, baselineMs } of coldImports) {
        expect(importMs).toHaveLength(2);
        expect(baselineMs).toHaveLength(2);
      }
    }
    const coldImportRows = report.rows.filter((row: { measure: string }) => row.measure.includes("bundle: cold import, Node.js"));
    expect(coldImportRows).toHaveLength(6 * bundleFigures[0].coldImports.length);
    const ledgerBuildRow = coldImportRows.find((row: { measure: string }) => row.measure.startsWith("start-execution-with-ledger "));
    expect(ledgerBuildRow.baseline).toMatch(/^unbundled @aws-sdk\/client-sfn \+ @aws-sdk\/client-dynamodb, clients built: /);
    const figures = ["synth", "synthMatrix", "barrelImport", "bundles", "handler", "schemaValidation", "functionMemory"];
    expect(Object.keys(report.figures)).toEqual(figures);
    // The overhead is taken request by request, so it can never come out below zero as a difference of
    // two distributions' percentiles could.
    expect(table).toContain("handler overhead per request");
    expect(report.figures.handler.overheadMs.p50).toBeGreaterThan(0);
    expect(report.figures.handler.sdkClientMs.p50).toBeGreaterThan(0);
    expect(report.figures.schemaValidation.acceptedMs.p99).toBeGreaterThan(0);
    expect(report.figures.schemaValidation.refusedMs.p99).toBeGreaterThan(0);
    expect(report.figures.synth.childrenPeakMiB.every((peak: number) => peak > 0)).toBe(true);
    // The larger synth: its 20 functions' code is 8 distinct bundles (__tests__/bundle-once.test.ts shows each is built once).
    expect(report.figures.synthMatrix).toMatchObject({ stacks: 3, functions: 20, distinctBundles: 8 });
    expect(report.figures.synthMatrix.childrenPeakMiB.every((peak: number) => peak > 0)).toBe(true);
  });
});
