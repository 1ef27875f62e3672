import { ProblemError } from "../functions/shared/problem";
import { MAX_LISTED_VIOLATIONS, requireSchemaValid } from "../functions/start-execution/request-validator";
import { fieldPath } from "../functions/start-execution/schema-violation";
import { compileRequestSchema } from "../lib/request-validator";
import { schemaFile } from "./support/schema-file";

/** The 400 a body gets from a schema, compiled as synth compiles it. */
function problemFor(schema: object, body: Record<string, unknown>): ProblemError {
  const { validate } = compileRequestSchema(
    schemaFile({ $schema: "https://json-schema.org/draft/2020-12/schema", type: "object", ...schema }),
  );
  try {
    requireSchemaValid(validate, body);
  } catch (error) {
    if (error instanceof ProblemError) return error;
    throw error;
  }
  throw new Error("the body was accepted");
}

const violationsOf = (schema: object, body: Record<string, unknown>) => problemFor(schema, body).extensions.violations;

describe("schema violations", () => {
  it.each([
    [
      "a missing member, at the member",
      { required: ["country"], properties: { country: {} } },
      {},
      { pointer: "/country", problem: "is required" },
    ],
    [
      "a missing nested member",
      { properties: { address: { type: "object", required: ["city"], properties: { city: {} } } } },
      { address: {} },
      { pointer: "/address/city", problem: "is required" },
    ],
    [
      "a wrong type, naming the one sent",
      { properties: { country: { type: "string" } } },
      { country: 33 },
      { pointer: "/country", problem: "must be a string, not a number" },
    ],
    [
      "a wrong type among several",
      { properties: { id: { type: ["string", "integer"] } } },
      { id: true },
      { pointer: "/id", problem: "must be a string or an integer, not a boolean" },
    ],
    [
      "null where an object is expected",
      { properties: { address: { type: "object" } } },
      { address: null },
      { pointer: "/address", problem: "must be an object, not null" },
    ],
    [
      "a string too long",
      { properties: { note: { type: "string", maxLength: 3 } } },
      { note: "abcd" },
      { pointer: "/note", problem: "must be at most 3 characters" },
    ],
    [
      "a string too short",
      { properties: { note: { type: "string", minLength: 3 } } },
      { note: "ab" },
      { pointer: "/note", problem: "must be at least 3 characters" },
    ],
    [
      "an empty string under minLength 1",
      { properties: { note: { type: "string", minLength: 1 } } },
      { note: "" },
      { pointer: "/note", problem: "must not be empty" },
    ],
    [
      "a blank string under the not-blank pattern",
      { properties: { note: { type: "string", pattern: "\\S" } } },
      { note: " \t" },
      { pointer: "/note", problem: "must not be empty" },
    ],
    [
      "another pattern",
      { properties: { code: { type: "string", pattern: "^[A-Z]{2}$" } } },
      { code: "fr" },
      { pointer: "/code", problem: 'must match the pattern "^[A-Z]{2}$"' },
    ],
    [
      "a member not allowed, at the member",
      { additionalProperties: false, properties: { country: {} } },
      { country: "France", extra: 1 },
      { pointer: "/extra", problem: "is not allowed" },
    ],
    [
      "an item of an array, by its index",
      { properties: { items: { type: "array", items: { type: "integer", minimum: 1 } } } },
      { items: [1, 0] },
      { pointer: "/items/1", problem: "must be >= 1" },
    ],
  ])("%s", (_case, schema, body, violation) => {
    expect(violationsOf(schema, body)).toEqual([violation]);
  });

  it("escapes ~ and / in pointers as RFC 6901 says", () => {
    expect(violationsOf({ required: ["a/b~c"], properties: { "a/b~c": {} } }, {})).toEqual([
      { pointer: "/a~1b~0c", problem: "is required" },
    ]);
    expect(violationsOf({ properties: { "a/b": { type: "string" } } }, { "a/b": 1 })).toEqual([
      { pointer: "/a~1b", problem: "must be a string, not a number" },
    ]);
  });

  it("names a field as the function always has: a path, the top-level member's name for a top-level member", () => {
    expect(fieldPath("/country")).toBe("country");
    expect(fieldPath("/items/1/sku")).toBe("items[1].sku");
    expect(fieldPath("/a~1b/c~0d")).toBe("a/b.c~d");
  });
});

describe("the 400 for a body its schema refuses", () => {
  it("reads as the function's own checks did for one violation: field, detail, and the violation listed", () => {
    const problem = problemFor({ required: ["country"], properties: { country: {} } }, { nation: "France" });
    expect(problem.problem.slug).toBe("invalid-field");
    expect(problem.detail).toBe('Field "country" is required.');
    expect(problem.extensions).toEqual({
      field: "country",
      violations: [{ pointer: "/country", problem: "is required" }],
      violationCount: undefined,
    });
  });

  it("names the first of several violations in detail and field, and lists them all", () => {
    const problem = problemFor(
      { required: ["country", "orderId"], properties: { country: {}, orderId: {}, items: { type: "array" } } },
      { items: {} },
    );
    expect(problem.detail).toBe('Field "country" is required, and the body has 2 more violations (see "violations").');
    expect(problem.extensions.field).toBe("country");
    expect(problem.extensions.violations).toHaveLength(3);
    expect(problem.extensions.violationCount).toBeUndefined();
  });

  it(`lists at most ${MAX_LISTED_VIOLATIONS} and then says how many there were`, () => {
    const problem = problemFor(
      { properties: { items: { type: "array", items: { type: "string" } } } },
      { items: Array.from({ length: 25 }, (_, index) => index) },
    );
    expect(problem.extensions.violations).toHaveLength(MAX_LISTED_VIOLATIONS);
    expect(problem.extensions.violationCount).toBe(25);
    expect(problem.extensions.field).toBe("items[0]");
    expect(problem.detail).toBe('Field "items[0]" must be a string, not a number, and the body has 24 more violations (see "violations").');
  });

  it("names the body, and no field, for a violation of the body as a whole", () => {
    const problem = problemFor({ minProperties: 2 }, { country: "France" });
    expect(problem.detail).toBe("The request body must NOT have fewer than 2 properties.");
    expect(problem.extensions).toMatchObject({
      field: undefined,
      violations: [{ pointer: "", problem: "must NOT have fewer than 2 properties" }],
    });
  });
});
