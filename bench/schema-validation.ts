import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { build } from "esbuild";
import { ProblemError } from "../functions/shared/problem";
import { type RequestValidator, requireSchemaValid } from "../functions/start-execution/request-validator";
import { NODEJS_BUNDLE_TARGET } from "../lib/nodejs-runtime";
import { PROJECT_ROOT } from "../lib/project-root";
import { requestValidatorSource } from "../lib/request-validator";

export interface SchemaValidationCost {
  /** Per call, bodies the schema accepts (every request that starts an execution pays this). */
  readonly acceptedMs: readonly number[];
  /** Per call, bodies it refuses, the violations mapped to the 400's list included. */
  readonly refusedMs: readonly number[];
}

/** Bodies a client would send that the default schema refuses, one for each of its rules. */
const REFUSED_BODIES = [{ nation: "France" }, { country: 33 }, { country: "   " }, { country: "x".repeat(101) }];

/**
 * The function's schema check (the validator generated from the schema, minified and bundled with Ajv's
 * runtime helpers as in the function's zip, then the handler's own violation mapping), each call timed
 * on its own; accepted and refused bodies alternate, so both see the same state of the process.
 */
export async function measureSchemaValidation(requestSchema: string, calls: number): Promise<SchemaValidationCost> {
  const validate = await loadBundledValidator(requestSchema);
  let counter = 0;
  const accepted = () => ({ country: `Country ${++counter}` });
  const refused = () => structuredClone(REFUSED_BODIES[++counter % REFUSED_BODIES.length]);
  const timed = (body: unknown) => {
    const started = performance.now();
    try {
      requireSchemaValid(validate, body);
    } catch (error) {
      if (!(error instanceof ProblemError)) throw error;
    }
    return performance.now() - started;
  };
  for (let warmUp = 0; warmUp < 2_000; warmUp++) {
    timed(accepted());
    timed(refused());
  }
  const acceptedMs: number[] = [];
  const refusedMs: number[] = [];
  for (let call = 0; call < calls; call++) {
    acceptedMs.push(timed(accepted()));
    refusedMs.push(timed(refused()));
  }
  return { acceptedMs, refusedMs };
}

async function loadBundledValidator(requestSchema: string): Promise<RequestValidator> {
  const result = await build({
    stdin: { contents: requestValidatorSource(requestSchema), resolveDir: PROJECT_ROOT, loader: "js" },
    bundle: true,
    write: false,
    platform: "node",
    format: "esm",
    target: NODEJS_BUNDLE_TARGET,
    minify: true,
    logLevel: "silent",
  });
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), "sfn-dedup-bench-validator-"));
  try {
    const file = path.join(directory, "validator.mjs");
    fs.writeFileSync(file, result.outputFiles[0].contents);
    return ((await import(pathToFileURL(file).href)) as { default: RequestValidator }).default;
  } finally {
    fs.rmSync(directory, { recursive: true, force: true });
  }
}
