// What `npm run bench` takes (README.md, Performance): how many runs and requests, and where to write JSON.
import * as path from "node:path";
import type { ParseArgsOptionsConfig } from "node:util";
import { type Command, parseCommandLine, UsageError } from "../scripts/command-line";

export interface Settings {
  runs: number;
  requests: number;
  concurrency: number;
  suiteRuns: number;
  /** Requests sent, 50 at a time, to measure a function's resident memory. */
  memoryRequests: number;
  /** An absolute path. */
  json?: string;
}

export const BENCH_COMMAND = {
  usage: "usage: npm run bench -- [--runs <n>] [--requests <n>] [--concurrency <n>] [--suite-runs <n>] [--json <file>] [--quick]",
  options: {
    runs: { type: "string" },
    requests: { type: "string" },
    concurrency: { type: "string" },
    "suite-runs": { type: "string" },
    json: { type: "string" },
    quick: { type: "boolean" },
  },
} as const satisfies Command<ParseArgsOptionsConfig>;

const DEFAULTS: Settings = { runs: 7, requests: 2000, concurrency: 32, suiteRuns: 3, memoryRequests: 500 };
/** --quick: a smoke run. */
const QUICK = { runs: 2, requests: 200, suiteRuns: 0, memoryRequests: 100 } as const;
/** The counts an option sets, and the least each takes: the test suite alone may be left out. */
const COUNTS = { runs: ["runs", 1], requests: ["requests", 1], concurrency: ["concurrency", 1], "suite-runs": ["suiteRuns", 0] } as const;

/**
 * The bench's settings, or "help"; a UsageError for anything else. Options apply in the order given, so a
 * count before --quick is overridden by it and one after it overrides it. A relative --json is taken from
 * `userCwd`, where the user ran npm.
 */
export function parseBenchArguments(argv: readonly string[], userCwd: string): Settings | "help" {
  const parsed = parseCommandLine(BENCH_COMMAND, argv);
  if (parsed === "help") return "help";
  const settings: Settings = { ...DEFAULTS };
  for (const token of parsed.tokens) {
    if (token.kind !== "option") continue;
    if (token.name === "quick") {
      Object.assign(settings, QUICK);
    } else if (token.name === "json") {
      if (token.value === "") throw new UsageError("--json needs a file name.");
      settings.json = path.resolve(userCwd, token.value);
    } else {
      const [key, least] = COUNTS[token.name];
      const count = Number(token.value);
      if (!Number.isInteger(count) || count < least) {
        throw new UsageError(`--${token.name} must be a whole number >= ${least}; got "${token.value}".`);
      }
      settings[key] = count;
    }
  }
  return settings;
}
