import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PROJECT_ROOT } from "../../lib/project-root";

/**
 * Writes a schema (or any text) to a fresh temp file and returns its path relative to the project root,
 * the form request schemas are configured in. Removed when the process exits.
 */
export function schemaFile(schema: unknown, name = "request.schema.json"): string {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), "sfn-dedup-schema-"));
  process.once("exit", () => fs.rmSync(directory, { recursive: true, force: true }));
  const file = path.join(directory, name);
  fs.writeFileSync(file, typeof schema === "string" ? schema : JSON.stringify(schema));
  return path.relative(PROJECT_ROOT, file);
}
