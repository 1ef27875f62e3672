import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { unzipSync } from "fflate";
import { DEFAULT_REQUEST_SCHEMA, FUNCTION_BUNDLES } from "../lib/function-entries";
import { bundleNodejsFunction } from "../lib/nodejs-bundle";
import { PROJECT_ROOT } from "../lib/project-root";
import { schemaFile } from "./support/schema-file";

describe("bundleNodejsFunction", () => {
  const bundle = bundleNodejsFunction({ ...FUNCTION_BUNDLES.startExecution, target: "node22" });
  const files = unzipSync(fs.readFileSync(bundle.zipFile));
  const code = Buffer.from(files["index.mjs"]).toString("utf8");

  it("packs the handler as one ES module, index.mjs, exporting handler", () => {
    expect(Object.keys(files)).toEqual(["index.mjs"]);
    expect(bundle.handler).toBe("index.handler");
    expect(code).toMatch(/export\s*\{[^}]*\bas handler\b[^}]*\}|export\s*\{\s*handler\b/);
    expect(bundle.codeBytes).toBe(files["index.mjs"].byteLength);
  });

  it("includes the AWS SDK, so its version is the one locked here: only Node built-ins are imported", () => {
    const imported = [...code.matchAll(/\bfrom\s*"([^"]+)"|\bimport\(\s*"([^"]+)"\s*\)/g)].map((match) => match[1] ?? match[2]);
    expect(imported.length).toBeGreaterThan(0);
    expect(imported.filter((specifier) => !specifier.startsWith("node:"))).toEqual([]);
    expect(code).toContain("StartExecution");
  });

  it("is minified: no source path comments, so nothing of this machine is inside, and local names are shortened", () => {
    expect(code).not.toMatch(/\/\/ (functions|node_modules)\//);
    expect(code).not.toContain(PROJECT_ROOT);
    expect(code).not.toContain("createHandler");
  });

  it("leaves the DynamoDB client out of the default build and puts it into the ledger build", () => {
    const ledgerBuild = bundleNodejsFunction({ ...FUNCTION_BUNDLES.startExecutionWithLedger, target: "node22" });
    const ledgerCode = Buffer.from(unzipSync(fs.readFileSync(ledgerBuild.zipFile))["index.mjs"]).toString("utf8");
    expect(code).not.toContain("DynamoDB_20120810");
    expect(ledgerCode).toContain("DynamoDB_20120810");
  });

  it("carries the request validator generated at synth, and no schema compiler", () => {
    expect(code).toContain("must have required property");
    // Ajv's compiler, code generator and meta-schemas: any of them would mean the compiler came along.
    for (const compilerText of ["strict mode", "schema is invalid", "CodeGen", "json-schema.org/draft/2020-12/meta", "new Ajv"]) {
      expect(code).not.toContain(compilerText);
    }
    // The generated code and Ajv's one runtime helper it needs weigh a few KB against an accept-anything schema.
    const acceptAnything = bundleNodejsFunction({ entry: FUNCTION_BUNDLES.startExecution.entry, requestSchema: schemaFile({ type: "object" }) });
    expect(bundle.codeBytes - acceptAnything.codeBytes).toBeLessThan(10_000);
  });

  it("is told apart by its schema: another schema, another zip; the same schema, the same zip, built once", () => {
    const other = bundleNodejsFunction({ entry: FUNCTION_BUNDLES.startExecution.entry, requestSchema: schemaFile({ type: "object", required: [] }) });
    expect(other.sourceCodeHash).not.toBe(bundle.sourceCodeHash);
    const sameSchemaElsewhere = schemaFile(fs.readFileSync(path.join(PROJECT_ROOT, DEFAULT_REQUEST_SCHEMA), "utf8"));
    expect(bundleNodejsFunction({ ...FUNCTION_BUNDLES.startExecution, requestSchema: sameSchemaElsewhere, target: "node22" }).sourceCodeHash).toBe(bundle.sourceCodeHash);
    expect(bundleNodejsFunction({ ...FUNCTION_BUNDLES.startExecution, requestSchema: `./${DEFAULT_REQUEST_SCHEMA}`, target: "node22" })).toBe(bundle);
  });

  it("says what is missing when an entry imports the validator and no schema is given", () => {
    expect(() => bundleNodejsFunction({ entry: FUNCTION_BUNDLES.startExecution.entry })).toThrow(/imports sfn-dedup:request-validator: bundle it with a requestSchema/);
  });

  it("reports the base64 SHA-256 of the zip for Lambda's source_code_hash", () => {
    expect(bundle.sourceCodeHash).toBe(createHash("sha256").update(fs.readFileSync(bundle.zipFile)).digest("base64"));
    expect(bundle.zipBytes).toBe(fs.statSync(bundle.zipFile).size);
  });

  it("bundles each entry once per process, however many stacks use it", () => {
    expect(bundleNodejsFunction({ ...FUNCTION_BUNDLES.startExecution, target: "node22" })).toBe(bundle);
  });

  it("names the entry in an esbuild error", () => {
    expect(() => bundleNodejsFunction({ entry: "functions/missing/index.ts" })).toThrow(/functions\/missing\/index\.ts/);
  });
});
