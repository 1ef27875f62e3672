import type { APIGatewayProxyEventV2 } from "aws-lambda";
import { PROBLEM_TYPES, ProblemError } from "../shared/problem";
import type { ExecutionNameStrategy } from "./contract";
import { firstDuplicateMember } from "./duplicate-members";
import { canonicalJson, type RequestPayload } from "./execution-name";
import { type RequestValidator, requireSchemaValid } from "./request-validator";

/** Step Functions refuses execution input above 256 KiB, counted as UTF-8 bytes. */
export const MAX_EXECUTION_INPUT_BYTES = 262_144;
/** Business keys (order ids and the like) are identifiers, not documents. */
export const MAX_KEY_FIELD_LENGTH = 256;
/** Idempotency keys: 1-255 printable ASCII characters, as Stripe takes them. */
export const IDEMPOTENCY_KEY = /^[\x20-\x7e]{1,255}$/;

/** A request that passed validation: what the decision logic needs, nothing from HTTP. */
export interface TriggerRequest {
  readonly payload: RequestPayload;
  /** The execution input: the payload as RFC 8785 canonical JSON. */
  readonly input: string;
  /** The client's idempotency key, when the workflow's executions are named by one. */
  readonly idempotencyKey?: string;
}

/**
 * Turns an HTTP API (payload format 2.0) event into a validated request, or throws a {@link ProblemError}
 * that the edge answers with a 4xx. Nothing here talks to AWS, so a bad request never starts anything.
 * @param validate the workflow's request schema as code: what the body itself must be
 */
export function parseTriggerRequest(
  event: APIGatewayProxyEventV2,
  strategy: ExecutionNameStrategy,
  validate: RequestValidator,
): TriggerRequest {
  const payload = parsePayload(bodyText(event));
  // Size first: a request too large to ever run is told so (413), whatever else is wrong with it.
  const input = executionInput(payload);
  const size = Buffer.byteLength(input, "utf8");
  if (size > MAX_EXECUTION_INPUT_BYTES) {
    throw new ProblemError(
      PROBLEM_TYPES.payloadTooLarge,
      `The request is ${size} bytes as execution input; Step Functions accepts at most ${MAX_EXECUTION_INPUT_BYTES}.`,
      { limit: MAX_EXECUTION_INPUT_BYTES, size },
    );
  }
  // The workflow's rules for its body, then the key's, which hold whatever the workflow: a schema that
  // allowed an empty or object key field would still not name an execution with it.
  requireSchemaValid(validate, payload);
  if (strategy.from === "field") {
    requireKeyField(payload, strategy.field);
  }
  refuseImpreciseIntegers(payload);
  return { payload, input, idempotencyKey: strategy.from === "header" ? idempotencyKeyOf(event, strategy.header) : undefined };
}

/**
 * The idempotency key a request carries. draft-ietf-httpapi-idempotency-key-header writes it as a structured
 * field string (`Idempotency-Key: "8e03978e-…"`); Stripe and most clients send it bare. Both are taken, and
 * name the same key: the quotes are the header's syntax, not part of the key.
 */
