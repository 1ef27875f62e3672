import { randomUUID } from "node:crypto";
import {
  ExecutionAbortedError,
  ExecutionError,
  ExecutionTimeoutError,
  StateMachine,
  type StateMachineDefinition,
} from "aws-local-stepfunctions";
import { executionArnFor } from "../functions/shared/execution-arn";
import {
  EventLogTranslator,
  type ExecutionHistoryEvent,
  type HistoryEntry,
  type HistoryRequest,
  historyPage,
  type LibraryEvent,
  RunHistory,
  validateHistoryRequest,
} from "./execution-history";
import { type MockConfig, MockConfigError, type MockedAnswer, type TestCase } from "./mock-config";
import { ServiceError } from "./service-error";

export type ExecutionStatus = "RUNNING" | "SUCCEEDED" | "FAILED" | "TIMED_OUT" | "ABORTED";

/** DescribeExecution's `redriveStatus` (REDRIVABLE_BY_MAP_RUN is for Distributed Map children, which never occur here). */
export type RedriveStatus = "REDRIVABLE" | "NOT_REDRIVABLE" | "REDRIVABLE_BY_MAP_RUN";

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
  /**
   * Called when an execution starts, is redriven and closes, as Step Functions emits status change events; told
   * what DescribeExecution would say at that moment (redriveCount and redriveStatus included).
   */
  readonly onStatusChange?: (execution: ExecutionDescription) => void;
  /** Open (RUNNING) executions beyond which StartExecution and RedriveExecution answer ExecutionLimitExceeded. @default 1000000 */
  readonly openExecutionsLimit?: number;
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
  /** How many times RedriveExecution restarted it: 0 until then, as DescribeExecution and ListExecutions say. */
  redriveCount: number;
  /** When it was last redriven; absent (null on the wire) until then. */
  redriveDate?: Date;
}

/** What DescribeExecution says of an execution: its record, and whether RedriveExecution would take it now. */
export interface ExecutionDescription extends ExecutionRecord {
  readonly redriveStatus: RedriveStatus;
  /** Why not, when NOT_REDRIVABLE: AWS's sentence for the reason (see redriveStatusOf). */
  readonly redriveStatusReason?: string;
}

/** DescribeExecution's answer: with includedData METADATA_ONLY, no input and no output. */
export type DescribedExecution = Omit<ExecutionDescription, "input"> & { readonly input?: string };

interface RegisteredStateMachine {
  readonly arn: string;
  readonly definition: StateMachineDefinition;
  /** The names of the top-level states: where a redrive can restart. */
  readonly topLevelStates: ReadonlySet<string>;
  readonly machine: StateMachine;
  readonly taskStateResources: ReadonlyMap<string, string>;
  /** Task states inside a Map state's processor: their iterations run at once (see EventLogTranslation.taskResults). */
  readonly iteratedTasks: ReadonlySet<string>;
  readonly waitSeconds: ReadonlyMap<string, number>;
  readonly testCases: ReadonlyMap<string, TestCase>;
  /** Executions started without `#<case>` use this one's mocks. */
  readonly defaultTestCase?: string;
}

/** A top-level state and the input it was entered with. */
interface RestartPoint {
  readonly stateName: string;
  readonly input: unknown;
}

/** An execution and what its runs (the first, then one per redrive) share. */
interface RunningExecution {
  readonly record: ExecutionRecord;
  readonly stateMachine: RegisteredStateMachine;
  /** The execution's input, parsed: every run starts with it, so `$$.Execution.Input` stays the execution's. */
  readonly input: unknown;
  readonly testCase?: TestCase;
  /**
   * Each mocked state's invocations so far. Step Functions Local counts them per execution, retries included;
   * a redrive continues the same execution, so the count goes on: a response that throws at "0" and returns at
   * "1" fails the first run and answers the redrive.
   */
  readonly invocations: Map<string, number>;
  /** Resolves once the latest run has closed (or is superseded by a redrive). */
  settled: Promise<ExecutionRecord>;
  abort?: () => void;
  /** Resolves once the latest run's event log has been read to its end: restartAt is then final. */
  logRead: Promise<void>;
  /** The top-level state that was running when the latest run ended: a redrive restarts there. */
  restartAt?: RestartPoint;
  /** Client tokens of successful redrives, oldest first, at most IDEMPOTENT_CLIENT_TOKENS of them. */
  readonly redriveTokens: { readonly token: string; readonly redriveDate: Date }[];
  /** GetExecutionHistory's events, one list per run (the first, then one per redrive); they go with the execution. */
  readonly runs: RunHistory[];
}

