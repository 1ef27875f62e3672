import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { NODEJS_RUNTIME, nodeMajorOf } from "../lib/nodejs-runtime";

/** A Node.js executable the benchmark runs measured processes with. */
export interface NodeBinary {
  /** The executable, as found. */
  readonly path: string;
  /** `process.version` of that executable, e.g. `v22.23.5`. */
  readonly version: string;
  readonly major: number;
  /** Whether its major is the one the functions run on in Lambda (NODEJS_RUNTIME). */
  readonly lambdaMajor: boolean;
}

/** The Node.js major of the functions' Lambda runtime: 22 for `nodejs22.x`. */
export const LAMBDA_NODE_MAJOR = nodeMajorOf(NODEJS_RUNTIME);

const majorOf = (version: string) => Number(/^v(\d+)\./.exec(version)![1]);

function binary(executable: string, version: string): NodeBinary {
  const major = majorOf(version);
  return { path: executable, version, major, lambdaMajor: major === LAMBDA_NODE_MAJOR };
}

/**
 * The Node.js this process runs on (npm scripts run node_modules' Node, the Lambda runtime's major: package.json),
 * then one executable of every other major found on PATH outside node_modules, such as the system's: a
 * developer's machine or CI may run the functions' code on it, and a cold import differs between majors.
 */
export function nodeBinaries(): NodeBinary[] {
  const found = [binary(process.execPath, process.version)];
  const seen = new Set([fs.realpathSync(process.execPath)]);
  for (const directory of (process.env.PATH ?? "").split(path.delimiter)) {
    if (directory === "" || directory.split(path.sep).includes("node_modules")) continue;
    const candidate = path.join(directory, "node");
    let real: string;
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      real = fs.realpathSync(candidate);
    } catch {
      continue;
    }
    if (seen.has(real)) continue;
    seen.add(real);
    let version: string;
    try {
      version = execFileSync(candidate, ["-p", "process.version"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
    } catch {
      continue;
    }
    if (/^v\d+\./.test(version) && !found.some((known) => known.major === majorOf(version))) {
      found.push(binary(candidate, version));
    }
  }
  return found;
}
