import { createHash } from "node:crypto";
import * as fs from "node:fs";
import { unzipSync } from "fflate";
import { FUNCTION_BUNDLES } from "../lib/function-entries";
import { bundleNodejsFunction } from "../lib/nodejs-bundle";
import { PROJECT_ROOT } from "../lib/project-root";

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
