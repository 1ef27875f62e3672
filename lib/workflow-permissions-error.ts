/** One Task (or Map) state whose permissions cannot be derived from the definition at synth time. */
export interface TaskRefusal {
  /** The state's name, as a `covers` entry names it. */
  readonly state: string;
  /** Where it is, for people: `Fan out > branch 1 > Publish` for nested states, the name itself at the top. */
  readonly path: string;
  /** The whole sentence: which state, what could not be scoped, why, and what to add. */
  readonly message: string;
}

/**
 * A workflow definition whose IAM permissions cannot all be derived at synth. Every refusal of the definition
 * is listed at once, so a team fixes its configuration in one pass rather than one synth per state.
 */
export class WorkflowPermissionsError extends Error {
  constructor(
    public readonly workflowName: string,
    public readonly refusals: readonly TaskRefusal[],
  ) {
    super(
      `Workflow ${workflowName}: the permissions of ${refusals.length === 1 ? "1 state" : `${refusals.length} states`} ` +
        `cannot be derived from its definition:\n${refusals.map((refusal) => `  - ${refusal.message}`).join("\n")}`,
    );
    this.name = "WorkflowPermissionsError";
  }
}
