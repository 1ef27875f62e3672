import { appContext, appContextSource } from "./lib/cdktf-context";
import { ConfigError } from "./lib/config/config-error";
import { projectConfigFrom } from "./lib/config/project-config";
import { functionBundlesFor } from "./lib/function-entries";
import { prepareNodejsBundles } from "./lib/nodejs-bundle";

async function main(): Promise<void> {
  const context = appContext();
  // Checked before anything else: a configuration error leaves no output behind.
  const project = projectConfigFrom(context, appContextSource());
  // esbuild bundles the functions in its own process while the CDKTF libraries load below.
  const bundling = prepareNodejsBundles(project.environments.flatMap(functionBundlesFor));
  const [{ synthesizeProject }, { removeStaleHclOutput, takeHclOutputRequest, writeStacksAsHcl }, { removeStaleStackOutput }] =
    await Promise.all([import("./lib/synthesize-project"), import("./lib/hcl/hcl-output"), import("./lib/stale-stack-output")]);
  const hclOutput = takeHclOutputRequest();
  await bundling;
  const { app, stacks } = synthesizeProject(project, context);
  removeStaleStackOutput(app, stacks);
  if (hclOutput) {
    await writeStacksAsHcl(app, stacks);
  } else {
    removeStaleHclOutput(app, stacks);
  }
}

main().catch((error: unknown) => {
  if (!(error instanceof ConfigError)) {
    throw error;
  }
  process.stderr.write(`${error.message}\n`);
  process.exitCode = 1;
});
