import { type HttpApiServer, type RouteIntegration, startHttpApiServer } from "./http-api-server";
import { LambdaHost } from "./lambda-host";
import { type LocalDynamoDb, startLocalDynamoDb } from "./local-dynamodb";
import { executionStatusChangeEvent, LocalEventBus } from "./local-event-bus";
import { LocalStepFunctions } from "./local-step-functions";
import { type OutboxMessage, SnsOutbox } from "./sns-outbox";
import { type StepFunctionsEndpoint, type StepFunctionsOperation, startStepFunctionsEndpoint } from "./step-functions-endpoint";
import { type LocalFunction, type LocalRoute, SynthesizedStack } from "./synthesized-stack";

export interface SandboxOptions {
  /** A synthesized stack: `cdktf.out/stacks/<environment>`. */
  readonly stackDir: string;
  /** @default "127.0.0.1" */
  readonly host?: string;
  /** The HTTP API's port; 0 takes any free port; null serves no HTTP API. @default 3000 */
  readonly port?: number | null;
  /** The Step Functions endpoint's port; 0 takes any free port. @default 8083 */
  readonly sfnPort?: number;
  /** Multiplies Wait states' seconds. @default 1 */
  readonly timeScale?: number;
  /** Where published messages are appended as JSON lines. */
  readonly outboxFile?: string;
  /** A DynamoDB to use instead of starting one (its tables are created as the stack defines them). */
  readonly dynamodb?: LocalDynamoDb;
  /** The Step Functions service's clock. @default the system clock */
  readonly clock?: () => Date;
  /** Runs before every Step Functions operation; throw a ServiceError to simulate a failing service. */
  readonly intercept?: (operation: StepFunctionsOperation) => void;
  /** Everything worth telling: function output, published messages, failed deliveries. */
  readonly onLog?: (source: string, line: string) => void;
}

export interface Sandbox {
  readonly stack: SynthesizedStack;
  readonly apiUrl?: string;
  readonly sfnUrl: string;
  readonly dynamodbUrl?: string;
  readonly routes: readonly LocalRoute[];
  readonly service: LocalStepFunctions;
  /** Messages published so far, in order. */
  readonly outbox: readonly OutboxMessage[];
  /** The function processes, by function name. */
  readonly hosts: ReadonlyMap<string, LambdaHost>;
  /** The function behind a route, e.g. `POST /executions`. */
  routeFunction(routeKey: string): LocalFunction;
  /** Waits until every status change event published so far has reached its rules' functions. */
  eventsDelivered(): Promise<void>;
  /** Stops every execution, process and server, and frees the ports. */
  stop(): Promise<void>;
}

/**
 * The synthesized stack, run on this machine with the very artifacts synth produced: each function's zip
 * in its own process with its handler string and variables; the state machine's definition run by
 * aws-local-stepfunctions behind a Step Functions endpoint speaking the AWS JSON protocol; SNS publishes
 * written to an outbox; DynamoDB (dynalite) for the stack's tables; status change events delivered to the
 * stack's EventBridge rules; and an HTTP API serving its routes.
 */
export async function startSandbox(options: SandboxOptions): Promise<Sandbox> {
  const stack = SynthesizedStack.read(options.stackDir);
  const host = options.host ?? "127.0.0.1";
  const log = options.onLog ?? (() => {});
  const cleanups: Array<() => Promise<void>> = [];
  const stopAll = async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {});
  };

  try {
    const tables = stack.tables();
    let dynamodb = options.dynamodb;
    if (!dynamodb && tables.length > 0) {
      dynamodb = await startLocalDynamoDb({ host });
      const started = dynamodb;
      cleanups.push(() => started.close());
    }
    await dynamodb?.createTables(tables);

    const outbox = new SnsOutbox(new Set(stack.topicArns()), {
      file: options.outboxFile,
      onMessage: (message) => log("sns", `${message.topic}: ${message.message}`),
    });
    let bus: LocalEventBus | undefined;
    const deliveries = new Set<Promise<void>>();
    const service = new LocalStepFunctions({
      timeScale: options.timeScale,
      clock: options.clock,
      taskHandlers: { "arn:aws:states:::sns:publish": (input) => outbox.publish(input) },
      onStatusChange: (execution) => {
        if (!bus) return;
        const delivery = bus.publish(executionStatusChangeEvent(execution, stack.region, stack.accountId));
        deliveries.add(delivery);
        void delivery.finally(() => deliveries.delete(delivery));
      },
    });
    cleanups.push(async () => service.abortAll());
    for (const stateMachine of stack.stateMachines()) {
      service.createStateMachine(stateMachine.arn, stateMachine.definition);
    }
    const sfn: StepFunctionsEndpoint = await startStepFunctionsEndpoint(service, {
      host,
      port: options.sfnPort ?? 8083,
      intercept: options.intercept,
    });
    cleanups.push(() => sfn.close());

    const endpoints = { AWS_ENDPOINT_URL_SFN: sfn.url, ...(dynamodb ? { AWS_ENDPOINT_URL_DYNAMODB: dynamodb.url } : {}) };
    const functions = stack.functions();
    const hosts = new Map<string, LambdaHost>();
    for (const fn of functions) {
      const lambda = await LambdaHost.start({
        zipFile: fn.zipFile,
        handler: fn.handler,
        functionName: fn.functionName,
        region: stack.region,
        timeoutSeconds: fn.timeoutSeconds,
        memorySize: fn.memorySize,
        environment: { ...fn.environment, ...endpoints },
        onLog: (line) => log(fn.functionName, line),
      });
      hosts.set(fn.functionName, lambda);
      cleanups.push(() => lambda.stop());
    }

    bus = new LocalEventBus(
      stack.eventRules().map((rule) => ({
        name: rule.name,
        eventPattern: rule.eventPattern,
        deliver: (event) => Promise.all(rule.functionNames.map((name) => hosts.get(name)!.invoke(event))),
      })),
      (rule, error) => log("eventbridge", `delivery to ${rule} failed: ${error instanceof Error ? error.message : String(error)}`),
    );
    cleanups.push(async () => {
      bus = undefined;
    });

    const routes = stack.routes();
    let api: HttpApiServer | undefined;
    if (options.port !== null) {
      const integrations = new Map<string, RouteIntegration>(routes.map((route) => [route.routeKey, (event) => hosts.get(route.functionName)!.invoke(event)]));
      api = await startHttpApiServer({ routes: integrations, host, port: options.port ?? 3000 });
      const started = api;
      cleanups.push(() => started.close());
    }

    return {
      stack,
      apiUrl: api?.url,
      sfnUrl: sfn.url,
      dynamodbUrl: dynamodb?.url,
      routes,
      service,
      outbox: outbox.messages,
      hosts,
      routeFunction: (routeKey) => {
        const route = routes.find((candidate) => candidate.routeKey === routeKey);
        const fn = route && functions.find((candidate) => candidate.functionName === route.functionName);
        if (!fn) throw new Error(`The stack has no route ${routeKey}.`);
        return fn;
      },
      eventsDelivered: async () => {
        while (deliveries.size > 0) await Promise.all([...deliveries]);
      },
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