const MAX_INPUT_BYTES = 262_144;
/**
 * What Step Functions refuses in a name: whitespace, `< > { } [ ] ? * " # % \ ^ | ~ \` $ & , ; : /` and
 * control characters (C0, DEL, C1). Anything else is accepted, `order.1` or non-ASCII letters included.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: Step Functions refuses control characters in names; this finds them.
const FORBIDDEN_IN_NAME = /[\s<>{}[\]?*"#%\\^|~`$&,;:/\u0000-\u001f\u007f-\u009f]/u;

/** A name Step Functions accepts for an execution: 1 to 80 characters, none of them forbidden. */
export function isValidExecutionName(name: string): boolean {
  const characters = [...name].length;
  return characters >= 1 && characters <= 80 && !FORBIDDEN_IN_NAME.test(name);
}
const STATE_MACHINE_ARN_PATTERN = /^arn:[a-z-]+:states:[a-z0-9-]+:\d{12}:stateMachine:([0-9A-Za-z_-]{1,80})$/;
/** An execution ARN: the state machine's with `:execution:`, then `:` and a name (which cannot hold `:`). */
const EXECUTION_ARN_PATTERN = /^arn:[a-z-]+:states:[a-z0-9-]+:\d{12}:execution:[0-9A-Za-z_-]{1,80}:[^:]+$/;
const DAY_MS = 86_400_000;

/*
 * RedriveExecution's rules, as AWS documents them: the API reference's RedriveExecution and DescribeExecution
 * pages (https://docs.aws.amazon.com/step-functions/latest/apireference/API_RedriveExecution.html, .../API_DescribeExecution.html)
 * and the developer guide's "Restarting state machine executions with redrive in Step Functions"
 * (https://docs.aws.amazon.com/step-functions/latest/dg/redrive-executions.html).
 */
/** "has not exceeded the redrivable period of 14 days … This period starts from the day a state machine completes its execution." */
const REDRIVABLE_PERIOD_MS = 14 * DAY_MS;
/** "The workflow execution has not exceeded the maximum open time of one year" (the quota "Maximum execution time: 1 year"). */
const MAX_EXECUTION_TIME_MS = 365 * DAY_MS;
/** "You started the execution on or after November 15, 2023. Executions that you started prior to this date aren't eligible." */
const REDRIVE_LAUNCH_MS = Date.parse("2023-11-15T00:00:00Z");
/**
 * clientToken: "The API will return idempotent responses for the last 10 client tokens used to successfully redrive the
 * execution. These client tokens are valid for up to 15 minutes after they are first used."
 */
const IDEMPOTENT_CLIENT_TOKENS = 10;
const CLIENT_TOKEN_VALIDITY_MS = 15 * 60_000;
/** clientToken's constraints: 1 to 64 characters, pattern `[!-~]+` (printable ASCII, no space). */
const CLIENT_TOKEN_PATTERN = /^[!-~]{1,64}$/;
/** The quota of open executions per account and Region; past it StartExecution and RedriveExecution answer ExecutionLimitExceeded. */
const DEFAULT_OPEN_EXECUTIONS_LIMIT = 1_000_000;

/**
 * Step Functions (Standard workflows) on this machine: the name semantics of StartExecution as AWS
 * documents them, executions run by aws-local-stepfunctions on the real definition, RedriveExecution with
 * AWS's rules, and the history retention after which a name can be used again.
 */
export class LocalStepFunctions {
  private readonly stateMachines = new Map<string, RegisteredStateMachine>();
  private readonly executions = new Map<string, RunningExecution>();
  private readonly timeScale: number;
  private readonly retentionMs: number;
  private readonly clock: () => Date;
  private readonly openExecutionsLimit: number;
  /** RUNNING executions, counted as they open and close rather than by a scan on every start. */
  private openExecutions = 0;

