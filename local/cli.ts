// npm run local [-- --port 3000 --sfn-port 8083 --outbox <file> --time-scale <factor> --env <environment>
//                   --table <name>=<key> --mock-config <file> --mock-case <name> --metrics]
//
// Synthesizes if the sources changed since the last synth, then serves the synthesized stack on
// 127.0.0.1 (local/sandbox.ts) until Ctrl-C.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { appContext, appContextSource } from "../lib/cdktf-context";
import { projectConfigFrom } from "../lib/config/project-config";
import { PROJECT_ROOT } from "../lib/project-root";
import { formatMetricLine, MetricTally } from "./metric-lines";
import { MockConfig, MockConfigError } from "./mock-config";
import { onParentGone } from "./parent-watch";
import { type Sandbox, startSandbox, TableDeclarationError } from "./sandbox";
import type { LocalTable } from "./synthesized-stack";
import { startupBanner } from "./startup-banner";
import { parseTableSpec } from "./table-spec";
import { triggerStacks } from "./trigger-stacks";

const USAGE = `usage: npm run local -- [options]

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
  --help                 this text`;

const OUTDIR = path.join(PROJECT_ROOT, "cdktf.out");
const FINGERPRINT_FILE = path.join(OUTDIR, ".local-sandbox-fingerprint");
/** What synth reads: a change to any of these means the synthesized stacks are out of date. */
const SYNTH_INPUTS = ["main.ts", "lib", "functions", "asl", "cdktf.json", "package-lock.json", "tsconfig.json"];

/**
 * Where the user ran `npm run local`: npm runs the script from the project root and says where it was
 * started in INIT_CWD, so that a relative --outbox means what the user meant.
 */
const USER_CWD = process.env.INIT_CWD ?? process.cwd();

const FLAGS_WITH_VALUES = ["--port", "--sfn-port", "--outbox", "--time-scale", "--env", "--table", "--mock-config", "--mock-case"];

interface Options {
  port: number;
  sfnPort: number;
  outbox: string;
  timeScale: number;
  env?: string;
  tables: LocalTable[];
  mockConfig?: string;
  mockCase?: string;
  /** --metrics: the metrics of the functions' log lines, printed readably. */
  metrics: boolean;
}

/** A mistake in how the sandbox was asked for: told with the usage, exit status 2. */
class UsageError extends Error {}
/** A failure to start: told plainly, exit status 1. */
class StartError extends Error {}

