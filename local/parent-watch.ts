/**
 * Calls `onGone` once this process's parent has gone. `npm run local` runs as npm -> sh -> node: a
 * SIGTERM or SIGKILL to npm ends npm and sh but never reaches node, which would keep every port and
 * function process. When the parent dies the process is re-parented (to init or a subreaper), so a
 * changed `process.ppid` says so; Linux and macOS alike, no native module needed. The timer is unref'd:
 * it never keeps the process alive by itself.
 */
export function onParentGone(onGone: () => void, intervalMs = 250): () => void {
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid !== parent) {
      clearInterval(timer);
      onGone();
    }
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
