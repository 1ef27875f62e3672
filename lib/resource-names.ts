/** The names the stacks give their resources, where more than one module needs them. */

/** Prefix of every resource name and value of the `project` tag. */
export const PROJECT_NAME = "sfn-dedup";

/**
 * `sfn-dedup-<environment>`: how every name an environment's stack gives starts, so that environments can share
 * an account, and what the pipeline's deploy roles are scoped to (lib/pipeline-roles.ts).
 */
export function resourcePrefix(environment: string): string {
  return `${PROJECT_NAME}-${environment}`;
}

/** The ledger reconciler's schedule's role (lib/ledger-reconciler.ts): the pipeline's deploy role may pass it, and no other. */
export function reconcilerScheduleRoleName(prefix: string): string {
  return `${prefix}-ledger-reconciler-schedule`;
}
