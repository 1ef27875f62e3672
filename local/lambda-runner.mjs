// Runs one Lambda deployment package the way the Node.js runtime does: it loads the handler module from
// the task root (trying .mjs, .js, .cjs, as Lambda does), then calls the named export once per invocation
// message from the parent process (local/lambda-host.ts) and sends back the result or the error.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const [taskRoot, handlerString] = process.argv.slice(2);
const separator = handlerString.lastIndexOf(".");
const moduleName = handlerString.slice(0, separator);
const exportName = handlerString.slice(separator + 1);

const errorOf = (error) => ({
  errorType: error instanceof Error ? error.name : "Error",
  errorMessage: error instanceof Error ? error.message : String(error),
});

let handler;
try {
  const file = [".mjs", ".js", ".cjs"].map((extension) => join(taskRoot, moduleName + extension)).find(existsSync);
  if (!file) {
    throw Object.assign(new Error(`Cannot find module '${moduleName}'`), { name: "Runtime.ImportModuleError" });
  }
  handler = (await import(pathToFileURL(file).href))[exportName];
  if (typeof handler !== "function") {
    throw Object.assign(new Error(`${handlerString} is undefined or not exported`), { name: "Runtime.HandlerNotFound" });
  }
  process.send({ type: "ready" });
} catch (error) {
  process.send({ type: "init-error", error: errorOf(error) }, () => process.exit(1));
}

// The sandbox is gone (killed, say, before it could stop this process): nothing can invoke us any more.
process.on("disconnect", () => process.exit(0));

process.on("message", async ({ id, event, context }) => {
  const deadline = Date.now() + context.timeoutMs;
  const lambdaContext = {
    ...context,
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
  try {
    process.send({ type: "result", id, result: await handler(event, lambdaContext) });
  } catch (error) {
    process.send({ type: "error", id, error: errorOf(error) });
  }
});