  constructor(private readonly options: LocalStepFunctionsOptions) {
    this.timeScale = options.timeScale ?? 1;
    if (!(this.timeScale >= 0)) {
      throw new RangeError(`timeScale must be a number >= 0; got ${options.timeScale}.`);
    }
    this.retentionMs = (options.historyRetentionDays ?? 90) * DAY_MS;
    this.clock = options.clock ?? (() => new Date());
    this.openExecutionsLimit = options.openExecutionsLimit ?? DEFAULT_OPEN_EXECUTIONS_LIMIT;
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
    const iteratedTasks = new Set<string>();
    collectStates(definition, taskStateResources, waitSeconds, iteratedTasks);
    const machine = new StateMachine(definition, { validationOptions: { checkArn: true, checkPaths: true } });
    const name = STATE_MACHINE_ARN_PATTERN.exec(arn)![1];
    const testCases = this.options.mocks?.testCasesOf(name) ?? new Map<string, TestCase>();
    for (const [caseName, testCase] of testCases) {
      const unknown = [...testCase.keys()].filter((stateName) => !taskStateResources.has(stateName));
      if (unknown.length > 0) {
        throw new MockConfigError(
          `${this.options.mocks!.source} StateMachines.${name}.TestCases.${caseName}: ${unknown.join(", ")} ` +
            `${unknown.length === 1 ? "is not a Task state" : "are not Task states"} of ${name} (its Task states: ` +
            `${[...taskStateResources.keys()].join(", ") || "none"}).`,
        );
      }
    }
    const defaultTestCase = chooseDefaultTestCase(name, testCases, this.options.defaultTestCase, this.options.mocks?.source);
    const topLevelStates = new Set(Object.keys(definition.States ?? {}));
    this.stateMachines.set(arn, {
      arn,
      definition,
      topLevelStates,
      machine,
      taskStateResources,
      iteratedTasks,
      waitSeconds,
      testCases,
      defaultTestCase,
    });
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
    const executionArn = executionArnFor(stateMachine.arn, name);

    this.forgetExpiredHistory();
    const existing = this.executions.get(executionArn);
    if (existing) {
      // AWS: same name and same input while still running returns the original execution; anything else is refused.
      if (existing.record.status === "RUNNING" && existing.record.input === input) {
        return { executionArn, startDate: existing.record.startDate };
      }
      throw new ServiceError("ExecutionAlreadyExists", `Execution Already Exists: '${executionArn}'`);
    }
    this.requireRoomForAnotherOpenExecution();

    const record: ExecutionRecord = {
      executionArn,
      stateMachineArn: stateMachine.arn,
      name,
      input,
      startDate: this.clock(),
      status: "RUNNING",
      redriveCount: 0,
    };
    const execution: RunningExecution = {
      record,
      stateMachine,
      input: parsedInput,
      testCase,
      invocations: new Map(),
      settled: Promise.resolve(record),
      logRead: Promise.resolve(),
      redriveTokens: [],
      runs: [
        new RunHistory({
          timestamp: record.startDate,
          type: "ExecutionStarted",
          executionStartedEventDetails: { input, inputDetails: { truncated: false } },
        }),
      ],
    };
    this.executions.set(executionArn, execution);
    this.openExecutions++;
    execution.settled = this.run(execution);
    this.options.onStatusChange?.(this.describe(record));
    return { executionArn, startDate: record.startDate };
  }

