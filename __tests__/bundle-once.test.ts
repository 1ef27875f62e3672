import * as path from "node:path";
import { SYNTH_MATRIX_CONTEXT } from "../bench/synth-cost";
import { projectConfigFrom } from "../lib/config/project-config";
import { functionBundlesFor } from "../lib/function-entries";
import { bundleNodejsFunction, prepareNodejsBundles } from "../lib/nodejs-bundle";
import { PROJECT_ROOT } from "../lib/project-root";
import { synthProject } from "./support/synth";

// esbuild's own functions, counted: which entries (or generated validators, given as stdin) it was asked to build, and how.
type BuildCall = { entryPoints?: Array<string | { in: string }>; stdin?: { contents: string } };
const builds: Array<{ api: "build" | "buildSync"; entries?: string[]; validator?: string }> = [];
jest.mock("esbuild", () => {
  const esbuild = jest.requireActual("esbuild");
  const inputOf = (options: BuildCall) =>
    options.stdin
      ? { validator: options.stdin.contents }
      : { entries: options.entryPoints!.map((entryPoint) => (typeof entryPoint === "string" ? entryPoint : entryPoint.in)) };
  return {
    ...esbuild,
    build: (options: BuildCall) => {
      builds.push({ api: "build", ...inputOf(options) });
      return esbuild.build(options);
    },
    buildSync: (options: BuildCall) => {
      builds.push({ api: "buildSync", ...inputOf(options) });
      return esbuild.buildSync(options);
    },
  };
});

describe("synth of 3 environments x 3 workflows (the benchmark's)", () => {
  it(
    "builds every entry once, all in one esbuild build, and each schema's validator once, ahead of the stacks, not once per environment " +
      "or workflow",
    async () => {
      const project = projectConfigFrom(SYNTH_MATRIX_CONTEXT);
      const entries = project.environments.flatMap(functionBundlesFor);
      const distinct = new Set(entries.map(({ entry, requestSchema }) => `${entry} ${requestSchema}`));
      // 9 start functions, 9 status functions and prod's ledger-status and ledger reconciler: from 2 start entries ×
      // 2 schemas, the 2 status entries (with and without the ledger, no schema), ledger-status and the reconciler.
      expect([entries.length, distinct.size]).toEqual([20, 8]);

      await prepareNodejsBundles(entries);
      // The handler modules, with the SDK: one build for them all, in which each entry is one entry point, whatever the schema.
      const entryBuilds = builds.filter(({ entries: built }) => built !== undefined).map(({ entries: built }) => built!);
      expect(entryBuilds).toHaveLength(1);
      expect(entryBuilds[0].sort()).toEqual([...new Set(entries.map(({ entry }) => path.join(PROJECT_ROOT, entry)))].sort());
      // The validators, a few KB each: one build per distinct schema.
      const validatorBuilds = builds.filter(({ validator }) => validator !== undefined);
      expect(validatorBuilds).toHaveLength(new Set(entries.flatMap(({ requestSchema }) => requestSchema ?? [])).size);
      expect(builds).toHaveLength(1 + 2);
      expect(builds.every(({ api }) => api === "build")).toBe(true);

      // As main.ts does: the stacks, built after, find every bundle ready.
      const stacks = synthProject(SYNTH_MATRIX_CONTEXT);
      expect(builds).toHaveLength(1 + 2);
      const functions = Object.values(stacks).flatMap(({ tf }) => Object.values(tf.resource.aws_lambda_function ?? {}));
      expect(functions).toHaveLength(entries.length);
      expect(new Set(functions.map((fn) => fn.source_code_hash)).size).toBe(distinct.size);

      // The shared build changes no byte: each zip is the one a build of its entry alone gives (a fresh module's cache).
      let alone!: typeof import("../lib/nodejs-bundle");
      jest.isolateModules(() => {
        alone = require("../lib/nodejs-bundle");
      });
      for (const options of entries) {
        expect(alone.bundleNodejsFunction(options).sourceCodeHash).toBe(bundleNodejsFunction(options).sourceCodeHash);
      }
      const builtAlone = builds.slice(3).filter(({ entries: built }) => built !== undefined);
      expect(builtAlone.map(({ api, entries: built }) => [api, built!.length])).toEqual(entryBuilds[0].map(() => ["buildSync", 1]));
    },
  );
});
