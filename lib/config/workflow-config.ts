import * as fs from "node:fs";
import * as path from "node:path";
import type { ExecutionNameStrategy } from "../../functions/start-execution/contract";
import { RERUN_POLICIES, type RerunPolicy } from "../../functions/start-execution/contract";
import { compileRequestSchema } from "../request-validator";
import { ConfigError } from "./config-error";
import { defaultsOf, type FieldsOf, fieldNames, readField } from "./config-field";
import type { ConfigReader } from "./config-reader";
import { EXECUTION_NAME_FIELDS, executionNameFrom } from "./execution-name-config";

/** An IAM statement a team's workflow needs beyond what its ASL shows (see lib/workflow-task-grants.ts). */
export interface WorkflowPermission {
  readonly actions: readonly string[];
  readonly resources: readonly string[];
  /** Why `"*"` is the only resource, when it is. */
  readonly reason?: string;
  /** The ASL states whose target synth cannot scope and that this statement covers. */
  readonly covers: readonly string[];
}

/** One workflow behind the trigger: its ASL, the route that starts it, its request schema and key. */
export interface WorkflowConfig {
  /** Lower case and short: it is part of resource names (`sfn-dedup-<environment>-<workflow>-…`). */
  readonly name: string;
  /** The ASL file, relative to the project root. */
  readonly definition: string;
  /** `POST /<path>`, unique in the project. */
  readonly route: string;
  /** The JSON Schema (draft 2020-12) file every request body must satisfy, relative to the project root. */
  readonly request: string;
  readonly executionName: ExecutionNameStrategy;
  /** Values for the ASL's own `${Name}` placeholders; the project's (PROJECT_SUBSTITUTIONS) come on top. */
  readonly substitutions: Readonly<Record<string, string>>;
  readonly permissions: readonly WorkflowPermission[];
  /** Whether a request whose execution failed, timed out or was aborted may run again (RERUN_POLICIES says how). */
  readonly rerun: RerunPolicy;
  /** Whether the status route shows a succeeded execution's output; off: outputs may hold personal data. */
  readonly exposeOutput: boolean;
}

/** The workflow a project without `workflows` deploys: the original design's, at its original addresses. */
export const DEFAULT_WORKFLOW = {
  name: "notify-country",
  definition: "asl/notify-country.asl.json",
  route: "POST /executions",
  request: "asl/notify-country.request.schema.json",
} as const;

/** The values synth gives every workflow's ASL; a workflow's own substitutions may not replace them. */
export const PROJECT_SUBSTITUTIONS = ["Partition", "Region", "Account", "Environment", "TopicArn"] as const;

/** 1-20 lower-case letters, digits and hyphens, starting with a letter and not ending with a hyphen. */
export const WORKFLOW_NAME = /^[a-z](?:[a-z0-9-]{0,18}[a-z0-9])?$/;
/** What API Gateway accepts in a literal path segment; route parameters are the trigger's own business. */
const ROUTE = /^POST (\/[A-Za-z0-9._~-]+)+$/;
const PLACEHOLDER_NAME = /^[A-Za-z][A-Za-z0-9_]*$/;
/** An IAM action, `service:Action`, without wildcards (refused with their own message below). */
const IAM_ACTION = /^[a-z0-9-]+:[A-Za-z0-9*?]+$/;
const DRAFT_2020_12 = "https://json-schema.org/draft/2020-12/schema";

/** What the readers of a workflow's fields need: where its files are. */
interface WorkflowContext {
  readonly projectRoot: string;
}

