/**
 * Time limits for every AWS call the functions make, in one place.
 *
 * Without them a hanging endpoint holds a call until the Lambda timeout kills the invocation: the client
 * then gets API Gateway's bare 500, with no problem document, no Retry-After and no log line. With them a
 * hanging call fails as `TimeoutError`, which the handler answers with 503 and Retry-After.
 *
 * The budget: a trigger request makes at most 2 × MAX_CLAIM_ATTEMPTS + 3 calls one after the other (claim
 * writes and reads, StartExecution, DescribeExecution, recording the start twice), and each call takes at
 * most `requestTimeoutMs` (the request timer covers connecting too). __tests__/aws-client-config.test.ts
 * checks that this worst case stays well inside the function's timeout (lib/dedup-trigger-stack.ts).
 *
 * One attempt per call: the client is the retry loop. Every refusal carries a Retry-After, and a retry
 * inside the function would spend the time budget that lets it answer at all.
 */
export const AWS_CALL_LIMITS = {
  /** Establishing a TCP (and TLS) connection. */
  connectionTimeoutMs: 300,
  /** A whole attempt, from sending the request to the end of the response. */
  requestTimeoutMs: 700,
  maxAttempts: 1,
} as const;

/** Options for an SDK v3 client (SFNClient, DynamoDBClient): the limits above, plus any given. */
export function awsClientConfig<T extends object>(overrides: T = {} as T) {
  return {
    maxAttempts: AWS_CALL_LIMITS.maxAttempts,
    requestHandler: {
      connectionTimeout: AWS_CALL_LIMITS.connectionTimeoutMs,
      requestTimeout: AWS_CALL_LIMITS.requestTimeoutMs,
      // Without this the request timer only logs a warning and the call goes on waiting.
      throwOnRequestTimeout: true,
    },
    ...overrides,
  };
}
