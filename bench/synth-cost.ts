import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { measureNode, type ProcessMeasure } from "./measured-process";

export interface SynthCost {
  /** How many stacks the configuration synthesizes. */
  readonly stacks: number;
  /** Each `npm run synth` equivalent: a fresh Node.js process, TypeScript loaded by tsx, esbuild bundling included. */
  readonly synth: readonly ProcessMeasure[];
  /** Each a fresh process that only imports @cdktf/provider-aws from its package root, as cdktf's template does. */
  readonly barrelImport: readonly ProcessMeasure[];
  /** Where the last synth wrote its stacks; later measures run what it produced. */
  readonly outdir: string;
}

/**
 * Synth against the cost the cdktf template would pay before synthesizing anything, measured in
 * alternation so that both see the same machine load.
 */
export async function measureSynthCost(runs: number): Promise<SynthCost> {
  const synth: ProcessMeasure[] = [];
  const barrelImport: ProcessMeasure[] = [];
  let outdir = "";
  for (let run = 0; run < runs; run++) {
    outdir = fs.mkdtempSync(path.join(os.tmpdir(), "sfn-dedup-bench-synth-"));
    const env: NodeJS.ProcessEnv = { ...process.env, CDKTF_OUTDIR: outdir };
    delete env.SYNTH_HCL_OUTPUT;
    synth.push(await measureNode(["--import", "tsx", "main.ts"], { env }));
    barrelImport.push(await measureNode(["-e", 'require("@cdktf/provider-aws")']));
  }
  const manifest = JSON.parse(fs.readFileSync(path.join(outdir, "manifest.json"), "utf8")) as { stacks: Record<string, unknown> };
  return { stacks: Object.keys(manifest.stacks).length, synth, barrelImport, outdir };
}
