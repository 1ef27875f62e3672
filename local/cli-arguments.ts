// What `npm run local` takes (README.md, "Run it locally"): its options, their checks and defaults.
import * as path from "node:path";
import type { ParseArgsOptionsConfig } from "node:util";
import { PROJECT_ROOT } from "../lib/project-root";
import { type Command, parseCommandLine, UsageError } from "../scripts/command-line";
import type { LocalTable } from "./synthesized-stack";
import { parseTableSpec } from "./table-spec";

export const LOCAL_COMMAND = {
  usage: `usage: npm run local -- [options]

  --port <port>          HTTP API port                          (default 3000; 0: any free port)
  --sfn-port <port>      Step Functions endpoint port           (default 8083; 0: any free port)
  --outbox <file>        where published messages are appended, relative to where npm was run
                         (default <project>/cdktf.out/local/outbox.jsonl)
  --time-scale <factor>  multiplies Wait states' seconds         (default 1; 0.01 makes 30 s take 0.3 s)
  --env <environment>    the environment's stack to run         (default: the only one)
  --table <name>=<partition key>[:S|N|B][,<sort key>[:S|N|B]]
                         a table a workflow uses that the stack does not declare (a team's own),
                         created in the local DynamoDB; repeat for several; keys are strings unless typed
  --mock-config <file>   answers for Task states, in AWS Step Functions Local's mock configuration
                         format; needed for tasks with no local service (only SNS publish and
                         DynamoDB put/get/update/deleteItem have one); a mocked state never runs
  --mock-case <name>     the test case executions use, for state machines with several
                         (default: a state machine's only test case)
  --metrics              also print the metrics in the functions' log lines (CloudWatch Embedded Metric
                         Format) as "[metrics] …" lines, and their totals when the sandbox stops
  --help                 this text`,
  options: {
    port: { type: "string" },
    "sfn-port": { type: "string" },
    outbox: { type: "string" },
    "time-scale": { type: "string" },
    env: { type: "string" },
    table: { type: "string", multiple: true },
    "mock-config": { type: "string" },
    "mock-case": { type: "string" },
    metrics: { type: "boolean" },
  },
} as const satisfies Command<ParseArgsOptionsConfig>;

export interface LocalOptions {
  port: number;
  sfnPort: number;
  /** An absolute path. */
  outbox: string;
  timeScale: number;
  env?: string;
  tables: LocalTable[];
  /** An absolute path. */
  mockConfig?: string;
  mockCase?: string;
  /** --metrics: the metrics of the functions' log lines, printed readably. */
  metrics: boolean;
}

export const DEFAULT_OUTBOX = path.join(PROJECT_ROOT, "cdktf.out", "local", "outbox.jsonl");

/**
 * The options of `npm run local`, or "help"; a UsageError for anything it cannot run with. Relative files are
 * taken from `userCwd`, where the user ran npm.
 */
export function parseLocalArguments(argv: readonly string[], userCwd: string): LocalOptions | "help" {
  const parsed = parseCommandLine(LOCAL_COMMAND, argv);
  if (parsed === "help") return "help";
  const { values } = parsed;
  const options: LocalOptions = {
    port: values.port === undefined ? 3000 : portOf("--port", values.port),
    sfnPort: values["sfn-port"] === undefined ? 8083 : portOf("--sfn-port", values["sfn-port"]),
    outbox: values.outbox === undefined ? DEFAULT_OUTBOX : path.resolve(userCwd, values.outbox),
    timeScale: values["time-scale"] === undefined ? 1 : timeScaleOf(values["time-scale"]),
    env: values.env,
    tables: (values.table ?? []).map(tableOf),
    mockConfig: values["mock-config"] === undefined ? undefined : path.resolve(userCwd, values["mock-config"]),
    mockCase: values["mock-case"],
    metrics: values.metrics ?? false,
  };
  if (options.port !== 0 && options.port === options.sfnPort) {
    throw new UsageError(`--port and --sfn-port must differ; both are ${options.port}.`);
  }
  return options;
}

function portOf(flag: string, value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65_535) {
    throw new UsageError(`${flag} must be a port number from 0 to 65535; got "${value}".`);
  }
  return port;
}

function timeScaleOf(value: string): number {
  const factor = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value) || !Number.isFinite(factor)) {
    throw new UsageError(`--time-scale must be a number >= 0, e.g. 0.01; got "${value}".`);
  }
  return factor;
}

function tableOf(spec: string): LocalTable {
  try {
    return parseTableSpec(spec);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}
