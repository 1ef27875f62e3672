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
import { printUsage, reportedAsUsageError, UsageError } from "../scripts/command-line";
import { LOCAL_COMMAND, parseLocalArguments } from "./cli-arguments";
import { formatMetricLine, MetricTally } from "./metric-lines";
import { MockConfig, MockConfigError } from "./mock-config";
import { onParentGone } from "./parent-watch";
import { type Sandbox, startSandbox, TableDeclarationError } from "./sandbox";
import { startupBanner } from "./startup-banner";
import { triggerStacks } from "./trigger-stacks";

const OUTDIR = path.join(PROJECT_ROOT, "cdktf.out");
const FINGERPRINT_FILE = path.join(OUTDIR, ".local-sandbox-fingerprint");
/** What synth reads: a change to any of these means the synthesized stacks are out of date. */
const SYNTH_INPUTS = ["main.ts", "lib", "functions", "asl", "cdktf.json", "package-lock.json", "tsconfig.json"];

/**
 * Where the user ran `npm run local`: npm runs the script from the project root and says where it was
 * started in INIT_CWD, so that a relative --outbox means what the user meant.
 */
const USER_CWD = process.env.INIT_CWD ?? process.cwd();

/** A failure to start: told plainly, exit status 1. */
class StartError extends Error {}

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
    throw new StartError(
      `Synth failed, so there is nothing to run:\n${(synth.stderr || synth.stdout || synth.error?.message || "").trim()}`,
    );
  }
  fs.writeFileSync(FINGERPRINT_FILE, `${sourcesFingerprint()} ${outputsFingerprint()}`);
}

/** The synthesized manifest and stacks as they are now; empty when there are none. */
function outputsFingerprint(): string {
  const hash = createHash("sha256");
  const manifest = path.join(OUTDIR, "manifest.json");
  if (!fs.existsSync(manifest)) return "none";
  hash.update(fs.readFileSync(manifest));
  for (const { synthesizedStackPath } of Object.values(
    JSON.parse(fs.readFileSync(manifest, "utf8")).stacks as Record<string, { synthesizedStackPath: string }>,
  )) {
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
  const options = parseLocalArguments(process.argv.slice(2), USER_CWD);
  if (options === "help") {
    printUsage(LOCAL_COMMAND.usage);
    return;
  }
  // With --metrics: each line's metrics as they come, their totals once every function has stopped.
  const metrics = options.metrics ? new MetricTally() : undefined;
  const stopWhenAsked = stopOnRequest(() => {
    const totals = metrics?.summary() ?? [];
    if (metrics)
      say(
        totals.length === 0
          ? "[metrics] none received"
          : ["[metrics] totals:", ...totals.map((total) => `[metrics]   ${total}`)].join("\n"),
      );
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
  if (reportedAsUsageError(error, LOCAL_COMMAND.usage)) return;
  if (error instanceof StartError) {
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
  return new Map(
    workflows.map((workflow) => [workflow.route, JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, workflow.request), "utf8"))]),
  );
}
