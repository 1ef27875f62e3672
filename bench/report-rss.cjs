// Preloaded (node --require) into a measured process: on exit it reports the process's peak resident
// memory, which only the process itself can read exactly (getrusage's ru_maxrss, in KiB), and the peak
// of each child process still running then (VmHWM from /proc: Linux only), such as esbuild's service,
// which bundles the functions and lives until this process exits.
const fs = require("node:fs");

/** Every descendant of a process, through /proc/<pid>/task/<tid>/children. */
function descendants(pid) {
  const children = fs.readdirSync(`/proc/${pid}/task`).flatMap((tid) => {
    try {
      return fs.readFileSync(`/proc/${pid}/task/${tid}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number);
    } catch {
      return []; // the thread has ended
    }
  });
  return children.flatMap((child) => [child, ...descendants(child)]);
}

function childrenPeakKib() {
  if (!fs.existsSync(`/proc/${process.pid}/task`)) return undefined;
  let total = 0;
  for (const pid of descendants(process.pid)) {
    try {
      const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
      total += Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0);
    } catch {
      // it has just exited; its memory is no longer readable
    }
  }
  return total;
}

process.on("exit", () => {
  try {
    let children;
    try {
      children = childrenPeakKib();
    } catch {
      children = undefined;
    }
    fs.writeSync(
      2,
      `\n@@bench-max-rss-kib ${process.resourceUsage().maxRSS}${children === undefined ? "" : ` children-peak-kib ${children}`}\n`,
    );
  } catch {
    // stderr already closed: nothing to report to
  }
});
