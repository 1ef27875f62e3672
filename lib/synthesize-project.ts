import type { ProjectConfig } from "./config/project-config";
import { DedupTriggerStack } from "./dedup-trigger-stack";
import { StateBucketStack } from "./state-bucket-stack";
import { App, type TerraformStack } from "./toolkit/cdktf";

/** Every stack of the project: one per environment, one per state bucket, synthesized into the App's outdir. */
export function synthesizeProject(project: ProjectConfig, context: Record<string, unknown>): { app: App; stacks: TerraformStack[] } {
  const app = new App({ context });
  const stacks: TerraformStack[] = [
    ...project.environments.map((environment) => new DedupTriggerStack(app, environment)),
    ...project.stateBuckets.map((stateBucket) => new StateBucketStack(app, stateBucket)),
  ];
  app.synth();
  return { app, stacks };
}
