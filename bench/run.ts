// npm run bench [-- --runs 7 --requests 2000 --concurrency 32 --suite-runs 3 --json bench.json --quick]
//
// Medians over repeated runs, each beside a baseline measured in the same run, and the targets.
// Timings never belong in tests; they belong here. README.md "Performance" shows the latest figures.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { BUNDLE_TARGET_BYTES, DEFAULT_REQUEST_SCHEMA, FUNCTION_BUNDLES, FUNCTION_ENTRIES } from "../lib/function-entries";
import { NODEJS_RUNTIME } from "../lib/nodejs-runtime";
import { triggerStacks } from "../local/trigger-stacks";
import { printUsage, reportedAsUsageError } from "../scripts/command-line";
import { baselineModules, measureBundleCost } from "./bundle-cost";
import { measureFunctionMemory } from "./function-memory";
import { measureHandlerLatency } from "./handler-latency";
import { measureNode } from "./measured-process";
import { LAMBDA_NODE_MAJOR, type NodeBinary, nodeBinaries } from "./node-binaries";
import { BENCH_COMMAND, parseBenchArguments, type Settings } from "./run-arguments";
import { measureSchemaValidation } from "./schema-validation";
import { median, percentile } from "./statistics";
import { measureSynthCost, SYNTH_COMMAND } from "./synth-cost";
import { measureTestSuite } from "./test-suite-time";

interface Row {
  readonly measure: string;
  readonly value: string;
  readonly baseline?: string;
  readonly ratio?: number;
  readonly target?: string;
  readonly met?: boolean;
}

/** Every bundle's cold import, on the Lambda runtime's Node.js major, against the unbundled SDK's (issue 15). */
const COLD_IMPORT_TARGET_RATIO = 0.5;

const fixed = (value: number, digits = 1) => value.toFixed(digits);
/** Kilobytes as the target states them: 1 KB = 1,000 bytes, not 1,024. */
const plural = (count: number, noun: string) => (count === 1 ? noun : `${noun}s`);
const kilobytes = (bytes: number, digits = 1) => `${fixed(bytes / 1000, digits)} KB`;
const BUNDLE_NAMES: Record<string, string> = {
  [FUNCTION_ENTRIES.startExecution]: "start-execution",
  [FUNCTION_ENTRIES.startExecutionWithLedger]: "start-execution-with-ledger",
  [FUNCTION_ENTRIES.executionStatus]: "execution-status",
  [FUNCTION_ENTRIES.executionStatusWithLedger]: "execution-status-with-ledger",
  [FUNCTION_ENTRIES.ledgerStatus]: "ledger-status",
  [FUNCTION_ENTRIES.ledgerReconciler]: "ledger-reconciler",
};

function machine() {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model ?? "unknown",
    cores: cpus.length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    npm: (() => {
      try {
        return execFileSync("npm", ["--version"], { encoding: "utf8" }).trim();
      } catch {
        return "unknown";
      }
    })(),
  };
}

async function main(): Promise<void> {
  // A relative --json is where the user ran npm (INIT_CWD), not the project root npm runs the script from.
  const settings = parseBenchArguments(process.argv.slice(2), process.env.INIT_CWD ?? process.cwd());
  if (settings === "help") {
    printUsage(BENCH_COMMAND.usage);
    return;
  }
  // Every synth output the bench writes goes here, and goes when it ends, however it ends.
  const workspace = fs.mkdtempSync(path.join(os.tmpdir(), "sfn-dedup-bench-"));
  try {
    await measureAndReport(settings, workspace);
  } finally {
    fs.rmSync(workspace, { recursive: true, force: true });
  }
}

