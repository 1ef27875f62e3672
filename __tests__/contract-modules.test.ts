import * as fs from "node:fs";
import * as path from "node:path";
import * as ts from "typescript";
import { PROJECT_ROOT } from "../lib/project-root";

/**
 * What synth and the functions share lives in contract modules (`functions/<name>/contract.ts`,
 * `functions/shared/<topic>-contract.ts`): variable names, table and metric names, the configuration's types.
 * Synth imports those and nothing else of functions/, so it loads no handler code (and none of the handlers'
 * dependencies, such as the canonical JSON library), and a handler's change cannot change what synth loads.
 */
const CONTRACT_MODULE = /^functions\/(?:[a-z-]+\/contract|shared\/[a-z-]+-contract)\.ts$/;

/** A module's imports, type-only ones included, as written: TypeScript's own scanner, not a regular expression. */
function importsOf(file: string): string[] {
  const info = ts.preProcessFile(fs.readFileSync(path.join(PROJECT_ROOT, file), "utf8"), true, true);
  return info.importedFiles.map((imported) => imported.fileName);
}

/** A relative import's file, relative to the project root; undefined for a package or a Node.js built-in. */
function resolveRelative(from: string, specifier: string): string | undefined {
  if (!specifier.startsWith(".")) return undefined;
  const base = path.posix.normalize(path.posix.join(path.posix.dirname(from), specifier));
  for (const candidate of [`${base}.ts`, `${base}/index.ts`, base]) {
    if (fs.existsSync(path.join(PROJECT_ROOT, candidate)) && fs.statSync(path.join(PROJECT_ROOT, candidate)).isFile()) return candidate;
  }
  throw new Error(`${from} imports ${specifier}, which is no file of the project`);
}

/** Every project module a set of modules reaches through their imports, themselves included. */
function reachableFrom(roots: readonly string[]): Set<string> {
  const seen = new Set<string>();
  const pending = [...roots];
  while (pending.length > 0) {
    const file = pending.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    for (const specifier of importsOf(file)) {
      const resolved = resolveRelative(file, specifier);
      if (resolved) pending.push(resolved);
    }
  }
  return seen;
}

function filesUnder(directory: string): string[] {
  return fs
    .readdirSync(path.join(PROJECT_ROOT, directory), { recursive: true, encoding: "utf8" })
    .filter((file) => file.endsWith(".ts"))
    .map((file) => path.posix.join(directory, file.split(path.sep).join("/")));
}

/** What `npm run synth` runs: main.ts and every module of lib/. */
const SYNTH_MODULES = ["main.ts", ...filesUnder("lib")];

describe("contract modules", () => {
  const reached = [...reachableFrom(SYNTH_MODULES)];
  const functionModules = reached.filter((file) => file.startsWith("functions/")).sort();

  it("are all synth reaches of functions/", () => {
    expect(functionModules.filter((file) => !CONTRACT_MODULE.test(file))).toEqual([]);
  });

  it("are what synth uses of functions/: one per function that lib/ configures, and the shared ones", () => {
    expect(functionModules).toEqual([
      "functions/execution-status/contract.ts",
      "functions/ledger-reconciler/contract.ts",
      "functions/shared/function-contract.ts",
      "functions/shared/ledger-contract.ts",
      "functions/shared/metrics-contract.ts",
      "functions/start-execution/contract.ts",
    ]);
  });

  it.each(filesUnder("functions").filter((file) => CONTRACT_MODULE.test(file)))(
    "%s imports only other contract modules: no package, no Node.js built-in",
    (file) => {
      const imports = importsOf(file).map((specifier) => resolveRelative(file, specifier) ?? specifier);
      expect(imports.filter((imported) => !CONTRACT_MODULE.test(imported))).toEqual([]);
    },
  );

  it("would catch a handler module reached from synth", () => {
    const reachedFromHandler = [...reachableFrom(["functions/start-execution/index.ts"])];
    expect(reachedFromHandler.filter((file) => !CONTRACT_MODULE.test(file)).length).toBeGreaterThan(0);
    expect(reachedFromHandler).toContain("functions/start-execution/contract.ts");
  });
});
