import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { type BuildOptions, build, buildSync, type OutputFile } from "esbuild";
import { deterministicZip } from "./deterministic-zip";
import { PROJECT_ROOT } from "./project-root";

export interface NodejsBundleOptions {
  /** The handler module, relative to the project root, e.g. `functions/start-execution/index.ts`. */
  readonly entry: string;
  /** The exported function Lambda calls. @default "handler" */
  readonly exportName?: string;
  /** esbuild target; keep it in step with the function's runtime. @default {@link DEFAULT_BUNDLE_TARGET} */
  readonly target?: string;
}

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
  const bundle = packageBundle(options, buildSync(buildOptions(options)).outputFiles[0]);
  bundles.set(cacheKey, bundle);
  return bundle;
}

/**
 * Bundles entries ahead of the stacks that deploy them, in esbuild's own process: started before the
 * CDKTF libraries load, the bundling runs beside their loading instead of after it. The stacks then
 * find the bundles ready ({@link bundleNodejsFunction} returns them from the cache).
 */
export async function prepareNodejsBundles(entries: readonly NodejsBundleOptions[]): Promise<void> {
  await Promise.all(
    entries.map(async (options) => {
      const cacheKey = cacheKeyOf(options);
      if (bundles.has(cacheKey)) return;
      const result = await build(buildOptions(options));
      bundles.set(cacheKey, packageBundle(options, result.outputFiles![0]));
    }),
  );
}

function cacheKeyOf(options: NodejsBundleOptions): string {
  return JSON.stringify([options.entry, options.exportName ?? "handler", options.target ?? DEFAULT_BUNDLE_TARGET]);
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
  };
}

function packageBundle(options: NodejsBundleOptions, output: OutputFile): NodejsBundle {
  const code = output.contents;
  const zip = deterministicZip({ [MODULE_FILE]: code });
  const digest = createHash("sha256").update(zip);
  return {
    zipFile: stage(zip, digest.copy().digest("hex"), path.basename(path.dirname(options.entry))),
    sourceCodeHash: digest.digest("base64"),
    handler: `${path.basename(MODULE_FILE, ".mjs")}.${options.exportName ?? "handler"}`,
    codeBytes: code.byteLength,
    zipBytes: zip.byteLength,
  };
}

/**
 * Writes the zip under a content-addressed path in the temp directory. Parallel synths (test workers)
 * write identical bytes to the same name; the rename makes each write atomic.
 */
function stage(zip: Uint8Array, contentHash: string, name: string): string {
  const directory = path.join(os.tmpdir(), "sfn-dedup-bundles", contentHash);
  const zipFile = path.join(directory, `${name}.zip`);
  if (!fs.existsSync(zipFile)) {
    fs.mkdirSync(directory, { recursive: true });
    const partial = `${zipFile}.${process.pid}.partial`;
    fs.writeFileSync(partial, zip);
    fs.renameSync(partial, zipFile);
  }
  return zipFile;
}
