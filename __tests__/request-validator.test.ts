import { DEFAULT_REQUEST_SCHEMA } from "../lib/function-entries";
import { compileRequestSchema, requestValidatorSource } from "../lib/request-validator";
import { schemaFile } from "./support/schema-file";

const DRAFT_2020_12 = "https://json-schema.org/draft/2020-12/schema";

describe("requestValidatorSource", () => {
  const source = requestValidatorSource(DEFAULT_REQUEST_SCHEMA);

  it("generates an ES module whose default export is the validator, importing only Ajv's runtime helpers", () => {
    expect(source).toMatch(/export default validate\d+;/);
    const imported = [...source.matchAll(/\brequire\("([^"]+)"\)|\bfrom\s*"([^"]+)"/g)].map((match) => match[1] ?? match[2]);
    expect(imported).toEqual(["ajv/dist/runtime/ucs2length"]);
  });

  it("is the same text every time, so the same schema gives the same bundle", () => {
    expect(requestValidatorSource(DEFAULT_REQUEST_SCHEMA)).toBe(source);
  });

  it("counts a string's length in code points, as maxLength means", () => {
    const { validate } = compileRequestSchema(DEFAULT_REQUEST_SCHEMA);
    expect(validate({ country: "🌍".repeat(100) })).toBe(true);
    expect(validate({ country: "🌍".repeat(101) })).toBe(false);
  });

  it.each([
    [
      "a keyword Ajv does not know (strict)",
      { $schema: DRAFT_2020_12, type: "object", requird: ["country"] },
      /strict mode: unknown keyword: "requird"/,
    ],
    ["a type that does not exist", { $schema: DRAFT_2020_12, type: "strng" }, /schema is invalid/],
    ["a keyword for another type (strictTypes)", { $schema: DRAFT_2020_12, maxLength: 3 }, /strict mode/],
    ["an asynchronous schema", { $schema: DRAFT_2020_12, $async: true, type: "object" }, /"\$async" schemas are not supported/],
    [
      "a format",
      { type: "object", properties: { email: { type: "string", format: "email" } } },
      /"format" is not supported.*use "pattern".*unknown format "email"/,
    ],
  ])("refuses %s, naming the file and Ajv's reason", (_case, schema, reason) => {
    const file = schemaFile(schema);
    expect(() => requestValidatorSource(file)).toThrow(reason);
    expect(() => requestValidatorSource(file)).toThrow(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: `));
  });

  it("names a file that is not JSON, or not there", () => {
    const notJson = schemaFile("{ type: object }");
    expect(() => requestValidatorSource(notJson)).toThrow(`${notJson}: the request schema is not JSON`);
    expect(() => requestValidatorSource("asl/missing.request.schema.json")).toThrow(
      "asl/missing.request.schema.json: the request schema cannot be read (ENOENT)",
    );
  });
});
