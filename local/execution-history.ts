import type { HistoryEvent, HistoryEventType } from "@aws-sdk/client-sfn";
import type { StateMachine } from "aws-local-stepfunctions";
import { ServiceError } from "./service-error";

/*
 * GetExecutionHistory's events, as AWS documents them: the API reference's GetExecutionHistory and HistoryEvent
 * pages (https://docs.aws.amazon.com/step-functions/latest/apireference/API_GetExecutionHistory.html,
 * .../API_HistoryEvent.html) and the SDK's model of them (@aws-sdk/client-sfn's HistoryEvent, HistoryEventType and
 * the *EventDetails shapes), whose member names the types below take, so that the compiler checks them.
 *
 * What aws-local-stepfunctions' event log tells, and what becomes of it:
 * - StateEntered / StateExited (name, Type, input, output) → `<Type>StateEntered` / `<Type>StateExited` with
 *   stateEnteredEventDetails / stateExitedEventDetails, for top-level and nested states alike. A Fail state never
 *   exits: the run fails there, so its history ends `FailStateEntered`, `ExecutionFailed`, as on AWS.
 * - StateFailed of a Task → TaskFailed (TaskTimedOut for States.Timeout); a StateExited of a Task that had not
 *   failed → TaskSucceeded before TaskStateExited (LambdaFunction* for a Lambda function ARN, Activity* for an
 *   activity ARN, as AWS names them). StateFailed of a Parallel or Map state → ParallelStateFailed / MapStateFailed;
 *   of any other state nothing: AWS records no event between such a state's entry and ExecutionFailed.
 * - StateEntered of a Parallel or Map state → also ParallelStateStarted / MapStateStarted (without `length`: the
 *   log does not say how many items there are); its StateExited → ParallelStateSucceeded / MapStateSucceeded first.
 * - MapIterationStarted / Succeeded / Failed → the events of that name, with the Map state's name and the index.
 * - StateRetried, StateCaught and ParallelBranch*: AWS has no such events (a retry shows as the task scheduled
 *   again, a catch as the state exited), so they are left out.
 * - The execution's own events come from this service, not the library: ExecutionStarted at StartExecution,
 *   ExecutionRedriven at RedriveExecution, and ExecutionSucceeded / Failed / Aborted / TimedOut when the execution
 *   closes, with what DescribeExecution says of it (output, error, cause) and its stop date as the timestamp.
 *
 * Left out, for the library does not report them: TaskScheduled, TaskStarted, TaskSubmitted and their Lambda and
 * Activity counterparts (the scheduling of the work: a local handler is just called), MapIterationAborted,
 * ParallelStateAborted, TaskStateAborted and WaitStateAborted (what was still running when the execution stopped),
 * Map Run events (no Distributed Map), EvaluationFailed, and `assignedVariables` (no JSONata variables). The
 * ExecutionStarted event has no roleArn: executions here run under no role.
 */

/** A history event before it has its place: GetExecutionHistory numbers the events when it answers. */
export type HistoryEntry = Omit<HistoryEvent, "id" | "previousEventId" | "timestamp" | "type"> & {
  readonly timestamp: Date;
  readonly type: HistoryEventType;
};

/** GetExecutionHistory's events, with the SDK's members; the timestamp as a Date (the endpoint sends epoch seconds). */
export type ExecutionHistoryEvent = HistoryEntry & { readonly id: number; readonly previousEventId: number };

type EventLogs = ReturnType<StateMachine["run"]>["eventLogs"];
/** One event of the library's event log (the library does not export the type itself). */
export type LibraryEvent = EventLogs extends AsyncGenerator<infer Event> ? Event : never;

/** Inputs and outputs are never truncated here: AWS truncates at 256 KiB, which StartExecution already refuses. */
const NOT_TRUNCATED = { truncated: false } as const;

/**
 * One run's events: the first run's from ExecutionStarted, a redriven run's from ExecutionRedriven, each to the
 * event that closed it. Each run keeps its own list, so that a stopped run's last state events, which its event log
 * may deliver after a redrive has already begun the next run, still land in the run they belong to.
 */
export class RunHistory {
  private readonly events: HistoryEntry[];
  private ending?: HistoryEntry;

  constructor(first: HistoryEntry) {
    this.events = [first];
  }

