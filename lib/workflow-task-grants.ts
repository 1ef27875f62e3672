import type { PolicyStatement } from "./iam-policy";
import { Fn, Token } from "./toolkit/cdktf";
import { type TaskRefusal, WorkflowPermissionsError } from "./workflow-permissions-error";

/** `arn:<partition>:<service>:<region>:<account>:<resource>` in the stack's own account and region. */
export type ArnInStack = (service: string, resource: string) => string;

/** One action on one target, and the states that need it. */
export interface TaskGrant {
  /** State names, in the order they appear in the definition. */
  readonly states: readonly string[];
  readonly actions: readonly string[];
  readonly resources: readonly string[];
}

export interface TaskGrantOptions {
  /** The workflow's name in cdktf.json context.workflows, for the messages. */
  readonly workflowName: string;
  /** Builds ARNs in the stack's partition, region and account: `AwsEnvironment.of(scope).arn` in a stack. */
  readonly arn: ArnInStack;
  /**
   * States whose permissions a `permissions` entry of the workflow declares it covers. A covered state that
   * cannot be scoped is not refused; whatever the definition does name is still derived.
   */
  readonly coveredStates?: Iterable<string>;
}

/** The optimized integrations whose target can be read from the definition, keyed as in `arn:…:states:::<key>`. */
export const DERIVED_INTEGRATIONS = [
  "sns:publish",
  "sqs:sendMessage",
  "dynamodb:putItem",
  "dynamodb:getItem",
  "dynamodb:updateItem",
  "dynamodb:deleteItem",
  "lambda:invoke",
  "events:putEvents",
  "states:startExecution",
] as const;

type Integration = (typeof DERIVED_INTEGRATIONS)[number];

/**
 * The IAM grants a workflow's tasks need, read from its definition after placeholder substitution (strings may
 * hold Terraform references). Each task gets exactly the action its integration calls, on the resource its
 * arguments name; tasks in Parallel branches and Map item processors too. States that share a target share a
 * grant; grants come in the order their target first appears, so adding a state never reorders the others.
 *
 * A task whose target is chosen at run time (JSONPath `Key.$`, a JSONata `{% … %}` expression), or whose
 * integration is not one of DERIVED_INTEGRATIONS, is refused unless a `permissions` entry covers it: every
 * refusal of the definition is thrown together in a WorkflowPermissionsError.
 */
export function deriveTaskGrants(definition: unknown, options: TaskGrantOptions): TaskGrant[] {
  if (!isObject(definition) || !isObject(definition.States)) {
    throw new Error(`Workflow ${options.workflowName}: the definition has no States object.`);
  }
  const covered = new Set(options.coveredStates ?? []);
  const resolver = new ResourceResolver(options.arn);
  const grants = new Map<string, { states: string[]; actions: string[]; resources: string[] }>();
  const refusals: TaskRefusal[] = [];
  const seen = new Set<string>();

  for (const visit of statesOf(definition, [], languageOf(definition, "JSONPath"))) {
    seen.add(visit.name);
    const { targets, problems } = analyzeState(visit, resolver);
    for (const target of targets) {
      // Resolved resources are memoized per written value, so equal targets have equal strings, tokens included.
      const key = JSON.stringify([target.action, target.resources]);
      const grant = grants.get(key) ?? { states: [], actions: [target.action], resources: [...target.resources] };
      if (!grant.states.includes(visit.name)) {
        grant.states.push(visit.name);
      }
      grants.set(key, grant);
    }
    if (problems.length > 0 && !covered.has(visit.name)) {
      refusals.push({ state: visit.name, path: visit.path, message: refusalMessage(visit, problems, options.workflowName) });
    }
  }

  // A covers entry naming no state is a typo or a state since renamed: its permissions would cover nothing.
  for (const name of covered) {
    if (!seen.has(name)) {
      refusals.push({
        state: name,
        path: name,
        message:
          `"covers": ["${name}"] in cdktf.json context.workflows.${options.workflowName}.permissions names no state ` +
          `of the definition; states it has: ${[...seen].join(", ")}.`,
      });
    }
  }
  if (refusals.length > 0) {
    throw new WorkflowPermissionsError(options.workflowName, refusals);
  }
  return [...grants.values()];
}

