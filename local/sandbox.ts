import { DEFAULT_STEP_FUNCTIONS_HISTORY_DAYS, ENVIRONMENT } from "../functions/start-execution/contract";
import { dynamoDbTaskHandlers } from "./dynamodb-tasks";
import { type HttpApiServer, type RouteIntegration, startHttpApiServer } from "./http-api-server";
import { LambdaHost } from "./lambda-host";
import { type LocalDynamoDb, startLocalDynamoDb } from "./local-dynamodb";
import { executionStatusChangeEvent, LocalEventBus } from "./local-event-bus";
import { LocalStepFunctions, type UnservedTask } from "./local-step-functions";
import { type MockConfig, MockConfigError } from "./mock-config";
import { type OutboxMessage, SnsOutbox } from "./sns-outbox";
import { type StepFunctionsEndpoint, type StepFunctionsOperation, startStepFunctionsEndpoint } from "./step-functions-endpoint";
import { type LocalFunction, type LocalRoute, type LocalSchedule, type LocalTable, SynthesizedStack } from "./synthesized-stack";
import { dynamoDbTasksOf } from "./task-tables";

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
  /** Tables a workflow uses that the stack does not declare (a team's own), created locally as given. */
  readonly tables?: readonly LocalTable[];
  /** Mocked responses for Task states (AWS Step Functions Local's format): `--mock-config`. */
  readonly mocks?: MockConfig;
  /** The test case executions use when several are configured for a state machine: `--mock-case`. */
  readonly mockCase?: string;
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
  /** Every table created locally: the stack's, then those given. */
  readonly tables: readonly LocalTable[];
  /** Task states an execution would fail on: no local service, no mock (told at startup). */
  readonly unservedTasks: readonly UnservedTask[];
  /** DynamoDB tasks naming a table that does not exist locally (told at startup). */
  readonly missingTables: readonly { readonly stateMachineArn: string; readonly stateName: string; readonly tableName: string }[];
  readonly service: LocalStepFunctions;
  /** Messages published so far, in order. */
  readonly outbox: readonly OutboxMessage[];
  /** The function processes, by function name. */
  readonly hosts: ReadonlyMap<string, LambdaHost>;
  /** The stack's schedules (the ledger reconciler's, with a ledger), each run on its rate while the sandbox runs. */
  readonly schedules: readonly LocalSchedule[];
  /** Invokes a schedule's function now, as its schedule would, and returns what it answered. */
  runSchedule(name: string): Promise<unknown>;
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
 * stack's EventBridge rules; its schedules run on their rate; and an HTTP API serving its routes.
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
    const stateMachines = stack.stateMachines();
    const tables = [...stack.tables(), ...(options.tables ?? [])];
    const declared = new Set<string>();
    for (const table of tables) {
      if (declared.has(table.name))
        throw new TableDeclarationError(`Table ${table.name} is given twice (the stack declares its own tables).`);
      declared.add(table.name);
    }
    const dynamoDbTasks = stateMachines.flatMap((stateMachine) =>
      dynamoDbTasksOf(stateMachine.definition).map((task) => ({ ...task, stateMachineArn: stateMachine.arn })),
    );
    let dynamodb = options.dynamodb;
    if (!dynamodb && (tables.length > 0 || dynamoDbTasks.length > 0)) {
      dynamodb = await startLocalDynamoDb({ host });
      const started = dynamodb;
      cleanups.push(() => started.close());
    }
    await dynamodb?.createTables(tables);
    const dynamoDbTasksService = dynamodb
      ? dynamoDbTaskHandlers({
          endpoint: dynamodb.url,
          region: stack.region,
          hintFor: (errorName, parameters) =>
            errorName === "ResourceNotFoundException" && typeof parameters.TableName === "string" && !declared.has(parameters.TableName)
              ? `(npm run local: the stack does not declare table ${parameters.TableName}; create it with --table ` +
                `${parameters.TableName}=<partition key>.)`
              : undefined,
        })
      : undefined;
    if (dynamoDbTasksService) cleanups.push(async () => dynamoDbTasksService.close());

    const outbox = new SnsOutbox(new Set(stack.topicArns()), {
      file: options.outboxFile,
      onMessage: (message) => log("sns", `${message.topic}: ${message.message}`),
    });
    let bus: LocalEventBus | undefined;
    const deliveries = new Set<Promise<void>>();
    const service = new LocalStepFunctions({
      timeScale: options.timeScale,
      clock: options.clock,
      // The environment's stepFunctionsHistoryDays, as its start functions are told it: names are freed as on AWS.
      historyRetentionDays: stepFunctionsHistoryDaysOf(stack.functions()),
      taskHandlers: { "arn:aws:states:::sns:publish": (input) => outbox.publish(input), ...dynamoDbTasksService?.handlers },
      mocks: options.mocks,
      defaultTestCase: options.mockCase,
      onStatusChange: (execution) => {
        if (!bus) return;
        const delivery = bus.publish(executionStatusChangeEvent(execution, stack.region, stack.accountId));
        deliveries.add(delivery);
        void delivery.finally(() => deliveries.delete(delivery));
      },
    });
    cleanups.push(async () => service.abortAll());
    for (const stateMachine of stateMachines) {
      service.createStateMachine(stateMachine.arn, stateMachine.definition);
    }
    checkMocksMatchStack(
      options.mocks,
      options.mockCase,
      stateMachines.map((stateMachine) => stateMachine.name),
    );
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
        runtime: fn.runtime,
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

    // Each schedule on its rate, as EventBridge Scheduler would run it (`cron` and `at` expressions run on demand only).
    const schedules = stack.schedules();
    const runSchedule = (name: string) => {
      const schedule = schedules.find((candidate) => candidate.name === name);
      if (!schedule) throw new Error(`The stack has no schedule ${name}.`);
      return hosts.get(schedule.functionName)!.invoke(schedule.input);
    };
    for (const schedule of schedules) {
      const everyMs = rateMs(schedule.scheduleExpression);
      if (everyMs === undefined) continue;
      const timer = setInterval(() => {
        runSchedule(schedule.name).catch((error: unknown) =>
          log("scheduler", `${schedule.name} failed: ${error instanceof Error ? error.message : String(error)}`),
        );
      }, everyMs);
      timer.unref();
      cleanups.push(async () => clearInterval(timer));
    }

    const routes = stack.routes();
    let api: HttpApiServer | undefined;
    if (options.port !== null) {
      const integrations = new Map<string, RouteIntegration>(
        routes.map((route) => [route.routeKey, (event) => hosts.get(route.functionName)!.invoke(event)]),
      );
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
      tables,
      unservedTasks: service.unservedTasks(),
      missingTables: dynamoDbTasks.flatMap(({ stateMachineArn, stateName, tableName }) =>
        tableName !== undefined && !declared.has(tableName) ? [{ stateMachineArn, stateName, tableName }] : [],
      ),
      service,
      outbox: outbox.messages,
      hosts,
      schedules,
      runSchedule,
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

/** A `rate(<n> <unit>)` schedule expression's period; undefined for any other expression. */
export function rateMs(expression: string): number | undefined {
  const match = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/.exec(expression);
  if (!match) return undefined;
  const unitMs = { minute: 60_000, hour: 3_600_000, day: 86_400_000 }[match[2].replace(/s$/, "") as "minute" | "hour" | "day"];
  return Number(match[1]) * unitMs;
}

/** Two declarations of one table: which would the sandbox create? */
export class TableDeclarationError extends Error {}

/**
 * A mock file naming a state machine the stack does not have, or a --mock-case no state machine has, is a
 * typo that would otherwise silently mock nothing.
 */
function checkMocksMatchStack(mocks: MockConfig | undefined, mockCase: string | undefined, stateMachineNames: readonly string[]): void {
  if (!mocks) {
    if (mockCase !== undefined) throw new MockConfigError(`--mock-case ${mockCase} needs a --mock-config file to take the test case from.`);
    return;
  }
  const unknown = mocks.stateMachineNames().filter((name) => !stateMachineNames.includes(name));
  if (unknown.length > 0) {
    throw new MockConfigError(
      `${mocks.source}: ${unknown.join(", ")} ${unknown.length === 1 ? "is not a state machine" : "are not state machines"} of this ` +
        `stack (its state machines: ${stateMachineNames.join(", ")}).`,
    );
  }
  if (mockCase !== undefined && !mocks.stateMachineNames().some((name) => mocks.testCasesOf(name).has(mockCase))) {
    throw new MockConfigError(`--mock-case ${mockCase}: no state machine in ${mocks.source} has a test case of that name.`);
  }
}

/** The history days the stack's start functions are deployed with (one value per environment); 90 unless set. */
export function stepFunctionsHistoryDaysOf(functions: readonly LocalFunction[]): number {
  const configured = functions.map((fn) => fn.environment[ENVIRONMENT.stepFunctionsHistoryDays]).find((days) => days !== undefined);
  return configured === undefined ? DEFAULT_STEP_FUNCTIONS_HISTORY_DAYS : Number(configured);
}
