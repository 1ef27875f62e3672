import { projectConfigFrom } from "../lib/config/project-config";
import { functionBundlesFor } from "../lib/function-entries";
import { prepareNodejsBundles } from "../lib/nodejs-bundle";
import { SYNTH_MATRIX_CONTEXT } from "../bench/synth-cost";
import { synthProject } from "./support/synth";

// esbuild's own functions, counted: which entries it was asked to build, and how.
const builds: Array<{ api: "build" | "buildSync"; entry: string }> = [];
jest.mock("esbuild", () => {
  const esbuild = jest.requireActual("esbuild");
  const entryOf = (options: { entryPoints: string[] }) => options.entryPoints[0];
  return {
    ...esbuild,
    build: (options: { entryPoints: string[] }) => {
      builds.push({ api: "build", entry: entryOf(options) });
      return esbuild.build(options);
    },
    buildSync: (options: { entryPoints: string[] }) => {
      builds.push({ api: "buildSync", entry: entryOf(options) });
      return esbuild.buildSync(options);
    },
  };
});

describe("synth of 3 environments x 3 workflows (the benchmark's)", () => {
  it("bundles each distinct (entry, request schema) once, ahead of the stacks, not once per environment or workflow", async () => {
    const project = projectConfigFrom(SYNTH_MATRIX_CONTEXT);
    const entries = project.environments.flatMap(functionBundlesFor);
    const distinct = new Set(entries.map(({ entry, requestSchema }) => `${entry} ${requestSchema}`));
    // 9 start functions and prod's ledger-status, from 2 entries × 2 schemas and ledger-status.
    expect([entries.length, distinct.size]).toEqual([10, 5]);

    await prepareNodejsBundles(entries);
    expect(builds).toHaveLength(distinct.size);
    expect(builds.every(({ api }) => api === "build")).toBe(true);

    // As main.ts does: the stacks, built after, find every bundle ready.
    const stacks = synthProject(SYNTH_MATRIX_CONTEXT);
    expect(builds).toHaveLength(distinct.size);
    const functions = Object.values(stacks).flatMap(({ tf }) => Object.values(tf.resource.aws_lambda_function ?? {}));
    expect(functions).toHaveLength(entries.length);
    expect(new Set(functions.map((fn) => fn.source_code_hash)).size).toBe(distinct.size);
  });
});
