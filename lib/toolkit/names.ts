/**
 * The toolkit's names that code needs as values rather than imports (see ./cdktf.ts for why they live here).
 * Plain strings: reading them loads no CDKTF.
 */

/** The toolkit's command, as npx and node_modules/.bin name it (`cdktf synth`, `cdktf diff`, `cdktf deploy`). */
export const TOOLKIT_CLI = "cdktf";

/** The AWS provider bindings' package: the benchmark measures what loading its root would cost. */
export const AWS_PROVIDER_PACKAGE = "@cdktf/provider-aws";
