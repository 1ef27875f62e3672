import * as fs from "node:fs";
import * as path from "node:path";
import Ajv2020, { type AnySchema, type ValidateFunction } from "ajv/dist/2020";
import standaloneCode from "ajv/dist/standalone";
import { PROJECT_ROOT } from "./project-root";

/**
 * The options every request schema is compiled with, at synth and in tests alike, so that what a test
 * checks is what the function runs.
 */
function requestSchemaCompiler(): Ajv2020 {
  return new Ajv2020({
    // Standalone ES module source, so that the function's bundle carries the generated code and no compiler.
    code: { source: true, esm: true },
    // Every violation, not the first: the 400 lists them (bounded by the function, not here).
    allErrors: true,
    // A keyword Ajv does not know, or one that cannot apply, is a mistake in the schema, not something to ignore.
    strict: true,
    // `"type": ["string", "number"]` is plain JSON Schema (a business key may be either); strict mode
    // would otherwise want it spelled as anyOf.
    allowUnionTypes: true,
    // Ajv's default, relied on: maxLength and minLength count code points, as the function always has
    // ("🌍" is one character). Its `unicode` option that once chose this is deprecated, so it is not set.
  });
}

/**
 * Compiles a request schema (JSON Schema draft 2020-12) in this process. Throws an Error naming the file
 * and Ajv's reason when the schema cannot be used.
 * @param schemaFile relative to the project root, e.g. `asl/notify-country.request.schema.json`
 */
export function compileRequestSchema(schemaFile: string): { readonly compiler: Ajv2020; readonly validate: ValidateFunction } {
  const text = readSchemaText(schemaFile);
  // Synth compiles each schema twice otherwise: once when the configuration is checked, once for its bundle.
  const key = JSON.stringify([path.normalize(schemaFile), text]);
  let compiled = compiledSchemas.get(key);
  if (!compiled) {
    compiled = compileSchemaText(schemaFile, text);
    compiledSchemas.set(key, compiled);
  }
  return compiled;
}

const compiledSchemas = new Map<string, { readonly compiler: Ajv2020; readonly validate: ValidateFunction }>();

function compileSchemaText(schemaFile: string, text: string): { readonly compiler: Ajv2020; readonly validate: ValidateFunction } {
  const schema = parseSchema(schemaFile, text);
  const compiler = requestSchemaCompiler();
  let validate: ValidateFunction;
  try {
    validate = compiler.compile(schema);
  } catch (error) {
    throw new Error(`${schemaFile}: ${refusal((error as Error).message)}`);
  }
  if ((validate as { $async?: boolean }).$async) {
    // The handler validates synchronously; an async schema would answer every request with a pending promise.
    throw new Error(`${schemaFile}: "$async" schemas are not supported: the request is validated synchronously.`);
  }
  return { compiler, validate };
}

/**
 * The validator for a request schema as a standalone ES module (default export: the validate function),
 * generated at synth so that the function's bundle needs no schema compiler. Its only imports are Ajv's
 * small runtime helpers (e.g. `ajv/dist/runtime/ucs2length`), which the bundler takes from node_modules.
 * Throws an Error naming the file and Ajv's reason when the schema cannot be used.
 * @param schemaFile relative to the project root, e.g. `asl/notify-country.request.schema.json`
 */
export function requestValidatorSource(schemaFile: string): string {
  const { compiler, validate } = compileRequestSchema(schemaFile);
  return standaloneCode(compiler, validate);
}

function readSchemaText(schemaFile: string): string {
  try {
    return fs.readFileSync(path.join(PROJECT_ROOT, schemaFile), "utf8");
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new Error(`${schemaFile}: the request schema cannot be read (${reason}).`);
  }
}

function parseSchema(schemaFile: string, text: string): AnySchema {
  try {
    return JSON.parse(text) as AnySchema;
  } catch (error) {
    throw new Error(`${schemaFile}: the request schema is not JSON: ${(error as Error).message}`);
  }
}

/**
 * Ajv's message, with the one refusal that needs a reason: formats. Checking them would put ajv-formats'
 * validators into every bundle, and a format Ajv does not check would silently accept anything, so
 * `format` is refused outright; `pattern` says the same thing explicitly.
 */
function refusal(ajvMessage: string): string {
  if (/^unknown format /.test(ajvMessage)) {
    return `"format" is not supported in request schemas: the function checks no formats; use "pattern" instead (Ajv: ${ajvMessage}).`;
  }
  return `the request schema is refused by Ajv: ${ajvMessage}`;
}