/**
 * One statement per grant, with a Sid made of its action and a count per action in the grants' order
 * (`SnsPublish1`, `SnsPublish2`, `LambdaInvokeFunction1`): a state with another integration added anywhere, or
 * one added after the last of the same action, leaves every existing Sid as it was.
 */
export function taskGrantStatements(grants: readonly TaskGrant[]): PolicyStatement[] {
  const counts = new Map<string, number>();
  return grants.map((grant) => {
    const base = grant.actions.map((action) => action.split(":").map(capitalize).join("")).join("");
    const count = (counts.get(base) ?? 0) + 1;
    counts.set(base, count);
    return { sid: `${base}${count}`, actions: [...grant.actions], resources: [...grant.resources] };
  });
}

type QueryLanguage = "JSONPath" | "JSONata";

interface StateVisit {
  readonly name: string;
  readonly path: string;
  readonly state: Record<string, unknown>;
  readonly language: QueryLanguage;
}

interface Target {
  readonly action: string;
  readonly resources: readonly string[];
}

interface Analysis {
  readonly targets: Target[];
  /** Why (part of) the state's permissions cannot be scoped; empty when they all can. */
  readonly problems: string[];
}

/** Every state in document order, each Parallel branch and Map item processor right after the state holding it. */
function* statesOf(container: Record<string, unknown>, at: readonly string[], language: QueryLanguage): Generator<StateVisit> {
  if (!isObject(container.States)) {
    return;
  }
  for (const [name, state] of Object.entries(container.States)) {
    if (!isObject(state)) {
      continue;
    }
    const stateLanguage = languageOf(state, language);
    yield { name, path: [...at, name].join(" > "), state, language: stateLanguage };
    if (state.Type === "Parallel" && Array.isArray(state.Branches)) {
      for (const [index, branch] of state.Branches.entries()) {
        if (isObject(branch)) {
          yield* statesOf(branch, [...at, name, `branch ${index + 1}`], stateLanguage);
        }
      }
    }
    if (state.Type === "Map") {
      // ItemProcessor since 2022; Iterator is the older name, still accepted by Step Functions.
      const processor = isObject(state.ItemProcessor) ? state.ItemProcessor : state.Iterator;
      if (isObject(processor)) {
        yield* statesOf(processor, [...at, name, isObject(state.ItemProcessor) ? "item processor" : "iterator"], stateLanguage);
      }
    }
  }
}

function languageOf(node: Record<string, unknown>, inherited: QueryLanguage): QueryLanguage {
  return node.QueryLanguage === "JSONata" || node.QueryLanguage === "JSONPath" ? node.QueryLanguage : inherited;
}

/** What a .sync integration needs besides its call, for the message. */
const SYNC_NEEDS: Readonly<Record<string, string>> = {
  "states:startExecution": "states:DescribeExecution, states:StopExecution and the EventBridge rule Step Functions manages",
};

const OPTIMIZED_INTEGRATION = /^arn:[^:]+:states:::(.+)$/;
const ACTIVITY_ARN = /^arn:[^:]+:states:[^:]+:[^:]+:activity:/;
const FUNCTION_ARN = /^arn:[^:]+:lambda:[^:]+:[^:]+:function:/;

