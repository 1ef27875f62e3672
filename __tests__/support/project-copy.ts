import * as fs from "node:fs";
import * as path from "node:path";
import { PROJECT_ROOT } from "../../lib/project-root";

/** What a clone holds that synth reads; node_modules is linked, not copied. cdktf.json is written apart. */
const PROJECT_ENTRIES = ["main.ts", "lib", "functions", "asl", "local", "scripts", "types", "package.json", "tsconfig.json"];

/**
 * A copy of the project in another directory, as a second clone would be. Its cdktf.json is the
 * repository's with `context` replaced by exactly the `context` given (none: no `context` key, as in a
 * fresh clone), so what a user configured in their own cdktf.json never reaches a test. Synth run there
 * resolves every path from the copy.
 */
export function copyProject(target: string, context?: Record<string, unknown>): string {
  fs.mkdirSync(target, { recursive: true });
  for (const entry of PROJECT_ENTRIES) {
    fs.cpSync(path.join(PROJECT_ROOT, entry), path.join(target, entry), { recursive: true });
  }
  fs.symlinkSync(path.join(PROJECT_ROOT, "node_modules"), path.join(target, "node_modules"), "dir");
  const repositoryCdktfJson = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, "cdktf.json"), "utf8"));
  fs.writeFileSync(path.join(target, "cdktf.json"), `${JSON.stringify(cdktfJsonOfCopy(repositoryCdktfJson, context), null, 2)}\n`);
  return target;
}

/** The repository's cdktf.json settings (app, language…) with the test's context, and only the test's. */
export function cdktfJsonOfCopy(repositoryCdktfJson: Record<string, unknown>, context?: Record<string, unknown>): Record<string, unknown> {
  const { context: _usersContext, ...settings } = repositoryCdktfJson;
  return context === undefined ? settings : { ...settings, context };
}
