import * as diagnostics from "node:diagnostics_channel";
import * as fs from "node:fs";
import type { ClientRequest, IncomingMessage } from "node:http";
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
  /** The endpoint's own time for each handler request's StartExecution, from request read to response written. */
  readonly endpointMs: readonly number[];
  /** Each handler request's StartExecution on the wire: from the HTTP request's start to its response's end. */
  readonly wireMs: readonly number[];
  /**
   * Per handler request: its latency minus its own StartExecution's HTTP exchange (the Step Functions round
   * trip). What is left is the handler's code, its log write, and the SDK client's work for that call.
   */
  readonly overheadMs: readonly number[];
  /** Per direct SDK call, the same subtraction: the SDK client's own work alone. */
  readonly sdkClientMs: readonly number[];
  readonly throughput: { readonly requests: number; readonly concurrency: number; readonly perSecond: number };
}

type Handler = (event: unknown, context: { awsRequestId: string }) => Promise<unknown>;

/**
 * The synthesized start-execution bundle, loaded in this process, against a local Step Functions
 * endpoint on 127.0.0.1; every request names a new execution, so each one starts. Requests are sent one
 * at a time, so the one StartExecution the endpoint serves while a request is in flight is that
 * request's own: each latency is paired with it. Its log lines are really written, to /dev/null (on
 * Lambda they go to a pipe read by the runtime), so their cost is counted.
 */
export async function measureHandlerLatency(stackDir: string, requests: number, concurrency: number): Promise<HandlerLatency> {
  const stack = SynthesizedStack.read(stackDir);
  // The first workflow's start route (each workflow also has a GET status route).
  const startRoute = stack.routes().find((route) => route.routeKey.startsWith("POST "))!;
  const starter = stack.functions().find((fn) => fn.functionName === startRoute.functionName)!;
  const service = new LocalStepFunctions({ taskHandlers: { "arn:aws:states:::sns:publish": () => ({ MessageId: "bench" }) } });
  for (const machine of stack.stateMachines()) service.createStateMachine(machine.arn, machine.definition);
  /** The endpoint's times for StartExecution since the last request began. */
  let served: number[] = [];
  const endpoint = await startStepFunctionsEndpoint(service, {
    port: 0,
    onServed: (operation, ms) => {
      if (operation === "StartExecution") served.push(ms);
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
  // Every file of the zip, as Lambda unpacks it: index.mjs imports the request validator beside it.
  for (const [name, contents] of Object.entries(unzipSync(fs.readFileSync(starter.zipFile)))) {
    fs.writeFileSync(path.join(taskRoot, name), contents);
  }
  const { handler } = (await import(pathToFileURL(path.join(taskRoot, "index.mjs")).href)) as { handler: Handler };
  const sfn = new SFNClient({
    endpoint: endpoint.url,
    region: stack.region,
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
  });
  const stateMachineArn = stack.stateMachines()[0].arn;

  let counter = 0;
  const request = () => {
    const id = ++counter;
    const body = Buffer.from(JSON.stringify({ country: `Country ${id}` }));
    return () =>
      handler(
        httpApiEvent({
          method: "POST",
          path: "/executions",
          routeKey: "POST /executions",
          headers: { "content-type": "application/json" },
          body,
        }),
        {
          awsRequestId: `bench-${id}`,
        },
      );
  };
  const direct = () => {
    const id = ++counter;
    return () => sfn.send(new StartExecutionCommand({ stateMachineArn, name: `direct-${id}`, input: `{"country":"Country ${id}"}` }));
  };
  /** HTTP exchanges (request start to response end) of this process since the last call began. */
  let exchanges: number[] = [];
  const onRequestStart = (message: unknown) => {
    const { request } = message as { request: ClientRequest };
    const started = performance.now();
    request.once("response", (response: IncomingMessage) => response.once("end", () => exchanges.push(performance.now() - started)));
  };
  diagnostics.subscribe("http.client.request.start", onRequestStart);
  /** The call's latency, the endpoint's time for the one StartExecution it made, and that call's time on the wire. */
  const timed = async (call: () => Promise<unknown>) => {
    served = [];
    exchanges = [];
    const started = performance.now();
    await call();
    const ms = performance.now() - started;
    if (served.length !== 1) throw new Error(`expected one StartExecution per request, the endpoint served ${served.length}`);
    if (exchanges.length !== 1) throw new Error(`expected one HTTP exchange per request, saw ${exchanges.length}`);
    return { ms, endpointMs: served[0], wireMs: exchanges[0] };
  };

  // The handler's log lines, written as on Lambda (synchronously, one write per line) but to /dev/null.
  const devNull = fs.openSync("/dev/null", "w");
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array) => {
    if (typeof chunk === "string") fs.writeSync(devNull, chunk);
    else fs.writeSync(devNull, chunk);
    return true;
  }) as typeof process.stdout.write;
  try {
    for (let warmUp = 0; warmUp < 200; warmUp++) {
      await timed(request());
      await timed(direct());
    }
    const handlerMs: number[] = [];
    const roundTripMs: number[] = [];
    const endpointMs: number[] = [];
    const wireMs: number[] = [];
    const overheadMs: number[] = [];
    const sdkClientMs: number[] = [];
    // Alternating, so that both see the same state of the service (its growing execution list, GC).
    for (let index = 0; index < requests; index++) {
      const handled = await timed(request());
      handlerMs.push(handled.ms);
      endpointMs.push(handled.endpointMs);
      wireMs.push(handled.wireMs);
      overheadMs.push(handled.ms - handled.wireMs);
      const sent = await timed(direct());
      roundTripMs.push(sent.ms);
      sdkClientMs.push(sent.ms - sent.wireMs);
    }

    const throughputRequests = requests * 2;
    const queue = Array.from({ length: throughputRequests }, () => request());
    const started = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        for (let next = queue.shift(); next; next = queue.shift()) await next();
      }),
    );
    const perSecond = throughputRequests / ((performance.now() - started) / 1000);
    return {
      handlerMs,
      roundTripMs,
      endpointMs,
      wireMs,
      overheadMs,
      sdkClientMs,
      throughput: { requests: throughputRequests, concurrency, perSecond },
    };
  } finally {
    diagnostics.unsubscribe("http.client.request.start", onRequestStart);
    process.stdout.write = write;
    fs.closeSync(devNull);
    service.abortAll();
    sfn.destroy();
    await endpoint.close();
    fs.rmSync(taskRoot, { recursive: true, force: true });
  }
}
