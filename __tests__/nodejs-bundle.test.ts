import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { unzipSync } from "fflate";
import { defaultProvider } from "../functions/shared/no-default-credential-chain";
import { EventStreamSerde, eventStreamSerdeProvider } from "../functions/shared/no-event-streams";
import { projectConfigFrom } from "../lib/config/project-config";
import { BUNDLE_TARGET_BYTES, DEFAULT_REQUEST_SCHEMA, FUNCTION_BUNDLES, functionBundlesFor } from "../lib/function-entries";
import { bundleNodejsFunction } from "../lib/nodejs-bundle";
import { PROJECT_ROOT } from "../lib/project-root";
import { TWO_WORKFLOWS } from "./support/multi-workflow-stack";
import { schemaFile } from "./support/schema-file";
import { synthProject } from "./support/synth";

describe("bundleNodejsFunction", () => {
  const bundle = bundleNodejsFunction({ ...FUNCTION_BUNDLES.startExecution, target: "node22" });
  const files = unzipSync(fs.readFileSync(bundle.zipFile));
  const code = Buffer.from(files["index.mjs"]).toString("utf8");
  const validatorCode = Buffer.from(files["request-validator.mjs"]).toString("utf8");

  it("packs the handler as an ES module, index.mjs, exporting handler, beside its request validator", () => {
    expect(Object.keys(files).sort()).toEqual(["index.mjs", "request-validator.mjs"]);
    expect(bundle.handler).toBe("index.handler");
    expect(code).toMatch(/export\s*\{[^}]*\bas handler\b[^}]*\}|export\s*\{\s*handler\b/);
    expect(validatorCode).toMatch(/export\s*\{[^}]*\bas default\b[^}]*\}/);
    // Every file of the zip is code the function loads.
    expect(bundle.codeBytes).toBe(files["index.mjs"].byteLength + files["request-validator.mjs"].byteLength);
  });

  it("includes the AWS SDK, so its version is the one locked here: only Node built-ins and the validator beside it are imported", () => {
    const importsOf = (source: string) =>
      [...source.matchAll(/\bfrom\s*"([^"]+)"|\bimport\(\s*"([^"]+)"\s*\)/g)].map((match) => match[1] ?? match[2]);
    const imported = importsOf(code);
    expect(imported.length).toBeGreaterThan(0);
    expect(imported.filter((specifier) => !specifier.startsWith("node:"))).toEqual(["./request-validator.mjs"]);
    expect(code).toContain("StartExecution");
    // Ajv's runtime helpers are bundled into the validator: it needs nothing from node_modules either.
    expect(importsOf(validatorCode)).toEqual([]);
    // A call, not the helper's own `.code` string that names its require for Ajv's code generator.
    expect(validatorCode).not.toMatch(/(^|[^'"\w.])require\(/);
  });

  it("is minified: no source path comments, so nothing of this machine is inside, and local names are shortened", () => {
    for (const source of [code, validatorCode]) {
      expect(source).not.toMatch(/\/\/ (functions|node_modules)\//);
      expect(source).not.toContain(PROJECT_ROOT);
    }
    expect(code).not.toContain("createHandler");
  });

  it("leaves the DynamoDB client out of the default build and puts it into the ledger build", () => {
    const ledgerBuild = bundleNodejsFunction({ ...FUNCTION_BUNDLES.startExecutionWithLedger, target: "node22" });
    const ledgerCode = Buffer.from(unzipSync(fs.readFileSync(ledgerBuild.zipFile))["index.mjs"]).toString("utf8");
    expect(code).not.toContain("DynamoDB_20120810");
    expect(ledgerCode).toContain("DynamoDB_20120810");
  });

  it("carries the request validator generated at synth in a file of its own, and no schema compiler in any file", () => {
    expect(validatorCode).toContain("must have required property");
    expect(code).not.toContain("must have required property");
    // Ajv's compiler, code generator and meta-schemas: any of them would mean the compiler came along.
    for (const source of [code, validatorCode]) {
      for (const compilerText of ["strict mode", "schema is invalid", "CodeGen", "json-schema.org/draft/2020-12/meta", "new Ajv"]) {
        expect(source).not.toContain(compilerText);
      }
    }
    // The generated code and Ajv's one runtime helper it needs weigh a few KB against an accept-anything schema.
    const acceptAnything = bundleNodejsFunction({
      entry: FUNCTION_BUNDLES.startExecution.entry,
      requestSchema: schemaFile({ type: "object" }),
    });
    expect(bundle.codeBytes - acceptAnything.codeBytes).toBeLessThan(10_000);
  });

  it("is told apart by its schema: another schema, another zip with the same index.mjs; the same schema, the same zip, built once", () => {
    const other = bundleNodejsFunction({
      entry: FUNCTION_BUNDLES.startExecution.entry,
      requestSchema: schemaFile({ type: "object", required: [] }),
    });
    expect(other.sourceCodeHash).not.toBe(bundle.sourceCodeHash);
    const otherFiles = unzipSync(fs.readFileSync(other.zipFile));
    // One build of the entry serves every schema: only the validator differs.
    expect(Buffer.from(otherFiles["index.mjs"]).equals(Buffer.from(files["index.mjs"]))).toBe(true);
    expect(Buffer.from(otherFiles["request-validator.mjs"]).equals(Buffer.from(files["request-validator.mjs"]))).toBe(false);
    const sameSchemaElsewhere = schemaFile(fs.readFileSync(path.join(PROJECT_ROOT, DEFAULT_REQUEST_SCHEMA), "utf8"));
    expect(
      bundleNodejsFunction({ ...FUNCTION_BUNDLES.startExecution, requestSchema: sameSchemaElsewhere, target: "node22" }).sourceCodeHash,
    ).toBe(bundle.sourceCodeHash);
    expect(
      bundleNodejsFunction({ ...FUNCTION_BUNDLES.startExecution, requestSchema: `./${DEFAULT_REQUEST_SCHEMA}`, target: "node22" }),
    ).toBe(bundle);
  });

  it("packs no validator for an entry that does not import one", () => {
    const ledgerStatus = bundleNodejsFunction(FUNCTION_BUNDLES.ledgerStatus);
    expect(Object.keys(unzipSync(fs.readFileSync(ledgerStatus.zipFile)))).toEqual(["index.mjs"]);
  });

  it("says what is missing when an entry imports the validator and no schema is given", () => {
    expect(() => bundleNodejsFunction({ entry: FUNCTION_BUNDLES.startExecution.entry })).toThrow(
      /imports sfn-dedup:request-validator: bundle it with a requestSchema/,
    );
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

describe("every bundle synth builds", () => {
  // Both workflows, with and without the ledger: every entry (start-execution, its ledger build,
  // ledger-status) with every request schema the repository ships.
  const context = {
    workflows: TWO_WORKFLOWS,
    environments: {
      plain: { account: "123456789012", region: "us-east-1" },
      ledgered: { account: "123456789012", region: "us-east-1", ledger: true },
    },
  };
  const builds = projectConfigFrom(context).environments.flatMap(functionBundlesFor);
  const bundles = builds.map((options) => ({ options, bundle: bundleNodejsFunction(options) }));

  it("is what the stacks deploy: every function's code is one of these bundles", () => {
    const deployed = Object.values(synthProject(context)).flatMap(({ tf }) =>
      Object.values(tf.resource.aws_lambda_function ?? {}).map((fn) => fn.source_code_hash as string),
    );
    expect(deployed.length).toBe(builds.length);
    expect(new Set(deployed)).toEqual(new Set(bundles.map(({ bundle }) => bundle.sourceCodeHash)));
  });

  // Sizes are deterministic: a regression fails here, not only in the benchmark.
  it(`carries at most ${BUNDLE_TARGET_BYTES / 1000} KB of code, ledger builds included`, () => {
    const sizes = bundles.map(({ options: { entry, requestSchema }, bundle: { codeBytes } }) => ({ entry, requestSchema, codeBytes }));
    expect(sizes.filter(({ codeBytes }) => codeBytes > BUNDLE_TARGET_BYTES)).toEqual([]);
    expect(new Set(sizes.map(({ entry }) => entry))).toEqual(new Set(Object.values(FUNCTION_BUNDLES).map(({ entry }) => entry)));
  });

  it("leaves the SDK's default credential chain out: credentials come from the environment alone", () => {
    for (const { bundle } of bundles) {
      const code = Buffer.from(unzipSync(fs.readFileSync(bundle.zipFile))["index.mjs"]).toString("utf8");
      expect(code).toContain("AWS_SESSION_TOKEN");
      // SSO, shared config files, credential_process, web identity and container endpoints: the providers after the environment.
      const providers = [
        "sso_start_url",
        "credential_process",
        "AWS_WEB_IDENTITY_TOKEN_FILE",
        "AssumeRoleWithWebIdentity",
        "AWS_CONTAINER_CREDENTIALS",
      ];
      for (const provider of providers) {
        expect(code).not.toContain(provider);
      }
    }
  });

  it("leaves the SDK's event-stream support out, and with it the lazy initialisers that slowed every cold import", () => {
    for (const { options, bundle } of bundles) {
      const code = Buffer.from(unzipSync(fs.readFileSync(bundle.zipFile))["index.mjs"]).toString("utf8");
      // The header names every event-stream message carries, which its codec writes and reads.
      const { entry } = options;
      expect({ entry, eventStreamCodec: /:(event|message)-type/.test(code) }).toEqual({ entry, eventStreamCodec: false });
      // esbuild's lazy module initialiser, `init = (fn, res, err) => () => { if (err) throw err[0]; ... }` minified,
      // wraps a module as `init(() => { ... })`: one is left, the stub's, which is still imported with import().
      const helper = /([\w$]+)=\((\w),(\w),(\w)\)=>\(\)=>\{if\(\4\)throw \4\[0\]/.exec(code)?.[1];
      const wrapped = helper ? (code.match(new RegExp(`[=,]${helper.replaceAll("$", "\\$")}\\(\\(\\)=>\\{`, "g")) ?? []).length : 0;
      expect({ entry, wrapped }).toEqual({ entry, wrapped: 1 });
    }
  });
});

describe("the SDK parts the bundles leave out", () => {
  // Every SDK client a function may bundle: the dependencies, not the devDependencies (the tests' own clients).
  const packageJson = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, "package.json"), "utf8"));
  const clients = Object.keys(packageJson.dependencies).filter((name) => name.startsWith("@aws-sdk/client-"));

  it("are never reached: no operation of the functions' clients streams events (no schema has the streaming trait)", () => {
    expect(clients.sort()).toEqual(["@aws-sdk/client-dynamodb", "@aws-sdk/client-sfn"]);
    for (const client of clients) {
      const schemas = path.join(PROJECT_ROOT, "node_modules", client, "dist-es", "schemas");
      const files = fs.readdirSync(schemas).filter((name) => name.endsWith(".js"));
      expect(files.length).toBeGreaterThan(0);
      // Where a service has event streams, its schemas name the trait (client-lambda's: `const _st = "streaming"`).
      const streaming = files.some((name) => fs.readFileSync(path.join(schemas, name), "utf8").includes("streaming"));
      expect({ client, streaming }).toEqual({ client, streaming: false });
    }
  });

  it("refuse, saying why, if ever reached", () => {
    expect(() => new EventStreamSerde()).toThrow(/no event-stream support/);
    expect(() => eventStreamSerdeProvider()).toThrow(/no event-stream support/);
    return expect(defaultProvider()()).rejects.toThrow(/no default credential chain/);
  });
});