  /** The run's events in order, its ending last once it has one. */
  public entries(): readonly HistoryEntry[] {
    return this.ending ? [...this.events, this.ending] : this.events;
  }

  /**
   * A state's event, read from the event log. StopExecution closes a run before its log has been read to the end:
   * what is read afterwards still happened before the stop, so it goes before the ending, stamped no later.
   */
  public add(type: HistoryEventType, details: Omit<HistoryEntry, "timestamp" | "type">, now: Date): void {
    const previous = this.events[this.events.length - 1].timestamp;
    const latest = this.ending ? this.ending.timestamp : now;
    const timestamp = new Date(Math.min(Math.max(now.getTime(), previous.getTime()), latest.getTime()));
    this.events.push({ timestamp, type, ...details });
  }

  /** The event that closed the run (ExecutionSucceeded, ExecutionFailed…): always its last. */
  public close(ending: HistoryEntry): void {
    this.ending ??= ending;
  }
}

/** How AWS names the events of a Task state's work, by the kind of resource it calls. */
type TaskEvents = {
  readonly succeeded: HistoryEventType;
  readonly failed: HistoryEventType;
  readonly timedOut: HistoryEventType;
  /** The details members, e.g. taskSucceededEventDetails. */
  readonly members: { readonly succeeded: string; readonly failed: string; readonly timedOut: string };
  /** What the details say of the resource: `resourceType` and `resource` for service integrations, nothing else. */
  readonly resource: Record<string, string>;
};

/**
 * The events for a Task state's resource: a service integration (`arn:aws:states:::sns:publish`) has Task*
 * events whose resourceType is the service (`sns`; `aws-sdk:s3` for an SDK integration) and resource the rest
 * (`publish`, `startExecution.sync:2`); a Lambda function ARN has LambdaFunction* events, an activity Activity*.
 */
export function taskEventsOf(resourceArn: string): TaskEvents {
  const integration = /^arn:[^:]+:states:::(aws-sdk:[^:]+|[^:]+):(.+)$/.exec(resourceArn);
  if (integration) {
    return {
      ...named("Task", "task"),
      resource: { resourceType: integration[1], resource: integration[2] },
    };
  }
  if (/^arn:[^:]+:lambda:/.test(resourceArn)) return { ...named("LambdaFunction", "lambdaFunction"), resource: {} };
  return { ...named("Activity", "activity"), resource: {} };
}

function named(prefix: "Task" | "LambdaFunction" | "Activity", member: string) {
  return {
    succeeded: `${prefix}Succeeded` as HistoryEventType,
    failed: `${prefix}Failed` as HistoryEventType,
    timedOut: `${prefix}TimedOut` as HistoryEventType,
    members: {
      succeeded: `${member}SucceededEventDetails`,
      failed: `${member}FailedEventDetails`,
      timedOut: `${member}TimedOutEventDetails`,
    },
  };
}

export interface EventLogTranslation {
  /** The Task states' resources, by state name. */
  readonly taskResources: ReadonlyMap<string, string>;
  /**
   * The raw results of the run's Task states, oldest first, by state name, as the local handlers returned them:
   * TaskSucceeded's output is the task's result, before ResultSelector, ResultPath and OutputPath, which the
   * library's StateExited event has already applied. Absent for a state (one inside a Map, whose iterations run
   * at once and could not be told apart): its TaskSucceeded then has no output.
   */
  readonly taskResults: ReadonlyMap<string, unknown[]>;
  /** State events to leave out at the start: a redriven run's hand-over Pass state (see restartingMachine). */
  readonly skipStateEvents: number;
  readonly clock: () => Date;
}

/** Turns one run's library events into its history events, as they are read (see the mapping above). */
export class EventLogTranslator {
  /** `name#index` of the states whose current attempt failed: a StateExited then means caught, not succeeded. */
  private readonly failedAttempts = new Set<string>();
  private skip: number;

  constructor(
    private readonly run: RunHistory,
    private readonly translation: EventLogTranslation,
  ) {
    this.skip = translation.skipStateEvents;
  }

