// Prints the configured environments as JSON, for CI matrices:
// [{"name":"prod","account":"111111111111","region":"eu-west-1","stateBucket":"acme-terraform-state"}]
// Only environments with an account are listed: the unconfigured default stack has nowhere to deploy.
import { appContext } from "../lib/cdktf-context";
import { ConfigError } from "../lib/config/config-error";
import { projectConfigFrom } from "../lib/config/project-config";

try {
  const { environments } = projectConfigFrom(appContext());
  const deployable = environments
    .filter((environment) => environment.account !== undefined)
    .map(({ name, account, region, state }) => ({ name, account, region, stateBucket: state?.bucket ?? null }));
  process.stdout.write(`${JSON.stringify(deployable)}\n`);
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exitCode = 1;
}