function analyzeState(visit: StateVisit, resolver: ResourceResolver): Analysis {
  const { state } = visit;
  if (state.Type === "Map" && isObject(state.ItemProcessor) && isObject(state.ItemProcessor.ProcessorConfig)) {
    if (state.ItemProcessor.ProcessorConfig.Mode === "DISTRIBUTED") {
      return {
        targets: [],
        problems: [
          "it is a distributed Map, which starts child executions of this state machine (states:StartExecution, " +
            "states:DescribeExecution and states:StopExecution on them) and reads items or writes results in S3 " +
            "(ItemReader, ResultWriter), none of which this project derives",
        ],
      };
    }
  }
  if (state.Type !== "Task") {
    return { targets: [], problems: [] };
  }
  if (state.Credentials !== undefined) {
    return {
      targets: [],
      problems: [
        "it runs with another role's credentials (Credentials): the workflow role needs sts:AssumeRole on that role, " +
          "and the call's own permissions are that role's",
      ],
    };
  }
  const resource = state.Resource;
  if (typeof resource !== "string") {
    return { targets: [], problems: ["its Resource is not a string"] };
  }
  if (FUNCTION_ARN.test(resource)) {
    // The legacy form: the function ARN as the Resource, invoked with the state input as its payload.
    return fromOutcome(resolver.functionArns(resource, undefined), "lambda:InvokeFunction");
  }
  if (ACTIVITY_ARN.test(resource)) {
    return { targets: [], problems: [`its Resource ${display(resource)} is an activity, which this project does not derive`] };
  }
  const integration = OPTIMIZED_INTEGRATION.exec(resource)?.[1];
  if (integration === undefined) {
    return {
      targets: [],
      problems: [
        `its Resource ${display(resource)} is neither an optimized integration (arn:<partition>:states:::…) nor a Lambda function ARN`,
      ],
    };
  }
  const dot = integration.indexOf(".");
  const api = dot === -1 ? integration : integration.slice(0, dot);
  const pattern = dot === -1 ? "" : integration.slice(dot + 1);
  if (!(DERIVED_INTEGRATIONS as readonly string[]).includes(api)) {
    return {
      targets: [],
      problems: [`${display(integration)} is not an integration this project derives permissions for (${DERIVED_INTEGRATIONS.join(", ")})`],
    };
  }
  // Waiting for a task token changes nothing the role needs: the token comes back through SendTaskSuccess,
  // which the receiver calls. Running a job (.sync) needs more, such as describing and stopping it. Step Functions
  // offers DynamoDB's APIs as request-response only, so any pattern there is a mistake.
  const patternsWithSameGrant = api.startsWith("dynamodb:") ? [""] : ["", "waitForTaskToken"];
  if (!patternsWithSameGrant.includes(pattern)) {
    return {
      targets: [],
      problems: [
        pattern.startsWith("sync")
          ? `${display(integration)} runs a job and waits for it, which needs more than ${api} itself ` +
            `(${SYNC_NEEDS[api] ?? "describing and stopping the job"})`
          : `${display(integration)}: the .${pattern} pattern is not one this project derives permissions for`,
      ],
    };
  }
  const args = taskArguments(visit);
  if (typeof args === "string") {
    return { targets: [], problems: [`its arguments are all chosen at run time (${args}), so ${api}'s target cannot be named`] };
  }
  return analyzeIntegration(api as Integration, args, resolver);
}

function analyzeIntegration(api: Integration, args: Record<string, unknown>, resolver: ResourceResolver): Analysis {
  switch (api) {
    case "sns:publish": {
      const topic = readField(args, "TopicArn");
      const field = topic.kind === "absent" ? "TargetArn" : "TopicArn";
      const target = topic.kind === "absent" ? readField(args, "TargetArn") : topic;
      if (target.kind === "absent") {
        return readField(args, "PhoneNumber").kind === "absent"
          ? problem("sns:publish names no TopicArn or TargetArn")
          : problem(
              'sns:publish sends an SMS to a PhoneNumber, which has no ARN to name: sns:Publish to phone numbers is granted on "*" only',
            );
      }
      return fromOutcome(resolver.givenArn(field, field === "TopicArn" ? "the topic" : "the target", target), "sns:Publish");
    }
    case "sqs:sendMessage":
      return fromOutcome(resolver.queueArn(readField(args, "QueueUrl")), "sqs:SendMessage");
    case "dynamodb:putItem":
    case "dynamodb:getItem":
    case "dynamodb:updateItem":
    case "dynamodb:deleteItem":
      return fromOutcome(resolver.tableArn(readField(args, "TableName")), `dynamodb:${capitalize(api.slice("dynamodb:".length))}`);
    case "lambda:invoke":
      return fromOutcome(
        resolver.functionArnsFromArguments(readField(args, "FunctionName"), readField(args, "Qualifier")),
        "lambda:InvokeFunction",
      );
    case "events:putEvents":
      return eventBusTargets(readField(args, "Entries"), resolver);
    case "states:startExecution":
      return fromOutcome(
        resolver.givenArn("StateMachineArn", "the state machine", readField(args, "StateMachineArn")),
        "states:StartExecution",
      );
  }
}

