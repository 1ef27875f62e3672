import { randomUUID } from "node:crypto";
import {
  ExecutionAbortedError,
  ExecutionError,
  ExecutionTimeoutError,
  StateMachine,
  type StateMachineDefinition,
} from "aws-local-stepfunctions";
import { type MockConfig, MockConfigError, type MockedAnswer, type TestCase } from "./mock-config";
import { ServiceError } from "./service-error";

export type ExecutionStatus = "RUNNING" | "SUCCEEDED" | "FAILED" | "TIMED_OUT" | "ABORTED";

/** Runs a Task state's resource locally, e.g. `arn:aws:states:::sns:publish`. */
export type TaskHandler = (input: unknown, task: { readonly executionArn: string; readonly stateName: string }) => unknown;

export interface LocalStepFunctionsOptions {
  /** Local stand-ins for the Task resources the definitions use, by resource ARN. */
  readonly taskHandlers: Readonly<Record<string, TaskHandler>>;
  /** Multiplies Wait states' `Seconds`: 1 is real time, 0.01 makes 30 s take 0.3 s. @default 1 */
  readonly timeScale?: number;
  /** How long a closed execution's name stays taken. @default 90 (what AWS keeps) */
  readonly historyRetentionDays?: number;
  /** The service's clock; tests move it to reach the end of the retention. @default the system clock */
  readonly clock?: () => Date;
  /** Called when an execution starts and when it closes, as Step Functions emits status change events. */
  readonly onStatusChange?: (execution: ExecutionRecord) => void;
  /** Mocked responses for Task states, in AWS Step Functions Local's format; a mocked state never runs its handler. */
  readonly mocks?: MockConfig;
  /**
   * The test case executions use when StartExecution names none (`<state machine ARN>#<case>` names one):
   * used by every state machine that has a case of this name; a state machine with a single case uses it.
   */
  readonly defaultTestCase?: string;
}

/** A Task state that neither a local service nor the default test case's mocks answer. */
export interface UnservedTask {
  readonly stateMachineArn: string;
  readonly stateName: string;
  readonly resource: string;
}

export interface ExecutionRecord {
  readonly executionArn: string;
  readonly stateMachineArn: string;
  readonly name: string;
  readonly input: string;
  readonly startDate: Date;
  status: ExecutionStatus;
  stopDate?: Date;
  output?: string;
  error?: string;
  cause?: string;
}

interface RegisteredStateMachine {
  readonly arn: string;
  readonly machine: StateMachine;
  readonly taskStateResources: ReadonlyMap<string, string>;
  readonly waitSeconds: ReadonlyMap<string, number>;
  readonly testCases: ReadonlyMap<string, TestCase>;
  /** Executions started without `#<case>` use this one's mocks. */
  readonly defaultTestCase?: string;
}

interface RunningExecution {
  readonly record: ExecutionRecord;
  readonly settled: Promise<ExecutionRecord>;
  abort?: () => void;
}

const MAX_INPUT_BYTES = 262_144;
/**
 * What Step Functions refuses in a name: whitespace, `< > { } [ ] ? * " # % \ ^ | ~ \` $ & , ; : /` and
 * control characters (C0, DEL, C1). Anything else is accepted, `order.1` or non-ASCII letters included.
 */