  /**
   * RedriveExecution: restarts a FAILED, TIMED_OUT or ABORTED execution from the top-level state that did not
   * succeed, with the input that state had, under the same ARN, name and start date; the states that had
   * succeeded before it do not run again. Refused with ExecutionNotRedrivable when DescribeExecution's
   * redriveStatus is NOT_REDRIVABLE (see redriveStatusOf for AWS's reasons).
   *
   * `clientToken` makes the call idempotent as AWS documents: the last 10 tokens that redrove the execution,
   * each for 15 minutes after its first use, answer the redrive they made again, without another.
   *
   * The response comes before the run restarts: as on AWS, the redrive is accepted, then carried out.
   */
  public redriveExecution(request: { executionArn?: string; clientToken?: string }): { redriveDate: Date } {
    if (request.executionArn === undefined) {
      throw new ServiceError(
        "ValidationException",
        "1 validation error detected: Value null at 'executionArn' failed to satisfy constraint: Member must not be null",
      );
    }
    if (request.clientToken !== undefined && !CLIENT_TOKEN_PATTERN.test(request.clientToken)) {
      throw new ServiceError(
        "ValidationException",
        `1 validation error detected: Value '${request.clientToken}' at 'clientToken' failed to satisfy constraint: ` +
          "Member must have length between 1 and 64 and satisfy regular expression pattern: [!-~]+",
      );
    }
    const execution = this.requireExecution(request.executionArn);
    const record = execution.record;
    const now = this.clock();
    if (request.clientToken !== undefined) {
      const used = execution.redriveTokens.find(({ token }) => token === request.clientToken);
      if (used && now.getTime() - used.redriveDate.getTime() < CLIENT_TOKEN_VALIDITY_MS) {
        return { redriveDate: used.redriveDate };
      }
    }
    const { redriveStatus, redriveStatusReason } = redriveStatusOf(record, now);
    if (redriveStatus !== "REDRIVABLE") {
      throw new ServiceError("ExecutionNotRedrivable", `${redriveStatusReason}: '${record.executionArn}'`);
    }
    this.requireRoomForAnotherOpenExecution();

    // DescribeExecution of a running execution has no stop date, output, error or cause; the ledger's status
    // events likewise tell a redriven run by its RUNNING status, a null stopDate and the higher redriveCount.
    Object.assign(record, { status: "RUNNING", redriveCount: record.redriveCount + 1, redriveDate: now });
    for (const field of ["stopDate", "output", "error", "cause"] as const) delete record[field];
    this.openExecutions++;
    // The redriven run's history starts here, even if StopExecution closes it before it runs (ExecutionAborted next).
    const redriven = { redriveCount: record.redriveCount };
    execution.runs.push(new RunHistory({ timestamp: now, type: "ExecutionRedriven", executionRedrivenEventDetails: redriven }));
    if (request.clientToken !== undefined) {
      execution.redriveTokens.push({ token: request.clientToken, redriveDate: now });
      if (execution.redriveTokens.length > IDEMPOTENT_CLIENT_TOKENS) execution.redriveTokens.shift();
    }
    this.options.onStatusChange?.(this.describe(record));

    // The run restarts once the previous run's event log is read to its end (at once for a run that ended by
    // itself; a stopped one may still have events queued), so the restart point is the state it really ended in.
    const redrive = record.redriveCount;
    execution.abort = undefined;
    execution.settled = execution.logRead.then(() =>
      // StopExecution may have closed it meanwhile, and a later redrive may have taken over: then this run never starts.
      record.redriveCount === redrive && record.status === "RUNNING" ? this.run(execution) : record,
    );
    return { redriveDate: now };
  }

  public describeExecution(request: { executionArn?: string; includedData?: string }): DescribedExecution {
    const includedData = request.includedData ?? "ALL_DATA";
    if (includedData !== "ALL_DATA" && includedData !== "METADATA_ONLY") {
      throw new ServiceError(
        "ValidationException",
        `1 validation error detected: Value '${includedData}' at 'includedData' failed to satisfy constraint: ` +
          "Member must satisfy enum value set: [ALL_DATA, METADATA_ONLY]",
      );
    }
    const description: DescribedExecution = this.describe(this.requireExecution(request.executionArn).record);
    if (includedData === "METADATA_ONLY") {
      // The API reference: METADATA_ONLY answers without the data a customer managed KMS key encrypts, which
      // for an execution is its input and output; the rest (status, dates, error, redrive fields) stays.
      const { input: _input, output: _output, ...metadata } = description;
      return metadata;
    }
    return description;
  }

