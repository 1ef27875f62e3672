import * as fs from "node:fs";
import * as path from "node:path";
import { isDeepStrictEqual } from "node:util";
import { ConfigError, type ConfigSource } from "./config/config-error";
import { PROJECT_ROOT } from "./project-root";

/** cdktf's own name for it (cdktf's CONTEXT_ENV), spelled out so that reading the context loads no CDKTF. */
const CONTEXT_ENV: ConfigSource = "CDKTF_CONTEXT_JSON";

/**
 * The context the app runs with, known before the App exists so that configuration is checked before
 * anything is written: CDKTF_CONTEXT_JSON when set (a pipeline replacing the whole context), otherwise
 * cdktf.json's `context`.
 *
 * `cdktf synth` runs this app with CDKTF_CONTEXT_JSON set to cdktf.json's `context` when cdktf.json has
 * one, overwriting any value the caller gave (cdktf CLI behaviour, final in 0.21), and passes the caller's
 * value through otherwise. Both commands therefore read the same configuration, except that only
 * `npm run synth` lets the variable replace a context written in cdktf.json (README.md, Pipelines).
 */
export function appContext(env: NodeJS.ProcessEnv = process.env, projectRoot: string = PROJECT_ROOT): Record<string, unknown> {
  const fromEnvironment = env[CONTEXT_ENV];
  if (fromEnvironment !== undefined) {
    return parseObject(fromEnvironment, CONTEXT_ENV);
  }
  const cdktfJson = parseObject(fs.readFileSync(path.join(projectRoot, "cdktf.json"), "utf8"), "cdktf.json");
  return (cdktfJson.context ?? {}) as Record<string, unknown>;
}

function parseObject(json: string, source: ConfigSource): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch (error) {
    throw new ConfigError(source, `is not valid JSON: ${withLineAndColumn((error as Error).message, json)}`, source);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError(source, "must be a JSON object.", source);
  }
  return parsed as Record<string, unknown>;
}

/**
 * JSON.parse says where it stopped as a character offset ("at position 333"), which no editor shows:
 * rewritten as the line and column (both from 1) that a person finds the mistake at.
 */
export function withLineAndColumn(message: string, json: string): string {
  return message.replace(/ at position (\d+)(?: \(line \d+ column \d+\))?/, (_, position: string) => {
    const before = json.slice(0, Number(position));
    const line = before.split("\n").length;
    const column = before.length - before.lastIndexOf("\n");
    return ` at line ${line}, column ${column}`;
  });
}

/**
 * Which of the two the context came from, for error messages. `cdktf synth` passes cdktf.json's own
 * context through CDKTF_CONTEXT_JSON, so the variable counts as cdktf.json when it holds just that.
 */
export function appContextSource(env: NodeJS.ProcessEnv = process.env, projectRoot: string = PROJECT_ROOT): ConfigSource {
  const fromEnvironment = env[CONTEXT_ENV];
  if (fromEnvironment === undefined) {
    return "cdktf.json";
  }
  try {
    const written = JSON.parse(fs.readFileSync(path.join(projectRoot, "cdktf.json"), "utf8")).context;
    return written !== undefined && isDeepStrictEqual(JSON.parse(fromEnvironment), written) ? "cdktf.json" : CONTEXT_ENV;
  } catch {
    return CONTEXT_ENV;
  }
}
