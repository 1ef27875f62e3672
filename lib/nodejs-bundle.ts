import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { type BuildOptions, build, buildSync, type Metafile, type OutputFile } from "esbuild";
import { deterministicZip } from "./deterministic-zip";
import { NODEJS_BUNDLE_TARGET } from "./nodejs-runtime";
import { PROJECT_ROOT } from "./project-root";
import { requestValidatorSource } from "./request-validator";

export interface NodejsBundleOptions {
  /** The handler module, relative to the project root, e.g. `functions/start-execution/index.ts`. */
  readonly entry: string;
  /** The exported function Lambda calls. @default "handler" */
  readonly exportName?: string;
  /** esbuild target. @default {@link NODEJS_BUNDLE_TARGET}, the functions' runtime's */
  readonly target?: string;
  /**
   * A JSON Schema (draft 2020-12) file, relative to the project root: the entry's import of
   * {@link REQUEST_VALIDATOR_MODULE} loads the validator generated from it, `request-validator.mjs` in the zip.
   * Part of the zip's identity, not of the handler module's.
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
  /** The code's total bytes, every file of the zip: the handler module and its validator. */
  readonly codeBytes: number;
  readonly zipBytes: number;
}

const MODULE_FILE = "index.mjs";
/**
 * The validator's file beside the handler module in every zip that needs one: the handler imports it by this
 * relative path (esbuild leaves the import as it is), so one build of an entry serves every schema.
 */
const VALIDATOR_FILE = "./request-validator.mjs";

/** One synth may create the same function in several stacks; it is bundled once. */
const bundles = new Map<string, NodejsBundle>();

/** An entry's handler module, the same for every schema, and whether it imports the validator. */
interface EntryCode {
  readonly code: Uint8Array;
  readonly importsValidator: boolean;
}

/** Built once per entry, and once per distinct validator (schema text and target), whatever the zips combine. */
const entryBuilds = new Map<string, EntryCode>();
const validatorBuilds = new Map<string, Uint8Array>();

/**
 * Bundles a TypeScript handler with esbuild as one minified, tree-shaken ES module, the AWS SDK included so
 * that its version is the one pinned in package-lock.json and not whatever the runtime ships, and zips it
 * deterministically: the same sources give the same bytes, so a plan shows a code change only when there is one.
 * The request validator, when the entry imports one, is a file of its own in the zip, built from the schema.
 */
export function bundleNodejsFunction(options: NodejsBundleOptions): NodejsBundle {
  const cacheKey = cacheKeyOf(options);
  const cached = bundles.get(cacheKey);
  if (cached) {
    return cached;
  }
  const entryKey = entryKeyOf(options);
  let entry = entryBuilds.get(entryKey);
  if (!entry) {
    const result = buildSync(entryBuildOptions(options));
    entry = entryCodeOf(result.outputFiles[0], Object.values(result.metafile.outputs)[0]);
    entryBuilds.set(entryKey, entry);
  }
  let validator: Uint8Array | undefined;
  if (requiresValidator(options, entry)) {
    const source = requestValidatorSource(options.requestSchema);
    const validatorKey = validatorKeyOf(options, source);
    validator = validatorBuilds.get(validatorKey);
    if (!validator) {
      validator = buildSync(validatorBuildOptions(options, source)).outputFiles[0].contents;
      validatorBuilds.set(validatorKey, validator);
    }
  }
  const bundle = packageBundle(options, entry, validator);
  bundles.set(cacheKey, bundle);
  return bundle;
}

/**
 * Bundles entries ahead of the stacks that deploy them, in esbuild's own process: started before the
 * CDKTF libraries load, the bundling runs beside their loading instead of after it. The stacks then
 * find the bundles ready ({@link bundleNodejsFunction} returns them from the cache).
 */
