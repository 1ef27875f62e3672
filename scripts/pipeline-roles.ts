// Prints the IAM roles the GitHub workflow uses for one environment, as JSON ready for IAM:
//   npm run --silent pipeline-roles -- prod --repository acme/sfn-dedup
// A role other environments share (the account's plan role, a state role) is printed whole, covering
// all of them: the same definition whichever environment asked.
import { appContext } from "../lib/cdktf-context";
import { ConfigError } from "../lib/config/config-error";
import { projectConfigFrom } from "../lib/config/project-config";
import { PipelineRoleError, pipelineRolesFor } from "../lib/pipeline-roles";
import { printUsage, reportedAsUsageError, UsageError } from "./command-line";
import { PIPELINE_ROLES_COMMAND, parsePipelineRolesArguments } from "./pipeline-roles-arguments";

function main(argv: readonly string[]): void {
  const request = parsePipelineRolesArguments(argv);
  if (request === "help") {
    printUsage(PIPELINE_ROLES_COMMAND.usage);
    return;
  }
  const { environments } = projectConfigFrom(appContext());
  const environment = environments.find((candidate) => candidate.name === request.environment);
  if (!environment?.account) {
    const known =
      environments
        .filter((candidate) => candidate.account)
        .map((candidate) => candidate.name)
        .join(", ") || "none";
    throw new UsageError(`No configured environment "${request.environment}"; environments with an account: ${known}.`);
  }
  process.stdout.write(`${JSON.stringify(pipelineRolesFor(environment, environments, request.repository), null, 2)}\n`);
}

try {
  main(process.argv.slice(2));
} catch (error) {
  if (error instanceof ConfigError || error instanceof PipelineRoleError) {
    process.stderr.write(`${error.message}\n`);
    process.exitCode = 1;
  } else if (!reportedAsUsageError(error, PIPELINE_ROLES_COMMAND.usage)) {
    throw error;
  }
}
