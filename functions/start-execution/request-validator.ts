import type { ErrorObject } from "ajv";
import { PROBLEM_TYPES, ProblemError } from "../shared/problem";
import { fieldPath, type SchemaViolation, schemaViolation } from "./schema-violation";

/**
 * A workflow's request schema as code: Ajv's standalone validator generated at synth (the bundle imports
 * it from `sfn-dedup:request-validator`), or one Ajv compiles in a test. A predicate that leaves the
 * reasons for its last `false` on itself.
 */
export interface RequestValidator {
  (body: unknown): boolean;
  errors?: ErrorObject[] | null;
}

/** Enough to fix a request by; a body with thousands of wrong items does not get a response as large. */
export const MAX_LISTED_VIOLATIONS = 10;

/**
 * Throws the 400 `invalid-field` problem when the body fails its workflow's schema: `field` and `detail`
 * name the first violation as the function always named a bad field, `violations` lists up to
 * {@link MAX_LISTED_VIOLATIONS} of them and `violationCount` says how many there were when that is more.
 */
export function requireSchemaValid(validate: RequestValidator, body: unknown): void {
  if (validate(body)) {
    return;
  }
  const violations: SchemaViolation[] = validate.errors?.length
    ? validate.errors.map((error) => schemaViolation(error, body))
    : [{ pointer: "", problem: "does not satisfy the request schema" }];
  const [first] = violations;
  const field = first.pointer === "" ? undefined : fieldPath(first.pointer);
  const subject = field === undefined ? "The request body" : `Field "${field}"`;
  const others = violations.length - 1;
  const rest = others === 0 ? "" : `, and the body has ${others} more ${others === 1 ? "violation" : "violations"} (see "violations")`;
  throw new ProblemError(PROBLEM_TYPES.invalidField, `${subject} ${first.problem}${rest}.`, {
    field,
    violations: violations.slice(0, MAX_LISTED_VIOLATIONS).map(({ pointer, problem }) => ({ pointer, problem })),
    violationCount: violations.length > MAX_LISTED_VIOLATIONS ? violations.length : undefined,
  });
}
