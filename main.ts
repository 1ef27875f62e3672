import { App, type TerraformStack } from "cdktf";
import { appContext } from "./lib/cdktf-context";
import { ConfigError } from "./lib/config/config-error";
import { projectConfigFrom } from "./lib/config/project-config";
import { DedupTriggerStack } from "./lib/dedup-trigger-stack";
import { takeHclOutputRequest, writeStacksAsHcl } from "./lib/hcl/hcl-output";
import { StateBucketStack } from "./lib/state-bucket-stack";

async function main(): Promise<void> {
  const context = appContext();
  // Checked before the App exists: a configuration error leaves no output behind.
  const project = projectConfigFrom(context);
  const hclOutput = takeHclOutputRequest();
  const app = new App({ context });
  const stacks: TerraformStack[] = [
    ...project.environments.map((environment) => new DedupTriggerStack(app, environment)),
    ...project.stateBuckets.map((stateBucket) => new StateBucketStack(app, stateBucket)),
  ];
  app.synth();
  if (hclOutput) {
    await writeStacksAsHcl(app, stacks);
  }
}

main().catch((error: unknown) => {
  if (!(error instanceof ConfigError)) {
    throw error;
  }
  process.stderr.write(`${error.message}\n`);
  process.exitCode = 1;
});
