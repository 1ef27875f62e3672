import * as fs from "node:fs";
import * as path from "node:path";
import { type App, formatHcl, type TerraformStack } from "../toolkit/cdktf";
import { blockSchemaOf } from "./block-schema";
import { renderHcl } from "./render-hcl";

/** Set by `cdktf synth --hcl` (and `npm run synth:hcl`). */
export const HCL_OUTPUT_ENV = "SYNTH_HCL_OUTPUT";

/**
 * Whether this synth should write native syntax. The variable is consumed: cdktf 0.21's own HCL writer
 * leaves quotes unescaped in strings that hold interpolations (every IAM policy and the state machine
 * definition here) and falls back to JSON for overrides, so the App always writes JSON and
 * {@link writeStacksAsHcl} translates it afterwards.
 */
export function takeHclOutputRequest(env: NodeJS.ProcessEnv = process.env): boolean {
  const requested = env[HCL_OUTPUT_ENV] === "true";
  delete env[HCL_OUTPUT_ENV];
  return requested;
}

/**
 * Replaces each synthesized `stacks/<stack>/cdk.tf.json` by the same configuration in native syntax,
 * `cdk.tf`, with cdktf's `metadata.json` beside it, and points the manifest at it, as `cdktf synth --hcl`
 * would. Assets stay where they are.
 */
export async function writeStacksAsHcl(app: App, stacks: readonly TerraformStack[]): Promise<void> {
  const manifestFile = path.join(app.outdir, "manifest.json");
  const manifest = JSON.parse(fs.readFileSync(manifestFile, "utf8")) as {
    stacks: Record<string, { synthesizedStackPath: string; stackMetadataPath: string }>;
  };
  for (const stack of stacks) {
    const entry = manifest.stacks[stack.node.id];
    const jsonFile = path.join(app.outdir, entry.synthesizedStackPath);
    // Formatted by hclwrite, as `terraform fmt` and the cdktf CLI format it.
    const hcl = await formatHcl(renderHcl(JSON.parse(fs.readFileSync(jsonFile, "utf8")), blockSchemaOf(stack)));
    fs.writeFileSync(jsonFile.replace(/\.tf\.json$/, ".tf"), hcl);
    fs.rmSync(jsonFile);
    // What cdktf writes beside cdk.tf in this mode, and what its CLI reads back (outputs, construct paths).
    const metadata = (stack.toHclTerraform() as { metadata: unknown }).metadata;
    fs.writeFileSync(path.join(app.outdir, entry.stackMetadataPath), `${JSON.stringify(metadata, null, 2)}\n`);
    entry.synthesizedStackPath = entry.synthesizedStackPath.replace(/\.tf\.json$/, ".tf");
  }
  fs.writeFileSync(manifestFile, `${JSON.stringify(manifest, null, 2)}\n`);
}

/**
 * In JSON mode, removes a `cdk.tf` an earlier HCL synth left beside the new `cdk.tf.json`: Terraform
 * loads every .tf and .tf.json file of a directory, and the two together declare everything twice.
 */
export function removeStaleHclOutput(app: App, stacks: readonly TerraformStack[]): void {
  const manifest = JSON.parse(fs.readFileSync(path.join(app.outdir, "manifest.json"), "utf8")) as {
    stacks: Record<string, { synthesizedStackPath: string }>;
  };
  for (const stack of stacks) {
    const jsonFile = path.join(app.outdir, manifest.stacks[stack.node.id].synthesizedStackPath);
    fs.rmSync(jsonFile.replace(/\.tf\.json$/, ".tf"), { force: true });
  }
}
