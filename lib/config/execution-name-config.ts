import {
  DEFAULT_IDEMPOTENCY_KEY_HEADER,
  EXECUTION_NAME_SOURCES,
  type ExecutionNameStrategy,
  HTTP_HEADER_NAME,
} from "../../functions/start-execution/contract";
import { ConfigError } from "./config-error";
import { type FieldsOf, fieldNames, readField } from "./config-field";
import type { ConfigReader } from "./config-reader";
import { REQUEST_FIELD_NAME } from "./patterns";

/** `"executionName": { "from": "country" | "payload" | "field" | "header", "field"?, "header"? }`, of an environment or a workflow. */
export const EXECUTION_NAME_FIELDS = {
  from: {
    doc: "what names the executions",
    default: { required: true },
    read: (reader, name) => {
      const from = reader.optionalEnum(name, EXECUTION_NAME_SOURCES);
      if (from === undefined) {
        throw new ConfigError(reader.fieldPath(name), `is required: one of ${EXECUTION_NAME_SOURCES.join(", ")}.`);
      }
      return from;
    },
  },
  field: {
    doc: "the business key",
    default: { required: true, when: '`from: "field"`' },
    read: (reader, name) => reader.requiredString(name, REQUEST_FIELD_NAME, "the name of a top-level request field such as orderId"),
  },
  header: {
    doc: "the header the client's idempotency key comes in",
    default: { value: DEFAULT_IDEMPOTENCY_KEY_HEADER },
    read: (reader, name) => reader.optionalString(name, HTTP_HEADER_NAME, "an HTTP header name such as Idempotency-Key"),
  },
} satisfies FieldsOf<{ from: ExecutionNameStrategy["from"]; field: string; header: string }>;

export function executionNameFrom(reader: ConfigReader | undefined): ExecutionNameStrategy | undefined {
  if (!reader) {
    return undefined;
  }
  reader.allowOnly(fieldNames(EXECUTION_NAME_FIELDS));
  const from = readField(EXECUTION_NAME_FIELDS, "from", reader);
  // Each of `field` and `header` belongs to one source; refused with any other, as a mistake the reader would not see.
  if (from !== "field" && reader.has("field")) {
    throw new ConfigError(reader.fieldPath("field"), `is only used when "from" is "field".`);
  }
  if (from !== "header" && reader.has("header")) {
    throw new ConfigError(reader.fieldPath("header"), `is only used when "from" is "header".`);
  }
  if (from === "header") {
    return { from, header: readField(EXECUTION_NAME_FIELDS, "header", reader) };
  }
  if (from !== "field") {
    return { from };
  }
  return { from, field: readField(EXECUTION_NAME_FIELDS, "field", reader) };
}