  public read(event: LibraryEvent): void {
    const add = (type: HistoryEventType, details: Omit<HistoryEntry, "timestamp" | "type"> = {}) =>
      this.run.add(type, details, this.translation.clock());
    switch (event.type) {
      case "StateEntered":
      case "StateExited":
        if (this.skip > 0) {
          this.skip--;
          return;
        }
        break;
      case "MapIterationStarted":
      case "MapIterationSucceeded":
      case "MapIterationFailed":
        add(event.type, { [`${lowerFirst(event.type)}EventDetails`]: { name: event.parentState.name, index: event.index } });
        return;
      default:
        break;
    }
    switch (event.type) {
      case "StateEntered": {
        const { name, type, input } = event.state;
        const stateEnteredEventDetails = { name, input: json(input), inputDetails: NOT_TRUNCATED };
        add(`${type}StateEntered` as HistoryEventType, { stateEnteredEventDetails });
        if (type === "Parallel") add("ParallelStateStarted");
        if (type === "Map") add("MapStateStarted", { mapStateStartedEventDetails: {} });
        return;
      }
      case "StateFailed": {
        const attempt = attemptOf(event);
        this.failedAttempts.add(attempt);
        const { name, type } = event.state;
        if (type === "Task") {
          // A result its handler gave before the state failed (in ResultSelector, say) belongs to no TaskSucceeded.
          this.translation.taskResults.get(name)?.splice(0);
          const task = taskEventsOf(this.translation.taskResources.get(name) ?? "");
          const timedOut = event.Error === "States.Timeout";
          const failure = { ...task.resource, error: event.Error, cause: causeText(event.Cause) };
          add(timedOut ? task.timedOut : task.failed, { [timedOut ? task.members.timedOut : task.members.failed]: failure });
        }
        if (type === "Parallel") add("ParallelStateFailed");
        if (type === "Map") add("MapStateFailed");
        return;
      }
      case "StateRetried":
        this.failedAttempts.delete(attemptOf(event));
        return;
      case "StateExited": {
        const { name, type, output } = event.state;
        const caught = this.failedAttempts.delete(attemptOf(event));
        if (!caught && type === "Task") {
          const task = taskEventsOf(this.translation.taskResources.get(name) ?? "");
          const results = this.translation.taskResults.get(name);
          const result = results && results.length > 0 ? { output: json(results.shift()), outputDetails: NOT_TRUNCATED } : {};
          add(task.succeeded, { [task.members.succeeded]: { ...task.resource, ...result } });
        }
        if (!caught && type === "Parallel") add("ParallelStateSucceeded");
        if (!caught && type === "Map") add("MapStateSucceeded");
        const stateExitedEventDetails = { name, output: json(output), outputDetails: NOT_TRUNCATED };
        add(`${type}StateExited` as HistoryEventType, { stateExitedEventDetails });
        return;
      }
      default:
        // StateCaught and ParallelBranch*: no AWS event; Execution*: the service records the execution's own events.
        return;
    }
  }
}

function attemptOf(event: { state: { name: string }; index?: number }): string {
  return `${event.state.name}#${event.index ?? ""}`;
}

function lowerFirst(text: string): string {
  return text[0].toLowerCase() + text.slice(1);
}

/** JSON text of a value; `undefined` (a Task result of nothing) is JSON's null, as Step Functions has it. */
function json(value: unknown): string {
  return JSON.stringify(value ?? null);
}

/** The library's Cause is the error's `cause` if it has one, else its message: a string for the history. */
export function causeText(cause: unknown): string | undefined {
  if (cause === undefined || typeof cause === "string") return cause;
  if (cause instanceof Error) return cause.message;
  return JSON.stringify(cause);
}

export interface HistoryRequest {
  readonly executionArn?: string;
  readonly maxResults?: number;
  readonly reverseOrder?: boolean;
  readonly nextToken?: string;
  readonly includeExecutionData?: boolean;
}

/** The API reference: "The default is 100 and the maximum allowed page size is 1000. A value of 0 uses the default." */
const DEFAULT_PAGE_SIZE = 100;
const MAX_PAGE_SIZE = 1000;
/** nextToken's length constraints in the API reference: 1 to 1024. */
const MAX_TOKEN_LENGTH = 1024;

