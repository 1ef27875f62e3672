import { createHash } from "node:crypto";
import canonicalize from "canonicalize";
import type { ExecutionNameStrategy } from "./contract";

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
