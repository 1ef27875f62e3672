import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { SFNClient, StartExecutionCommand } from "@aws-sdk/client-sfn";
import { unzipSync } from "fflate";
import { httpApiEvent } from "../local/http-api-event";
import { LocalStepFunctions } from "../local/local-step-functions";
import { startStepFunctionsEndpoint } from "../local/step-functions-endpoint";
import { SynthesizedStack } from "../local/synthesized-stack";

export interface HandlerLatency {
  /** Each request through the bundled handler: event in, response out, StartExecution included. */
  readonly handlerMs: readonly number[];
  /** Each StartExecution sent straight from an SDK client to the same endpoint: the round trip alone. */
  readonly roundTripMs: readonly number[];
  /** The endpoint's own time per StartExecution, from request read to response written. */
  readonly endpointMs: readonly number[];
  readonly throughput: { readonly requests: number; readonly concurrency: number; readonly perSecond: number };
}

type Handler = (event: unknown, context: { awsRequestId: string }) => Promise<unknown>;

/**
 * The synthesized start-execution bundle, loaded in this process, against a local Step Functions
 * endpoint on 127.0.0.1; every request names a new execution, so each one starts. Its log lines are
 * discarded while measuring (on Lambda they go to a pipe read by the runtime).
 */
export async function measureHandlerLatency(stackDir: string, requests: number, concurrency: number): Promise<HandlerLatency> {
  const stack = SynthesizedStack.read(stackDir);
  const starter = stack.functions().find((fn) => fn.functionName === stack.routes()[0].functionName)!;
  const service = new LocalStepFunctions({ taskHandlers: { "arn:aws:states:::sns:publish": () => ({ MessageId: "bench" }) } });
  for (const machine of stack.stateMachines()) service.createStateMachine(machine.arn, machine.definition);
  const endpointMs: number[] = [];
  let recording = false;
  const endpoint = await startStepFunctionsEndpoint(service, {
    port: 0,
    onServed: (operation, ms) => {
      if (recording && operation === "StartExecution") endpointMs.push(ms);
    },
  });

  Object.assign(process.env, starter.environment, {
    AWS_ENDPOINT_URL_SFN: endpoint.url,
    AWS_REGION: stack.region,
    AWS_ACCESS_KEY_ID: "local",
    AWS_SECRET_ACCESS_KEY: "local",
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
  });
  const taskRoot = fs.mkdtempSync(path.join(os.tmpdir(), "sfn-dedup-bench-handler-"));
  fs.writeFileSync(path.join(taskRoot, "index.mjs"), unzipSync(fs.readFileSync(starter.zipFile))["index.mjs"]);
  const { handler } = (await import(pathToFileURL(path.join(taskRoot, "index.mjs")).href)) as { handler: Handler };
  const sfn = new SFNClient({ endpoint: endpoint.url, region: stack.region, credentials: { accessKeyId: "local", secretAccessKey: "local" } });
  const stateMachineArn = stack.stateMachines()[0].arn;

  let counter = 0;
  const request = () => {
    const id = ++counter;
    const body = Buffer.from(JSON.stringify({ country: `Country ${id}` }));
    return () =>
      handler(httpApiEvent({ method: "POST", path: "/executions", routeKey: "POST /executions", headers: { "content-type": "application/json" }, body }), {
        awsRequestId: `bench-${id}`,
      });
  };
  const direct = () => {
    const id = ++counter;
    return () => sfn.send(new StartExecutionCommand({ stateMachineArn, name: `direct-${id}`, input: `{"country":"Country ${id}"}` }));
  };
  const timed = async (call: () => Promise<unknown>) => {
    const started = performance.now();
    await call();
    return performance.now() - started;
  };

  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = (() => true) as typeof process.stdout.write;
  try {
    for (let warmUp = 0; warmUp < 200; warmUp++) {
      await timed(request());
      await timed(direct());
    }
    recording = true;
    const handlerMs: number[] = [];
    const roundTripMs: number[] = [];
    // Alternating, so that both see the same state of the service (its growing execution list, GC).
    for (let index = 0; index < requests; index++) {
      handlerMs.push(await timed(request()));
      roundTripMs.push(await timed(direct()));
    }
    recording = false;

    const throughputRequests = requests * 2;
    const queue = Array.from({ length: throughputRequests }, () => request());
    const started = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        for (let next = queue.shift(); next; next = queue.shift()) await next();
      }),
    );
    const perSecond = throughputRequests / ((performance.now() - started) / 1000);
    return { handlerMs, roundTripMs, endpointMs, throughput: { requests: throughputRequests, concurrency, perSecond } };
  } finally {
    process.stdout.write = write;
    service.abortAll();
    sfn.destroy();
    await endpoint.close();
    fs.rmSync(taskRoot, { recursive: true, force: true });
  }
}
