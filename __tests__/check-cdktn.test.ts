import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { projectConfigFrom } from "../lib/config/project-config";
import { PROJECT_ROOT } from "../lib/project-root";
import { TOOLKIT_CLI } from "../lib/toolkit/names";
import { CHECK_CONFIGURATIONS, RICH_CONTEXT } from "../scripts/cdktn/check-configurations";
import {
  isCdktfPackage,
  MOVED_NODE_ENGINE,
  movePackageJson,
  moveSeamModule,
  moveWorkflow,
  PACKAGE_MOVES,
  SEAM_MODULES,
  WORKFLOW_FILE,
} from "../scripts/cdktn/move-to-cdktn";
import { changesDeployedThings, compareOutputs, formatComparison } from "../scripts/cdktn/synth-comparison";
import { parseCheckCdktnArguments } from "../scripts/check-cdktn-arguments";
import { UsageError } from "../scripts/command-line";

/**
 * npm run check:cdktn's parts that need no registry: the move (README.md, Leaving CDKTF) applied to the project's
 * own files, and the comparison of two synth outputs. The check itself installs packages, so it is run by hand.
 */

const read = (file: string) => fs.readFileSync(path.join(PROJECT_ROOT, file), "utf8");

/** A quoted name of CDKTF's: a module specifier, or the CLI's or a package's name as a string. */
const QUOTED_CDKTF_NAME = /["'`]@?cdktf(?:-cli)?["'`/]/;

/**
 * The move applies to a project on CDKTF. Once made (package.json has no CDKTF package left), there is nothing to
 * move, and these tests are reported as skipped; `npm run check:cdktn --test` runs npm test in the moved copy.
 */
const onCdktf = Object.keys({ ...JSON.parse(read("package.json")).dependencies }).some(isCdktfPackage);

it("runs the move's tests exactly while the project is on CDKTF: while the seam names cdktf's CLI", () => {
  expect(onCdktf).toBe(String(TOOLKIT_CLI) === "cdktf");
});

(onCdktf ? describe : describe.skip)("the move to CDK Terrain", () => {
  describe("package.json", () => {
    const before = JSON.parse(read("package.json"));
    const after = JSON.parse(movePackageJson(read("package.json")));

    it("moves every CDKTF package the project depends on, in its own section, to the exact version the recipe gives", () => {
      for (const section of ["dependencies", "devDependencies"]) {
        for (const name of Object.keys(before[section]).filter((dependency) => dependency in PACKAGE_MOVES)) {
          const moved = after[section][PACKAGE_MOVES[name].name];
          expect({ section, name, moved }).toEqual({ section, name, moved: PACKAGE_MOVES[name].version });
        }
        expect(Object.keys(after[section]).filter(isCdktfPackage)).toEqual([]);
      }
      expect(after.dependencies).toMatchObject({ cdktn: "0.24.0", "@cdktn/provider-aws": "25.7.0", constructs: "10.6.0" });
      expect(after.devDependencies).toMatchObject({ "cdktn-cli": "0.24.0" });
    });

    it("changes nothing else but the Node.js engine, which cdktn-cli needs at 22.19 or later", () => {
      const moving = new Set(Object.entries(PACKAGE_MOVES).flatMap(([from, to]) => [from, to.name]));
      const unmoved = (json: any, section: string) => Object.entries(json[section]).filter(([name]) => !moving.has(name));
      for (const section of ["dependencies", "devDependencies", "optionalDependencies"]) {
        expect(unmoved(after, section)).toEqual(unmoved(before, section));
      }
      const { dependencies: _d, devDependencies: _dd, optionalDependencies: _o, engines, ...rest } = after;
      const { dependencies: _bd, devDependencies: _bdd, optionalDependencies: _bo, engines: beforeEngines, ...beforeRest } = before;
      expect(rest).toEqual(beforeRest);
      expect(engines).toEqual({ ...beforeEngines, node: MOVED_NODE_ENGINE });
      expect(MOVED_NODE_ENGINE).toBe(">=22.19 <23");
    });

    it("refuses a CDKTF package it has no move for, rather than leave it behind", () => {
      const text = JSON.stringify({ dependencies: { cdktf: "0.21.0", "@cdktf/provider-google": "16.0.0" } });
      expect(() => movePackageJson(text)).toThrow("package.json dependencies: no move known for @cdktf/provider-google");
    });
  });

  describe("the seam's modules", () => {
    it.each(SEAM_MODULES)("%s: every quoted CDKTF name moves, and no other line changes", (file) => {
      const before = read(file);
      const after = moveSeamModule(before);
      expect(before).toMatch(QUOTED_CDKTF_NAME);
      expect(after).not.toMatch(QUOTED_CDKTF_NAME);
      const [beforeLines, afterLines] = [before.split("\n"), after.split("\n")];
      expect(afterLines).toHaveLength(beforeLines.length);
      const changed = beforeLines.filter((line, index) => line !== afterLines[index]);
      expect(changed.filter((line) => !QUOTED_CDKTF_NAME.test(line))).toEqual([]);
    });

    // Built from parts, so that this file names no toolkit module itself (project-conventions.test.ts).
    const [cdktf, cdktn] = ["cdktf", "cdktn"];
    it.each([
      [`import { App } from "${cdktf}";`, `import { App } from "${cdktn}";`],
      [`import "${cdktf}/lib/testing/adapters/jest";`, `import "${cdktn}/lib/testing/adapters/jest";`],
      [`export { Queue } from '@${cdktf}/provider-aws/lib/sqs-queue';`, `export { Queue } from '@${cdktn}/provider-aws/lib/sqs-queue';`],
      [`const { format } = await import("@${cdktf}/hcl-tools");`, `const { format } = await import("@${cdktn}/hcl-tools");`],
      [`export const TOOLKIT_CLI = "${cdktf}";`, `export const TOOLKIT_CLI = "${cdktn}";`],
      ["// cdktf's App, as `cdktf synth` runs it", "// cdktf's App, as `cdktf synth` runs it"],
      [`"${cdktf}-cli"`, `"${cdktn}-cli"`],
      [`import { x } from "${cdktf}-helpers";`, `import { x } from "${cdktf}-helpers";`],
      ['const file = "cdktf.json";', 'const file = "cdktf.json";'],
    ])("moves %j to %j", (line, moved) => {
      expect(moveSeamModule(line)).toBe(moved);
    });
  });

  describe("the workflow", () => {
    const before = read(WORKFLOW_FILE);
    const after = moveWorkflow(before);

    it("calls cdktn's CLI where it called cdktf's: the plan's diff and the deploy", () => {
      expect(before.match(/npx cdktf \w+/g)).toEqual(["npx cdktf diff", "npx cdktf deploy"]);
      expect(after.match(/npx cdktn \w+/g)).toEqual(["npx cdktn diff", "npx cdktn deploy"]);
      expect(after).not.toMatch(/npx cdktf/);
    });

    it("keeps every other mention: the artifact, cdktf.out, cdktf.json and the step names", () => {
      expect(after.replace(/npx cdktn /g, "npx cdktf ")).toBe(before);
    });
  });

  describe("README.md, Leaving CDKTF", () => {
    const readme = read("README.md");
    const section = readme.slice(readme.indexOf("#### Moving to CDK Terrain"), readme.indexOf("\n## Pipeline\n"));
    const installed = { ...JSON.parse(read("package.json")).dependencies, ...JSON.parse(read("package.json")).devDependencies };

    const rows = section.split("\n").filter((line) => line.startsWith("| "));

    it.each(Object.entries(PACKAGE_MOVES))("gives %s's move as the check makes it, from the version package.json pins now", (from, to) => {
      // constructs keeps its name: its row is "| constructs | <now> | <moved> …".
      const [now, moved] =
        from === to.name
          ? [`| ${from} | ${installed[from]} |`, ` | ${to.version} `]
          : [`\`${from}\` ${installed[from]}`, `\`${to.name}\` ${to.version}`];
      expect(rows.filter((row) => row.includes(now) && row.includes(moved))).toHaveLength(1);
    });

    it("names the engine, the seam's modules and the workflow the move edits", () => {
      expect(section).toContain(`"${MOVED_NODE_ENGINE}"`);
      for (const file of SEAM_MODULES) expect(section).toContain(`\`${path.basename(file)}\``);
      expect(section).toContain(`\`${WORKFLOW_FILE}\``);
      expect(section).toContain("npm run check:cdktn");
    });
  });
});

describe("npm run check:cdktn's arguments", () => {
  it.each([
    [[], { keep: false, test: false }],
    [["--keep"], { keep: true, test: false }],
    [["--test", "--keep"], { keep: true, test: true }],
    [["--help"], "help"],
  ])("reads %j as %j", (argv, options) => {
    expect(parseCheckCdktnArguments(argv)).toEqual(options);
  });

  it.each([["--kep"], ["--keep=yes"], ["copy"]])("refuses %s", (argument) => {
    expect(() => parseCheckCdktnArguments([argument])).toThrow(UsageError);
  });
});

describe("the configurations npm run check:cdktn synthesizes", () => {
  it("are cdktf.json as it is and a rich context", () => {
    expect(CHECK_CONFIGURATIONS.map(({ name, context }) => [name, context !== undefined])).toEqual([
      ["cdktf.json", false],
      ["rich", true],
    ]);
  });

  it("the rich context is valid: two environments with the ledger, a state bucket, four workflows, the fixtures' among them", () => {
    const project = projectConfigFrom(RICH_CONTEXT);
    expect(project.environments.map((environment) => environment.name)).toEqual(["dev", "prod"]);
    expect(project.stateBuckets).toHaveLength(1);
    const definitions = Object.values(RICH_CONTEXT.workflows).map(({ definition }) => definition);
    expect(definitions.filter((definition) => definition.startsWith("__tests__/fixtures/workflows/"))).toHaveLength(2);
    expect(Object.values(RICH_CONTEXT.environments).every((environment) => environment.ledger && environment.alarms)).toBe(true);
  });
});

describe("comparing two synth outputs", () => {
  const workspace = fs.mkdtempSync(path.join(os.tmpdir(), "sfn-dedup-compare-"));
  afterAll(() => fs.rmSync(workspace, { recursive: true, force: true }));

  const base = {
    "//": { metadata: { version: "0.21.0", stackName: "dev" } },
    terraform: { required_providers: { aws: { source: "aws", version: "6.25.0" } } },
    provider: { aws: [{ region: "eu-west-1" }] },
    resource: {
      aws_sns_topic: { topic_1: { name: "t" } },
      aws_lambda_function: { fn_2: { function_name: "f", environment: { variables: { A: "1" } }, layers: ["x"] } },
    },
    data: { aws_region: { region_3: {} } },
    output: { topic_arn: { value: "${aws_sns_topic.topic_1.arn}" } },
  };
  let count = 0;

  /** An output directory with one stack per entry: its Terraform JSON and the files beside it. */
  function outdir(stacks: Record<string, { tf: Record<string, unknown>; files?: Record<string, string> }>, version = "0.21.0"): string {
    const dir = path.join(workspace, String(count++));
    const manifest = { version, stacks: {} as Record<string, unknown> };
    for (const [stack, { tf, files = {} }] of Object.entries(stacks)) {
      const stackDir = path.join(dir, "stacks", stack);
      fs.mkdirSync(path.join(stackDir, "assets"), { recursive: true });
      fs.writeFileSync(path.join(stackDir, "cdk.tf.json"), JSON.stringify(tf));
      for (const [file, content] of Object.entries(files)) fs.writeFileSync(path.join(stackDir, file), content);
      manifest.stacks[stack] = { synthesizedStackPath: `stacks/${stack}/cdk.tf.json`, workingDirectory: `stacks/${stack}` };
    }
    fs.writeFileSync(path.join(dir, "manifest.json"), JSON.stringify(manifest));
    return dir;
  }

  function withChange(change: (tf: any) => void): Record<string, unknown> {
    const tf = structuredClone(base);
    change(tf);
    return tf;
  }

  it("finds nothing in two outputs that are the same", () => {
    const stack = { dev: { tf: base, files: { "assets/a.zip": "zip" } } };
    const comparison = compareOutputs(outdir(stack), outdir(stack));
    expect(changesDeployedThings(comparison)).toBe(false);
    expect(comparison.stacks[0].resources).toEqual({ identical: 2, added: [], removed: [], changed: [] });
    expect(comparison.stacks[0]).toMatchObject({ providerAndTerraform: [], metadata: [], other: [] });
    expect(formatComparison(comparison)).toContain("    resources: 2, identical");
    expect(formatComparison(comparison)).toContain("    assets: 1 file(s), byte-identical");
  });

  it("reports the provider pin and the toolkit's metadata apart, as changing no deployed thing", () => {
    const after = withChange((tf) => {
      tf.terraform.required_providers.aws = { source: "hashicorp/aws", version: "6.66.0" };
      tf["//"].metadata.version = "0.24.0";
    });
    const comparison = compareOutputs(outdir({ dev: { tf: base } }), outdir({ dev: { tf: after } }, "0.24.0"));
    expect(changesDeployedThings(comparison)).toBe(false);
    expect(comparison.stacks[0].providerAndTerraform).toEqual([
      { path: "terraform.required_providers.aws.source", before: "aws", after: "hashicorp/aws" },
      { path: "terraform.required_providers.aws.version", before: "6.25.0", after: "6.66.0" },
    ]);
    expect(comparison.stacks[0].metadata).toEqual([{ path: "//.metadata.version", before: "0.21.0", after: "0.24.0" }]);
    expect(comparison.manifest).toEqual([{ path: "version", before: "0.21.0", after: "0.24.0" }]);
  });

  it("names a changed resource by its address, with the attribute paths that changed", () => {
    const after = withChange((tf) => {
      tf.resource.aws_lambda_function.fn_2.environment.variables.A = "2";
      tf.resource.aws_lambda_function.fn_2.environment.variables.B = "new";
      tf.resource.aws_lambda_function.fn_2.layers.push("y");
    });
    const comparison = compareOutputs(outdir({ dev: { tf: base } }), outdir({ dev: { tf: after } }));
    expect(changesDeployedThings(comparison)).toBe(true);
    expect(comparison.stacks[0].resources.changed).toEqual([
      {
        address: "aws_lambda_function.fn_2",
        changes: [
          { path: "environment.variables.A", before: "1", after: "2" },
          { path: "environment.variables.B", after: "new" },
          { path: "layers[1]", after: "y" },
        ],
      },
    ]);
    const lines = formatComparison(comparison);
    expect(lines).toEqual(expect.arrayContaining(["      ~ aws_lambda_function.fn_2", '          environment.variables.A: "1" -> "2"']));
  });

  it("names resources, data sources and outputs added or removed, and a stack on one side only", () => {
    const after = withChange((tf) => {
      delete tf.resource.aws_sns_topic;
      tf.resource.aws_sqs_queue = { queue_4: { name: "q" } };
      tf.data = {};
      delete tf.output.topic_arn;
    });
    const comparison = compareOutputs(outdir({ dev: { tf: base }, old: { tf: base } }), outdir({ dev: { tf: after } }));
    expect(changesDeployedThings(comparison)).toBe(true);
    const [dev, old] = comparison.stacks;
    expect(dev.resources).toMatchObject({ added: ["aws_sqs_queue.queue_4"], removed: ["aws_sns_topic.topic_1"] });
    expect(dev.dataSources.removed).toEqual(["data.aws_region.region_3"]);
    expect(dev.outputs.removed).toEqual(["output.topic_arn"]);
    expect(old).toMatchObject({ stack: "old", presence: "removed" });
  });

  it("compares the files beside each stack's Terraform byte for byte", () => {
    const comparison = compareOutputs(
      outdir({ dev: { tf: base, files: { "assets/a.zip": "one", "assets/b.zip": "same" } } }),
      outdir({ dev: { tf: base, files: { "assets/a.zip": "two", "assets/b.zip": "same", "assets/c.zip": "new" } } }),
    );
    expect(changesDeployedThings(comparison)).toBe(true);
    expect(comparison.stacks[0].assets).toEqual({ identical: 1, differing: ["assets/a.zip"], added: ["assets/c.zip"], removed: [] });
  });
});
