// Prints the IAM roles the GitHub workflow uses for one environment, as JSON ready for IAM:
//   npm run --silent pipeline-roles -- prod --repository acme/sfn-dedup
// A role other environments share (the account's plan role, a state role) is printed whole, covering
// all of them: the same definition whichever environment asked.
import { appContext } from "../lib/cdktf-context";
import { ConfigError } from "../lib/config/config-error";
import { projectConfigFrom } from "../lib/config/project-config";
import { PipelineRoleError, pipelineRolesFor } from "../lib/pipeline-roles";

const USAGE = "usage: npm run --silent pipeline-roles -- <environment> --repository <owner>/<repo>";

function main(argv: readonly string[]): void {
  const repositoryFlag = argv.indexOf("--repository");
  const repository = repositoryFlag >= 0 ? argv[repositoryFlag + 1] : undefined;
  const names = argv.filter((_, index) => index !== repositoryFlag && index !== repositoryFlag + 1);
  if (names.length !== 1 || !repository || !/^[\w.-]+\/[\w.-]+$/.test(repository)) {
    throw new UsageError(USAGE);
  }
  const { environments } = projectConfigFrom(appContext());
  const environment = environments.find((candidate) => candidate.name === names[0]);
  if (!environment || !environment.account) {
    const known = environments.filter((candidate) => candidate.account).map((candidate) => candidate.name);
    throw new UsageError(`No configured environment "${names[0]}"; environments with an account: ${known.join(", ") || "none"}.`);
  }
  process.stdout.write(`${JSON.stringify(pipelineRolesFor(environment, environments, repository), null, 2)}\n`);
}

class UsageError extends Error {}

try {
  main(process.argv.slice(2));
} catch (error) {
  if (!(error instanceof ConfigError || error instanceof UsageError || error instanceof PipelineRoleError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exitCode = 1;
}
