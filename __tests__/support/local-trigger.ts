import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { App } from "cdktf";
import { projectConfigFrom } from "../../lib/config/project-config";
import { DedupTriggerStack } from "../../lib/dedup-trigger-stack";
import { LambdaHost } from "../../local/lambda-host";
import type { LocalDynamoDb } from "../../local/local-dynamodb";
import { executionStatusChangeEvent, LocalEventBus } from "../../local/local-event-bus";
import { LocalStepFunctions } from "../../local/local-step-functions";
import type { LocalFunction } from "../../local/synthesized-stack";
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
  /** The function behind the POST /executions route. */
  readonly starter: LocalFunction;
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
  /** Waits until every status event published so far has been delivered to its rules' functions. */
  eventsDelivered(): Promise<void>;
  post(body: unknown, contentType?: string): Promise<{ statusCode: number; headers: Record<string, string>; body: any }>;
  stop(): Promise<void>;
}

/**
 * The synthesized function's zip, run in its own process with its synthesized environment, against a
 * local Step Functions endpoint over HTTP that runs the synthesized definition.
 */
export async function startLocalTrigger(
  stackDir: string,
  options: {
    timeScale: number;
    /** The Step Functions service's clock. @default the system clock */
    clock?: () => Date;
    /** Where the stack's tables are created and the function's DynamoDB calls go. */
    dynamodb?: LocalDynamoDb;
    /** Deliver Step Functions' status change events to the stack's EventBridge rules and their functions. */
    statusEvents?: boolean;
  },
): Promise<LocalTrigger> {
  const stack = SynthesizedStack.read(stackDir);
  const published: unknown[] = [];
  const logs: string[] = [];
  const calls: StepFunctionsOperation[] = [];
  let failure: Error | undefined;
  let bus: LocalEventBus | undefined;
  const deliveries = new Set<Promise<void>>();

  const service = new LocalStepFunctions({
    timeScale: options.timeScale,
    clock: options.clock,
    onStatusChange: (execution) => {
      if (!bus) return;
      const delivery = bus.publish(executionStatusChangeEvent(execution, stack.region, stack.accountId));
      deliveries.add(delivery);
      void delivery.finally(() => deliveries.delete(delivery));
    },
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
  if (options.dynamodb) {
    await options.dynamodb.createTables(stack.tables());
  }
  const endpoints = {
    AWS_ENDPOINT_URL_SFN: endpoint.url,
    ...(options.dynamodb ? { AWS_ENDPOINT_URL_DYNAMODB: options.dynamodb.url } : {}),
  };
  const hostFor = (fn: LocalFunction) =>
    LambdaHost.start({
      zipFile: fn.zipFile,
      handler: fn.handler,
      functionName: fn.functionName,
      region: stack.region,
      timeoutSeconds: fn.timeoutSeconds,
      memorySize: fn.memorySize,
      environment: { ...fn.environment, ...endpoints },
      onLog: (line) => logs.push(line),
    });
  const [route] = stack.routes();
  const fn = stack.functions().find((candidate) => candidate.functionName === route.functionName)!;
  const host = await hostFor(fn);
  const eventHosts: LambdaHost[] = [];
  if (options.statusEvents) {
    const rules = await Promise.all(
      stack.eventRules().map(async (rule) => {
        const hosts = await Promise.all(
          rule.functionNames.map((name) => hostFor(stack.functions().find((candidate) => candidate.functionName === name)!)),
        );
        eventHosts.push(...hosts);
        return { name: rule.name, eventPattern: rule.eventPattern, deliver: (event: unknown) => Promise.all(hosts.map((target) => target.invoke(event))) };
      }),
    );
    bus = new LocalEventBus(rules, (rule, error) => logs.push(`delivery to ${rule} failed: ${String(error)}`));
  }

  return {
    stack,
    starter: fn,
    service,
    endpoint,
    host,
    published,
    logs,
    calls,
    fail: (error) => {
      failure = error;
    },
    eventsDelivered: async () => {
      while (deliveries.size > 0) await Promise.all([...deliveries]);
    },
    post: async (body, contentType) => {
      const response = (await host.invoke(postExecutions(body, contentType))) as { statusCode: number; headers: Record<string, string>; body: string };
      return { ...response, body: JSON.parse(response.body) };
    },
    stop: async () => {
      service.abortAll();
      bus = undefined;
      await Promise.all([host, ...eventHosts].map((each) => each.stop()));
      await endpoint.close();
    },
  };
}