function eventBusTargets(entries: Field, resolver: ResourceResolver): Analysis {
  if (entries.kind === "dynamic") {
    return problem(`events:putEvents's Entries are chosen at run time (${entries.how}), so their event buses cannot be named`);
  }
  if (entries.kind === "absent" || !Array.isArray(entries.value) || entries.value.length === 0) {
    return problem("events:putEvents has no Entries to read event buses from");
  }
  const resources: string[] = [];
  const problems: string[] = [];
  for (const [index, entry] of entries.value.entries()) {
    const outcome = isObject(entry)
      ? resolver.eventBusArn(readField(entry, "EventBusName"))
      : { problem: `Entries[${index}] is chosen at run time or is not an object` };
    if ("problem" in outcome) {
      problems.push(`events:putEvents's Entries[${index}]: ${outcome.problem}`);
    } else {
      resources.push(...outcome.resources.filter((resource) => !resources.includes(resource)));
    }
  }
  return { targets: resources.length > 0 ? [{ action: "events:PutEvents", resources }] : [], problems };
}

type Outcome = { readonly resources: readonly string[] } | { readonly problem: string };

function fromOutcome(outcome: Outcome, action: string): Analysis {
  return "problem" in outcome ? problem(outcome.problem) : { targets: [{ action, resources: outcome.resources }], problems: [] };
}

function problem(text: string): Analysis {
  return { targets: [], problems: [text] };
}

/** An argument as written: a value, absent, or chosen at run time (with how, for the message). */
type Field =
  | { readonly kind: "absent" }
  | { readonly kind: "value"; readonly value: unknown }
  | { readonly kind: "dynamic"; readonly how: string };

/**
 * The task's arguments: `Arguments` in JSONata states, `Parameters` in JSONPath ones. A string is a JSONata
 * expression computing all of them. Either field is read when the other is absent, so that a state in the
 * wrong language is still never granted on a value it would compute.
 */
function taskArguments(visit: StateVisit): Record<string, unknown> | string {
  const [first, second] = visit.language === "JSONata" ? ["Arguments", "Parameters"] : ["Parameters", "Arguments"];
  const args = visit.state[first] ?? visit.state[second];
  if (typeof args === "string" && isJsonataExpression(args)) {
    return `the JSONata expression ${display(args)}`;
  }
  return isObject(args) ? args : {};
}

function readField(args: Record<string, unknown>, key: string): Field {
  // JSONPath: "Key.$" takes its value from a path, an intrinsic function or the context object at run time.
  const path = args[`${key}.$`];
  if (path !== undefined) {
    return { kind: "dynamic", how: `the JSONPath "${key}.$": ${display(JSON.stringify(path))}` };
  }
  const value = args[key];
  if (value === undefined) {
    return { kind: "absent" };
  }
  if (typeof value === "string" && isJsonataExpression(value)) {
    return { kind: "dynamic", how: `the JSONata expression ${display(value)}` };
  }
  return { kind: "value", value };
}

function isJsonataExpression(text: string): boolean {
  return text.startsWith("{%") && text.endsWith("%}");
}

const SQS_QUEUE_URL = [
  // https://sqs.<region>.amazonaws.com/<account>/<queue>, .com.cn in China, api.aws for dual stack
  /^https:\/\/sqs\.([^/]+?)\.(?:amazonaws\.com(?:\.cn)?|api\.aws)\/([^/]+)\/([^/]+)$/,
  // The legacy https://<region>.queue.amazonaws.com/<account>/<queue>
  /^https:\/\/([^/]+?)\.queue\.amazonaws\.com(?:\.cn)?\/([^/]+)\/([^/]+)$/,
];