async function measureAndReport(settings: Settings, workspace: string): Promise<void> {
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const rows: Row[] = [];
  const figures: Record<string, unknown> = {};

  log(`synth (${settings.runs} runs each of the project and of 3 environments × 3 workflows, alternating with the barrel import)…`);
  const synth = await measureSynthCost(settings.runs, workspace);
  const barrelMs = median(synth.barrelImport.map((run) => run.wallMs));
  // A synth's peak is its own plus its esbuild service's: the issue counts bundling in. The baseline only
  // imports a package; it starts no process.
  const barrelRss = median(synth.barrelImport.map((run) => run.maxRssMiB + (run.childrenPeakMiB ?? 0)));
  const synthFigures = [
    { runs: synth.project, label: `${synth.project.stacks} stack(s)`, targetRatio: 0.5 },
    {
      runs: synth.matrix,
      label:
        `3 environments x 3 workflows (${synth.matrix.stacks} stacks, ` +
        `${synth.matrix.functions} functions from ${synth.matrix.distinctBundles} distinct bundles)`,
      targetRatio: 0.6,
    },
  ];
  for (const { runs, label, targetRatio } of synthFigures) {
    const wallMs = median(runs.runs.map((run) => run.wallMs));
    const mainRss = median(runs.runs.map((run) => run.maxRssMiB));
    const childrenKnown = runs.runs.every((run) => run.childrenPeakMiB !== undefined);
    const childrenRss = childrenKnown ? median(runs.runs.map((run) => run.childrenPeakMiB!)) : undefined;
    const rss = median(runs.runs.map((run) => run.maxRssMiB + (run.childrenPeakMiB ?? 0)));
    rows.push(
      {
        measure: `synth, ${label}, esbuild included (wall)`,
        value: `${fixed(wallMs / 1000, 2)} s`,
        baseline: `import @cdktf/provider-aws root: ${fixed(barrelMs / 1000, 2)} s`,
        ratio: wallMs / barrelMs,
        target: `<= ${targetRatio}x`,
        met: wallMs <= targetRatio * barrelMs,
      },
      childrenRss === undefined
        ? {
            measure: `synth, ${label}, peak memory of the main process only (no /proc)`,
            value: `${fixed(mainRss, 0)} MiB`,
            baseline: `import @cdktf/provider-aws root: ${fixed(barrelRss, 0)} MiB`,
            ratio: mainRss / barrelRss,
          }
        : {
            measure: `synth, ${label}, peak memory: main process + esbuild service, each one's peak added`,
            value: `${fixed(rss, 0)} MiB (${fixed(mainRss, 0)} + ${fixed(childrenRss, 0)})`,
            baseline: `import @cdktf/provider-aws root: ${fixed(barrelRss, 0)} MiB`,
            ratio: rss / barrelRss,
          },
    );
  }
  const synthRunFigures = ({ stacks, functions, distinctBundles, runs }: (typeof synth)["project"]) => ({
    stacks,
    functions,
    distinctBundles,
    wallMs: runs.map((run) => run.wallMs),
    maxRssMiB: runs.map((run) => run.maxRssMiB),
    childrenPeakMiB: runs.map((run) => run.childrenPeakMiB ?? null),
  });
  figures.synth = synthRunFigures(synth.project);
  figures.synthMatrix = synthRunFigures(synth.matrix);
  figures.barrelImport = { wallMs: synth.barrelImport.map((run) => run.wallMs), maxRssMiB: synth.barrelImport.map((run) => run.maxRssMiB) };

  // As the stacks build them: the start-execution bundles with the default workflow's request validator, the
  // execution-status bundles, ledger-status and the reconciler; on node_modules' Node.js and any other major on PATH.
  const builds = Object.values(FUNCTION_BUNDLES);
  const nodes = nodeBinaries();
  const nodeNames = nodes.map(({ version, lambdaMajor }) => `${version}${lambdaMajor ? ` (Lambda's ${NODEJS_RUNTIME})` : ""}`);
  const importRuns = settings.runs * 2;
  log(`bundles: ${builds.length} (${importRuns} cold imports each on ${nodeNames.join(" and ")}, alternating with the unbundled SDK)…`);
  const bundles = await measureBundleCost(builds, importRuns, nodes);
  if (!nodes.some(({ lambdaMajor }) => lambdaMajor)) {
    log(`No Node.js ${LAMBDA_NODE_MAJOR} ran the cold imports: the 0.5x target is judged on the Lambda runtime's major only.`);
  }
  for (const bundle of bundles) {
    const name = BUNDLE_NAMES[bundle.entry] ?? bundle.entry;
    rows.push({
      measure: `${name} bundle: code (gzip; zip)`,
      value: `${kilobytes(bundle.codeBytes)} (${kilobytes(bundle.gzipBytes)}; ${kilobytes(bundle.zipBytes)})`,
      target: `<= ${kilobytes(BUNDLE_TARGET_BYTES, 0)}`,
      met: bundle.codeBytes <= BUNDLE_TARGET_BYTES,
    });
    for (const [n, { importMs, baselineMs, lambdaMajor }] of bundle.coldImports.entries()) {
      const bundleMs = median(importMs);
      const sdkMs = median(baselineMs);
      rows.push({
        measure: `${name} bundle: cold import, Node.js ${nodeNames[n]}`,
        value: `${fixed(bundleMs)} ms`,
        baseline: `unbundled ${baselineModules(bundle.clients)}, ${plural(bundle.clients.length, "client")} built: ${fixed(sdkMs)} ms`,
        ratio: bundleMs / sdkMs,
        target: lambdaMajor ? `<= ${COLD_IMPORT_TARGET_RATIO}x` : undefined,
        met: lambdaMajor ? bundleMs <= COLD_IMPORT_TARGET_RATIO * sdkMs : undefined,
      });
    }
  }
  figures.bundles = bundles;

  log(`handler (${settings.requests} requests, then ${settings.requests * 2} at ${settings.concurrency} at once)…`);
  const projectStack = path.join(synth.project.outdir, "stacks", firstTriggerStack(synth.project.outdir));
  const latency = await measureHandlerLatency(projectStack, settings.requests, settings.concurrency);
  const p = (values: readonly number[], q: number) => percentile(values, q);
  const overheadP99 = p(latency.overheadMs, 99);
  rows.push(
    {
      measure: "handler latency per request p50 / p99",
      value: `${fixed(p(latency.handlerMs, 50), 2)} / ${fixed(p(latency.handlerMs, 99), 2)} ms`,
      baseline:
        `StartExecution round trip from an SDK client: ${fixed(p(latency.roundTripMs, 50), 2)} / ` +
        `${fixed(p(latency.roundTripMs, 99), 2)} ms`,
    },
    {
      measure: "its StartExecution: on the wire (HTTP request to response end) / in the endpoint, p50 / p99",
      value:
        `${fixed(p(latency.wireMs, 50), 2)} / ${fixed(p(latency.wireMs, 99), 2)} ms; ${fixed(p(latency.endpointMs, 50), 2)} / ` +
        `${fixed(p(latency.endpointMs, 99), 2)} ms`,
    },
    {
      measure: "handler overhead per request (its latency minus its own StartExecution's time on the wire), p50 / p99",
      value: `${fixed(p(latency.overheadMs, 50), 2)} / ${fixed(overheadP99, 2)} ms`,
      baseline:
        `the same for direct SDK calls (the SDK client's own work): ${fixed(p(latency.sdkClientMs, 50), 2)} / ` +
        `${fixed(p(latency.sdkClientMs, 99), 2)} ms`,
      target: "p99 <= 2 ms",
      met: overheadP99 <= 2,
    },
    {
      measure: `handler throughput (${latency.throughput.concurrency} at once)`,
      value: `${fixed(latency.throughput.perSecond, 0)} requests/s`,
    },
  );
  const quantiles = (values: readonly number[]) => ({ p50: p(values, 50), p99: p(values, 99) });
  figures.handler = {
    handlerMs: quantiles(latency.handlerMs),
    roundTripMs: quantiles(latency.roundTripMs),
    endpointMs: quantiles(latency.endpointMs),
    wireMs: quantiles(latency.wireMs),
    overheadMs: quantiles(latency.overheadMs),
    sdkClientMs: quantiles(latency.sdkClientMs),
    throughput: latency.throughput,
  };

  log(`schema validation (${settings.requests * 20} accepted and as many refused bodies)…`);
  const validation = await measureSchemaValidation(DEFAULT_REQUEST_SCHEMA, settings.requests * 20);
  const validationP99 = p(validation.acceptedMs, 99);
  // Its share of the overhead: every started request pays the schema check inside the overhead above.
  const overheadBaseline = `handler overhead, same run: ${fixed(p(latency.overheadMs, 50), 3)} / ${fixed(overheadP99, 3)} ms`;
  rows.push(
    {
      measure: "schema validation per request, accepted body (bundled validator + mapping), p50 / p99",
      value: `${fixed(p(validation.acceptedMs, 50), 4)} / ${fixed(validationP99, 4)} ms`,
      baseline: overheadBaseline,
      ratio: validationP99 / overheadP99,
      target: "p99 <= 0.1 ms",
      met: validationP99 <= 0.1,
    },
    {
      measure: "schema validation per request, refused body (violations listed for the 400), p50 / p99",
      value: `${fixed(p(validation.refusedMs, 50), 4)} / ${fixed(p(validation.refusedMs, 99), 4)} ms`,
      baseline: overheadBaseline,
    },
  );
  figures.schemaValidation = { acceptedMs: quantiles(validation.acceptedMs), refusedMs: quantiles(validation.refusedMs) };

  log("function memory under load…");
  const memory = [await measureFunctionMemory(projectStack, "start-execution", settings.memoryRequests, 50)];
  const ledgerOut = await synthesizeLedgerVariant(workspace);
  memory.push(
    await measureFunctionMemory(path.join(ledgerOut, "stacks", "bench"), "start-execution, ledger build", settings.memoryRequests, 50),
  );
  for (const figure of memory) {
    if (figure) {
      rows.push({
        measure: `${figure.stack}: resident memory, ${figure.requests} requests ${figure.concurrency} at a time`,
        value: `peak ${fixed(figure.peakMiB, 0)} MiB (after init ${fixed(figure.afterInitMiB, 0)} MiB)`,
        baseline: "function memory size: 256 MB",
      });
    }
  }
  figures.functionMemory = memory;

  if (settings.suiteRuns > 0) {
    log(`npm test (${settings.suiteRuns} runs)…`);
    const suite: number[] = [];
    for (let run = 0; run < settings.suiteRuns; run++) suite.push(await measureTestSuite());
    const suiteSeconds = median(suite);
    rows.push({ measure: "test suite (npm test), wall", value: `${fixed(suiteSeconds)} s`, target: "< 60 s", met: suiteSeconds < 60 });
    figures.testSuiteSeconds = suite;
  }

  printTable(rows, settings, nodes);
  if (settings.json) {
    fs.writeFileSync(
      settings.json,
      `${JSON.stringify({ date: new Date().toISOString(), machine: machine(), settings, rows, figures }, null, 2)}\n`,
    );
    log(`wrote ${settings.json}`);
  }
}

/** The first stack of a synth that serves the trigger. */
function firstTriggerStack(outdir: string): string {
  const [first] = triggerStacks(outdir);
  if (!first) throw new Error(`${outdir} has no trigger stack`);
  return first;
}

/** A stack with the ledger, whatever the configuration is, for the ledger build's memory figure. */
async function synthesizeLedgerVariant(workspace: string): Promise<string> {
  const outdir = path.join(workspace, "ledger");
  const context = { environments: { bench: { account: "000000000000", region: "us-east-1", ledger: true } } };
  await measureNode([...SYNTH_COMMAND], { env: { ...process.env, CDKTF_OUTDIR: outdir, CDKTF_CONTEXT_JSON: JSON.stringify(context) } });
  return outdir;
}

function printTable(rows: readonly Row[], settings: Settings, nodes: readonly NodeBinary[]): void {
  const cells = rows.map((row) => [
    row.measure,
    row.value,
    row.baseline ?? "",
    row.ratio === undefined ? "" : `${fixed(row.ratio, 2)}x`,
    row.target ?? "",
    row.met === undefined ? "" : row.met ? "met" : "NOT MET",
  ]);
  const header = ["measure", "median", "baseline, same run", "ratio", "target", ""];
  const widths = header.map((title, column) => Math.max(title.length, ...cells.map((cell) => cell[column].length)));
  const line = (values: readonly string[]) =>
    values
      .map((value, column) => value.padEnd(widths[column]))
      .join("  ")
      .trimEnd();
  const { cpu, cores, memoryGiB, node } = machine();
  process.stdout.write(
    [
      `sfn-dedup benchmark: ${cpu}, ${cores} cores, ${memoryGiB} GiB, Node.js ${node}` +
        (nodes.length > 1 ? ` (cold imports on ${nodes.map(({ version }) => version).join(" and ")} too)` : ""),
      `medians of ${settings.runs} runs (synth), ${settings.runs * 2} (imports, on each Node.js), ${settings.requests} requests (handler)` +
        (settings.suiteRuns ? `, ${settings.suiteRuns} (npm test)` : ""),
      "",
      line(header),
      line(widths.map((width) => "-".repeat(width))),
      ...cells.map(line),
      "",
    ].join("\n"),
  );
  const missed = rows.filter((row) => row.met === false).length;
  process.stdout.write(missed === 0 ? "All targets met.\n" : `${missed} target(s) not met.\n`);
}

main().catch((error: unknown) => {
  if (reportedAsUsageError(error, BENCH_COMMAND.usage)) return;
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
