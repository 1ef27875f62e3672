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

/** How long a function may run on Lambda, and with how much memory (and so CPU: 1,769 MB is one vCPU). */
export interface FunctionLimits {
  readonly timeoutSeconds: number;
  readonly memoryMb: number;
}

/** Every function's: enough for cold start and its AWS calls with headroom (README.md, "Memory": measured). */
const MEMORY_MB = 256;

/**
 * Each function's limits, in one place: the stack deploys them, and the local sandbox runs every function with
 * what synth wrote for it.
 */
export const FUNCTION_LIMITS = {
  /** Well under API Gateway's 30 s integration limit, so the client always gets the function's answer. */
  startExecution: { timeoutSeconds: 10, memoryMb: MEMORY_MB },
  /** At most two AWS calls; the same limit keeps API Gateway's 30 s far off. */
  executionStatus: { timeoutSeconds: 10, memoryMb: MEMORY_MB },
  /** One conditional write per event; Lambda retries a failed one twice, then the event goes to the dead-letter queue. */
  ledgerStatus: { timeoutSeconds: 10, memoryMb: MEMORY_MB },
  /**
   * A sweep looks at up to MAX_RECORDS_PER_SWEEP (100) records, each at most three AWS calls of at most 700 ms, and
   * starts none with less than 5 s left (functions/ledger-reconciler/reconcile.ts): a minute is far more than 100
   * records take (a few seconds), and a sweep whose calls all hang stops in time and leaves the rest to the next.
   * Well under the schedule's 5 minutes (lib/ledger-reconciler.ts), so that one sweep ends before the next begins.
   */
  ledgerReconciler: { timeoutSeconds: 60, memoryMb: MEMORY_MB },
} as const satisfies Record<string, FunctionLimits>;

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
  return {
    entry: withLedger ? FUNCTION_ENTRIES.startExecutionWithLedger : FUNCTION_ENTRIES.startExecution,
    requestSchema: workflow.request,
  };
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
  const perWorkflow = environment.workflows.flatMap((workflow) => [
    startExecutionBundle(workflow, withLedger),
    executionStatusBundle(withLedger),
  ]);
  return withLedger
    ? [...perWorkflow, { entry: FUNCTION_ENTRIES.ledgerStatus }, { entry: FUNCTION_ENTRIES.ledgerReconciler }]
    : perWorkflow;
}