export async function prepareNodejsBundles(entries: readonly NodejsBundleOptions[]): Promise<void> {
  const pending = entries.filter((options) => !bundles.has(cacheKeyOf(options)));
  // Several workflows share an entry and differ by schema: each entry is built once, and each validator once.
  const unbuilt = new Map<string, Map<string, NodejsBundleOptions>>();
  for (const options of pending) {
    const entryKey = entryKeyOf(options);
    if (entryBuilds.has(entryKey)) continue;
    const target = options.target ?? NODEJS_BUNDLE_TARGET;
    unbuilt.set(target, (unbuilt.get(target) ?? new Map()).set(entryKey, options));
  }
  // One esbuild build for all the entries of a target, each an entry point of it: esbuild then parses the SDK's
  // modules, which every entry bundles, once, where a build per entry parsed them once per entry, which made
  // bundling most of a larger synth's work. Each entry's output is the bytes its own build gives
  // (__tests__/bundle-once.test.ts compares them).
  const buildingEntries = Promise.all(
    [...unbuilt.values()].map(async (group) => {
      const keys = [...group.keys()];
      const result = await build(entriesBuildOptions([...group.values()]));
      keys.forEach((entryKey, index) => {
        const output = outputPathOf(index);
        const file = result.outputFiles.find((outputFile) => outputFile.path === path.join(PROJECT_ROOT, output));
        entryBuilds.set(entryKey, entryCodeOf(file!, result.metafile.outputs[output]));
      });
    }),
  );
  // The validators are built beside the entries: whether an entry imports one is known only after its build,
  // so a validator may be built that no zip takes (a schema given to an entry without the import), as before.
  const validatorOptions = new Map<string, { options: NodejsBundleOptions; source: string }>();
  for (const options of pending) {
    if (options.requestSchema === undefined) continue;
    const source = requestValidatorSource(options.requestSchema);
    validatorOptions.set(validatorKeyOf(options, source), { options, source });
  }
  const buildingValidators = Promise.all(
    [...validatorOptions].map(async ([validatorKey, { options, source }]) => {
      if (!validatorBuilds.has(validatorKey)) {
        validatorBuilds.set(validatorKey, (await build(validatorBuildOptions(options, source))).outputFiles[0].contents);
      }
    }),
  );
  await Promise.all([buildingEntries, buildingValidators]);
  for (const options of pending) {
    bundleNodejsFunction(options);
  }
}

function cacheKeyOf(options: NodejsBundleOptions): string {
  const requestSchema = options.requestSchema === undefined ? null : path.normalize(options.requestSchema);
  return JSON.stringify([entryKeyOf(options), requestSchema]);
}

function entryKeyOf(options: NodejsBundleOptions): string {
  return JSON.stringify([options.entry, options.exportName ?? "handler", options.target ?? NODEJS_BUNDLE_TARGET]);
}

/** By the generated code, not the schema's path: the same schema in two files is built once. */
function validatorKeyOf(options: NodejsBundleOptions, source: string): string {
  return JSON.stringify([options.target ?? NODEJS_BUNDLE_TARGET, createHash("sha256").update(source).digest("hex")]);
}

function entryCodeOf(file: OutputFile, output: Metafile["outputs"][string]): EntryCode {
  return { code: file.contents, importsValidator: output.imports.some(({ path: imported }) => imported === VALIDATOR_FILE) };
}

/** An entry that imports the validator without a schema to make it from fails saying so. */
function requiresValidator(options: NodejsBundleOptions, entry: EntryCode): options is NodejsBundleOptions & { requestSchema: string } {
  if (entry.importsValidator && options.requestSchema === undefined) {
    throw new Error(`${options.entry} imports ${REQUEST_VALIDATOR_MODULE}: bundle it with a requestSchema.`);
  }
  return entry.importsValidator;
}

const COMMON_BUILD_OPTIONS = {
  absWorkingDir: PROJECT_ROOT,
  write: false,
  bundle: true,
  platform: "node",
  format: "esm",
  minify: true,
  treeShaking: true,
  legalComments: "none",
  sourcemap: false,
  logLevel: "silent",
} as const satisfies BuildOptions;

