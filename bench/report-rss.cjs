// Preloaded (node --require) into a measured process: on exit it reports the process's peak resident
// memory, which only the process itself can read exactly (getrusage's ru_maxrss, in KiB).
process.on("exit", () => {
  try {
    require("node:fs").writeSync(2, `\n@@bench-max-rss-kib ${process.resourceUsage().maxRSS}\n`);
  } catch {
    // stderr already closed: nothing to report to
  }
});
