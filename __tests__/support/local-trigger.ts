import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { projectConfigFrom } from "../../lib/config/project-config";
import { DedupTriggerStack } from "../../lib/dedup-trigger-stack";
import { App } from "../../lib/toolkit/cdktf";
import type { LambdaHost } from "../../local/lambda-host";
import type { LocalDynamoDb } from "../../local/local-dynamodb";
import type { LocalStepFunctions } from "../../local/local-step-functions";
import type { MockConfig } from "../../local/mock-config";
import { type Sandbox, startSandbox } from "../../local/sandbox";
import type { OutboxMessage } from "../../local/sns-outbox";
import type { StepFunctionsOperation } from "../../local/step-functions-endpoint";
import type { LocalFunction, SynthesizedStack } from "../../local/synthesized-stack";
import { getExecutionStatus, postExecutions } from "./events";

/** Synthesizes the first environment of a context into a fresh directory, as `npm run synth` would. */
export function synthesizeToDirectory(context: Record<string, unknown> = {}): { outdir: string; stackDir: string } {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "sfn-dedup-synth-"));
  const app = new App({ outdir, context });
  const [environment] = projectConfigFrom(context).environments;
  new DedupTriggerStack(app, environment);
  app.synth();
  return { outdir, stackDir: path.join(outdir, "stacks", environment.name) };
}

export interface LocalTrigger {
  readonly sandbox: Sandbox;
  readonly stack: SynthesizedStack;
  /** The function behind the POST /executions route. */
  readonly starter: LocalFunction;
  readonly service: LocalStepFunctions;
  readonly host: LambdaHost;
  /** Messages the workflow published. */
  readonly published: readonly OutboxMessage[];
  /** Every line the functions wrote. */
  readonly logs: string[];
  /** Operations that reached the Step Functions endpoint, in order. */
  readonly calls: StepFunctionsOperation[];
  /** Makes the endpoint answer every following call with this error, until set back to undefined. */
  fail(error: Error | undefined): void;
  eventsDelivered(): Promise<void>;
  /** Invokes the route's function with the event API Gateway would send for this body. */
  post(body: unknown, contentType?: string): Promise<{ statusCode: number; headers: Record<string, string>; body: any }>;
  /** Invokes the function behind `GET <path>/{executionName}` (the default workflow's unless `path` says) for a name. */
  status(executionName: string, path?: string): Promise<{ statusCode: number; headers: Record<string, string>; body: any }>;
  stop(): Promise<void>;
}

/**
 * The sandbox (local/sandbox.ts) on free ports, without its HTTP server: tests invoke the synthesized
 * function with events directly, and can make the Step Functions endpoint fail on demand.
 */
export async function startLocalTrigger(
  stackDir: string,
  options: { timeScale: number; clock?: () => Date; dynamodb?: LocalDynamoDb; mocks?: MockConfig; mockCase?: string },
): Promise<LocalTrigger> {
  const logs: string[] = [];
  const calls: StepFunctionsOperation[] = [];
  let failure: Error | undefined;
  const sandbox = await startSandbox({
    stackDir,
    port: null,
    sfnPort: 0,
    timeScale: options.timeScale,
    clock: options.clock,
    dynamodb: options.dynamodb,
    mocks: options.mocks,
    mockCase: options.mockCase,
    intercept: (operation) => {
      calls.push(operation);
      if (failure) throw failure;
    },
    onLog: (_source, line) => logs.push(line),
  });
  const starter = sandbox.routeFunction("POST /executions");
  const host = sandbox.hosts.get(starter.functionName)!;
  return {
    sandbox,
    stack: sandbox.stack,
    starter,
    service: sandbox.service,
    host,
    published: sandbox.outbox,
    logs,
    calls,
    fail: (error) => {
      failure = error;
    },
    eventsDelivered: () => sandbox.eventsDelivered(),
    post: async (body, contentType) => {
      const response = (await host.invoke(postExecutions(body, contentType))) as {
        statusCode: number;
        headers: Record<string, string>;
        body: string;
      };
      return { ...response, body: JSON.parse(response.body) };
    },
    status: async (executionName, path = "/executions") => {
      const statusHost = sandbox.hosts.get(sandbox.routeFunction(`GET ${path}/{executionName}`).functionName)!;
      const response = (await statusHost.invoke(getExecutionStatus(executionName, path))) as {
        statusCode: number;
        headers: Record<string, string>;
        body: string;
      };
      return { ...response, body: JSON.parse(response.body) };
    },
    stop: () => sandbox.stop(),
  };
}
