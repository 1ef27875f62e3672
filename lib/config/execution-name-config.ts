import { DEFAULT_IDEMPOTENCY_KEY_HEADER, EXECUTION_NAME_SOURCES, type ExecutionNameStrategy } from "../../functions/start-execution/contract";
import { HTTP_HEADER_NAME } from "../../functions/start-execution/contract";
import { ConfigError } from "./config-error";
import type { ConfigReader } from "./config-reader";
import { REQUEST_FIELD_NAME } from "./patterns";

/**
 * `"executionName": { "from": "country" | "payload" | "field" | "header", "field"?, "header"? }`, of an
 * environment or a workflow.
 */
export function executionNameFrom(reader: ConfigReader | undefined): ExecutionNameStrategy | undefined {
  if (!reader) {
    return undefined;
  }
  reader.allowOnly(["from", "field", "header"]);
  const from = reader.optionalEnum("from", EXECUTION_NAME_SOURCES);
  if (from === undefined) {
    throw new ConfigError(reader.fieldPath("from"), `is required: one of ${EXECUTION_NAME_SOURCES.join(", ")}.`);
  }
  if (from !== "field" && reader.has("field")) {
    throw new ConfigError(reader.fieldPath("field"), `is only used when "from" is "field".`);
  }
  if (from !== "header" && reader.has("header")) {
    throw new ConfigError(reader.fieldPath("header"), `is only used when "from" is "header".`);
  }
  if (from === "header") {
    const header = reader.optionalString("header", HTTP_HEADER_NAME, "an HTTP header name such as Idempotency-Key") ?? DEFAULT_IDEMPOTENCY_KEY_HEADER;
    return { from, header };
  }
  if (from !== "field") {
    return { from };
  }
  const field = reader.requiredString("field", REQUEST_FIELD_NAME, "the name of a top-level request field such as orderId");
  return { from, field };
}