/** One IAM statement of `permissions`; permissionsFrom reads them. */
export const PERMISSION_FIELDS = {
  actions: {
    doc: "named actions (`service:Action`), no wildcard",
    default: { required: true },
    read: (reader, name) => {
      const actions = reader.optionalStringList(name, IAM_ACTION, "IAM actions such as dynamodb:PutItem") ?? [];
      if (actions.length === 0) {
        throw new ConfigError(reader.fieldPath(name), "is required: the IAM actions, each named (service:Action).");
      }
      const wildcard = actions.find((action) => /[*?]/.test(action));
      if (wildcard) {
        throw new ConfigError(reader.fieldPath(name), `uses the wildcard action "${wildcard}"; name each action the workflow needs.`);
      }
      return actions;
    },
  },
  resources: {
    doc: 'ARNs, or "*" only with a reason',
    default: { required: true },
    read: (reader, name) => {
      const resources = reader.optionalStringList(name, /^(\*|arn:\S+)$/, 'resource ARNs, or "*" with a reason') ?? [];
      if (resources.length === 0) {
        throw new ConfigError(reader.fieldPath(name), "is required: the ARNs the actions apply to.");
      }
      return resources;
    },
  },
  reason: {
    doc: "why AWS allows nothing narrower than `*`",
    default: { value: undefined },
    read: (reader, name) => reader.optionalString(name, /\S/, "why no narrower resource exists"),
  },
  covers: {
    doc: "the names of the states the entry is for",
    default: { value: [] },
    read: (reader, name) => reader.optionalStringList(name, /\S/, "state names of the ASL"),
  },
} satisfies FieldsOf<WorkflowPermission>;

/** A workflow's fields, in the order its error messages and README list them; workflowConfigFrom reads them. */
export const WORKFLOW_FIELDS = {
  definition: {
    doc: "the workflow's ASL",
    default: { required: true },
    read: (reader, name, { projectRoot }: WorkflowContext) =>
      projectFile(reader, name, projectRoot, "the workflow's ASL file (JSON), relative to the project root, e.g. asl/orders.asl.json"),
  },
  route: {
    doc: "the HTTP API route that starts it",
    default: { required: true },
    read: (reader, name) => reader.requiredString(name, ROUTE, 'the HTTP API route that starts it, "POST /<path>", e.g. "POST /orders"'),
  },
  request: {
    doc: "what every request body must satisfy",
    default: { required: true },
    read: (reader, name, { projectRoot }: WorkflowContext) =>
      projectFile(reader, name, projectRoot, "the request's JSON Schema file (draft 2020-12), relative to the project root"),
  },
  executionName: {
    doc: "what names its executions",
    default: { value: { from: "payload" } },
    read: (reader, name) => executionNameFrom(reader.optionalObject(name)),
    fields: EXECUTION_NAME_FIELDS,
  },
  substitutions: {
    doc: "values for the ASL's own placeholders",
    default: { value: {} },
    read: substitutionsFrom,
  },
  permissions: {
    doc: "IAM statements for what synth cannot derive from the ASL",
    default: { value: [] },
    read: permissionsFrom,
    fields: PERMISSION_FIELDS,
  },
  rerun: {
    doc: "whether a request whose execution failed, timed out or was aborted runs again when it is sent again",
    default: { value: "never" },
    read: (reader, name) => reader.optionalEnum(name, RERUN_POLICIES),
  },
  exposeOutput: {
    doc: "whether the status route (`GET <route's path>/{executionName}`) answers a succeeded execution's `output`",
    // Off: outputs may hold personal data, and everyone the route lets in would see them.
    default: { value: false },
    read: (reader, name) => reader.optionalBoolean(name),
  },
  type: {
    doc: "only a Standard workflow refuses a second execution with a name it already knows",
    default: { value: "STANDARD" },
    read: (reader, name) => {
      if (reader.optionalEnum(name, ["STANDARD", "EXPRESS"] as const) === "EXPRESS") {
        throw new ConfigError(
          reader.fieldPath(name),
          'must be "STANDARD": an Express workflow starts every execution it is asked for, whatever its name, so it would run every ' +
            "duplicate.",
        );
      }
      return "STANDARD";
    },
  },
} satisfies FieldsOf<Omit<WorkflowConfig, "name"> & { type: "STANDARD" }>;

