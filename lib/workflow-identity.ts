import { ConfigError } from "./config/config-error";
import { DEFAULT_WORKFLOW } from "./config/workflow-config";
import { resourcePrefix } from "./resource-names";

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
  /** The execution-status function, behind `GET <route's path>/{executionName}`; its role is `<name>-function`. */
  readonly statusFunctionName: string;
  readonly ids: {
    readonly workflow: string;
    readonly startFunction: string;
    readonly statusFunction: string;
    /** Prefix of the route's integration, route and permission ids inside the HTTP API construct. */
    readonly route: string;
    /** The same, for the status route. */
    readonly statusRoute: string;
    readonly endpointUrlOutput: string;
    readonly stateMachineArnOutput: string;
  };
  /** Whether its ledger records are keyed by the bare execution name (the default's, from before workflows). */
  readonly unscopedLedgerKeys: boolean;
}

/** AWS's limits on the names made here: IAM role names 64, Lambda function names 64, state machine names 80. */
const NAME_LIMITS = { role: 64, function: 64, stateMachine: 80 } as const;

export function workflowIdentity(environment: string, workflow: string): WorkflowIdentity {
  const prefix = resourcePrefix(environment);
  const stateMachineName = `${prefix}-${workflow}`;
  if (workflow === DEFAULT_WORKFLOW.name) {
    return {
      stateMachineName,
      startFunctionName: `${prefix}-start-execution`,
      statusFunctionName: `${prefix}-execution-status`,
      ids: {
        workflow: "workflow",
        startFunction: "start-execution",
        statusFunction: "execution-status",
        route: "",
        statusRoute: "status-",
        endpointUrlOutput: "endpoint_url",
        stateMachineArnOutput: "state_machine_arn",
      },
      unscopedLedgerKeys: true,
    };
  }
  return {
    stateMachineName,
    startFunctionName: `${prefix}-${workflow}-start`,
    statusFunctionName: `${prefix}-${workflow}-status`,
    ids: {
      workflow: `${workflow}-workflow`,
      startFunction: `${workflow}-start-execution`,
      statusFunction: `${workflow}-execution-status`,
      route: `${workflow}-`,
      statusRoute: `${workflow}-status-`,
      endpointUrlOutput: `${workflow}_endpoint_url`,
      stateMachineArnOutput: `${workflow}_state_machine_arn`,
    },
    unscopedLedgerKeys: false,
  };
}

/** Refuses, before synth writes anything, a workflow whose resource names in an environment pass an AWS limit. */
export function requireNamesWithinLimits(environment: string, workflow: string): void {
  const { stateMachineName, startFunctionName, statusFunctionName } = workflowIdentity(environment, workflow);
  const names: Array<[string, string, number]> = [
    ["state machine", stateMachineName, NAME_LIMITS.stateMachine],
    ["state machine role", `${stateMachineName}-workflow`, NAME_LIMITS.role],
    ["function", startFunctionName, NAME_LIMITS.function],
    ["function role", `${startFunctionName}-function`, NAME_LIMITS.role],
    ["status function", statusFunctionName, NAME_LIMITS.function],
    ["status function role", `${statusFunctionName}-function`, NAME_LIMITS.role],
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

/**
 * Refuses workflows whose names would give two of them the same resource name or construct id (Terraform
 * address) in an environment: the default's status route ids (`status-…`) are those of a workflow named
 * `status`, `orders`' (`orders-status-…`) those of a workflow named `orders-status`, and the default's status
 * function (`…-execution-status`) is a workflow named `execution`'s.
 */
export function requireDistinctIdentities(environment: string, workflows: readonly string[]): void {
  const taken = new Map<string, { workflow: string; what: string }>();
  for (const workflow of workflows) {
    const identity = workflowIdentity(environment, workflow);
    const routeIds = (prefix: string) => ["integration", "route", "invoke-permission"].map((part) => `http-api/${prefix}${part}`);
    const claims: Array<[what: string, key: string]> = [
      // Functions share one namespace (and their roles and log groups are named after them), state machines another.
      ["state machine", `state-machine:${identity.stateMachineName}`],
      ["start function", `function:${identity.startFunctionName}`],
      ["status function", `function:${identity.statusFunctionName}`],
      ...[identity.ids.workflow, identity.ids.startFunction, identity.ids.statusFunction].map((id): [string, string] => [
        "construct id",
        `id:${id}`,
      ]),
      ...routeIds(identity.ids.route).map((id): [string, string] => ["route's construct id", `id:${id}`]),
      ...routeIds(identity.ids.statusRoute).map((id): [string, string] => ["status route's construct id", `id:${id}`]),
    ];
    for (const [what, key] of claims) {
      const other = taken.get(key);
      if (other && other.workflow !== workflow) {
        throw new ConfigError(
          `context.workflows.${workflow}`,
          `in environment ${environment}, its ${what} would be ${key.slice(key.indexOf(":") + 1)}, which is already workflow ` +
            `${other.workflow}'s ${other.what}; rename one of the two workflows.`,
        );
      }
      taken.set(key, { workflow, what });
    }
  }
}
