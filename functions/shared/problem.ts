import type { APIGatewayProxyStructuredResultV2 } from "aws-lambda";

/**
 * RFC 9457 problem types this API answers with. The `type` URIs are stable identifiers that clients can
 * switch on; README.md documents each one.
 */
export const PROBLEM_TYPES = {
  invalidBody: { slug: "invalid-body", title: "Request body is not a valid JSON object", status: 400 },
  invalidField: { slug: "invalid-field", title: "Request field is missing or invalid", status: 400 },
  invalidIdempotencyKey: { slug: "invalid-idempotency-key", title: "Idempotency key is missing or invalid", status: 400 },
  payloadTooLarge: { slug: "payload-too-large", title: "Request is larger than an execution input may be", status: 413 },
  // The status route's: a name that cannot be an execution of this trigger, and one it never started.
  invalidExecutionName: { slug: "invalid-execution-name", title: "Not an execution name", status: 400 },
  executionNotFound: { slug: "execution-not-found", title: "No execution of that name", status: 404 },
  executionExists: { slug: "execution-already-exists", title: "This request already has an execution", status: 409 },
  idempotencyKeyReused: { slug: "idempotency-key-reused", title: "Idempotency key was used with another request body", status: 422 },
  throttled: { slug: "throttled", title: "Too many requests, try again later", status: 429 },
  // Step Functions or, with the ledger, DynamoDB: a type's title is the same for every occurrence (RFC 9457),
  // so it names no service; the detail names the one that failed.
  unavailable: { slug: "service-unavailable", title: "A service this API depends on is unavailable, try again later", status: 503 },
  upstreamFailure: { slug: "upstream-failure", title: "The workflow service refused the request", status: 502 },
  internal: { slug: "internal-error", title: "Internal error", status: 500 },
} as const;

export type ProblemType = (typeof PROBLEM_TYPES)[keyof typeof PROBLEM_TYPES];

export const PROBLEM_TYPE_PREFIX = "urn:sfn-dedup:problem:";

/** What an extension member may hold: JSON, and undefined for a member left out. */
export type ProblemExtensionValue =
  | string
  | number
  | boolean
  | undefined
  | readonly ProblemExtensionValue[]
  | { readonly [key: string]: ProblemExtensionValue };

/** Extension members are added to the problem body next to, and never in place of, type/title/status/detail. */
export type ProblemExtensions = Readonly<Record<string, ProblemExtensionValue>> & {
  readonly type?: never;
  readonly title?: never;
  readonly status?: never;
  readonly detail?: never;
};

/** A request that is answered with a problem response; thrown by the parsing layer, mapped at the edge. */
export class ProblemError extends Error {
  public override readonly name = "ProblemError";

  constructor(
    public readonly problem: ProblemType,
    public readonly detail: string,
    public readonly extensions: ProblemExtensions = {},
  ) {
    super(detail);
  }
}

export function problemResponse(
  problem: ProblemType,
  detail: string,
  extensions: ProblemExtensions = {},
  headers: Readonly<Record<string, string>> = {},
): APIGatewayProxyStructuredResultV2 {
  return {
    statusCode: problem.status,
    headers: { "content-type": "application/problem+json", ...headers },
    body: JSON.stringify({
      type: PROBLEM_TYPE_PREFIX + problem.slug,
      title: problem.title,
      status: problem.status,
      detail,
      ...extensions,
    }),
  };
}
