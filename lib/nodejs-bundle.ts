import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { type BuildOptions, build, buildSync, type OutputFile } from "esbuild";
import { deterministicZip } from "./deterministic-zip";
import { PROJECT_ROOT } from "./project-root";
import { requestValidatorSource } from "./request-validator";

export interface NodejsBundleOptions {
  /** The handler module, relative to the project root, e.g. `functions/start-execution/index.ts`. */
  readonly entry: string;
  /** The exported function Lambda calls. @default "handler" */
  readonly exportName?: string;
  /** esbuild target; keep it in step with the function's runtime. @default {@link DEFAULT_BUNDLE_TARGET} */
  readonly target?: string;
  /**
   * A JSON Schema (draft 2020-12) file, relative to the project root: the entry's import of
   * {@link REQUEST_VALIDATOR_MODULE} becomes the validator generated from it. Part of the bundle's identity.
   */
  readonly requestSchema?: string;
}

/** The module a handler imports its workflow's request validator from; it exists only in bundles. */
export const REQUEST_VALIDATOR_MODULE = "sfn-dedup:request-validator";

/** A Lambda deployment package built from one entry point. */
export interface NodejsBundle {
  /** Absolute path of the zip, staged outside the project; TerraformAsset copies it into the stack. */
  readonly zipFile: string;
  /** base64 SHA-256 of the zip, the form Lambda's `source_code_hash` expects. */
  readonly sourceCodeHash: string;
  /** The `handler` string: module name without extension, then the export. */
  readonly handler: string;
  readonly codeBytes: number;
  readonly zipBytes: number;
}

const MODULE_FILE = "index.mjs";
/** esbuild's target for the nodejs22.x runtime (lib/nodejs-function.ts): the two change together. */
export const DEFAULT_BUNDLE_TARGET = "node22";

/** One synth may create the same function in several stacks; it is bundled once. */
const bundles = new Map<string, NodejsBundle>();

/**
 * Bundles a TypeScript handler with esbuild as one minified, tree-shaken ES module, the AWS SDK included so
 * that its version is the one pinned in package-lock.json and not whatever the runtime ships, and zips it
 * deterministically: the same sources give the same bytes, so a plan shows a code change only when there is one.
 */
export function bundleNodejsFunction(options: NodejsBundleOptions): NodejsBundle {
  const cacheKey = cacheKeyOf(options);
  const cached = bundles.get(cacheKey);
  if (cached) {
    return cached;
  }
  let output: OutputFile;
  try {
    output = buildSync(buildOptions(options)).outputFiles[0];
  } catch (error) {
    throw withSchemaHint(options, error);
  }
  const bundle = packageBundle(options, output);
  bundles.set(cacheKey, bundle);
  return bundle;
}

/**
 * Bundles entries ahead of the stacks that deploy them, in esbuild's own process: started before the
 * CDKTF libraries load, the bundling runs beside their loading instead of after it. The stacks then
 * find the bundles ready ({@link bundleNodejsFunction} returns them from the cache).
 */
export async function prepareNodejsBundles(entries: readonly NodejsBundleOptions[]): Promise<void> {
  // Several workflows may share an entry and a schema: each distinct bundle is built once.
  const distinct = new Map(entries.map((options) => [cacheKeyOf(options), options]));
  await Promise.all(
    [...distinct].map(async ([cacheKey, options]) => {
      if (bundles.has(cacheKey)) return;
      const result = await build(buildOptions(options)).catch((error: unknown) => Promise.reject(withSchemaHint(options, error)));
      bundles.set(cacheKey, packageBundle(options, result.outputFiles![0]));
    }),
  );
}

function cacheKeyOf(options: NodejsBundleOptions): string {
  const requestSchema = options.requestSchema === undefined ? null : path.normalize(options.requestSchema);
  return JSON.stringify([options.entry, options.exportName ?? "handler", options.target ?? DEFAULT_BUNDLE_TARGET, requestSchema]);
}