function idempotencyKeyOf(event: APIGatewayProxyEventV2, header: string): string {
  // Payload format 2.0 gives header names in lower case, several values of one header joined by commas.
  const raw = event.headers?.[header.toLowerCase()];
  if (raw === undefined || raw.trim() === "") {
    throw new ProblemError(PROBLEM_TYPES.invalidIdempotencyKey, `The ${header} header is required: it identifies the request.`, { header });
  }
  const value = raw.trim();
  const quoted = /^"((?:[^"\\]|\\["\\])*)"$/.exec(value);
  const key = quoted ? quoted[1].replace(/\\(["\\])/g, "$1") : value;
  if (!IDEMPOTENCY_KEY.test(key)) {
    throw new ProblemError(
      PROBLEM_TYPES.invalidIdempotencyKey,
      `The ${header} header must be 1-255 printable ASCII characters (a UUID, for example); got ${[...key].length} characters` +
        `${/[^\x20-\x7e]/.test(key) ? ", some of them not printable ASCII" : ""}.`,
      { header },
    );
  }
  return key;
}

/**
 * The body as text. API Gateway passes a body as a string only when it is UTF-8 text; anything else (another
 * content type, another charset: `text/plain; charset=iso-8859-1`) arrives base64-encoded, and is decoded
 * here as strict UTF-8: bytes in another encoding are refused, never turned into replacement characters
 * that would name and start an execution for a country nobody sent.
 * A leading UTF-8 byte order mark is dropped however the body arrives (TextDecoder drops it from base64
 * bodies, and plain bodies are treated the same): some clients write one, and JSON.parse would refuse it.
 */
function bodyText(event: APIGatewayProxyEventV2): string {
  const raw = event.body ?? "";
  if (!event.isBase64Encoded) {
    return raw.startsWith("\uFEFF") ? raw.slice(1) : raw;
  }
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(Buffer.from(raw, "base64"));
  } catch {
    throw new ProblemError(PROBLEM_TYPES.invalidBody, "The request body is not UTF-8 text.");
  }
}

function parsePayload(text: string): RequestPayload {
  if (text.trim() === "") {
    throw new ProblemError(PROBLEM_TYPES.invalidBody, 'The request body is empty; send a JSON object such as {"country":"France"}.');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new ProblemError(PROBLEM_TYPES.invalidBody, `The request body is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    const kind = parsed === null ? "null" : Array.isArray(parsed) ? "an array" : `a ${typeof parsed}`;
    throw new ProblemError(PROBLEM_TYPES.invalidBody, `The request body must be a JSON object, not ${kind}.`);
  }
  // JSON.parse kept only the last of a repeated member: {"country":"France","country":"Spain"} would start Spain.
  const duplicate = firstDuplicateMember(text);
  if (duplicate !== undefined) {
    throw new ProblemError(
      PROBLEM_TYPES.invalidBody,
      `The request body has member "${duplicate}" more than once; RFC 7493 (I-JSON) forbids duplicate member names.`,
      { member: duplicate },
    );
  }
  return parsed as RequestPayload;
}

function requireKeyField(payload: RequestPayload, field: string): void {
  const value = payload[field];
  if (value === undefined) {
    throw invalidField(field, "is required: it identifies the request");
  }
  if (typeof value === "number") {
    if (!Number.isFinite(value)) {
      throw invalidField(field, "must be a finite number");
    }
    return;
  }
  if (typeof value !== "string") {
    throw invalidField(field, `must be a string or a number, not ${describeType(value)}`);
  }
  if (value.trim() === "") {
    throw invalidField(field, "must not be empty");
  }
  if ([...value].length > MAX_KEY_FIELD_LENGTH) {
    throw invalidField(field, `must be at most ${MAX_KEY_FIELD_LENGTH} characters`);
  }
}

/**
 * JSON.parse turns an integer beyond 2^53 into the nearest double: 9007199254740993 becomes ...992. Such a
 * request would be named and started with another value than the one sent, and two different ids could
 * share an execution name, so it is refused rather than silently changed.
 */
function refuseImpreciseIntegers(payload: RequestPayload): void {
  // Iterative, so that a deeply nested body cannot overflow the stack.
  const pending: Array<[path: string, value: unknown]> = Object.entries(payload);
  while (pending.length > 0) {
    const [path, value] = pending.pop()!;
    if (typeof value === "number" && Number.isInteger(value) && !Number.isSafeInteger(value)) {
      throw invalidField(
        path,
        "is an integer beyond 2^53 - 1 in magnitude, which a JSON number cannot carry exactly here; send it as a string",
      );
    }
    if (Array.isArray(value)) {
      for (const [index, item] of value.entries()) pending.push([`${path}[${index}]`, item]);
    } else if (typeof value === "object" && value !== null) {
      for (const [key, item] of Object.entries(value)) pending.push([`${path}.${key}`, item]);
    }
  }
}

function executionInput(payload: RequestPayload): string {
  try {
    return canonicalJson(payload);
  } catch (error) {
    // JSON.parse accepts escaped lone surrogates ("\ud800"), which have no canonical form.
    throw new ProblemError(PROBLEM_TYPES.invalidBody, `The request body cannot be canonicalised: ${(error as Error).message}.`);
  }
}

function invalidField(field: string, problem: string): ProblemError {
  return new ProblemError(PROBLEM_TYPES.invalidField, `Field "${field}" ${problem}.`, { field });
}

function describeType(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return `a ${typeof value}`;
}
