import { strategyFromEnvironment } from "../functions/start-execution/settings";

/**
 * A request body the route's function accepts, for the startup hint: `country` is always required, and an
 * environment keyed on a field also needs that field, or the hinted request would be answered 400.
 */
export function exampleRequestBody(functionEnvironment: Readonly<Record<string, string>>): string {
  const body: Record<string, string> = { country: "France" };
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
