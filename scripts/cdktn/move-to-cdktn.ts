/**
 * The move from CDKTF to CDK Terrain, as README.md's "Leaving CDKTF" gives it: what changes in package.json, in
 * the seam (lib/toolkit) and in the workflow's CLI calls. Pure text in, text out, so that the recipe is tested
 * without installing anything; `npm run check:cdktn` applies it to a copy of the project.
 */

/** Each CDKTF package the project depends on, and what replaces it (exact versions: the ones tried together). */
export const PACKAGE_MOVES: Readonly<Record<string, { readonly name: string; readonly version: string }>> = {
  cdktf: { name: "cdktn", version: "0.24.0" },
  "cdktf-cli": { name: "cdktn-cli", version: "0.24.0" },
  // Wraps hashicorp/aws 6.66.0 (the CDKTF binding, 21.22.1, wraps 6.25.0): no CDK Terrain release wraps 6.25.
  "@cdktf/provider-aws": { name: "@cdktn/provider-aws", version: "25.7.0" },
  "@cdktf/hcl-tools": { name: "@cdktn/hcl-tools", version: "0.24.0" },
  "@cdktf/hcl2json": { name: "@cdktn/hcl2json", version: "0.24.0" },
  // cdktn and the provider ask for >= 10.6.0 < 10.8.0; 10.6.0 is the one cdktn is built with and cdktn-cli pins.
  constructs: { name: "constructs", version: "10.6.0" },
};

/** cdktn-cli 0.24 refuses older Node.js 22 releases (every command but --version and --help crashes on them). */
export const MOVED_NODE_ENGINE = ">=22.19 <23";

/** The seam's modules: the only source files the move edits. */
export const SEAM_MODULES = ["lib/toolkit/cdktf.ts", "lib/toolkit/aws-provider.ts", "lib/toolkit/names.ts"] as const;

/** The workflow whose CLI calls (`npx cdktf diff`, `npx cdktf deploy`) the move edits. */
export const WORKFLOW_FILE = ".github/workflows/cdktf.yml";

interface PackageJson {
  engines?: Record<string, string>;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  [field: string]: unknown;
}

/**
 * package.json with every CDKTF package renamed and repinned, constructs repinned and Node's engine raised; each
 * dependency keeps its section and place. Fails on a CDKTF package the recipe does not know.
 */
export function movePackageJson(text: string): string {
  const packageJson = JSON.parse(text) as PackageJson;
  for (const section of ["dependencies", "devDependencies"] as const) {
    const dependencies = packageJson[section];
    if (!dependencies) continue;
    const unknown = Object.keys(dependencies).filter((name) => isCdktfPackage(name) && !(name in PACKAGE_MOVES));
    if (unknown.length > 0) throw new Error(`package.json ${section}: no move known for ${unknown.join(", ")}`);
    packageJson[section] = Object.fromEntries(
      Object.entries(dependencies).map(([name, version]) => {
        const move = PACKAGE_MOVES[name];
        return move ? [move.name, move.version] : [name, version];
      }),
    );
  }
  packageJson.engines = { ...packageJson.engines, node: MOVED_NODE_ENGINE };
  return `${JSON.stringify(packageJson, null, 2)}\n`;
}

/** A CDKTF package: cdktf, cdktf-cli, or one of the @cdktf scope. */
export function isCdktfPackage(name: string): boolean {
  return /^cdktf(?:-cli)?$/.test(name) || name.startsWith("@cdktf/");
}

/**
 * A seam module with every quoted CDKTF name (a module specifier such as "cdktf", "cdktf/lib/…",
 * "@cdktf/provider-aws/lib/…", or a name such as the CLI's "cdktf") moved to CDK Terrain's. Comments are left as
 * they are: they describe the code, and only the quoted names are read at run time.
 */
export function moveSeamModule(text: string): string {
  return text.replace(/(["'`])(@?)cdktf(?=(?:-cli)?["'`/])/g, "$1$2cdktn");
}

/** The workflow with its CDKTF CLI calls (`npx cdktf <command>`) made through CDK Terrain's (`npx cdktn <command>`). */
export function moveWorkflow(text: string): string {
  return text.replace(/\bnpx cdktf(?= )/g, "npx cdktn");
}
