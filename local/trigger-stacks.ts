import * as fs from "node:fs";
import * as path from "node:path";

/**
 * The stacks of a synth output that serve the trigger (they have an HTTP route; state bucket bootstrap
 * stacks do not), in manifest order. Stacks written as HCL are not read.
 */
export function triggerStacks(outdir: string): string[] {
  const manifest = JSON.parse(fs.readFileSync(path.join(outdir, "manifest.json"), "utf8")) as {
    stacks: Record<string, { synthesizedStackPath: string }>;
  };
  return Object.entries(manifest.stacks)
    .filter(([, stack]) => {
      const file = path.join(outdir, stack.synthesizedStackPath);
      return file.endsWith(".json") && JSON.parse(fs.readFileSync(file, "utf8")).resource?.aws_apigatewayv2_route !== undefined;
    })
    .map(([name]) => name);
}
