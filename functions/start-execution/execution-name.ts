import { createHash } from "node:crypto";
import canonicalize from "canonicalize";

/**
 * Which part of a request decides whether two requests are "the same work".
 *
 * - `country`: md5 hex of the `country` string exactly as sent. This is the original design's name, kept as
 *   the default so that executions started before this project keep their names (and their protection).
 * - `payload`: sha256 hex of the RFC 8785 canonical JSON of the whole payload: key order and whitespace do
 *   not matter, every value does.
 * - `field`: sha256 hex of one business key, e.g. `orderId`; other fields may differ between retries.
 * - `header`: sha256 hex of the client's idempotency key, sent in a header (`Idempotency-Key`, as
 *   draft-ietf-httpapi-idempotency-key-header names it): the same key with another payload is refused (422).
 */
export type ExecutionNameStrategy =
  | { readonly from: "country" }
  | { readonly from: "payload" }
  | { readonly from: "field"; readonly field: string }
  | { readonly from: "header"; readonly header: string };

export const EXECUTION_NAME_SOURCES = ["country", "payload", "field", "header"] as const;

/** The header an idempotency key comes in unless the configuration names another. */
export const DEFAULT_IDEMPOTENCY_KEY_HEADER = "Idempotency-Key";

/** A JSON object as parsed from a request body. */
export type RequestPayload = { readonly [key: string]: unknown };

/**
 * The deterministic execution name for a validated payload. Step Functions refuses a second execution with
 * the same name, which is what makes the trigger idempotent.
 */
export function executionNameFor(payload: RequestPayload, strategy: ExecutionNameStrategy, idempotencyKey?: string): string {
  switch (strategy.from) {
    case "country":
      return hexDigest("md5", payload.country as string);
    case "payload":
      return hexDigest("sha256", canonicalJson(payload));
    case "field":
      return hexDigest("sha256", String(payload[strategy.field]));
    case "header":
      if (idempotencyKey === undefined) {
        throw new TypeError(`A request named by its ${strategy.header} header needs the header's key.`);
      }
      return hexDigest("sha256", idempotencyKey);
  }
}

/**
 * RFC 8785 (JCS) serialisation. It is also what the execution receives as input: two requests with the
 * same content then carry byte-identical input, which Step Functions needs to recognise a running duplicate.
 */
export function canonicalJson(payload: RequestPayload): string {
  const json = canonicalize(payload);
  if (json === undefined) {
    throw new TypeError("payload has no JSON representation");
  }
  return json;
}

/** A short, payload-free description of the key for logs: `country`, `payload`, `field:orderId` or `header:Idempotency-Key`. */
export function describeStrategy(strategy: ExecutionNameStrategy): string {
  switch (strategy.from) {
    case "field":
      return `field:${strategy.field}`;
    case "header":
      return `header:${strategy.header}`;
    default:
      return strategy.from;
  }
}

function hexDigest(algorithm: "md5" | "sha256", text: string): string {
  return createHash(algorithm).update(text, "utf8").digest("hex");
}
