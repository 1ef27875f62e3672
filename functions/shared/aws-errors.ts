/** How long a client should wait after each kind of refusal. */
export const RETRY_AFTER_SECONDS = { throttled: 1, unavailable: 5, executionLimit: 60 } as const;

/** Step Functions' throttling errors, its KMS key's included. */
export const STEP_FUNCTIONS_THROTTLING_ERRORS: ReadonlySet<string> = new Set([
  "ThrottlingException",
  "KmsThrottlingException",
  "TooManyRequestsException",
]);

/** What an AWS SDK v3 error carries beyond its name. */
export interface ServiceErrorShape {
  readonly $fault?: "client" | "server";
  readonly $metadata?: { readonly httpStatusCode?: number };
  /** Node's system error code, for failures below HTTP. */
  readonly code?: string;
  readonly message?: string;
}

export function errorName(error: unknown): string {
  return error instanceof Error ? error.name : "UnknownError";
}
