import type { ErrorObject } from "ajv";

/** One way a request body fails its workflow's schema, as the 400 answer lists it. */
export interface SchemaViolation {
  /** RFC 6901 JSON Pointer to the offending value; for a missing or unexpected member, that member's. */
  readonly pointer: string;
  /** What is wrong, phrased to follow a field name: `is required`, `must be a string, not a number`. */
  readonly problem: string;
}

/** The schema idiom for "not blank": at least one character that is not white space (the same set trim() drops). */
const NOT_BLANK_PATTERN = String.raw`\S`;

/**
 * A violation as clients read it, from one of Ajv's errors. The phrasing of the checks the function made
 * in code before schemas (required, type, length, not blank) is kept word for word; other keywords
 * keep Ajv's own message.
 * @param body the validated body, to name the type of a value that has the wrong one
 */
export function schemaViolation(error: ErrorObject, body: unknown): SchemaViolation {
  const pointer = pointerOf(error);
  return { pointer, problem: problemOf(error, () => valueAt(body, pointer)) };
}

/** `items[1].sku` for `/items/1/sku`: how the function has always named a field in a detail and in `field`. */
export function fieldPath(pointer: string): string {
  return pointerTokens(pointer)
    .map((token, index) => (index > 0 && /^(0|[1-9]\d*)$/.test(token) ? `[${token}]` : index > 0 ? `.${token}` : token))
    .join("");
}

function pointerOf(error: ErrorObject): string {
  const { params } = error;
  // Ajv reports these at the object; the member they are about is where a client has to look.
  const member =
    error.keyword === "required" || error.keyword === "dependentRequired"
      ? params.missingProperty
      : error.keyword === "additionalProperties"
        ? params.additionalProperty
        : error.keyword === "unevaluatedProperties"
          ? params.unevaluatedProperty
          : error.keyword === "propertyNames"
            ? params.propertyName
            : undefined;
  return typeof member === "string" ? `${error.instancePath}/${escapePointerToken(member)}` : error.instancePath;
}

function problemOf(error: ErrorObject, value: () => unknown): string {
  const { params } = error;
  switch (error.keyword) {
    case "required":
    case "dependentRequired":
      return "is required";
    case "additionalProperties":
    case "unevaluatedProperties":
      return "is not allowed";
    case "type":
      return `must be ${typeNames(params.type)}, not ${describeType(value())}`;
    case "maxLength":
      return `must be at most ${params.limit} characters`;
    case "minLength":
      return params.limit === 1 ? "must not be empty" : `must be at least ${params.limit} characters`;
    case "pattern":
      return params.pattern === NOT_BLANK_PATTERN ? "must not be empty" : `must match the pattern ${JSON.stringify(params.pattern)}`;
    default:
      return error.message ?? `does not satisfy the schema's "${error.keyword}"`;
  }
}

/** Ajv's `type` param: one name, or several joined with commas. */
function typeNames(types: unknown): string {
  const names = String(types)
    .split(",")
    .map((name) => (name === "null" ? "null" : `${/^[aeiou]/.test(name) ? "an" : "a"} ${name}`));
  return names.length === 1 ? names[0] : `${names.slice(0, -1).join(", ")} or ${names[names.length - 1]}`;
}

function describeType(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return `${/^[aeiou]/.test(typeof value) ? "an" : "a"} ${typeof value}`;
}

function valueAt(body: unknown, pointer: string): unknown {
  let value = body;
  for (const token of pointerTokens(pointer)) {
    value = typeof value === "object" && value !== null ? (value as Record<string, unknown>)[token] : undefined;
  }
  return value;
}

function pointerTokens(pointer: string): string[] {
  return pointer === ""
    ? []
    : pointer
        .slice(1)
        .split("/")
        .map((token) => token.replace(/~1/g, "/").replace(/~0/g, "~"));
}

function escapePointerToken(token: string): string {
  return token.replace(/~/g, "~0").replace(/\//g, "~1");
}
