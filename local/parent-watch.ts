/**
 * Calls `onGone` once this process's parent has gone. `npm run local` execs node, so the parent is npm: npm
 * passes SIGINT and SIGTERM on, but dies of SIGHUP or SIGKILL without a word to its child, which would keep
 * every port and function process. When the parent dies the kernel re-parents the process (to init or a
 * subreaper), so a changed `process.ppid` says so whatever killed it; Linux and macOS alike, no native
 * module needed. The timer is unref'd: it never keeps the process alive by itself.
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
