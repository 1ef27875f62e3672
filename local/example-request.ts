import { executionNameFor, type RequestPayload } from "../functions/start-execution/execution-name";
import { strategyFromEnvironment } from "../functions/start-execution/settings";

/**
 * A request body the route's function accepts, for the startup hint: the first of the workflow's request
 * schema's `examples` (JSON Schema's own annotation for that), else the default workflow's `{country}`; plus
 * the key field when the function is keyed on one the example lacks (an environment keyed on `orderId` for
 * the default workflow), which would otherwise be answered 400.
 */
export function exampleRequestBody(functionEnvironment: Readonly<Record<string, string>>, requestSchema?: unknown): string {
  const examples = (requestSchema as { examples?: unknown } | undefined)?.examples;
  const example = Array.isArray(examples) ? examples[0] : undefined;
  const body: Record<string, unknown> =
    typeof example === "object" && example !== null && !Array.isArray(example) ? { ...example } : { country: "France" };
  const strategy = strategyFromEnvironment(functionEnvironment);
  if (strategy.from === "field") body[strategy.field] ??= "1001";
  return JSON.stringify(body);
}

/**
 * The hint's curl command. Single quotes are safe around the body: configured field names are identifiers
 * (lib/config/patterns.ts), and the values are ours.
 */
export function curlCommand(url: string, body: string): string {
  return `curl -i -X POST ${url} -H 'content-type: application/json' -d '${body}'`;
}

/**
 * The execution name the route's function gives that body, for the status route's hint; undefined when the
 * name does not come from the body alone (an idempotency key sent in a header).
 */
export function exampleExecutionName(functionEnvironment: Readonly<Record<string, string>>, body: string): string | undefined {
  const strategy = strategyFromEnvironment(functionEnvironment);
  return strategy.from === "header" ? undefined : executionNameFor(JSON.parse(body) as RequestPayload, strategy);
}

/** The status route's curl command: a GET, quoted, as a placeholder name may hold characters a shell reads. */
export function statusCurlCommand(url: string): string {
  return `curl -i '${url}'`;
}
