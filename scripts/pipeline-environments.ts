import type { EnvironmentConfig } from "../lib/config/environment-config";
import { pipelineRoleArns } from "../lib/pipeline-roles";

/** One entry of the CI matrix (.github/workflows/cdktf.yml): what the plan and deploy jobs need. */
export interface PipelineEnvironment {
  readonly name: string;
  readonly account: string;
  readonly region: string;
  readonly stateBucket: string;
  /** The roles the plan and deploy jobs assume (README.md, Pipeline; npm run pipeline-roles). */
  readonly planRole: string;
  readonly deployRole: string;
}

/** The option of `npm run environments` that leaves environments with local state out instead of failing. */
export const SKIP_LOCAL_STATE_OPTION = "skip-local-state";
export const SKIP_LOCAL_STATE_FLAG = `--${SKIP_LOCAL_STATE_OPTION}` as const;

/** Environments the pipeline cannot deploy without losing their state; the message says how to fix it. */
export class LocalStateError extends Error {
  public override readonly name = "LocalStateError";

  constructor(public readonly environments: readonly string[]) {
    const list = environments.join(", ");
    super(
      `Environment(s) ${list} keep local state (no "state" in cdktf.json context.environments.<name>). ` +
        "A pipeline runner throws its files away after each job, so every deploy would start from empty state " +
        'and try to create everything again. Add "state": { "bucket": "<your-state-bucket>" } to each ' +
        `(README.md, State), or deploy them by hand and list only the others: npm run --silent environments -- ${SKIP_LOCAL_STATE_FLAG}.`,
    );
  }
}

/**
 * The environments the pipeline plans and deploys, in cdktf.json order. Only environments with an account
 * are deployable (the unconfigured default stack has nowhere to go), and each must keep remote state:
 * refused otherwise, or left out with `skipLocalState` (reported in `skipped`).
 */
export function pipelineEnvironments(
  environments: readonly EnvironmentConfig[],
  options: { readonly skipLocalState?: boolean } = {},
): { readonly listed: PipelineEnvironment[]; readonly skipped: string[] } {
  const deployable = environments.filter((environment) => environment.account !== undefined);
  const skipped = deployable.filter((environment) => environment.state === undefined).map((environment) => environment.name);
  if (skipped.length > 0 && !options.skipLocalState) {
    throw new LocalStateError(skipped);
  }
  const listed = deployable
    .filter((environment) => environment.state !== undefined)
    .map((environment) => {
      const { plan, deploy } = pipelineRoleArns(environment);
      return {
        name: environment.name,
        account: environment.account!,
        region: environment.region,
        stateBucket: environment.state!.bucket,
        planRole: plan,
        deployRole: deploy,
      };
    });
  return { listed, skipped };
}