function parseArguments(argv: readonly string[]): Options | "help" {
  const options: Options = { port: 3000, sfnPort: 8083, outbox: path.join(OUTDIR, "local", "outbox.jsonl"), timeScale: 1, tables: [], metrics: false };
  for (let index = 0; index < argv.length; index++) {
    const flag = argv[index];
    if (flag === "--help" || flag === "-h") return "help";
    if (flag === "--metrics") {
      options.metrics = true;
      continue;
    }
    if (!FLAGS_WITH_VALUES.includes(flag)) {
      throw new UsageError(`Unknown option: ${flag}`);
    }
    const value = argv[index + 1];
    if (value === undefined || value.startsWith("--")) {
      throw new UsageError(`${flag} needs a value.`);
    }
    index++;
    switch (flag) {
      case "--port":
        options.port = portOf(flag, value);
        break;
      case "--sfn-port":
        options.sfnPort = portOf(flag, value);
        break;
      case "--outbox":
        options.outbox = path.resolve(USER_CWD, value);
        break;
      case "--time-scale": {
        const factor = Number(value);
        if (!/^\d+(\.\d+)?$/.test(value) || !Number.isFinite(factor)) {
          throw new UsageError(`--time-scale must be a number >= 0, e.g. 0.01; got "${value}".`);
        }
        options.timeScale = factor;
        break;
      }
      case "--table":
        try {
          options.tables.push(parseTableSpec(value));
        } catch (error) {
          throw new UsageError((error as Error).message);
        }
        break;
      case "--mock-config":
        options.mockConfig = path.resolve(USER_CWD, value);
        break;
      case "--mock-case":
        options.mockCase = value;
        break;
      default:
        options.env = value;
    }
  }
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

/**
 * Synthesizes unless cdktf.out was synthesized here from the same sources and context, and nothing has
 * rewritten it since (a `cdktf synth` with another context, say).
 */
function synthesizeIfNeeded(): void {
  const recorded = fs.existsSync(FINGERPRINT_FILE) ? fs.readFileSync(FINGERPRINT_FILE, "utf8") : undefined;
  if (recorded !== undefined && recorded === `${sourcesFingerprint()} ${outputsFingerprint()}`) {
    say("cdktf.out is up to date with the sources.");
    return;
  }
  say("Synthesizing…");
  const env = { ...process.env };
  delete env.CDKTF_OUTDIR;
  // What `npm run synth` runs, without npm.
  const synth = spawnSync(process.execPath, ["--import", "tsx", "main.ts"], { cwd: PROJECT_ROOT, env, encoding: "utf8" });
  if (synth.status !== 0) {
    throw new StartError(`Synth failed, so there is nothing to run:\n${(synth.stderr || synth.stdout || synth.error?.message || "").trim()}`);
  }
  fs.writeFileSync(FINGERPRINT_FILE, `${sourcesFingerprint()} ${outputsFingerprint()}`);
}

/** The synthesized manifest and stacks as they are now; empty when there are none. */
function outputsFingerprint(): string {
  const hash = createHash("sha256");
  const manifest = path.join(OUTDIR, "manifest.json");
  if (!fs.existsSync(manifest)) return "none";
  hash.update(fs.readFileSync(manifest));
  for (const { synthesizedStackPath } of Object.values(JSON.parse(fs.readFileSync(manifest, "utf8")).stacks as Record<string, { synthesizedStackPath: string }>)) {
    const file = path.join(OUTDIR, synthesizedStackPath);
    hash.update(fs.existsSync(file) ? fs.readFileSync(file) : "missing");
  }
  return hash.digest("hex");
}

function sourcesFingerprint(): string {
  const hash = createHash("sha256").update(process.env.CDKTF_CONTEXT_JSON ?? "");
  const visit = (relative: string) => {
    const full = path.join(PROJECT_ROOT, relative);
    if (!fs.existsSync(full)) return;
    if (fs.statSync(full).isDirectory()) {
      for (const entry of fs.readdirSync(full).sort()) visit(path.join(relative, entry));
    } else {
      hash.update(relative).update("\0").update(fs.readFileSync(full)).update("\0");
    }
  };
  SYNTH_INPUTS.forEach(visit);
  return hash.digest("hex");
}

/** The stacks that serve the trigger (bootstrap stacks have no routes), and the one to run. */
function chooseStack(requested: string | undefined): string {
  const triggers = triggerStacks(OUTDIR);
  if (requested !== undefined) {
    if (!triggers.includes(requested)) {
      throw new UsageError(`No environment "${requested}"; environments: ${triggers.join(", ") || "none"}.`);
    }
    return requested;
  }
  if (triggers.length !== 1) {
    throw new UsageError(`Several environments are configured (${triggers.join(", ")}): choose one with --env.`);
  }
  return triggers[0];
}

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

/** Why the sandbox stops: Ctrl-C, a service manager's or a terminal's signal, or npm gone. */
const STOP_SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;
/** Stopping takes a second or two; past this something hangs, and exiting beats waiting for a kill -9. */
const STOP_DEADLINE_MS = 30_000;

/**
 * Stops the sandbox on SIGINT, SIGTERM or SIGHUP, or once the parent process (npm) has gone; until the
 * sandbox has started, a request to stop is kept and acted on as soon as it has.
 *
 * The npm script execs node, so the sandbox is npm's own child: npm passes SIGINT and SIGTERM on to it, and
 * when npm dies of anything else (SIGHUP, SIGKILL) the sandbox is re-parented, which onParentGone sees.
 * Further signals while stopping are ignored: one Ctrl-C in a terminal reaches the sandbox twice (from the
 * terminal, and again from npm), so a second SIGINT cannot mean "hurry"; the deadline covers a hung stop.
 */
function stopOnRequest(whenStopped: () => void = () => {}): (sandbox: Sandbox) => void {
  let sandbox: Sandbox | undefined;
  let requested: string | undefined;
  let stopping = false;
  const stop = (reason: string) => {
    if (stopping) return;
    stopping = true;
    setTimeout(() => {
      process.stderr.write(`Could not stop within ${STOP_DEADLINE_MS / 1000} s; exiting anyway.\n`);
      process.exit(1);
    }, STOP_DEADLINE_MS).unref();
    say(`\n${reason}: stopping…`);
    sandbox!.stop().then(
      () => {
        whenStopped();
        say("Stopped.");
        process.exit(0);
      },
      (error: unknown) => {
        process.stderr.write(`Could not stop cleanly: ${error instanceof Error ? error.message : String(error)}\n`);
        process.exit(1);
      },
    );
  };
  const request = (reason: string) => {
    // Whoever read our output may have gone (with npm, or a closed terminal): a failed write must not stop
    // the clean-up.
    for (const stream of [process.stdout, process.stderr]) if (stream.listenerCount("error") === 0) stream.on("error", () => {});
    requested ??= reason;
    if (sandbox) stop(requested);
  };
  for (const signal of STOP_SIGNALS) process.on(signal, () => request(signal));
  onParentGone(() => request("parent process gone"));
  return (started) => {
    sandbox = started;
    if (requested) stop(requested);
  };
}

async function main(): Promise<void> {
  const options = parseArguments(process.argv.slice(2));
  if (options === "help") {
    say(USAGE);
    return;
  }
  // With --metrics: each line's metrics as they come, their totals once every function has stopped.
  const metrics = options.metrics ? new MetricTally() : undefined;
  const stopWhenAsked = stopOnRequest(() => {
    const totals = metrics?.summary() ?? [];
    if (metrics) say(totals.length === 0 ? "[metrics] none received" : ["[metrics] totals:", ...totals.map((total) => `[metrics]   ${total}`)].join("\n"));
  });
  synthesizeIfNeeded();
  const stackName = chooseStack(options.env);

  let sandbox: Sandbox;
  try {
    sandbox = await startSandbox({
      stackDir: path.join(OUTDIR, "stacks", stackName),
      port: options.port,
      sfnPort: options.sfnPort,
      timeScale: options.timeScale,
      outboxFile: options.outbox,
      tables: options.tables,
      mocks: options.mockConfig === undefined ? undefined : MockConfig.read(options.mockConfig),
      mockCase: options.mockCase,
      onLog: (source, line) => {
        say(`[${source}] ${line}`);
        if (!metrics) return;
        for (const text of formatMetricLine(line)) say(`[metrics] ${text}`);
        metrics.add(line);
      },
    });
  } catch (error) {
    const { code, port } = error as { code?: string; port?: number };
    if (code === "EADDRINUSE") {
      const flag = port === options.sfnPort ? "--sfn-port" : "--port";
      throw new StartError(`Port ${port} is already in use on 127.0.0.1: stop what holds it, or choose another with ${flag}.`);
    }
    if (error instanceof MockConfigError || error instanceof TableDeclarationError) {
      throw new StartError(error.message);
    }
    throw error;
  }

  say(
    startupBanner(sandbox, {
      stackName,
      timeScale: options.timeScale,
      outbox: path.relative(USER_CWD, options.outbox) || options.outbox,
      requestSchemas: requestSchemasByRoute(),
    }),
  );

  stopWhenAsked(sandbox);
}

main().catch((error: unknown) => {
  if (error instanceof UsageError) {
    process.stderr.write(`${error.message}\n\n${USAGE}\n`);
    process.exitCode = 2;
  } else if (error instanceof StartError) {
    process.stderr.write(`${error.message}\n`);
    process.exitCode = 1;
  } else {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  }
});

/** Each workflow's request schema, by its route, as the configuration synth just used names them. */
function requestSchemasByRoute(): Map<string, unknown> {
  const { workflows } = projectConfigFrom(appContext(), appContextSource());
  return new Map(workflows.map((workflow) => [workflow.route, JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, workflow.request), "utf8"))]));
}
