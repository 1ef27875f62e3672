import * as fs from "node:fs";
import * as path from "node:path";
import { measureNode, type ProcessMeasure } from "./measured-process";

/** `npm run synth` and `cdktf synth` run `node --import tsx main.ts` (package.json, cdktf.json): the same here. */
export const SYNTH_COMMAND = ["--import", "tsx", "main.ts"] as const;

export interface SynthCost {
  /** How many stacks the configuration synthesizes. */
  readonly stacks: number;
  /**
   * Each `node --import tsx main.ts` in a fresh process: the very command of package.json's "synth" script
   * and cdktf.json's "app", esbuild bundling included; npm's own start-up is not included.
   */
  readonly synth: readonly ProcessMeasure[];
  /** Each a fresh process that only imports @cdktf/provider-aws from its package root, as cdktf's template does. */
  readonly barrelImport: readonly ProcessMeasure[];
  /** Where the last synth wrote its stacks; later measures run what it produced. */
  readonly outdir: string;
}

/**
 * Synth against the cost the cdktf template would pay before synthesizing anything, measured in
 * alternation so that both see the same machine load. Each run writes under `workspace`.
 */
export async function measureSynthCost(runs: number, workspace: string): Promise<SynthCost> {
  const synth: ProcessMeasure[] = [];
  const barrelImport: ProcessMeasure[] = [];
  let outdir = "";
  for (let run = 0; run < runs; run++) {
    // A new directory each run, as a fresh clone would synthesize into; the caller removes the workspace.
    outdir = path.join(workspace, `synth-${run}`);
    const env: NodeJS.ProcessEnv = { ...process.env, CDKTF_OUTDIR: outdir };
    delete env.SYNTH_HCL_OUTPUT;
    synth.push(await measureNode([...SYNTH_COMMAND], { env }));
    barrelImport.push(await measureNode(["-e", 'require("@cdktf/provider-aws")']));
  }
  const manifest = JSON.parse(fs.readFileSync(path.join(outdir, "manifest.json"), "utf8")) as { stacks: Record<string, unknown> };
  return { stacks: Object.keys(manifest.stacks).length, synth, barrelImport, outdir };
}
