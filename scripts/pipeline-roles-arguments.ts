// What `npm run pipeline-roles` takes (README.md, Pipeline): one environment and the GitHub repository.
import type { ParseArgsOptionsConfig } from "node:util";
import { type Command, parseCommandLine, UsageError } from "./command-line";

export const PIPELINE_ROLES_COMMAND = {
  usage: "usage: npm run --silent pipeline-roles -- <environment> --repository <owner>/<repo>",
  options: { repository: { type: "string" } },
  positionals: true,
} as const satisfies Command<ParseArgsOptionsConfig>;

/** GitHub's owner and repository names: letters, digits, "-", "_" and ".". */
const REPOSITORY = /^[\w.-]+\/[\w.-]+$/;

export interface PipelineRolesRequest {
  readonly environment: string;
  readonly repository: string;
}

/** The environment and repository `npm run pipeline-roles` was asked for, or "help"; a UsageError otherwise. */
export function parsePipelineRolesArguments(argv: readonly string[]): PipelineRolesRequest | "help" {
  const parsed = parseCommandLine(PIPELINE_ROLES_COMMAND, argv);
  if (parsed === "help") return "help";
  const { values, positionals } = parsed;
  if (positionals.length !== 1) {
    const given = positionals.length === 0 ? "none" : positionals.map((name) => `"${name}"`).join(", ");
    throw new UsageError(`Name one environment; got ${given}.`);
  }
  if (values.repository === undefined) throw new UsageError("--repository is required: the GitHub repository, <owner>/<repo>.");
  if (!REPOSITORY.test(values.repository)) {
    throw new UsageError(`--repository must be <owner>/<repo>, e.g. acme/sfn-dedup; got "${values.repository}".`);
  }
  return { environment: positionals[0], repository: values.repository };
}
