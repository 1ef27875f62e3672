import * as fs from "node:fs";
import * as path from "node:path";
import { AWS_PROVIDER_PACKAGE } from "../lib/toolkit/names";
import { measureNode, type ProcessMeasure } from "./measured-process";

/** `npm run synth` and `cdktf synth` run `node --import tsx main.ts` (package.json, cdktf.json): the same here. */
export const SYNTH_COMMAND = ["--import", "tsx", "main.ts"] as const;

/**
 * Issue 12's larger synth: 3 environments × 3 workflows. The third workflow reuses notify-country's ASL and
 * request schema under another name and route, so its start function has the same code as notify-country's;
 * one environment keeps a ledger, so the ledger builds, ledger-status and the ledger reconciler are in it too. Its
 * 20 functions (a start and a status function per workflow, ledger-status and the reconciler) come from 8 distinct
 * bundles (entry × request schema), each of which synth should build once.
 */
export const SYNTH_MATRIX_CONTEXT = {
  workflows: {
    "notify-country": {
      definition: "asl/notify-country.asl.json",
      route: "POST /executions",
      request: "asl/notify-country.request.schema.json",
      executionName: { from: "country" },
    },
    orders: {
      definition: "asl/orders.asl.json",
      route: "POST /orders",
      request: "asl/orders.request.schema.json",
      executionName: { from: "field", field: "orderId" },
      substitutions: { OrdersTableName: "bench-orders" },
    },
    greetings: {
      definition: "asl/notify-country.asl.json",
      route: "POST /greetings",
      request: "asl/notify-country.request.schema.json",
      executionName: { from: "country" },
    },
  },
  environments: {
    dev: { account: "111111111111", region: "eu-west-1" },
    staging: { account: "222222222222", region: "eu-west-1" },
    prod: { account: "333333333333", region: "us-east-1", ledger: true },
  },
} as const;

export interface SynthRuns {
  /** How many stacks the configuration synthesizes. */
  readonly stacks: number;
  /** Lambda functions in those stacks, and how many distinct bundles (by source_code_hash) their code is. */
  readonly functions: number;
  readonly distinctBundles: number;
  /**
   * Each `node --import tsx main.ts` in a fresh process: the very command of package.json's "synth" script
   * and cdktf.json's "app", esbuild bundling included; npm's own start-up is not included.
   */
  readonly runs: readonly ProcessMeasure[];
  /** Where the last run wrote its stacks; later measures run what it produced. */
  readonly outdir: string;
}

export interface SynthCost {
  /** The configuration as it is (cdktf.json's context, or CDKTF_CONTEXT_JSON). */
  readonly project: SynthRuns;
  /** {@link SYNTH_MATRIX_CONTEXT}, whatever the configuration is. */
  readonly matrix: SynthRuns;
  /**
   * Each a fresh process that only imports the AWS provider bindings ({@link AWS_PROVIDER_PACKAGE}) from their
   * package root, as cdktf's template does: one after each synth, so that every synth has a baseline beside it.
   */
  readonly barrelImport: readonly ProcessMeasure[];
}

/**
 * Synth against the cost the cdktf template would pay before synthesizing anything, measured in
 * alternation so that all see the same machine load. Each run writes under `workspace`.
 */
export async function measureSynthCost(runs: number, workspace: string): Promise<SynthCost> {
  const project: ProcessMeasure[] = [];
  const matrix: ProcessMeasure[] = [];
  const barrelImport: ProcessMeasure[] = [];
  const outdirs = { project: "", matrix: "" };
  for (let run = 0; run < runs; run++) {
    for (const [kind, measures] of [
      ["project", project],
      ["matrix", matrix],
    ] as const) {
      // A new directory each run, as a fresh clone would synthesize into; the caller removes the workspace.
      outdirs[kind] = path.join(workspace, `synth-${kind}-${run}`);
      const env: NodeJS.ProcessEnv = { ...process.env, CDKTF_OUTDIR: outdirs[kind] };
      delete env.SYNTH_HCL_OUTPUT;
      if (kind === "matrix") env.CDKTF_CONTEXT_JSON = JSON.stringify(SYNTH_MATRIX_CONTEXT);
      measures.push(await measureNode([...SYNTH_COMMAND], { env }));
      barrelImport.push(await measureNode(["-e", `require(${JSON.stringify(AWS_PROVIDER_PACKAGE)})`]));
    }
  }
  return {
    project: { ...synthesized(outdirs.project), runs: project, outdir: outdirs.project },
    matrix: { ...synthesized(outdirs.matrix), runs: matrix, outdir: outdirs.matrix },
    barrelImport,
  };
}

/** What a synth wrote: its stacks, their functions, and the distinct code those functions run. */
function synthesized(outdir: string): { stacks: number; functions: number; distinctBundles: number } {
  type Manifest = { stacks: Record<string, { synthesizedStackPath: string }> };
  const manifest = JSON.parse(fs.readFileSync(path.join(outdir, "manifest.json"), "utf8")) as Manifest;
  const hashes = Object.values(manifest.stacks).flatMap(({ synthesizedStackPath }) => {
    const tf = JSON.parse(fs.readFileSync(path.join(outdir, synthesizedStackPath), "utf8")) as {
      resource?: { aws_lambda_function?: Record<string, { source_code_hash: string }> };
    };
    return Object.values(tf.resource?.aws_lambda_function ?? {}).map((fn) => fn.source_code_hash);
  });
  return { stacks: Object.keys(manifest.stacks).length, functions: hashes.length, distinctBundles: new Set(hashes).size };
}
