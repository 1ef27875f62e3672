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
