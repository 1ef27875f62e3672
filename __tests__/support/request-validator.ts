import type { RequestValidator } from "../../functions/start-execution/request-validator";
import { DEFAULT_REQUEST_SCHEMA } from "../../lib/function-entries";
import { compileRequestSchema } from "../../lib/request-validator";

let notifyCountry: RequestValidator | undefined;

/**
 * The default workflow's request validator, compiled in this process with the options synth uses: what
 * the bundle's generated code does, without bundling. Compiled once per test file.
 */
export function notifyCountryRequestValidator(): RequestValidator {
  notifyCountry ??= compileRequestSchema(DEFAULT_REQUEST_SCHEMA).validate;
  return notifyCountry;
}
