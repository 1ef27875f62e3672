import type { EnvironmentConfig } from "./config/environment-config";
import { DEFAULT_WORKFLOW, type WorkflowConfig } from "./config/workflow-config";
import type { NodejsBundleOptions } from "./nodejs-bundle";

/** The Lambda functions' entry points, relative to the project root. */
export const FUNCTION_ENTRIES = {
  startExecution: "functions/start-execution/index.ts",
  /** The same function with the ledger: a build of its own, so that the other carries no DynamoDB client. */
  startExecutionWithLedger: "functions/start-execution/with-ledger.ts",
  /** The status route's function; like start-execution, a build without and one with the ledger. */
  executionStatus: "functions/execution-status/index.ts",
  executionStatusWithLedger: "functions/execution-status/with-ledger.ts",
  ledgerStatus: "functions/ledger-status/index.ts",
  /** The scheduled sweep that heals the ledger (lib/ledger-reconciler.ts). */
  ledgerReconciler: "functions/ledger-reconciler/index.ts",
} as const;

/** The default workflow's request schema: what a notify-country request body must be. */
export const DEFAULT_REQUEST_SCHEMA = DEFAULT_WORKFLOW.request;

/**
 * The most code (index.mjs, in bytes: 1 KB = 1,000) any function's bundle may carry, ledger builds included
 * (issue 15). __tests__/nodejs-bundle.test.ts holds every bundle synth builds to it; the benchmark reports it.
 */
export const BUNDLE_TARGET_BYTES = 300_000;

/**
 * The default workflow's bundles, which the benchmark measures: both builds of start-execution and execution-status,
 * ledger-status and the ledger reconciler.
 */
export const FUNCTION_BUNDLES = {
  startExecution: { entry: FUNCTION_ENTRIES.startExecution, requestSchema: DEFAULT_REQUEST_SCHEMA },
  startExecutionWithLedger: { entry: FUNCTION_ENTRIES.startExecutionWithLedger, requestSchema: DEFAULT_REQUEST_SCHEMA },
  executionStatus: { entry: FUNCTION_ENTRIES.executionStatus },
  executionStatusWithLedger: { entry: FUNCTION_ENTRIES.executionStatusWithLedger },
  ledgerStatus: { entry: FUNCTION_ENTRIES.ledgerStatus },
  ledgerReconciler: { entry: FUNCTION_ENTRIES.ledgerReconciler },
} as const satisfies Record<keyof typeof FUNCTION_ENTRIES, NodejsBundleOptions>;

/**
 * A workflow's start-execution function: the ledger build when the environment has a ledger (it needs the
 * DynamoDB client; the other ships without one), carrying the validator made from the workflow's request schema.
 */
export function startExecutionBundle(workflow: WorkflowConfig, withLedger: boolean): NodejsBundleOptions {
  return { entry: withLedger ? FUNCTION_ENTRIES.startExecutionWithLedger : FUNCTION_ENTRIES.startExecution, requestSchema: workflow.request };
}

/**
 * A workflow's execution-status function: the ledger build when the environment has a ledger, to answer for
 * executions Step Functions has forgotten. It validates no request body, so it is the same for every workflow.
 */
export function executionStatusBundle(withLedger: boolean): NodejsBundleOptions {
  return { entry: withLedger ? FUNCTION_ENTRIES.executionStatusWithLedger : FUNCTION_ENTRIES.executionStatus };
}

/**
 * The bundles an environment's stack deploys, one per function, so that they can be built before the stack
 * is. A bundle is the same for every environment and workflow with the same entry and schema, and is built once.
 */
export function functionBundlesFor(environment: EnvironmentConfig): NodejsBundleOptions[] {
  const withLedger = environment.ledger !== undefined;
  const perWorkflow = environment.workflows.flatMap((workflow) => [startExecutionBundle(workflow, withLedger), executionStatusBundle(withLedger)]);
  return withLedger ? [...perWorkflow, { entry: FUNCTION_ENTRIES.ledgerStatus }, { entry: FUNCTION_ENTRIES.ledgerReconciler }] : perWorkflow;
}
