/**
 * The project's one way to CDKTF's libraries: every other file imports these names from here (the provider's
 * classes from ./aws-provider.ts, the packages' and command's names from ./names.ts), so that moving to CDK
 * Terrain changes this folder's module names, package.json and the workflow's CLI calls, and nothing else
 * (README.md, Leaving CDKTF; `npm run check:cdktn` tries it).
 */

// Declares the jest matchers Testing.setupJest() installs (toHaveResource…) for the type checker; cdktf's own
// index has loaded this module at run time already, so it costs a synth nothing.
import "cdktf/lib/testing/adapters/jest";

export {
  App,
  AssetType,
  Fn,
  LocalBackend,
  S3Backend,
  TerraformAsset,
  TerraformElement,
  TerraformOutput,
  TerraformStack,
  Testing,
  Token,
} from "cdktf";

/**
 * hclwrite's formatter: Terraform's native syntax as `terraform fmt` and the cdktf CLI format it. Loaded only when
 * HCL is asked for: it is WebAssembly, and instantiating it costs a JSON synth about 0.2 s for nothing.
 */
export async function formatHcl(text: string): Promise<string> {
  const { format } = await import("@cdktf/hcl-tools");
  return format(text);
}

/**
 * Native syntax parsed back into Terraform JSON's shape by HashiCorp's HCL parser (WebAssembly too). Tests read
 * `npm run synth:hcl`'s output with it; its package is a devDependency, which nothing else loads.
 */
// biome-ignore lint/suspicious/noExplicitAny: Terraform JSON of any shape, which the tests read as __tests__/support/synth.ts does.
export async function parseHcl(fileName: string, text: string): Promise<Record<string, any>> {
  const { parse } = await import("@cdktf/hcl2json");
  return parse(fileName, text);
}
