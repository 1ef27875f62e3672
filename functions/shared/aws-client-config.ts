import { fromEnv } from "@aws-sdk/credential-provider-env";

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
 * A request that re-runs a failed one (rerun: "after-failure") may need more calls than that (the search for the
 * latest attempt, the history, the redrive): it makes each only while the invocation has time for it and its
 * answer (functions/start-execution/handler.ts), and otherwise answers 503 with a Retry-After.
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

export type AwsCallLimits = { readonly [K in keyof typeof AWS_CALL_LIMITS]: number };

/**
 * Multiplies both time limits. The stacks never set it, so on Lambda the limits are AWS's; the local Lambda
 * host (local/lambda-host.ts) sets it, because local emulators on a shared machine (dynalite, the sandbox's
 * Step Functions) can take seconds where AWS takes milliseconds, and a limit fit for AWS would turn a busy
 * machine into 503s.
 */
export const AWS_CALL_LIMIT_SCALE_VARIABLE = "SFN_DEDUP_AWS_CALL_LIMIT_SCALE";

/** The longest one AWS call may take under these limits: every attempt the SDK may make, each at its time limit. */
export function longestCallMs(limits: AwsCallLimits): number {
  return limits.maxAttempts * limits.requestTimeoutMs;
}

/** The limits in force: AWS's, scaled when the variable is set; a bad value fails the cold start. */
export function awsCallLimitsFrom(env: NodeJS.ProcessEnv): AwsCallLimits {
  const setting = env[AWS_CALL_LIMIT_SCALE_VARIABLE];
  if (setting === undefined || setting === "") {
    return AWS_CALL_LIMITS;
  }
  const scale = Number(setting);
  if (!Number.isFinite(scale) || scale < 1) {
    throw new Error(`${AWS_CALL_LIMIT_SCALE_VARIABLE} must be a number of at least 1; got "${setting}".`);
  }
  return scaledAwsCallLimits(scale);
}

/** AWS's limits with both time limits multiplied; one attempt still. */
export function scaledAwsCallLimits(scale: number): AwsCallLimits {
  return {
    connectionTimeoutMs: AWS_CALL_LIMITS.connectionTimeoutMs * scale,
    requestTimeoutMs: AWS_CALL_LIMITS.requestTimeoutMs * scale,
    maxAttempts: AWS_CALL_LIMITS.maxAttempts,
  };
}

/**
 * Options for an SDK v3 client (SFNClient, DynamoDBClient): credentials from the environment and the limits
 * in force, plus any given.
 *
 * Credentials: on Lambda the default chain never gets past its first provider, the environment. Lambda's
 * Node.js runtime sets AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN to "the access keys
 * obtained from the function's execution role"; they are reserved, so a function's configuration cannot
 * set or replace them (Lambda Developer Guide, "Defined runtime environment variables",
 * https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime).
 * The one exception AWS documents, SnapStart, serves credentials from a container endpoint instead, and
 * SnapStart exists for Java, Python and .NET only: "other managed runtimes (such as nodejs24.x ...)" are not
 * supported (https://docs.aws.amazon.com/lambda/latest/dg/snapstart.html#snapstart-runtimes); the stacks
 * do not enable it either. Naming the provider here lets the bundles leave the rest of the chain out (SSO,
 * INI, process, web identity, container and instance metadata, with their nested STS and SSO clients:
 * about 140 KB of each bundle), which lib/nodejs-bundle.ts does. Without the variables a call fails with
 * "Unable to find environment variable credentials" rather than look in files and endpoints Lambda lacks.
 */
export function awsClientConfig<T extends object>(overrides: T = {} as T, limits: AwsCallLimits = awsCallLimitsFrom(process.env)) {
  return {
    credentials: fromEnv(),
    maxAttempts: limits.maxAttempts,
    requestHandler: {
      connectionTimeout: limits.connectionTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      // Without this the request timer only logs a warning and the call goes on waiting.
      throwOnRequestTimeout: true,
    },
    ...overrides,
  };
}
