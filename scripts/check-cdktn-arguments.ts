// What `npm run check:cdktn` takes (README.md, Leaving CDKTF): whether to keep the copies, and whether to test one.
import type { ParseArgsOptionsConfig } from "node:util";
import { type Command, parseCommandLine } from "./command-line";

export const CHECK_CDKTN_COMMAND = {
  usage: `usage: npm run check:cdktn [-- --keep] [--test]
  --keep   leave the temporary copies (and their synth output) in place, and print where
  --test   also run npm test in the moved copy (about a minute and a half more)`,
  options: { keep: { type: "boolean" }, test: { type: "boolean" } },
} as const satisfies Command<ParseArgsOptionsConfig>;

export interface CheckCdktnOptions {
  readonly keep: boolean;
  readonly test: boolean;
}

/** The options of `npm run check:cdktn`, or "help"; a UsageError for anything else. */
export function parseCheckCdktnArguments(argv: readonly string[]): CheckCdktnOptions | "help" {
  const parsed = parseCommandLine(CHECK_CDKTN_COMMAND, argv);
  if (parsed === "help") return "help";
  return { keep: parsed.values.keep ?? false, test: parsed.values.test ?? false };
}