/** What a workflow gets for the fields it leaves out, the default workflow included. */
export const WORKFLOW_DEFAULTS = defaultsOf(WORKFLOW_FIELDS);

/** The default workflow, keyed as the environment says (`executionName`, country unless set). */
export function defaultWorkflow(executionName: ExecutionNameStrategy): WorkflowConfig {
  const { substitutions, permissions, rerun, exposeOutput } = WORKFLOW_DEFAULTS;
  return { ...DEFAULT_WORKFLOW, executionName, substitutions, permissions, rerun, exposeOutput };
}

/**
 * `context.workflows`: every workflow each environment deploys, in the order written. Every mistake names the
 * workflow, the field and what is allowed; files are read here, so a missing one fails before anything is written.
 */
export function workflowsConfigFrom(reader: ConfigReader, projectRoot: string): WorkflowConfig[] {
  const names = reader.fields();
  if (names.length === 0) {
    throw new ConfigError(reader.path, "must name at least one workflow, or be left out for the default (notify-country).");
  }
  const routes = new Map<string, string>();
  return names.map((name) => {
    if (!WORKFLOW_NAME.test(name)) {
      throw new ConfigError(
        reader.fieldPath(name),
        "is not a valid workflow name: 1-20 lower-case letters, digits and hyphens, starting with a letter and not ending with a hyphen " +
          "(it is part of resource names).",
      );
    }
    const workflow = workflowConfigFrom(name, reader.requiredObject(name, "the workflow's settings"), projectRoot);
    const other = routes.get(workflow.route);
    if (other) {
      throw new ConfigError(
        `${reader.fieldPath(name)}.route`,
        `"${workflow.route}" already starts workflow ${other}; each workflow needs its own route.`,
      );
    }
    routes.set(workflow.route, name);
    return workflow;
  });
}

function workflowConfigFrom(name: string, reader: ConfigReader, projectRoot: string): WorkflowConfig {
  reader.allowOnly(fieldNames(WORKFLOW_FIELDS));
  const workflow: WorkflowContext = { projectRoot };
  // The type first (an Express workflow is refused whatever else it says), then the files and the key, which the schema must require.
  readField(WORKFLOW_FIELDS, "type", reader);
  const definition = readField(WORKFLOW_FIELDS, "definition", reader, workflow);
  const request = readField(WORKFLOW_FIELDS, "request", reader, workflow);
  const schema = requestSchema(reader, projectRoot, request);
  const executionName = readField(WORKFLOW_FIELDS, "executionName", reader);
  requireKeyInSchema(reader, executionName, schema, request);
  return {
    name,
    definition,
    route: readField(WORKFLOW_FIELDS, "route", reader),
    request,
    executionName,
    substitutions: readField(WORKFLOW_FIELDS, "substitutions", reader),
    permissions: readField(WORKFLOW_FIELDS, "permissions", reader),
    rerun: readField(WORKFLOW_FIELDS, "rerun", reader),
    exposeOutput: readField(WORKFLOW_FIELDS, "exposeOutput", reader),
  };
}

/** A path inside the project to an existing file; written as given (relative), so no machine path leaks. */
function projectFile(reader: ConfigReader, field: string, projectRoot: string, expected: string): string {
  const file = reader.requiredString(field, /^[^\s\\].*\.json$/, expected);
  const absolute = path.resolve(projectRoot, file);
  if (path.isAbsolute(file) || !absolute.startsWith(projectRoot + path.sep)) {
    throw new ConfigError(reader.fieldPath(field), `must be inside the project, relative to its root; got ${JSON.stringify(file)}.`);
  }
  if (!fs.existsSync(absolute) || !fs.statSync(absolute).isFile()) {
    throw new ConfigError(reader.fieldPath(field), `names ${file}, which does not exist in the project.`);
  }
  return path.relative(projectRoot, absolute).split(path.sep).join("/");
}

