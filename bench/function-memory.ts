import * as fs from "node:fs";
import { httpApiEvent } from "../local/http-api-event";
import { startSandbox } from "../local/sandbox";

export interface FunctionMemory {
  readonly stack: string;
  /** Resident memory of the function's process once initialised, and its peak after the load (MiB). */
  readonly afterInitMiB: number;
  readonly peakMiB: number;
  readonly requests: number;
  readonly concurrency: number;
}

/** VmRSS and VmHWM (peak) of a process, in MiB: Linux only. */
function residentMemory(pid: number): { rss: number; peak: number } {
  const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
  const field = (name: string) => Number(new RegExp(`${name}:\\s+(\\d+) kB`).exec(status)![1]) / 1024;
  return { rss: field("VmRSS"), peak: field("VmHWM") };
}

/**
 * The start-execution zip in its own process (the sandbox's Lambda host) under load, with every service
 * it calls running locally: how much memory the function really needs, which decided its memory size.
 */
export async function measureFunctionMemory(
  stackDir: string,
  label: string,
  requests: number,
  concurrency: number,
): Promise<FunctionMemory | undefined> {
  if (!fs.existsSync("/proc/self/status")) {
    return undefined;
  }
  const sandbox = await startSandbox({ stackDir, port: null, sfnPort: 0 });
  try {
    const starter = sandbox.routeFunction("POST /executions");
    const host = sandbox.hosts.get(starter.functionName)!;
    const afterInit = residentMemory(host.pid!).rss;
    let sent = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (sent < requests) {
          const id = ++sent;
          const body = Buffer.from(JSON.stringify({ country: `Country ${id}` }));
          await host.invoke(
            httpApiEvent({
              method: "POST",
              path: "/executions",
              routeKey: "POST /executions",
              headers: { "content-type": "application/json" },
              body,
            }),
          );
        }
      }),
    );
    return { stack: label, afterInitMiB: afterInit, peakMiB: residentMemory(host.pid!).peak, requests, concurrency };
  } finally {
    await sandbox.stop();
  }
}