/** A build of an entry that imports the validator without a schema to make it from fails saying so. */
function withSchemaHint(options: NodejsBundleOptions, error: unknown): unknown {
  // Not `instanceof Error`: esbuild's errors may come from another realm (Jest runs tests in a VM context).
  const message = (error as { message?: unknown } | undefined)?.message;
  return options.requestSchema === undefined && typeof message === "string" && message.includes(REQUEST_VALIDATOR_MODULE)
    ? new Error(`${message}\n${options.entry} imports ${REQUEST_VALIDATOR_MODULE}: bundle it with a requestSchema.`, { cause: error })
    : error;
}

function buildOptions(options: NodejsBundleOptions): BuildOptions & { write: false } {
  return {
    entryPoints: [path.join(PROJECT_ROOT, options.entry)],
    absWorkingDir: PROJECT_ROOT,
    outfile: MODULE_FILE,
    write: false,
    bundle: true,
    platform: "node",
    target: options.target ?? DEFAULT_BUNDLE_TARGET,
    format: "esm",
    // The SDK's ES module builds tree-shake far better than its CommonJS ones.
    mainFields: ["module", "main"],
    minify: true,
    treeShaking: true,
    legalComments: "none",
    sourcemap: false,
    logLevel: "silent",
    ...withAliases(
      DEFAULT_CREDENTIAL_CHAIN_ALIAS,
      options.requestSchema === undefined ? {} : requestValidatorResolution(options.requestSchema),
    ),
  };
}

/**
 * The SDK's default credential chain, which every client's runtime config imports as a fallback, replaced by
 * a stub: the functions' clients take credentials from the environment (functions/shared/aws-client-config.ts
 * says why that is all Lambda gives Node.js functions), so the chain's providers, nested STS and SSO clients
 * and metadata lookups would be dead weight, about 90 KB of every bundle.
 */
const DEFAULT_CREDENTIAL_CHAIN_ALIAS: Record<string, string> = {
  "@aws-sdk/credential-provider-node": path.join(PROJECT_ROOT, "functions/shared/no-default-credential-chain.ts"),
};

type Resolution = Pick<BuildOptions, "alias" | "nodePaths">;

function withAliases(aliases: Record<string, string>, resolution: Resolution): Resolution {
  return { ...resolution, alias: { ...aliases, ...resolution.alias } };
}

/**
 * Points the validator's import at the code generated from the schema. esbuild runs plugins in its
 * asynchronous API only, and the stacks bundle synchronously, so the code is written to a content-addressed
 * file that an alias names, rather than served by a plugin. Its imports of Ajv's runtime helpers resolve
 * from the project's node_modules (nodePaths), since the file lives outside the project.
 */
function requestValidatorResolution(requestSchema: string): Pick<BuildOptions, "alias" | "nodePaths"> {
  const source = requestValidatorSource(requestSchema);
  const file = stageFile(Buffer.from(source, "utf8"), createHash("sha256").update(source).digest("hex"), "request-validator.mjs");
  return { alias: { [REQUEST_VALIDATOR_MODULE]: file }, nodePaths: [path.join(PROJECT_ROOT, "node_modules")] };
}

function packageBundle(options: NodejsBundleOptions, output: OutputFile): NodejsBundle {
  const code = output.contents;
  const zip = deterministicZip({ [MODULE_FILE]: code });
  const digest = createHash("sha256").update(zip);
  return {
    zipFile: stageFile(zip, digest.copy().digest("hex"), `${path.basename(path.dirname(options.entry))}.zip`),
    sourceCodeHash: digest.digest("base64"),
    handler: `${path.basename(MODULE_FILE, ".mjs")}.${options.exportName ?? "handler"}`,
    codeBytes: code.byteLength,
    zipBytes: zip.byteLength,
  };
}

/**
 * Writes a file (a zip, a generated validator) under a content-addressed path in the temp directory.
 * Parallel synths (test workers) write identical bytes to the same name; the rename makes each write atomic.
 */
function stageFile(contents: Uint8Array, contentHash: string, name: string): string {
  const directory = path.join(os.tmpdir(), "sfn-dedup-bundles", contentHash);
  const file = path.join(directory, name);
  if (!fs.existsSync(file)) {
    fs.mkdirSync(directory, { recursive: true });
    const partial = `${file}.${process.pid}.partial`;
    fs.writeFileSync(partial, contents);
    fs.renameSync(partial, file);
  }
  return file;
}