/**
 * Turns what a task names into IAM resources. Results are memoized per written value: Terraform references
 * read twice are different token strings, and so are ARNs built twice, while equal targets must merge.
 */
class ResourceResolver {
  private readonly memo = new Map<string, Outcome>();

  constructor(private readonly arn: ArnInStack) {}

  /** A field that only takes ARNs (TopicArn, TargetArn, StateMachineArn): granted on as written. */
  public givenArn(name: string, what: string, field: Field): Outcome {
    return this.value(name, field, what, (value) =>
      value.startsWith("arn:") || Token.isUnresolved(value)
        ? { resources: [value] }
        : { problem: `${name} ${display(JSON.stringify(value))} is not an ARN` },
    );
  }

  /** TableName: a table's name or ARN. */
  public tableArn(field: Field): Outcome {
    return this.value("TableName", field, "the table", (value) =>
      this.memoized(JSON.stringify(["table", value]), () => ({ resources: [this.nameOrArn(value, "dynamodb", "table/")] })),
    );
  }

  /** An entry's EventBusName: a bus's name or ARN, the account's default bus when absent. */
  public eventBusArn(field: Field): Outcome {
    if (field.kind === "absent") {
      return this.memoized("bus:default", () => ({ resources: [this.arn("events", "event-bus/default")] }));
    }
    return this.value("EventBusName", field, "the event bus", (value) =>
      this.memoized(JSON.stringify(["bus", value]), () => ({ resources: [this.nameOrArn(value, "events", "event-bus/")] })),
    );
  }

  /** QueueUrl: the queue's ARN is read from its URL's region, account and name. */
  public queueArn(field: Field): Outcome {
    return this.value("QueueUrl", field, "the queue", (url) =>
      this.memoized(JSON.stringify(["queue", url]), () => {
        const parts = SQS_QUEUE_URL.map((pattern) => pattern.exec(url)).find((match) => match !== null);
        if (parts) {
          const [, region, account, queue] = parts;
          return { resources: [this.arnIn(region, account, "sqs", queue)] };
        }
        return {
          problem: Token.isUnresolved(url)
            ? "QueueUrl is a Terraform reference, whose queue ARN cannot be read at synth (the URL is only known at plan); " +
              "write the URL in the definition, or name the queue's ARN in a permissions entry"
            : `QueueUrl ${display(JSON.stringify(url))} is not an SQS queue URL (https://sqs.<region>.amazonaws.com/<account>/<queue>)`,
        };
      }),
    );
  }

  /** lambda:invoke's FunctionName (name, partial or full ARN, maybe qualified) and Qualifier. */
  public functionArnsFromArguments(functionName: Field, qualifier: Field): Outcome {
    if (qualifier.kind === "dynamic") {
      return { problem: `Qualifier is chosen at run time (${qualifier.how}), so the version or alias cannot be named` };
    }
    if (qualifier.kind === "value" && typeof qualifier.value !== "string") {
      return { problem: "Qualifier is not a string" };
    }
    const given = qualifier.kind === "value" ? (qualifier.value as string) : undefined;
    return this.value("FunctionName", functionName, "the function", (value) => this.functionArns(value, given));
  }

  /**
   * The function ARN an invocation is authorized against: the version's or alias's when qualified, for only
   * that one is invoked. Unqualified, the function ARN and `<arn>:*`, as the policy Step Functions generates
   * for Lambda tasks grants: its versions and aliases, never another function.
   */
  public functionArns(value: string, qualifierArgument: string | undefined): Outcome {
    const key = JSON.stringify(["function", value, qualifierArgument ?? null]);
    return this.memoized(key, () => {
      const written = this.functionBase(value);
      if ("problem" in written) {
        return written;
      }
      if (written.qualifier !== undefined && qualifierArgument !== undefined && written.qualifier !== qualifierArgument) {
        return {
          problem:
            `FunctionName is qualified with ${written.qualifier} but Qualifier is ${qualifierArgument}; ` +
            "Lambda refuses two different qualifiers",
        };
      }
      const qualifier = written.qualifier ?? qualifierArgument;
      return { resources: qualifier === undefined ? [written.base, `${written.base}:*`] : [`${written.base}:${qualifier}`] };
    });
  }

