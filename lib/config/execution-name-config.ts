import { EXECUTION_NAME_SOURCES, type ExecutionNameStrategy } from "../../functions/start-execution/execution-name";
import { ConfigError } from "./config-error";
import type { ConfigReader } from "./config-reader";
import { REQUEST_FIELD_NAME } from "./patterns";

/** `"executionName": { "from": "country" | "payload" | "field", "field"? }`, of an environment or a workflow. */
export function executionNameFrom(reader: ConfigReader | undefined): ExecutionNameStrategy | undefined {
  if (!reader) {
    return undefined;
  }
  reader.allowOnly(["from", "field"]);
  const from = reader.optionalEnum("from", EXECUTION_NAME_SOURCES);
  if (from === undefined) {
    throw new ConfigError(reader.fieldPath("from"), `is required: one of ${EXECUTION_NAME_SOURCES.join(", ")}.`);
  }
  if (from !== "field") {
    if (reader.has("field")) {
      throw new ConfigError(reader.fieldPath("field"), `is only used when "from" is "field".`);
    }
    return { from };
  }
  const field = reader.requiredString("field", REQUEST_FIELD_NAME, "the name of a top-level request field such as orderId");
  return { from, field };
}