  public listExecutions(request: { stateMachineArn?: string; statusFilter?: ExecutionStatus; maxResults?: number; nextToken?: string }): {
    executions: ExecutionRecord[];
    nextToken?: string;
  } {
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

  /**
   * GetExecutionHistory: the events of every run of the execution, the first and each redrive, in order (see
   * execution-history.ts for what they are made of), paged by maxResults and nextToken, newest first with
   * reverseOrder, without inputs and outputs when includeExecutionData is false.
   */
  public getExecutionHistory(request: HistoryRequest): { events: ExecutionHistoryEvent[]; nextToken?: string } {
    validateHistoryRequest(request);
    const execution = this.requireExecution(request.executionArn);
    return historyPage(execution.record.executionArn, execution.runs, request);
  }

  public stopExecution(request: { executionArn?: string; error?: string; cause?: string }): { stopDate: Date } {
    const execution = this.requireExecution(request.executionArn);
    const record = execution.record;
    if (record.status === "RUNNING") {
      this.close(execution, { status: "ABORTED", error: request.error, cause: request.cause });
      execution.abort?.();
    }
    return { stopDate: record.stopDate! };
  }

  /** Resolves when the execution has closed, whatever its end (its latest run's, once redriven). */
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

  /**
   * Runs the execution: from its start the first time, from its restart point once redriven. Resolves with the
   * record once this run has closed it (a run that StopExecution or a later redrive superseded changes nothing).
   */
  private run(execution: RunningExecution): Promise<ExecutionRecord> {
    const { record, stateMachine } = execution;
    const redrive = record.redriveCount;
    // The tasks' results as their handlers gave them, for TaskSucceeded's output (see EventLogTranslation.taskResults).
    const taskResults = new Map<string, unknown[]>();
    for (const name of stateMachine.taskStateResources.keys()) {
      if (!stateMachine.iteratedTasks.has(name)) taskResults.set(name, []);
    }
    const keepResult = (stateName: string) => (result: unknown) => {
      taskResults.get(stateName)?.push(result);
      return result;
    };
    const taskResourceLocalHandlers = Object.fromEntries(
      [...stateMachine.taskStateResources].map(([stateName, resource]) => {
        const mock = execution.testCase?.get(stateName);
        const handler = this.options.taskHandlers[resource];
        const task = { executionArn: record.executionArn, stateName };
        if (mock) {
          return [
            stateName,
            async () => {
              const invocation = execution.invocations.get(stateName) ?? 0;
              execution.invocations.set(stateName, invocation + 1);
              return keepResult(stateName)(mockedAnswer(stateName, mock.responseName, mock.answers, invocation));
            },
          ];
        }
        if (!handler) {
          return [stateName, async () => Promise.reject(new NoLocalServiceError(stateName, resource))];
        }
        return [stateName, async (taskInput: unknown) => keepResult(stateName)(await handler(taskInput, task))];
      }),
    );
    const waitTimeOverrides =
      this.timeScale === 1
        ? undefined
        : Object.fromEntries([...stateMachine.waitSeconds].map(([stateName, seconds]) => [stateName, seconds * 1000 * this.timeScale]));
    const stateMachineName = STATE_MACHINE_ARN_PATTERN.exec(stateMachine.arn)![1];
    const restartAt = redrive > 0 ? execution.restartAt : undefined;
    // A new StateMachine run also restarts the definition's TimeoutSeconds clock, which is what AWS does on
    // redrive ("the state machine level timeout, if defined, is reset to 0"); retry counts start at 0 again too,
    // as the guide's "Retry behavior of redriven executions" says.
    const machine = restartAt ? restartingMachine(stateMachine.definition, restartAt) : stateMachine.machine;

    const run = machine.run(execution.input as never, {
      overrides: { taskResourceLocalHandlers: taskResourceLocalHandlers as never, waitTimeOverrides },
      context: {
        // The library sets Execution.Input (the execution's input: every run starts with it) and StartTime (its own clock).
        Execution: {
          Id: record.executionArn,
          Name: record.name,
          StartTime: record.startDate.toISOString(),
          // The context object's redrive fields: the number of redrives, and when the latest one happened.
          RedriveCount: redrive,
          ...(record.redriveDate ? { RedriveTime: record.redriveDate.toISOString() } : {}),
        },
        StateMachine: { Id: stateMachine.arn, Name: stateMachineName },
      },
    });
    execution.abort = run.abort;
    const translator = new EventLogTranslator(execution.runs[execution.runs.length - 1], {
      taskResources: stateMachine.taskStateResources,
      taskResults,
      // A redriven run enters and exits the hand-over Pass state first: no state of the execution's.
      skipStateEvents: restartAt ? 2 : 0,
      clock: this.clock,
    });
    execution.logRead = followEventLog(execution, run.eventLogs, translator);
    const ended = run.result.then(
      (output): Partial<ExecutionRecord> & { status: ExecutionStatus } => ({ status: "SUCCEEDED", output: JSON.stringify(output) }),
      (error: unknown) => failureOf(error),
    );
    // Closed only once the event log is read, so that a FAILED record always has its restart point.
    return Promise.all([ended, execution.logRead]).then(([end]) => (record.redriveCount === redrive ? this.close(execution, end) : record));
  }

  /** Closes the execution's latest run, unless it is closed already; its history ends with what closed it. */
  private close(execution: RunningExecution, end: Partial<ExecutionRecord> & { status: ExecutionStatus }): ExecutionRecord {
    const record = execution.record;
    if (record.status === "RUNNING") {
      Object.assign(record, end, { stopDate: this.clock() });
      this.openExecutions--;
      execution.runs[execution.runs.length - 1].close(endingOf(record));
      this.options.onStatusChange?.(this.describe(record));
    }
    return record;
  }

  private describe(record: ExecutionRecord): ExecutionDescription {
    return { ...record, ...redriveStatusOf(record, this.clock()) };
  }

  private requireRoomForAnotherOpenExecution(): void {
    if (this.openExecutions >= this.openExecutionsLimit) {
      throw new ServiceError("ExecutionLimitExceeded", `Execution Limit Exceeded: ${this.openExecutionsLimit} executions are open.`);
    }
  }

  /**
   * Names of executions closed longer ago than the retention are free again, as on AWS. The retention counts
   * from the latest stop: a redriven execution is open again, then closes with a new stop date.
   */
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
    if (arn !== undefined && !EXECUTION_ARN_PATTERN.test(arn)) {
      throw new ServiceError("InvalidArn", `Invalid Arn: '${arn}'`);
    }
    this.forgetExpiredHistory();
    const execution = arn ? this.executions.get(arn) : undefined;
    if (!execution) {
      throw new ServiceError("ExecutionDoesNotExist", `Execution Does Not Exist: '${arn ?? ""}'`);
    }
    return execution;
  }
}

