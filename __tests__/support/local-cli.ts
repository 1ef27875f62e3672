import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

/** Every `npm run local` started and not yet known to be gone: stopped after each test, whatever happened. */
const started = new Set<LocalCli>();

/**
 * Stops every `npm run local` a test started: SIGTERM to its process group, so the sandbox stops its
 * processes and removes its task directories, then SIGKILL to whatever is left. Register it with
 * `afterEach`: hooks run even when jest times a test out, when the test's own `finally` never runs.
 */
export async function stopStartedClis(): Promise<void> {
  const clis = [...started];
  started.clear();
  await Promise.all(clis.map((cli) => cli.stop()));
}

// The last resort, if the test process itself is ending: kill is synchronous, so it works in "exit".
process.on("exit", () => {
  for (const cli of started) cli.kill();
});

/**
 * `npm run local` in a project copy, in its own process group, as a terminal would run it. Its TMPDIR is
 * the project's, so whatever it leaves there goes when the test's workspace is removed.
 */
export class LocalCli {
  public output = "";
  public readonly exited: Promise<number | null>;
  private readonly child: ChildProcess;
  /** Every process that could write to the output has closed it. */
  private outputClosed = false;

  constructor(project: string, args: readonly string[], env: NodeJS.ProcessEnv = {}) {
    const tmpdir = path.join(project, ".tmp");
    fs.mkdirSync(tmpdir, { recursive: true });
    const environment: NodeJS.ProcessEnv = { ...process.env, TMPDIR: tmpdir, ...env };
    for (const name of Object.keys(environment)) if (name.startsWith("CDKTF_") && !(name in env)) delete environment[name];
    this.child = spawn("npm", ["run", "--silent", "local", "--", ...args], {
      cwd: project,
      env: environment,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    started.add(this);
    for (const stream of [this.child.stdout!, this.child.stderr!]) {
      stream.setEncoding("utf8");
      stream.on("data", (chunk: string) => {
        this.output += chunk;
      });
    }
    this.exited = new Promise((resolve) => this.child.on("exit", (code) => resolve(code)));
    this.child.on("close", () => {
      this.outputClosed = true;
    });
  }

  /**
   * Waits for a line of output to match, failing with the output so far once nothing can write any more:
   * npm may be gone while the processes it started still write.
   */
  public async waitFor(pattern: RegExp, timeoutMs = 60_000): Promise<RegExpMatchArray> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const match = pattern.exec(this.output);
      if (match) return match;
      if (this.outputClosed) break;
      await sleep(50);
    }
    throw new Error(`${pattern} did not appear; output:\n${this.output}`);
  }

  /** The npm process, the one a service manager or a parent script would signal. */
  public get npmPid(): number {
    return this.child.pid!;
  }

  /** Ctrl-C: SIGINT to the whole process group. */
  public interrupt(): void {
    process.kill(-this.child.pid!, "SIGINT");
  }

  /** Every process still in the group: npm, tsx, the sandbox, the function processes. */
  public processesLeft(): number[] {
    const table = execFileSync("ps", ["-e", "-o", "pid=,pgid="], { encoding: "utf8" });
    return table
      .split("\n")
      .map((line) => line.trim().split(/\s+/).map(Number))
      .filter(([pid, pgid]) => pgid === this.child.pid && pid !== undefined)
      .map(([pid]) => pid);
  }

  /** Waits until the whole process group is gone. */
  public async allGone(timeoutMs = 15_000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.processesLeft().length === 0) return true;
      await sleep(50);
    }
    return false;
  }

  /** SIGTERM to the whole group, then SIGKILL to whatever is still there after a grace period. */
  public async stop(graceMs = 10_000): Promise<void> {
    if (this.processesLeft().length === 0) return;
    try {
      process.kill(-this.child.pid!, "SIGTERM");
    } catch {
      // already gone
    }
    if (!(await this.allGone(graceMs))) this.kill();
  }

  public kill(): void {
    try {
      process.kill(-this.child.pid!, "SIGKILL");
    } catch {
      // already gone
    }
  }
}

export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export function acceptsConnections(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}
