import * as fs from "node:fs";
import * as path from "node:path";
import { PROJECT_ROOT } from "../../lib/project-root";

/** What a clone holds that synth reads; node_modules is linked, not copied. */
const PROJECT_ENTRIES = ["main.ts", "lib", "functions", "asl", "local", "scripts", "types", "package.json", "tsconfig.json", "cdktf.json"];

/**
 * A copy of the project in another directory, as a second clone would be, optionally with its own
 * cdktf.json `context`. Synth run there resolves every path from the copy.
 */
export function copyProject(target: string, context?: Record<string, unknown>): string {
  fs.mkdirSync(target, { recursive: true });
  for (const entry of PROJECT_ENTRIES) {
    fs.cpSync(path.join(PROJECT_ROOT, entry), path.join(target, entry), { recursive: true });
  }
  fs.symlinkSync(path.join(PROJECT_ROOT, "node_modules"), path.join(target, "node_modules"), "dir");
  if (context) {
    const cdktfJson = JSON.parse(fs.readFileSync(path.join(target, "cdktf.json"), "utf8"));
    fs.writeFileSync(path.join(target, "cdktf.json"), JSON.stringify({ ...cdktfJson, context }, null, 2));
  }
  return target;
}
