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

/** The headers a route's function needs besides the body: its idempotency key, when it is keyed by one. */
export function exampleRequestHeaders(functionEnvironment: Readonly<Record<string, string>>): Record<string, string> {
  const strategy = strategyFromEnvironment(functionEnvironment);
  return strategy.from === "header" ? { [strategy.header]: "8e03978e-40d5-43e8-bc93-6894a57f9324" } : {};
}

/**
 * The hint's curl command. Single quotes are safe around the body and headers: configured field and header
 * names are identifiers (lib/config/patterns.ts, HTTP_HEADER_NAME), and the values are ours.
 */
export function curlCommand(url: string, body: string, headers: Readonly<Record<string, string>> = {}): string {
  const extra = Object.entries(headers)
    .map(([name, value]) => ` -H '${name}: ${value}'`)
    .join("");
  return `curl -i -X POST ${url} -H 'content-type: application/json'${extra} -d '${body}'`;
}

/** The execution name the route's function gives the hint's request (its body, and its idempotency key if any). */
export function exampleExecutionName(functionEnvironment: Readonly<Record<string, string>>, body: string): string {
  const strategy = strategyFromEnvironment(functionEnvironment);
  const key = strategy.from === "header" ? exampleRequestHeaders(functionEnvironment)[strategy.header] : undefined;
  return executionNameFor(JSON.parse(body) as RequestPayload, strategy, key);
}

/** The status route's curl command: a GET, quoted, as a placeholder name may hold characters a shell reads. */
export function statusCurlCommand(url: string): string {
  return `curl -i '${url}'`;
}