function entryBuildOptions(options: NodejsBundleOptions): BuildOptions & { write: false; metafile: true } {
  return {
    ...COMMON_BUILD_OPTIONS,
    entryPoints: [path.join(PROJECT_ROOT, options.entry)],
    outfile: MODULE_FILE,
    target: options.target ?? NODEJS_BUNDLE_TARGET,
    // The SDK's ES module builds tree-shake far better than its CommonJS ones.
    mainFields: ["module", "main"],
    // Read to learn whether the entry imports the validator, so a missing schema is an error at synth.
    metafile: true,
    // The validator's import is left to the runtime, which finds the schema's build beside index.mjs.
    alias: { ...UNREACHED_SDK_PARTS_ALIAS, [REQUEST_VALIDATOR_MODULE]: VALIDATOR_FILE },
    external: [VALIDATOR_FILE],
  };
}

/** Where a build of several entries puts the index-th entry's module (never written: `write` is false). */
const ENTRIES_OUTDIR = "bundles";
const outputPathOf = (index: number) => `${ENTRIES_OUTDIR}/${index}.mjs`;

/** Several entries of one target, in one build: the same options as each one's own, but for where the output goes. */
function entriesBuildOptions(entries: readonly NodejsBundleOptions[]): BuildOptions & { write: false; metafile: true } {
  const { outfile: _, ...options } = entryBuildOptions(entries[0]);
  return {
    ...options,
    entryPoints: entries.map(({ entry }, index) => ({
      in: path.join(PROJECT_ROOT, entry),
      out: path.basename(outputPathOf(index), ".mjs"),
    })),
    outdir: ENTRIES_OUTDIR,
    outExtension: { ".js": ".mjs" },
  };
}

/**
 * The validator generated from the schema, bundled on its own: the generated code `require`s Ajv's runtime
 * helpers (e.g. `ajv/dist/runtime/ucs2length`), which esbuild takes from the project's node_modules. A few KB
 * of input, so esbuild builds it in milliseconds, where a build of the whole handler per schema took the SDK too.
 */
function validatorBuildOptions(options: NodejsBundleOptions, source: string): BuildOptions & { write: false } {
  return {
    ...COMMON_BUILD_OPTIONS,
    stdin: { contents: source, resolveDir: PROJECT_ROOT, sourcefile: path.basename(VALIDATOR_FILE), loader: "js" },
    outfile: path.basename(VALIDATOR_FILE),
    target: options.target ?? NODEJS_BUNDLE_TARGET,
  };
}

/**
 * Parts of the SDK the functions never reach, replaced by stubs that refuse, each for the reason its stub gives:
 *
 * - the default credential chain, which every client's runtime config imports as a fallback: the functions'
 *   clients take credentials from the environment (functions/shared/aws-client-config.ts says why that is all
 *   Lambda gives Node.js functions), so the chain's providers, nested STS and SSO clients and metadata lookups
 *   would be dead weight, about 140 KB of every bundle;
 * - event-stream support, which the protocols `import()` for event-stream operations only: neither Step
 *   Functions nor DynamoDB has one, and that `import()` made esbuild wrap most of the SDK in lazy
 *   initialisers, which slowed every cold import (README.md, Performance).
 */
const UNREACHED_SDK_PARTS_ALIAS: Record<string, string> = {
  "@aws-sdk/credential-provider-node": path.join(PROJECT_ROOT, "functions/shared/no-default-credential-chain.ts"),
  "@smithy/core/event-streams": path.join(PROJECT_ROOT, "functions/shared/no-event-streams.ts"),
};

function packageBundle(options: NodejsBundleOptions, entry: EntryCode, validator: Uint8Array | undefined): NodejsBundle {
  const files: Record<string, Uint8Array> = { [MODULE_FILE]: entry.code };
  if (validator) {
    files[path.basename(VALIDATOR_FILE)] = validator;
  }
  const zip = deterministicZip(files);
  const digest = createHash("sha256").update(zip);
  return {
    zipFile: stageFile(zip, digest.copy().digest("hex"), `${path.basename(path.dirname(options.entry))}.zip`),
    sourceCodeHash: digest.digest("base64"),
    handler: `${path.basename(MODULE_FILE, ".mjs")}.${options.exportName ?? "handler"}`,
    codeBytes: Object.values(files).reduce((total, code) => total + code.byteLength, 0),
    zipBytes: zip.byteLength,
  };
}

/**
 * Writes a zip under a content-addressed path in the temp directory.
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