/**
 * Whether RedriveExecution would take the execution now, and if not why, in the words DescribeExecution's
 * redriveStatusReason uses. What AWS lists and this service cannot meet: "State machine is in DELETING status"
 * (no DeleteStateMachine here) and "Execution history event limit exceeded" (AWS refuses once an execution has
 * 24,999 history events; the local history, which leaves out the task scheduling events, is not counted against it).
 */
export function redriveStatusOf(record: ExecutionRecord, now: Date): { redriveStatus: RedriveStatus; redriveStatusReason?: string } {
  const notRedrivable = (redriveStatusReason: string) => ({ redriveStatus: "NOT_REDRIVABLE" as const, redriveStatusReason });
  if (record.status === "RUNNING" || record.status === "SUCCEEDED") {
    return notRedrivable(`Execution is ${record.status} and cannot be redriven`);
  }
  if (record.startDate.getTime() < REDRIVE_LAUNCH_MS) {
    return notRedrivable("Execution was started before the launch of RedriveExecution");
  }
  // "Maximum open time of one year", counted here from the execution's start: AWS does not say whether the
  // time between a stop and a redrive counts; counting it is the stricter reading.
  if (now.getTime() - record.startDate.getTime() > MAX_EXECUTION_TIME_MS) {
    return notRedrivable("Execution has exceeded the max execution time");
  }
  if (record.stopDate && now.getTime() - record.stopDate.getTime() > REDRIVABLE_PERIOD_MS) {
    return notRedrivable("Execution redrivable period exceeded");
  }
  return { redriveStatus: "REDRIVABLE" };
}

