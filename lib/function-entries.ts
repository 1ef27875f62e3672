import type { EnvironmentConfig } from "./config/environment-config";
import { DEFAULT_WORKFLOW, type WorkflowConfig } from "./config/workflow-config";
import type { NodejsBundleOptions } from "./nodejs-bundle";

/** The Lambda functions' entry points, relative to the project root. */
export const FUNCTION_ENTRIES = {
  startExecution: "functions/start-execution/index.ts",
  /** The same function with the ledger: a build of its own, so that the other carries no DynamoDB client. */
  startExecutionWithLedger: "functions/start-execution/with-ledger.ts",
  ledgerStatus: "functions/ledger-status/index.ts",
} as const;

/** The default workflow's request schema: what a notify-country request body must be. */
export const DEFAULT_REQUEST_SCHEMA = DEFAULT_WORKFLOW.request;

/**
 * The most code (index.mjs, in bytes: 1 KB = 1,000) any function's bundle may carry, ledger builds included
 * (issue 15). __tests__/nodejs-bundle.test.ts holds every bundle synth builds to it; the benchmark reports it.
 */
export const BUNDLE_TARGET_BYTES = 300_000;

/** The default workflow's bundles, which the benchmark measures: both start-execution builds and ledger-status. */
export const FUNCTION_BUNDLES = {
  startExecution: { entry: FUNCTION_ENTRIES.startExecution, requestSchema: DEFAULT_REQUEST_SCHEMA },
  startExecutionWithLedger: { entry: FUNCTION_ENTRIES.startExecutionWithLedger, requestSchema: DEFAULT_REQUEST_SCHEMA },
  ledgerStatus: { entry: FUNCTION_ENTRIES.ledgerStatus },
} as const satisfies Record<keyof typeof FUNCTION_ENTRIES, NodejsBundleOptions>;

/**
 * A workflow's start-execution function: the ledger build when the environment has a ledger (it needs the
 * DynamoDB client; the other ships without one), carrying the validator made from the workflow's request schema.
 */
export function startExecutionBundle(workflow: WorkflowConfig, withLedger: boolean): NodejsBundleOptions {
  return { entry: withLedger ? FUNCTION_ENTRIES.startExecutionWithLedger : FUNCTION_ENTRIES.startExecution, requestSchema: workflow.request };
}

/**
 * The bundles an environment's stack deploys, so that they can be built before the stack is. A bundle is
 * the same for every environment and workflow with the same entry and schema, and is built once.
 */
export function functionBundlesFor(environment: EnvironmentConfig): NodejsBundleOptions[] {
  const starters = environment.workflows.map((workflow) => startExecutionBundle(workflow, environment.ledger !== undefined));
  return environment.ledger ? [...starters, { entry: FUNCTION_ENTRIES.ledgerStatus }] : starters;
}
