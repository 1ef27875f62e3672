import { spawn } from "node:child_process";
import * as path from "node:path";
import { PROJECT_ROOT } from "../lib/project-root";

export interface ProcessMeasure {
  readonly wallMs: number;
  /** The process's own peak resident memory (maxRSS). */
  readonly maxRssMiB: number;
  /**
   * The peaks of its child processes still running at its exit (esbuild's service), added up; undefined
   * where /proc cannot be read. Each peak is its own: the sum is an upper bound of their joint peak.
   */
  readonly childrenPeakMiB?: number;
  readonly stdout: string;
}

const RSS_REPORTER = path.join(PROJECT_ROOT, "bench", "report-rss.cjs");
const RSS_LINE = /@@bench-max-rss-kib (\d+)(?: children-peak-kib (\d+))?/;

/**
 * Runs `node <args>` with the RSS reporter preloaded; returns its wall time (spawn to exit), its peak
 * resident memory and its children's, and its output. Fails with the output when the process fails.
 * The Node.js is this process's unless `node` names another executable.
 */
export function measureNode(
  args: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; node?: string } = {},
): Promise<ProcessMeasure> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(options.node ?? process.execPath, ["--require", RSS_REPORTER, ...args], {
      cwd: options.cwd ?? PROJECT_ROOT,
      env: options.env ?? process.env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk));
    child.on("error", reject);
    child.on("exit", (code) => {
      const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
      const rss = RSS_LINE.exec(stderr);
      if (code !== 0 || !rss) {
        reject(new Error(`node ${args.join(" ")} failed (${code}):\n${stderr}${stdout}`));
        return;
      }
      resolve({
        wallMs,
        maxRssMiB: Number(rss[1]) / 1024,
        childrenPeakMiB: rss[2] === undefined ? undefined : Number(rss[2]) / 1024,
        stdout,
      });
    });
  });
}
