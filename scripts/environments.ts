// Prints the environments the pipeline deploys as JSON, for CI matrices:
//   npm run --silent environments [-- --skip-local-state]
// [{"name":"prod","account":"111111111111","region":"eu-west-1","stateBucket":"acme-terraform-state",
//   "planRole":"arn:aws:iam::111111111111:role/sfn-dedup-github-plan",
//   "deployRole":"arn:aws:iam::111111111111:role/sfn-dedup-github-deploy-prod"}]
// An environment with an account but local state is refused (a runner would lose its state), or, with
// --skip-local-state, left out and named on stderr. See scripts/pipeline-environments.ts.
import { appContext } from "../lib/cdktf-context";
import { ConfigError } from "../lib/config/config-error";
import { projectConfigFrom } from "../lib/config/project-config";
import { PipelineRoleError } from "../lib/pipeline-roles";
import { printUsage, reportedAsUsageError } from "./command-line";
import { ENVIRONMENTS_COMMAND, parseEnvironmentsArguments } from "./environments-arguments";
import { LocalStateError, pipelineEnvironments, SKIP_LOCAL_STATE_FLAG } from "./pipeline-environments";

function main(argv: readonly string[]): void {
  const options = parseEnvironmentsArguments(argv);
  if (options === "help") {
    printUsage(ENVIRONMENTS_COMMAND.usage);
    return;
  }
  const { environments } = projectConfigFrom(appContext());
  const { listed, skipped } = pipelineEnvironments(environments, options);
  if (skipped.length > 0) {
    process.stderr.write(`Left out, keeping local state (${SKIP_LOCAL_STATE_FLAG}): ${skipped.join(", ")}.\n`);
  }
  process.stdout.write(`${JSON.stringify(listed)}\n`);
}

try {
  main(process.argv.slice(2));
} catch (error) {
  if (error instanceof ConfigError || error instanceof LocalStateError || error instanceof PipelineRoleError) {
    process.stderr.write(`${error.message}\n`);
    process.exitCode = 1;
  } else if (!reportedAsUsageError(error, ENVIRONMENTS_COMMAND.usage)) {
    throw error;
  }
}
