import type { EnvironmentConfig } from "./config/environment-config";

/** The Lambda functions' entry points, relative to the project root. */
export const FUNCTION_ENTRIES = {
  startExecution: "functions/start-execution/index.ts",
  /** The same function with the ledger: a build of its own, so that the other carries no DynamoDB client. */
  startExecutionWithLedger: "functions/start-execution/with-ledger.ts",
  ledgerStatus: "functions/ledger-status/index.ts",
} as const;

/** The functions an environment's stack deploys, so that they can be bundled before the stack is built. */
export function functionEntriesFor(environment: EnvironmentConfig): string[] {
  return environment.ledger
    ? [FUNCTION_ENTRIES.startExecutionWithLedger, FUNCTION_ENTRIES.ledgerStatus]
    : [FUNCTION_ENTRIES.startExecution];
}
