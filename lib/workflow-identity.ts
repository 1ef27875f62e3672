import { ConfigError } from "./config/config-error";
import { DEFAULT_WORKFLOW } from "./config/workflow-config";
import { PROJECT_NAME } from "./project-tags";

/**
 * Where a workflow's resources live in a stack (construct ids, hence Terraform addresses) and what AWS calls
 * them. The default workflow keeps the addresses and names it had before stacks held several workflows, so an
 * existing deployment plans no change; every other workflow's are made from its name.
 */
export interface WorkflowIdentity {
  /** `sfn-dedup-<environment>-<workflow>`: the state machine, its role (`…-workflow`) and its log group. */
  readonly stateMachineName: string;
  /** The start-execution function; its role is `<name>-function`. */
  readonly startFunctionName: string;
  readonly ids: {
    readonly workflow: string;
    readonly startFunction: string;
    /** Prefix of the route's integration, route and permission ids inside the HTTP API construct. */
    readonly route: string;
    readonly endpointUrlOutput: string;
    readonly stateMachineArnOutput: string;
  };
  /** Whether its ledger records are keyed by the bare execution name (the default's, from before workflows). */
  readonly unscopedLedgerKeys: boolean;
}

/** AWS's limits on the names made here: IAM role names 64, Lambda function names 64, state machine names 80. */
const NAME_LIMITS = { role: 64, function: 64, stateMachine: 80 } as const;

export function workflowIdentity(environment: string, workflow: string): WorkflowIdentity {
  const prefix = `${PROJECT_NAME}-${environment}`;
  const stateMachineName = `${prefix}-${workflow}`;
  if (workflow === DEFAULT_WORKFLOW.name) {
    return {
      stateMachineName,
      startFunctionName: `${prefix}-start-execution`,
      ids: { workflow: "workflow", startFunction: "start-execution", route: "", endpointUrlOutput: "endpoint_url", stateMachineArnOutput: "state_machine_arn" },
      unscopedLedgerKeys: true,
    };
  }
  return {
    stateMachineName,
    startFunctionName: `${prefix}-${workflow}-start`,
    ids: {
      workflow: `${workflow}-workflow`,
      startFunction: `${workflow}-start-execution`,
      route: `${workflow}-`,
      endpointUrlOutput: `${workflow}_endpoint_url`,
      stateMachineArnOutput: `${workflow}_state_machine_arn`,
    },
    unscopedLedgerKeys: false,
  };
}

/** Refuses, before synth writes anything, a workflow whose resource names in an environment pass an AWS limit. */
export function requireNamesWithinLimits(environment: string, workflow: string): void {
  const { stateMachineName, startFunctionName } = workflowIdentity(environment, workflow);
  const names: Array<[string, string, number]> = [
    ["state machine", stateMachineName, NAME_LIMITS.stateMachine],
    ["state machine role", `${stateMachineName}-workflow`, NAME_LIMITS.role],
    ["function", startFunctionName, NAME_LIMITS.function],
    ["function role", `${startFunctionName}-function`, NAME_LIMITS.role],
  ];
  for (const [what, name, limit] of names) {
    if (name.length > limit) {
      throw new ConfigError(
        `context.workflows.${workflow}`,
        `in environment ${environment}, its ${what} would be named ${name} (${name.length} characters), over AWS's limit of ${limit}; ` +
          "shorten the workflow's or the environment's name.",
      );
    }
  }
}