/** Refuses what AWS's request validation refuses, before the execution is looked up. */
export function validateHistoryRequest(request: HistoryRequest): void {
  const refuse = (value: unknown, member: string, constraint: string) => {
    const message = `1 validation error detected: Value ${value} at '${member}' failed to satisfy constraint: ${constraint}`;
    throw new ServiceError("ValidationException", message);
  };
  if (request.executionArn === undefined) refuse("null", "executionArn", "Member must not be null");
  const { maxResults, nextToken } = request;
  if (maxResults !== undefined && !Number.isInteger(maxResults)) refuse(`'${maxResults}'`, "maxResults", "Member must be an integer");
  if (maxResults !== undefined && maxResults < 0) {
    refuse(`'${maxResults}'`, "maxResults", "Member must have value greater than or equal to 0");
  }
  if (maxResults !== undefined && maxResults > MAX_PAGE_SIZE) {
    refuse(`'${maxResults}'`, "maxResults", `Member must have value less than or equal to ${MAX_PAGE_SIZE}`);
  }
  if (nextToken !== undefined && (nextToken.length < 1 || nextToken.length > MAX_TOKEN_LENGTH)) {
    refuse(`'${nextToken}'`, "nextToken", `Member must have length between 1 and ${MAX_TOKEN_LENGTH}`);
  }
}

/**
 * One page of an execution's history: its runs' events numbered from 1 (previousEventId: the one before, 0 for
 * the first, where AWS links an event to the one that led to it, which for events in order is the one before;
 * Parallel branches and Map iterations interleave here, so they link to the previous event rather than to their
 * own branch's).
 *
 * nextToken carries the execution, the direction and the id of the last event given: the next page goes on from
 * that id, so events appended meanwhile (the execution still runs) neither shift nor repeat a page. A token of
 * another execution or direction, or none of ours, is InvalidToken ("Keep all other arguments unchanged").
 */
export function historyPage(
  executionArn: string,
  runs: readonly RunHistory[],
  request: HistoryRequest,
): {
  events: ExecutionHistoryEvent[];
  nextToken?: string;
} {
  const reverse = request.reverseOrder ?? false;
  const pageSize = request.maxResults || DEFAULT_PAGE_SIZE;
  const after = request.nextToken === undefined ? undefined : tokenPosition(request.nextToken, executionArn, reverse);
  const entries = runs.flatMap((run) => run.entries());
  const numbered = entries.map((entry, index): ExecutionHistoryEvent => ({ ...entry, id: index + 1, previousEventId: index }));
  const ordered = reverse ? numbered.reverse() : numbered;
  const remaining = after === undefined ? ordered : ordered.filter(({ id }) => (reverse ? id < after : id > after));
  const page = remaining.slice(0, pageSize);
  const includeData = request.includeExecutionData ?? true;
  return {
    events: includeData ? page.map(copyOf) : page.map(withoutData),
    nextToken: remaining.length > pageSize ? tokenAfter(executionArn, reverse, page[page.length - 1].id) : undefined,
  };
}

function tokenAfter(executionArn: string, reverse: boolean, id: number): string {
  return Buffer.from(JSON.stringify({ executionArn, reverse, after: id })).toString("base64url");
}

function tokenPosition(token: string, executionArn: string, reverse: boolean): number {
  let decoded: { executionArn?: unknown; reverse?: unknown; after?: unknown } | undefined;
  try {
    decoded = JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as typeof decoded;
  } catch {
    decoded = undefined;
  }
  const { after } = decoded ?? {};
  if (decoded?.executionArn !== executionArn || decoded.reverse !== reverse || !Number.isInteger(after) || (after as number) < 1) {
    throw new ServiceError("InvalidToken", `Invalid Token: '${token}'`);
  }
  return after as number;
}

/** A copy, so that a caller changing an answer does not change the history. */
function copyOf(event: ExecutionHistoryEvent): ExecutionHistoryEvent {
  return structuredClone(event);
}

/**
 * includeExecutionData false: "whether execution data (input or output of a history event) is returned", so the
 * details lose input and output (and inputDetails / outputDetails, which only say whether those were truncated);
 * names, errors, causes and indexes stay.
 */
function withoutData(event: ExecutionHistoryEvent): ExecutionHistoryEvent {
  const copy = copyOf(event) as Record<string, unknown>;
  for (const [member, details] of Object.entries(copy)) {
    if (member.endsWith("EventDetails") && typeof details === "object" && details !== null) {
      const { input: _input, output: _output, inputDetails: _in, outputDetails: _out, ...rest } = details as Record<string, unknown>;
      copy[member] = rest;
    }
  }
  return copy as ExecutionHistoryEvent;
}
