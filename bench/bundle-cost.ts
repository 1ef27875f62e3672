import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { gzipSync } from "node:zlib";
import { unzipSync } from "fflate";
import { RECONCILER_ENVIRONMENT } from "../functions/ledger-reconciler/contract";
import { ENVIRONMENT } from "../functions/start-execution/contract";
import { LEDGER_LEASE_SECONDS } from "../lib/dedup-trigger-stack";
import { FUNCTION_ENTRIES } from "../lib/function-entries";
import { bundleNodejsFunction, type NodejsBundleOptions } from "../lib/nodejs-bundle";
import { measureNode } from "./measured-process";
import type { NodeBinary } from "./node-binaries";

/** The SDK clients the functions build, each as the unbundled baseline imports and builds it. */
const SDK_CLIENTS = {
  sfn: { module: "@aws-sdk/client-sfn", className: "SFNClient", marker: "AWSStepFunctions" },
  dynamodb: { module: "@aws-sdk/client-dynamodb", className: "DynamoDBClient", marker: "DynamoDB_20120810" },
} as const;
/** `marker` is the client's JSON protocol target prefix: a bundle carries it if and only if it carries the client. */
export type SdkClient = keyof typeof SDK_CLIENTS;

/**
 * The clients each function builds at module load (its entry module): its cold import is judged beside the
 * unbundled SDK importing and building the same ones. Checked against every bundle's code when it is measured.
 */
export const SDK_CLIENTS_OF: Readonly<Record<string, readonly SdkClient[]>> = {
  [FUNCTION_ENTRIES.startExecution]: ["sfn"],
  [FUNCTION_ENTRIES.startExecutionWithLedger]: ["sfn", "dynamodb"],
  [FUNCTION_ENTRIES.executionStatus]: ["sfn"],
  [FUNCTION_ENTRIES.executionStatusWithLedger]: ["sfn", "dynamodb"],
  [FUNCTION_ENTRIES.ledgerStatus]: ["dynamodb"],
  [FUNCTION_ENTRIES.ledgerReconciler]: ["sfn", "dynamodb"],
};

/** What the baseline for these clients is, in words: `@aws-sdk/client-sfn + @aws-sdk/client-dynamodb`. */
export const baselineModules = (clients: readonly SdkClient[]) => clients.map((client) => SDK_CLIENTS[client].module).join(" + ");

/** One bundle's cold imports on one Node.js, and its baseline's, measured in the same rounds. */
export interface ColdImports {
  readonly node: string;
  /** Whether this is the Node.js major of the functions' Lambda runtime. */
  readonly lambdaMajor: boolean;
  /** Milliseconds from `import()` to the module ready (clients built), each in a fresh process. */
  readonly importMs: readonly number[];
  /**
   * The same for the unbundled SDK: each of the bundle's client modules imported from node_modules and one
   * client of each built with the SDK's defaults, in one fresh process, by the same executable.
   */
  readonly baselineMs: readonly number[];
}

export interface BundleCost {
  readonly entry: string;
  readonly clients: readonly SdkClient[];
  readonly codeBytes: number;
  readonly gzipBytes: number;
  readonly zipBytes: number;
  /** One per Node.js measured: the first is the benchmark's own (node_modules', the Lambda runtime's major). */
  readonly coldImports: readonly ColdImports[];
}

/** The variables a function needs to initialise; nothing is called during the import. */
const STATE_MACHINE_ARN = "arn:aws:states:us-east-1:000000000000:stateMachine:bench";
const FUNCTION_ENVIRONMENT = {
  [ENVIRONMENT.stateMachineArn]: STATE_MACHINE_ARN,
  [ENVIRONMENT.executionNameFrom]: "country",
  [ENVIRONMENT.metricsEnvironment]: "bench",
  [ENVIRONMENT.metricsWorkflow]: "notify-country",
  AWS_REGION: "us-east-1",
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
};
/**
 * The ledger builds' (start-execution and execution-status with the ledger, ledger-status, the reconciler) too; the
 * builds without one refuse them.
 */
