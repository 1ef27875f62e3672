import * as fs from "node:fs";
import * as path from "node:path";
import type { App, TerraformStack } from "./toolkit/cdktf";

/**
 * Removes the `stacks/<stack>` directories of stacks this synth did not write: an environment or state
 * bucket no longer configured. `cdktf synth` starts from an empty output directory; `npm run synth` runs
 * the app directly and would otherwise leave them behind, for a scanner or a `terraform plan` over
 * `cdktf.out/stacks` to read as if they were still part of the project.
 */
export function removeStaleStackOutput(app: App, stacks: readonly TerraformStack[]): void {
  const stacksDirectory = path.join(app.outdir, "stacks");
  const current = new Set(stacks.map((stack) => stack.node.id));
  for (const entry of fs.readdirSync(stacksDirectory, { withFileTypes: true })) {
    if (entry.isDirectory() && !current.has(entry.name)) {
      fs.rmSync(path.join(stacksDirectory, entry.name), { recursive: true, force: true });
    }
  }
}