  private functionBase(value: string): { base: string; qualifier?: string } | { problem: string } {
    const full = /^(arn:[^:]+:lambda:[^:]+:[^:]+:function:[^:]+)(?::([^:]+))?$/.exec(value);
    if (full) {
      return { base: full[1], qualifier: full[2] };
    }
    if (value.startsWith("arn:")) {
      return { problem: `FunctionName ${display(JSON.stringify(value))} is not a Lambda function ARN` };
    }
    if (Token.isUnresolved(value)) {
      // A reference may hold a function's name or its ARN, unqualified or not: Terraform tells which. A
      // qualified ARN gets `<arn>:<qualifier>:*` besides, which matches no resource at all.
      return { base: this.nameOrArn(value, "lambda", "function:") };
    }
    const partial = /^(\d{12}):function:([^:]+)(?::([^:]+))?$/.exec(value);
    if (partial) {
      return { base: this.arnIn(undefined, partial[1], "lambda", `function:${partial[2]}`), qualifier: partial[3] };
    }
    const name = /^([^:]+)(?::([^:]+))?$/.exec(value);
    if (name) {
      return { base: this.arn("lambda", `function:${name[1]}`), qualifier: name[2] };
    }
    return { problem: `FunctionName ${display(JSON.stringify(value))} is not a function name or ARN` };
  }

  /**
   * A field that takes a name or an ARN. A Terraform reference may be either (a table's `name` or `arn`), so
   * Terraform decides, with `startswith(…, "arn:")`, rather than a guess from the reference's attribute name.
   */
  private nameOrArn(value: string, service: string, resourcePrefix: string): string {
    if (value.startsWith("arn:")) {
      return value;
    }
    const asName = this.arn(service, `${resourcePrefix}${value}`);
    return Token.isUnresolved(value) ? Token.asString(Fn.conditional(Fn.startswith(value, "arn:"), value, asName)) : asName;
  }

  /** The stack's ARN with another region or account: its fields hold no colon, references included. */
  private arnIn(region: string | undefined, account: string | undefined, service: string, resource: string): string {
    const fields = this.arn(service, resource).split(":");
    fields[3] = region ?? fields[3];
    fields[4] = account ?? fields[4];
    return fields.join(":");
  }

  private value(name: string, field: Field, what: string, resolve: (value: string) => Outcome): Outcome {
    if (field.kind === "absent") {
      return { problem: `${name} is missing` };
    }
    if (field.kind === "dynamic") {
      return { problem: `${name} is chosen at run time (${field.how}), so ${what} cannot be named in the policy` };
    }
    if (typeof field.value !== "string" || field.value === "") {
      return { problem: `${name} is not a non-empty string` };
    }
    return resolve(field.value);
  }

  private memoized(key: string, resolve: () => Outcome): Outcome {
    const known = this.memo.get(key);
    if (known) {
      return known;
    }
    const outcome = resolve();
    this.memo.set(key, outcome);
    return outcome;
  }
}

function refusalMessage(visit: StateVisit, problems: readonly string[], workflowName: string): string {
  return (
    `State "${visit.path}": ${problems.join("; ")}. Add a permissions entry in cdktf.json ` +
    `context.workflows.${workflowName}.permissions with the actions and resources it needs and "covers": ["${visit.name}"].`
  );
}

/**
 * A definition string as people wrote it: Terraform references shown as `${…}` (their token text means
 * nothing to a reader), Terraform escapes undone.
 */
function display(text: string): string {
  return text
    .replace(/\$\{TfToken\[[^\]]*\]\}/g, "${…}")
    .replace(/\$\$\{/g, "${")
    .replace(/%%\{/g, "%{");
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