const LEDGER_ENVIRONMENT = {
  [ENVIRONMENT.ledgerTableName]: "bench-ledger",
  [ENVIRONMENT.ledgerLeaseSeconds]: String(LEDGER_LEASE_SECONDS),
  [RECONCILER_ENVIRONMENT.stateMachineArns]: STATE_MACHINE_ARN,
};

const TIMED = (work: string) => `const t0 = performance.now(); ${work} process.stdout.write(String(performance.now() - t0));`;
const TIMED_IMPORT = (url: string) => TIMED(`await import(${JSON.stringify(url)});`);
/** The unbundled SDK's cold start for these clients: each module imported, then one client built, in order. */
const TIMED_SDK_IMPORT = (clients: readonly SdkClient[]) =>
  TIMED(
    clients
      .map((client, index) => {
        const { module, className } = SDK_CLIENTS[client];
        return `const c${index} = await import(${JSON.stringify(module)}); new c${index}.${className}({});`;
      })
      .join(" "),
  );

/**
 * Each bundle's size, and its cold import time beside the unbundled SDK building the same clients, on every
 * Node.js given, each import in a fresh process; bundles and baselines alternate, and so do the executables,
 * so that all see the same machine load.
 */
export async function measureBundleCost(
  builds: readonly NodejsBundleOptions[],
  runs: number,
  nodes: readonly NodeBinary[],
): Promise<BundleCost[]> {
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
      const clients = clientsOf(entry, fs.readFileSync(path.join(directory, "index.mjs"), "utf8"));
      const withoutLedger = entry === FUNCTION_ENTRIES.startExecution || entry === FUNCTION_ENTRIES.executionStatus;
      const env = { ...process.env, ...FUNCTION_ENVIRONMENT, ...(withoutLedger ? {} : LEDGER_ENVIRONMENT) };
      const url = pathToFileURL(path.join(directory, "index.mjs")).href;
      return { entry, bundle, code, clients, env, url, importMs: nodes.map(() => [] as number[]) };
    });
    // One baseline per set of clients, shared by the bundles that build that set.
    const baselines = new Map(modules.map(({ clients }) => [clients.join("+"), { clients, importMs: nodes.map(() => [] as number[]) }]));
    const baselineEnv = { ...process.env, ...FUNCTION_ENVIRONMENT };
    const timed = async (script: string, env: NodeJS.ProcessEnv, node: NodeBinary) =>
      Number((await measureNode(["--input-type=module", "-e", script], { env, node: node.path })).stdout);
    for (let run = 0; run < runs; run++) {
      for (const [n, node] of nodes.entries()) {
        for (const module of modules) module.importMs[n].push(await timed(TIMED_IMPORT(module.url), module.env, node));
        for (const baseline of baselines.values()) {
          baseline.importMs[n].push(await timed(TIMED_SDK_IMPORT(baseline.clients), baselineEnv, node));
        }
      }
    }
    return modules.map(({ entry, bundle, code, clients, importMs }) => ({
      entry,
      clients,
      codeBytes: bundle.codeBytes,
      gzipBytes: code.reduce((total, contents) => total + gzipSync(contents, { level: 9 }).length, 0),
      zipBytes: bundle.zipBytes,
      coldImports: nodes.map((node, n) => ({
        node: node.version,
        lambdaMajor: node.lambdaMajor,
        importMs: importMs[n],
        baselineMs: baselines.get(clients.join("+"))!.importMs[n],
      })),
    }));
  } finally {
    fs.rmSync(workspace, { recursive: true, force: true });
  }
}

/** The entry's clients from SDK_CLIENTS_OF, refused if the bundle's code says otherwise: the baseline must match it. */
function clientsOf(entry: string, code: string): readonly SdkClient[] {
  const listed = SDK_CLIENTS_OF[entry];
  const carried = (Object.keys(SDK_CLIENTS) as SdkClient[]).filter((client) => code.includes(SDK_CLIENTS[client].marker));
  if (!listed || listed.join() !== carried.join()) {
    throw new Error(`${entry} carries the clients [${carried.join(", ")}]; SDK_CLIENTS_OF (bench/bundle-cost.ts) lists [${listed ?? ""}].`);
  }
  return listed;
}
