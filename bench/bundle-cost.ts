import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { gzipSync } from "node:zlib";
import { unzipSync } from "fflate";
import { FUNCTION_ENTRIES } from "../lib/function-entries";
import { bundleNodejsFunction, type NodejsBundleOptions } from "../lib/nodejs-bundle";
import { measureNode } from "./measured-process";

export interface BundleCost {
  readonly entry: string;
  readonly codeBytes: number;
  readonly gzipBytes: number;
  readonly zipBytes: number;
  /** Milliseconds from `import()` to the module ready (clients built), each in a fresh process. */
  readonly importMs: readonly number[];
}

export interface ImportBaseline {
  /** The same, for @aws-sdk/client-sfn imported from node_modules and one client built. */
  readonly importMs: readonly number[];
}

/** The variables a function needs to initialise; nothing is called during the import. */
const FUNCTION_ENVIRONMENT = {
  STATE_MACHINE_ARN: "arn:aws:states:us-east-1:000000000000:stateMachine:bench",
  EXECUTION_NAME_FROM: "country",
  METRICS_ENVIRONMENT: "bench",
  METRICS_WORKFLOW: "notify-country",
  AWS_REGION: "us-east-1",
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
};
/**
 * The ledger builds' (start-execution and execution-status with the ledger, ledger-status, the reconciler) too; the
 * builds without one refuse them.
 */
const LEDGER_ENVIRONMENT = {
  LEDGER_TABLE_NAME: "bench-ledger",
  LEDGER_LEASE_SECONDS: "20",
  LEDGER_STATE_MACHINE_ARNS: FUNCTION_ENVIRONMENT.STATE_MACHINE_ARN,
};

const TIMED_IMPORT = (specifier: string, after = "") =>
  `const t0 = performance.now(); const m = await import(${JSON.stringify(specifier)}); ${after} process.stdout.write(String(performance.now() - t0));`;

/**
 * Each bundle's size, and its cold import time beside importing the unbundled SDK client, each in a
 * fresh process, alternating so that both see the same machine load.
 */
export async function measureBundleCost(builds: readonly NodejsBundleOptions[], runs: number): Promise<{ bundles: BundleCost[]; baseline: ImportBaseline }> {
  const workspace = fs.mkdtempSync(path.join(os.tmpdir(), "sfn-dedup-bench-bundle-"));
  try {
    const modules = builds.map((options, index) => {
      const { entry } = options;
      const bundle = bundleNodejsFunction(options);
      // Every file of the zip: index.mjs imports the request validator beside it.
      const files = Object.entries(unzipSync(fs.readFileSync(bundle.zipFile)));
      const directory = path.join(workspace, String(index));
      fs.mkdirSync(directory, { recursive: true });
      for (const [name, contents] of files) fs.writeFileSync(path.join(directory, name), contents);
      const code = files.map(([, contents]) => contents);
      return { entry, bundle, code, url: pathToFileURL(path.join(directory, "index.mjs")).href, importMs: [] as number[] };
    });
    const baseline: number[] = [];
    const env = { ...process.env, ...FUNCTION_ENVIRONMENT };
    for (let run = 0; run < runs; run++) {
      for (const module of modules) {
        const withoutLedger = module.entry === FUNCTION_ENTRIES.startExecution || module.entry === FUNCTION_ENTRIES.executionStatus;
        const moduleEnv = withoutLedger ? env : { ...env, ...LEDGER_ENVIRONMENT };
        const { stdout } = await measureNode(["--input-type=module", "-e", TIMED_IMPORT(module.url)], { env: moduleEnv });
        module.importMs.push(Number(stdout));
      }
      const { stdout } = await measureNode(["--input-type=module", "-e", TIMED_IMPORT("@aws-sdk/client-sfn", "new m.SFNClient({});")], { env });
      baseline.push(Number(stdout));
    }
    return {
      bundles: modules.map(({ entry, bundle, code, importMs }) => ({
        entry,
        codeBytes: bundle.codeBytes,
        gzipBytes: code.reduce((total, contents) => total + gzipSync(contents, { level: 9 }).length, 0),
        zipBytes: bundle.zipBytes,
        importMs,
      })),
      baseline: { importMs: baseline },
    };
  } finally {
    fs.rmSync(workspace, { recursive: true, force: true });
  }
}
