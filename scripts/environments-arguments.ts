// What `npm run environments` takes (README.md, Pipeline): only whether to leave out environments with local state.
import type { ParseArgsOptionsConfig } from "node:util";
import { type Command, parseCommandLine } from "./command-line";
import { SKIP_LOCAL_STATE_FLAG, SKIP_LOCAL_STATE_OPTION } from "./pipeline-environments";

export const ENVIRONMENTS_COMMAND = {
  usage: `usage: npm run --silent environments [-- ${SKIP_LOCAL_STATE_FLAG}]`,
  options: { [SKIP_LOCAL_STATE_OPTION]: { type: "boolean" } },
} as const satisfies Command<ParseArgsOptionsConfig>;

/** The options of `npm run environments`, or "help"; a UsageError for anything else. */
export function parseEnvironmentsArguments(argv: readonly string[]): { readonly skipLocalState: boolean } | "help" {
  const parsed = parseCommandLine(ENVIRONMENTS_COMMAND, argv);
  if (parsed === "help") return "help";
  return { skipLocalState: parsed.values[SKIP_LOCAL_STATE_OPTION] ?? false };
}
