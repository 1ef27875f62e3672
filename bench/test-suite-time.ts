import { spawn } from "node:child_process";
import { PROJECT_ROOT } from "../lib/project-root";

/** Wall time of `npm test` (type check and jest), as CI and developers run it. */
export function measureTestSuite(): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn("npm", ["test", "--silent"], { cwd: PROJECT_ROOT, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk));
    child.on("error", reject);
    child.on("exit", (code) => {
      if (code !== 0) {
        reject(new Error(`npm test failed (${code}); a benchmark of a failing suite means nothing:\n${stderr.slice(-4000)}`));
        return;
      }
      resolve(Number(process.hrtime.bigint() - started) / 1e9);
    });
  });
}
