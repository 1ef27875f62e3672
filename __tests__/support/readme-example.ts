import * as fs from "node:fs";
import * as path from "node:path";
import { PROJECT_ROOT } from "../../lib/project-root";

/**
 * The `context` of README.md's example cdktf.json (Configuration): the first ```json block that has one.
 * Tests use it as written, so the example a user copies is one that synthesizes, lists and plans.
 */
export function readmeExampleContext(): Record<string, unknown> {
  const readme = fs.readFileSync(path.join(PROJECT_ROOT, "README.md"), "utf8");
  for (const [, block] of readme.matchAll(/```json\n([\s\S]*?)\n```/g)) {
    if (block.includes('"context"')) {
      return JSON.parse(block).context as Record<string, unknown>;
    }
  }
  throw new Error("README.md has no ```json block with a context");
}