function requestSchema(reader: ConfigReader, projectRoot: string, file: string): Record<string, unknown> {
  let schema: unknown;
  try {
    schema = JSON.parse(fs.readFileSync(path.join(projectRoot, file), "utf8"));
  } catch (error) {
    throw new ConfigError(reader.fieldPath("request"), `names ${file}, which is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof schema !== "object" || schema === null || Array.isArray(schema)) {
    throw new ConfigError(reader.fieldPath("request"), `names ${file}, which is not a JSON Schema object.`);
  }
  const declared = (schema as Record<string, unknown>).$schema;
  if (declared !== undefined && declared !== DRAFT_2020_12) {
    throw new ConfigError(
      reader.fieldPath("request"),
      `names ${file}, whose $schema is ${JSON.stringify(declared)}; only draft 2020-12 (${DRAFT_2020_12}) is supported.`,
    );
  }
  if ((schema as Record<string, unknown>).type !== "object") {
    throw new ConfigError(
      reader.fieldPath("request"),
      `names ${file}, which must describe a JSON object ("type": "object"): every request is one.`,
    );
  }
  try {
    // Compiled here as synth will, so a schema Ajv refuses fails before anything is written.
    compileRequestSchema(file);
  } catch (error) {
    throw new ConfigError(reader.fieldPath("request"), (error as Error).message);
  }
  return schema as Record<string, unknown>;
}

/** A key read from one field is only a key if every valid request has it: the schema must require it. */
function requireKeyInSchema(reader: ConfigReader, strategy: ExecutionNameStrategy, schema: Record<string, unknown>, file: string): void {
  const field = strategy.from === "field" ? strategy.field : strategy.from === "country" ? "country" : undefined;
  const required = Array.isArray(schema.required) ? (schema.required as unknown[]) : [];
  if (field !== undefined && !required.includes(field)) {
    throw new ConfigError(
      reader.fieldPath("executionName"),
      `names the execution after "${field}", which ${file} does not list in "required": a request without it would have no key.`,
    );
  }
}

function substitutionsFrom(reader: ConfigReader, field: string): Record<string, string> | undefined {
  return reader.optionalStringMap(field, (key, value) => {
    if (!PLACEHOLDER_NAME.test(key)) {
      return "is not a placeholder name: a letter, then letters, digits or _ (written ${Name} in the ASL).";
    }
    if ((PROJECT_SUBSTITUTIONS as readonly string[]).includes(key)) {
      return `is the project's own value (${PROJECT_SUBSTITUTIONS.join(", ")}); choose another name.`;
    }
    if (typeof value !== "string" || value === "") {
      return `must be a non-empty string; got ${JSON.stringify(value)}.`;
    }
    return undefined;
  });
}

function permissionsFrom(reader: ConfigReader, field: string): WorkflowPermission[] | undefined {
  const value = reader.valueOf(field);
  if (value === undefined) {
    return undefined;
  }
  if (!Array.isArray(value)) {
    throw new ConfigError(reader.fieldPath(field), "must be a list of IAM statements: { actions, resources, reason?, covers? }.");
  }
  return value.map((_, index) => {
    const statement = reader.requiredListObject(field, index, "an IAM statement");
    statement.allowOnly(fieldNames(PERMISSION_FIELDS));
    const actions = readField(PERMISSION_FIELDS, "actions", statement);
    const resources = readField(PERMISSION_FIELDS, "resources", statement);
    const reason = readField(PERMISSION_FIELDS, "reason", statement);
    if (resources.includes("*") && !reason) {
      throw new ConfigError(
        statement.fieldPath("resources"),
        'is "*": name the resources, or give the reason AWS allows nothing narrower ("reason").',
      );
    }
    return { actions, resources, reason, covers: readField(PERMISSION_FIELDS, "covers", statement) };
  });
}
