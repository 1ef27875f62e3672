import type { EnvironmentConfig } from "./config/environment-config";
import type { NodejsBundleOptions } from "./nodejs-bundle";

/** The Lambda functions' entry points, relative to the project root. */
export const FUNCTION_ENTRIES = {
  startExecution: "functions/start-execution/index.ts",
  /** The same function with the ledger: a build of its own, so that the other carries no DynamoDB client. */
  startExecutionWithLedger: "functions/start-execution/with-ledger.ts",
  ledgerStatus: "functions/ledger-status/index.ts",
} as const;

/** The notify-country workflow's request schema, relative to the project root: what its body must be. */
export const DEFAULT_REQUEST_SCHEMA = "asl/notify-country.request.schema.json";

/**
 * How each function is bundled for the default workflow: both start-execution builds carry the validator
 * generated from its request schema.
 */
export const FUNCTION_BUNDLES = {
  startExecution: { entry: FUNCTION_ENTRIES.startExecution, requestSchema: DEFAULT_REQUEST_SCHEMA },
  startExecutionWithLedger: { entry: FUNCTION_ENTRIES.startExecutionWithLedger, requestSchema: DEFAULT_REQUEST_SCHEMA },
  ledgerStatus: { entry: FUNCTION_ENTRIES.ledgerStatus },
} as const satisfies Record<keyof typeof FUNCTION_ENTRIES, NodejsBundleOptions>;

/** The bundles an environment's stack deploys, so that they can be built before the stack is. */
export function functionBundlesFor(environment: EnvironmentConfig): NodejsBundleOptions[] {
  return environment.ledger
    ? [FUNCTION_BUNDLES.startExecutionWithLedger, FUNCTION_BUNDLES.ledgerStatus]
    : [FUNCTION_BUNDLES.startExecution];
}
