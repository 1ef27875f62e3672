import * as path from "node:path";
import { projectConfigFrom } from "../lib/config/project-config";
import { functionBundlesFor } from "../lib/function-entries";
import { prepareNodejsBundles } from "../lib/nodejs-bundle";
import { PROJECT_ROOT } from "../lib/project-root";
import { SYNTH_MATRIX_CONTEXT } from "../bench/synth-cost";
import { synthProject } from "./support/synth";

// esbuild's own functions, counted: which entries (or generated validators, given as stdin) it was asked to build, and how.
type BuildCall = { entryPoints?: string[]; stdin?: { contents: string } };
const builds: Array<{ api: "build" | "buildSync"; entry?: string; validator?: string }> = [];
jest.mock("esbuild", () => {
  const esbuild = jest.requireActual("esbuild");
  const inputOf = (options: BuildCall) => (options.stdin ? { validator: options.stdin.contents } : { entry: options.entryPoints![0] });
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
  it("builds each entry once and each schema's validator once, ahead of the stacks, not once per environment or workflow", async () => {
    const project = projectConfigFrom(SYNTH_MATRIX_CONTEXT);
    const entries = project.environments.flatMap(functionBundlesFor);
    const distinct = new Set(entries.map(({ entry, requestSchema }) => `${entry} ${requestSchema}`));
    // 9 start functions, 9 status functions and prod's ledger-status and ledger reconciler: from 2 start entries ×
    // 2 schemas, the 2 status entries (with and without the ledger, no schema), ledger-status and the reconciler.
    expect([entries.length, distinct.size]).toEqual([20, 8]);

    await prepareNodejsBundles(entries);
    // The handler modules, with the SDK: one build per entry, whatever the schema.
    const entryBuilds = builds.filter(({ entry }) => entry !== undefined).map(({ entry }) => entry);
    expect(entryBuilds.sort()).toEqual([...new Set(entries.map(({ entry }) => path.join(PROJECT_ROOT, entry)))].sort());
    // The validators, a few KB each: one build per distinct schema.
    const validatorBuilds = builds.filter(({ validator }) => validator !== undefined);
    expect(validatorBuilds).toHaveLength(new Set(entries.flatMap(({ requestSchema }) => requestSchema ?? [])).size);
    expect(builds).toHaveLength(6 + 2);
    expect(builds.every(({ api }) => api === "build")).toBe(true);

    // As main.ts does: the stacks, built after, find every bundle ready.
    const stacks = synthProject(SYNTH_MATRIX_CONTEXT);
    expect(builds).toHaveLength(6 + 2);
    const functions = Object.values(stacks).flatMap(({ tf }) => Object.values(tf.resource.aws_lambda_function ?? {}));
    expect(functions).toHaveLength(entries.length);
    expect(new Set(functions.map((fn) => fn.source_code_hash)).size).toBe(distinct.size);
  });
});