const FORBIDDEN_IN_NAME = /[\s<>{}[\]?*"#%\\^|~`$&,;:/\u0000-\u001f\u007f-\u009f]/u;

/** A name Step Functions accepts for an execution: 1 to 80 characters, none of them forbidden. */
export function isValidExecutionName(name: string): boolean {
  const characters = [...name].length;
  return characters >= 1 && characters <= 80 && !FORBIDDEN_IN_NAME.test(name);
}
const STATE_MACHINE_ARN_PATTERN = /^arn:[a-z-]+:states:[a-z0-9-]+:\d{12}:stateMachine:([0-9A-Za-z_-]{1,80})$/;
const DAY_MS = 86_400_000;

/**
 * Step Functions (Standard workflows) on this machine: the name semantics of StartExecution as AWS
 * documents them, executions run by aws-local-stepfunctions on the real definition, and the history
 * retention after which a name can be used again.
 */
export class LocalStepFunctions {
  private readonly stateMachines = new Map<string, RegisteredStateMachine>();
  private readonly executions = new Map<string, RunningExecution>();
  private readonly timeScale: number;
  private readonly retentionMs: number;
  private readonly clock: () => Date;

  constructor(private readonly options: LocalStepFunctionsOptions) {
    this.timeScale = options.timeScale ?? 1;
    if (!(this.timeScale >= 0)) {
      throw new RangeError(`timeScale must be a number >= 0; got ${options.timeScale}.`);
    }
    this.retentionMs = (options.historyRetentionDays ?? 90) * DAY_MS;
    this.clock = options.clock ?? (() => new Date());
  }

  /**
   * Registers a state machine. A Task state without a local handler is accepted: an execution reaching it
   * fails (States.Runtime) unless the execution's test case mocks it.
   */
  public createStateMachine(arn: string, definitionJson: string): void {
    if (!STATE_MACHINE_ARN_PATTERN.test(arn)) {
      throw new ServiceError("InvalidArn", `Invalid state machine ARN: '${arn}'`);
    }
    let definition: StateMachineDefinition;
    try {
      definition = JSON.parse(definitionJson) as StateMachineDefinition;
    } catch (error) {
      throw new ServiceError("InvalidDefinition", `Definition is not JSON: ${(error as Error).message}`);
    }
    const taskStateResources = new Map<string, string>();
    const waitSeconds = new Map<string, number>();
    collectStates(definition, taskStateResources, waitSeconds);
    const machine = new StateMachine(definition, { validationOptions: { checkArn: true, checkPaths: true } });
    const name = STATE_MACHINE_ARN_PATTERN.exec(arn)![1];
    const testCases = this.options.mocks?.testCasesOf(name) ?? new Map<string, TestCase>();
    for (const [caseName, testCase] of testCases) {
      const unknown = [...testCase.keys()].filter((stateName) => !taskStateResources.has(stateName));
      if (unknown.length > 0) {
        throw new MockConfigError(
          `${this.options.mocks!.source} StateMachines.${name}.TestCases.${caseName}: ${unknown.join(", ")} ` +
            `${unknown.length === 1 ? "is not a Task state" : "are not Task states"} of ${name} (its Task states: ${[...taskStateResources.keys()].join(", ") || "none"}).`,
        );
      }
    }
    const defaultTestCase = chooseDefaultTestCase(name, testCases, this.options.defaultTestCase, this.options.mocks?.source);
    this.stateMachines.set(arn, { arn, machine, taskStateResources, waitSeconds, testCases, defaultTestCase });
  }

  /** The test case executions of a state machine use when StartExecution names none. */
  public defaultTestCaseOf(stateMachineArn: string): string | undefined {
    return this.stateMachines.get(stateMachineArn)?.defaultTestCase;
  }

  /** Task states that would fail an execution reaching them: no local service, and no mock in the default test case. */
  public unservedTasks(): UnservedTask[] {
    return [...this.stateMachines.values()].flatMap((stateMachine) => {
      const mocked = stateMachine.testCases.get(stateMachine.defaultTestCase ?? "") ?? new Map();
      return [...stateMachine.taskStateResources]
        .filter(([stateName, resource]) => !this.options.taskHandlers[resource] && !mocked.has(stateName))
        .map(([stateName, resource]) => ({ stateMachineArn: stateMachine.arn, stateName, resource }));
    });
  }

  public startExecution(request: { stateMachineArn?: string; name?: string; input?: string }): {
    executionArn: string;
    startDate: Date;
  } {
    // AWS Step Functions Local's way of choosing a test case: `<state machine ARN>#<case>`.
    const [stateMachineArn, requestedCase] = (request.stateMachineArn ?? "").split(/#(.*)/s);
    const stateMachine = this.requireStateMachine(request.stateMachineArn === undefined ? undefined : stateMachineArn);
    const testCaseName = requestedCase ?? stateMachine.defaultTestCase;
    const testCase = testCaseName === undefined ? undefined : stateMachine.testCases.get(testCaseName);
    if (testCaseName !== undefined && !testCase) {
      throw new ServiceError(
        "InvalidArn",
        `No test case '${testCaseName}' for ${stateMachine.arn} in the mock configuration; ` +
          `its test cases: ${[...stateMachine.testCases.keys()].join(", ") || "none"}.`,
      );
    }
    const name = request.name ?? randomUUID();
    if (!isValidExecutionName(name)) {
      throw new ServiceError("InvalidName", `Invalid Name: '${name}'`);
    }
    const input = request.input ?? "{}";
    const parsedInput = parseInput(input);
    const executionArn = `${stateMachine.arn.replace(":stateMachine:", ":execution:")}:${name}`;

    this.forgetExpiredHistory();
    const existing = this.executions.get(executionArn);
    if (existing) {
      // AWS: same name and same input while still running returns the original execution; anything else is refused.
      if (existing.record.status === "RUNNING" && existing.record.input === input) {
        return { executionArn, startDate: existing.record.startDate };
      }
      throw new ServiceError("ExecutionAlreadyExists", `Execution Already Exists: '${executionArn}'`);
    }

    const record: ExecutionRecord = {
      executionArn,
      stateMachineArn: stateMachine.arn,
      name,
      input,
      startDate: this.clock(),
      status: "RUNNING",
    };
    this.executions.set(executionArn, this.run(stateMachine, record, parsedInput, testCase));
    this.options.onStatusChange?.({ ...record });
    return { executionArn, startDate: record.startDate };
  }

  public describeExecution(request: { executionArn?: string }): ExecutionRecord {
    return { ...this.requireExecution(request.executionArn).record };
  }

  public listExecutions(request: {
    stateMachineArn?: string;
    statusFilter?: ExecutionStatus;
    maxResults?: number;
    nextToken?: string;
  }): { executions: ExecutionRecord[]; nextToken?: string } {
    const stateMachine = this.requireStateMachine(request.stateMachineArn);
    const maxResults = request.maxResults || 100;
    if (!Number.isInteger(maxResults) || maxResults < 1 || maxResults > 1000) {
      throw new ServiceError("ValidationException", "maxResults must be between 1 and 1000.");
    }
    const offset = request.nextToken === undefined ? 0 : Number.parseInt(request.nextToken, 10);
    if (!Number.isInteger(offset) || offset < 0) {
      throw new ServiceError("InvalidToken", `Invalid token: '${request.nextToken}'`);
    }
    this.forgetExpiredHistory();
    const matching = [...this.executions.values()]
      .map(({ record }) => record)
      .filter((record) => record.stateMachineArn === stateMachine.arn)
      .filter((record) => !request.statusFilter || record.status === request.statusFilter)
      .sort((a, b) => b.startDate.getTime() - a.startDate.getTime());
    const page = matching.slice(offset, offset + maxResults).map((record) => ({ ...record }));
    const next = offset + maxResults;
    return { executions: page, nextToken: next < matching.length ? String(next) : undefined };
  }

  public stopExecution(request: { executionArn?: string; error?: string; cause?: string }): { stopDate: Date } {
    const execution = this.requireExecution(request.executionArn);
    const record = execution.record;
    if (record.status === "RUNNING") {
      this.close(record, { status: "ABORTED", error: request.error, cause: request.cause });
      execution.abort?.();
    }
    return { stopDate: record.stopDate! };
  }

  /** Resolves when the execution has closed, whatever its end. */
  public settled(executionArn: string): Promise<ExecutionRecord> {
    return this.requireExecution(executionArn).settled;
  }

  /** Stops every running execution, e.g. when the sandbox shuts down. */
  public abortAll(): void {
    for (const { record } of this.executions.values()) {
      if (record.status === "RUNNING") {
        this.stopExecution({ executionArn: record.executionArn, error: "Shutdown", cause: "The local service stopped." });
      }
    }
  }

  private run(stateMachine: RegisteredStateMachine, record: ExecutionRecord, input: unknown, testCase: TestCase | undefined): RunningExecution {
    const invocations = new Map<string, number>();
    const taskResourceLocalHandlers = Object.fromEntries(
      [...stateMachine.taskStateResources].map(([stateName, resource]) => {
        const mock = testCase?.get(stateName);
        const handler = this.options.taskHandlers[resource];
        const task = { executionArn: record.executionArn, stateName };
        if (mock) {
          return [
            stateName,
            async () => {
              const invocation = invocations.get(stateName) ?? 0;
              invocations.set(stateName, invocation + 1);
              return mockedAnswer(stateName, mock.responseName, mock.answers, invocation);
            },
          ];
        }
        if (!handler) {
          return [stateName, async () => Promise.reject(new NoLocalServiceError(stateName, resource))];
        }
        return [stateName, async (taskInput: unknown) => handler(taskInput, task)];
      }),
    );
    const waitTimeOverrides =
      this.timeScale === 1
        ? undefined
        : Object.fromEntries([...stateMachine.waitSeconds].map(([stateName, seconds]) => [stateName, seconds * 1000 * this.timeScale]));
    const stateMachineName = STATE_MACHINE_ARN_PATTERN.exec(stateMachine.arn)![1];

    const execution = stateMachine.machine.run(input as never, {
      overrides: { taskResourceLocalHandlers: taskResourceLocalHandlers as never, waitTimeOverrides },
      context: {
        Execution: { Id: record.executionArn, Name: record.name, StartTime: record.startDate.toISOString() },
        StateMachine: { Id: stateMachine.arn, Name: stateMachineName },
      },
    });
    const settled = execution.result.then(
      (output) => this.close(record, { status: "SUCCEEDED", output: JSON.stringify(output) }),
      (error: unknown) => this.close(record, failureOf(error)),
    );
    return { record, settled, abort: execution.abort };
  }

  private close(record: ExecutionRecord, end: Partial<ExecutionRecord> & { status: ExecutionStatus }): ExecutionRecord {
    if (record.status === "RUNNING") {
      Object.assign(record, end, { stopDate: this.clock() });
      this.options.onStatusChange?.({ ...record });
    }
    return record;
  }

  /** Names of executions closed longer ago than the retention are free again, as on AWS. */
  private forgetExpiredHistory(): void {
    const horizon = this.clock().getTime() - this.retentionMs;
    for (const [arn, { record }] of this.executions) {
      if (record.stopDate && record.stopDate.getTime() < horizon) {
        this.executions.delete(arn);
      }
    }
  }

  private requireStateMachine(arn: string | undefined): RegisteredStateMachine {
    if (!arn || !STATE_MACHINE_ARN_PATTERN.test(arn)) {
      throw new ServiceError("InvalidArn", `Invalid Arn: '${arn ?? ""}'`);
    }
    const stateMachine = this.stateMachines.get(arn);
    if (!stateMachine) {
      throw new ServiceError("StateMachineDoesNotExist", `State Machine Does Not Exist: '${arn}'`);
    }
    return stateMachine;
  }

  private requireExecution(arn: string | undefined): RunningExecution {
    this.forgetExpiredHistory();
    const execution = arn ? this.executions.get(arn) : undefined;
    if (!execution) {
      throw new ServiceError("ExecutionDoesNotExist", `Execution Does Not Exist: '${arn ?? ""}'`);
    }
    return execution;
  }
}

function parseInput(input: string): unknown {
  if (Buffer.byteLength(input, "utf8") > MAX_INPUT_BYTES) {
    throw new ServiceError("InvalidExecutionInput", `Input exceeds the maximum size of ${MAX_INPUT_BYTES} bytes.`);
  }
  try {
    return JSON.parse(input);
  } catch (error) {
    throw new ServiceError("InvalidExecutionInput", `Invalid State Machine Execution Input: '${(error as Error).message}'`);
  }
}

function failureOf(error: unknown): Partial<ExecutionRecord> & { status: ExecutionStatus } {
  if (error instanceof ExecutionAbortedError) {
    return { status: "ABORTED" };
  }
  if (error instanceof ExecutionTimeoutError) {
    return { status: "TIMED_OUT", error: "States.Timeout" };
  }
  const cause = error instanceof ExecutionError ? (error.cause as Error | undefined) : (error as Error);
  return { status: "FAILED", error: cause?.name ?? "Error", cause: cause?.message };
}

/**
 * Fails the execution whatever its Retry and Catch say, as States.Runtime does on AWS: the sandbox cannot run
 * the task, which is no outcome the workflow was written to handle.
 */
class SandboxRuntimeError extends Error {
  public readonly isRetryable = false;
  public readonly isCatchable = false;
  constructor(message: string) {
    super(message);
    this.name = "States.Runtime";
  }
}

/** A Task whose resource the sandbox has no local service for, and no mock. */
class NoLocalServiceError extends SandboxRuntimeError {
  constructor(stateName: string, resource: string) {
    super(
      `Task state '${stateName}' calls ${resource}, which the sandbox has no local service for: ` +
        `answer it with a mocked response in a file given to npm run local with --mock-config <file> ` +
        `(AWS Step Functions Local's mock configuration format).`,
    );
  }
}

/** A mocked answer, as the task's result or as the error the task failed with. */
function mockedAnswer(stateName: string, responseName: string, answers: readonly MockedAnswer[], invocation: number): unknown {
  const answer = answers[invocation];
  if (!answer) {
    throw new SandboxRuntimeError(
      `Mocked response '${responseName}' answers invocations 0-${answers.length - 1} of state '${stateName}'; ` +
        `this is invocation ${invocation}: add an answer for it to the mock configuration.`,
    );
  }
  if ("Return" in answer) return answer.Return;
  throw Object.assign(new Error(answer.Throw.Cause ?? ""), { name: answer.Throw.Error });
}

/**
 * The test case executions use when StartExecution names none: the one given, if this state machine has it;
 * otherwise its only one. Several and none chosen would make every trigger a guess, so that is refused.
 */
function chooseDefaultTestCase(
  stateMachineName: string,
  testCases: ReadonlyMap<string, TestCase>,
  requested: string | undefined,
  source = "the mock configuration",
): string | undefined {
  if (requested !== undefined && testCases.has(requested)) return requested;
  if (testCases.size <= 1) return testCases.keys().next().value;
  throw new MockConfigError(
    `${source}: ${stateMachineName} has test cases ${[...testCases.keys()].join(", ")}` +
      `${requested === undefined ? "" : `, none of them ${requested}`}: choose the one executions use with --mock-case <name> ` +
      `(a client of the Step Functions endpoint can also start <state machine ARN>#<case>).`,
  );
}

type AnyState = { Type?: string; Resource?: string; Seconds?: number; Branches?: unknown[]; Iterator?: unknown; ItemProcessor?: unknown };

/** Finds Task and Wait states by name, including those inside Parallel branches and Map processors. */
function collectStates(definition: unknown, tasks: Map<string, string>, waits: Map<string, number>): void {
  const states = (definition as { States?: Record<string, AnyState> }).States ?? {};
  for (const [name, state] of Object.entries(states)) {
    if (state.Type === "Task" && typeof state.Resource === "string") {
      tasks.set(name, state.Resource);
    }
    if (state.Type === "Wait" && typeof state.Seconds === "number") {
      waits.set(name, state.Seconds);
    }
    for (const nested of [...(state.Branches ?? []), state.Iterator, state.ItemProcessor]) {
      if (nested) {
        collectStates(nested, tasks, waits);
      }
    }
  }
}