/**
 * Reads a run's event log to its end, turning each event into the run's history events (the translator), and
 * keeping the top-level state entered last, with its input: the state that was running when the run ended,
 * where AWS restarts a redrive. Parallel branches forward their states' events into the root log unmarked, and
 * Map iterations mark theirs with `index`; the States Language wants state names unique in the whole state
 * machine, so a top-level name without an index is the top-level state. A failure inside a Parallel or Map
 * state thus restarts that whole top-level state, its branches or iterations that had succeeded included,
 * where AWS reruns only the failed ones.
 */
async function followEventLog(
  execution: RunningExecution,
  events: AsyncIterable<LibraryEvent>,
  translator: EventLogTranslator,
): Promise<void> {
  for await (const event of events) {
    if (event.type === "StateEntered" && event.index === undefined && execution.stateMachine.topLevelStates.has(event.state.name)) {
      execution.restartAt = { stateName: event.state.name, input: structuredClone(event.state.input) };
    }
    translator.read(event);
  }
}

/**
 * The history event that closed a run, from the record as DescribeExecution tells it, so that the two agree:
 * ExecutionSucceeded with the output, ExecutionFailed, ExecutionAborted (StopExecution's error and cause) or
 * ExecutionTimedOut with the error and cause; stamped with the stop date.
 */
function endingOf(record: ExecutionRecord): HistoryEntry {
  const timestamp = record.stopDate!;
  const failure = { error: record.error, cause: record.cause };
  const result = { output: record.output, outputDetails: { truncated: false } };
  switch (record.status) {
    case "SUCCEEDED":
      return { timestamp, type: "ExecutionSucceeded", executionSucceededEventDetails: result };
    case "ABORTED":
      return { timestamp, type: "ExecutionAborted", executionAbortedEventDetails: failure };
    case "TIMED_OUT":
      return { timestamp, type: "ExecutionTimedOut", executionTimedOutEventDetails: failure };
    default:
      return { timestamp, type: "ExecutionFailed", executionFailedEventDetails: failure };
  }
}

/**
 * The definition, entered at the restart point. aws-local-stepfunctions cannot start elsewhere than StartAt,
 * and its `$$.Execution.Input` is the run's input; so the run starts with the execution's input at a Pass
 * state that hands the restart point's input to the state that did not succeed, and goes on from there.
 */
function restartingMachine(definition: StateMachineDefinition, restartAt: RestartPoint): StateMachine {
  let entry = "RedriveExecution";
  while (entry in definition.States) entry += "_";
  const handOver = { Type: "Pass", Result: { input: restartAt.input }, OutputPath: "$.input", Next: restartAt.stateName };
  const restarting = { ...definition, StartAt: entry, States: { ...definition.States, [entry]: handOver } };
  // The definition was validated when the state machine was created; the Pass state is ours.
  return new StateMachine(restarting as StateMachineDefinition, { validationOptions: { noValidate: true } });
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

/**
 * Finds Task and Wait states by name, including those inside Parallel branches and Map processors, and notes
 * the Task states inside a Map processor (at any depth) in `iterated`.
 */
function collectStates(
  definition: unknown,
  tasks: Map<string, string>,
  waits: Map<string, number>,
  iterated: Set<string>,
  inMap = false,
): void {
  const states = (definition as { States?: Record<string, AnyState> }).States ?? {};
  for (const [name, state] of Object.entries(states)) {
    if (state.Type === "Task" && typeof state.Resource === "string") {
      tasks.set(name, state.Resource);
      if (inMap) iterated.add(name);
    }
    if (state.Type === "Wait" && typeof state.Seconds === "number") {
      waits.set(name, state.Seconds);
    }
    for (const branch of state.Branches ?? []) collectStates(branch, tasks, waits, iterated, inMap);
    for (const processor of [state.Iterator, state.ItemProcessor]) {
      if (processor) collectStates(processor, tasks, waits, iterated, true);
    }
  }
}
