import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { App } from "cdktf";
import { projectConfigFrom } from "../../lib/config/project-config";
import { DedupTriggerStack } from "../../lib/dedup-trigger-stack";
import { LambdaHost } from "../../local/lambda-host";
import { LocalStepFunctions } from "../../local/local-step-functions";
import { type StepFunctionsEndpoint, type StepFunctionsOperation, startStepFunctionsEndpoint } from "../../local/step-functions-endpoint";
import { SynthesizedStack } from "../../local/synthesized-stack";
import { postExecutions } from "./events";

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
  readonly stack: SynthesizedStack;
  readonly service: LocalStepFunctions;
  readonly endpoint: StepFunctionsEndpoint;
  readonly host: LambdaHost;
  /** Messages the workflow published, as the SNS task received them. */
  readonly published: unknown[];
  /** Every line the function wrote. */
  readonly logs: string[];
  /** Operations that reached the Step Functions endpoint, in order. */
  readonly calls: StepFunctionsOperation[];
  /** Makes the endpoint answer every following call with this error, until set back to undefined. */
  fail(error: Error | undefined): void;
  post(body: unknown, contentType?: string): Promise<{ statusCode: number; headers: Record<string, string>; body: any }>;
  stop(): Promise<void>;
}

/**
 * The synthesized function's zip, run in its own process with its synthesized environment, against a
 * local Step Functions endpoint over HTTP that runs the synthesized definition.
 */
export async function startLocalTrigger(stackDir: string, options: { timeScale: number }): Promise<LocalTrigger> {
  const stack = SynthesizedStack.read(stackDir);
  const published: unknown[] = [];
  const logs: string[] = [];
  const calls: StepFunctionsOperation[] = [];
  let failure: Error | undefined;

  const service = new LocalStepFunctions({
    timeScale: options.timeScale,
    taskHandlers: {
      "arn:aws:states:::sns:publish": (input) => {
        published.push(input);
        return { MessageId: `local-${published.length}` };
      },
    },
  });
  for (const stateMachine of stack.stateMachines()) {
    service.createStateMachine(stateMachine.arn, stateMachine.definition);
  }
  const endpoint = await startStepFunctionsEndpoint(service, {
    intercept: (operation) => {
      calls.push(operation);
      if (failure) throw failure;
    },
  });
  const [fn] = stack.functions();
  const host = await LambdaHost.start({
    zipFile: fn.zipFile,
    handler: fn.handler,
    functionName: fn.functionName,
    region: stack.region,
    timeoutSeconds: fn.timeoutSeconds,
    memorySize: fn.memorySize,
    environment: { ...fn.environment, AWS_ENDPOINT_URL_SFN: endpoint.url },
    onLog: (line) => logs.push(line),
  });

  return {
    stack,
    service,
    endpoint,
    host,
    published,
    logs,
    calls,
    fail: (error) => {
      failure = error;
    },
    post: async (body, contentType) => {
      const response = (await host.invoke(postExecutions(body, contentType))) as { statusCode: number; headers: Record<string, string>; body: string };
      return { ...response, body: JSON.parse(response.body) };
    },
    stop: async () => {
      service.abortAll();
      await host.stop();
      await endpoint.close();
    },
  };
}
