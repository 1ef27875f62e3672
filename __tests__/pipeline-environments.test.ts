import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse } from "yaml";
import { projectConfigFrom } from "../lib/config/project-config";
import { pipelineRolesFor } from "../lib/pipeline-roles";
import { PROJECT_ROOT } from "../lib/project-root";
import { LocalStateError, pipelineEnvironments } from "../scripts/pipeline-environments";
import { readmeExampleContext } from "./support/readme-example";

const withState = {
  dev: { account: "222222222222", region: "eu-west-1", state: { bucket: "acme-terraform-state" } },
  prod: { account: "111111111111", region: "eu-central-1", state: { bucket: "acme-terraform-state-prod", region: "eu-west-1" } },
};
const withLocalState = {
  ...withState,
  sandbox: { account: "222222222222", region: "eu-west-1" },
  preview: { account: "333333333333", region: "us-east-1" },
};

/** The environment of a command run in the repository, with the context given and nothing of cdktf.json's. */
function environmentWith(context: Record<string, unknown>): NodeJS.ProcessEnv {
  return { ...process.env, CHECKPOINT_DISABLE: "1", CDKTF_CONTEXT_JSON: JSON.stringify(context) };
}

function listEnvironments(context: Record<string, unknown>, args: string[] = []) {
  return spawnSync("npm", ["run", "--silent", "environments", "--", ...args], {
    cwd: PROJECT_ROOT,
    env: environmentWith(context),
    encoding: "utf8",
  });
}

describe("the environments the pipeline deploys", () => {
  it("include every environment of README's example configuration, as written", () => {
    const { listed, skipped } = pipelineEnvironments(projectConfigFrom(readmeExampleContext()).environments);
    expect(listed.map((environment) => environment.name)).toEqual(["dev", "prod"]);
    expect(skipped).toEqual([]);
  });

  it("are those with an account and remote state, in cdktf.json order, with their state bucket and pipeline roles", () => {
    const { environments } = projectConfigFrom({ environments: withState });
    expect(pipelineEnvironments(environments)).toEqual({
      listed: [
        {
          name: "dev",
          account: "222222222222",
          region: "eu-west-1",
          stateBucket: "acme-terraform-state",
          planRole: "arn:aws:iam::222222222222:role/sfn-dedup-github-plan",
          deployRole: "arn:aws:iam::222222222222:role/sfn-dedup-github-deploy-dev",
        },
        {
          name: "prod",
          account: "111111111111",
          region: "eu-central-1",
          stateBucket: "acme-terraform-state-prod",
          planRole: "arn:aws:iam::111111111111:role/sfn-dedup-github-plan",
          deployRole: "arn:aws:iam::111111111111:role/sfn-dedup-github-deploy-prod",
        },
      ],
      skipped: [],
    });
  });

  it("name the very roles npm run pipeline-roles defines", () => {
    const { environments } = projectConfigFrom({ environments: withState });
    for (const listed of pipelineEnvironments(environments).listed) {
      const roles = pipelineRolesFor(environments.find((environment) => environment.name === listed.name)!, environments, "acme/sfn-dedup");
      expect(listed.planRole).toBe(`arn:aws:iam::${roles.plan.account}:role/${roles.plan.roleName}`);
      expect(listed.deployRole).toBe(`arn:aws:iam::${roles.deploy.account}:role/${roles.deploy.roleName}`);
    }
  });

  it("leave out the unconfigured default stack, which has no account: nothing to deploy", () => {
    expect(pipelineEnvironments(projectConfigFrom({}).environments)).toEqual({ listed: [], skipped: [] });
  });

  it("refuse environments that keep local state, naming every one and the field to add", () => {
    const { environments } = projectConfigFrom({ environments: withLocalState });
    expect(() => pipelineEnvironments(environments)).toThrow(LocalStateError);
    expect(() => pipelineEnvironments(environments)).toThrow(
      'Environment(s) sandbox, preview keep local state (no "state" in cdktf.json context.environments.<name>).',
    );
    expect(() => pipelineEnvironments(environments)).toThrow('Add "state": { "bucket": "<your-state-bucket>" } to each');
  });

  it("leave environments with local state out when asked to, and say which", () => {
    const { environments } = projectConfigFrom({ environments: withLocalState });
    const { listed, skipped } = pipelineEnvironments(environments, { skipLocalState: true });
    expect(listed.map((environment) => environment.name)).toEqual(["dev", "prod"]);
    expect(skipped).toEqual(["sandbox", "preview"]);
  });

  describe("npm run environments", () => {
    it("prints the matrix as JSON", () => {
      const result = listEnvironments({ environments: withState });
      expect(result.status).toBe(0);
      expect(JSON.parse(result.stdout).map((environment: { name: string }) => environment.name)).toEqual(["dev", "prod"]);
    });

    it("fails on local state with the message alone, printing no matrix", () => {
      const result = listEnvironments({ environments: withLocalState });
      expect(result.status).toBe(1);
      expect(result.stdout).toBe("");
      expect(result.stderr).toContain("Environment(s) sandbox, preview keep local state");
      expect(result.stderr).not.toMatch(/\bat .+:\d+/);
    });

    it("with --skip-local-state, prints the others and names the ones left out", () => {
      const result = listEnvironments({ environments: withLocalState }, ["--skip-local-state"]);
      expect(result.status).toBe(0);
      expect(JSON.parse(result.stdout).map((environment: { name: string }) => environment.name)).toEqual(["dev", "prod"]);
      expect(result.stderr).toContain("Left out, keeping local state (--skip-local-state): sandbox, preview.");
    });

    it("refuses an unknown option with its usage, exit status 2 as every CLI of the project, printing no matrix", () => {
      const result = listEnvironments({ environments: withState }, ["--skip-local"]);
      expect(result.status).toBe(2);
      expect(result.stdout).toBe("");
      expect(result.stderr).toBe("Unknown option: --skip-local\n\nusage: npm run --silent environments [-- --skip-local-state]\n");
    });
  });

  describe("the workflow step that lists them", () => {
    const workflow = parse(fs.readFileSync(path.join(PROJECT_ROOT, ".github", "workflows", "cdktf.yml"), "utf8"));
    const step = (workflow.jobs.test.steps as Array<{ id?: string; run?: string }>).find((candidate) => candidate.id === "environments")!;
    const workspace = fs.mkdtempSync(path.join(os.tmpdir(), "sfn-dedup-step-"));
    afterAll(() => fs.rmSync(workspace, { recursive: true, force: true }));

    /** The step's script as GitHub runs it (bash -e, pipefail), writing its outputs to a file. */
    function runStep(context: Record<string, unknown>) {
      const output = path.join(fs.mkdtempSync(path.join(workspace, "run-")), "github-output");
      fs.writeFileSync(output, "");
      const result = spawnSync("bash", ["--noprofile", "--norc", "-eo", "pipefail", "-c", step.run!], {
        cwd: PROJECT_ROOT,
        env: { ...environmentWith(context), GITHUB_OUTPUT: output },
        encoding: "utf8",
      });
      return { status: result.status, outputs: fs.readFileSync(output, "utf8") };
    }

    it("sets the matrix", () => {
      const { status, outputs } = runStep({ environments: withState });
      expect(status).toBe(0);
      expect(outputs).toMatch(/^list=\[\{"name":"dev",.*\}\]\n$/);
    });

    it("fails the job when the listing is refused, rather than hand the later jobs an empty matrix", () => {
      const { status, outputs } = runStep({ environments: withLocalState });
      expect(status).not.toBe(0);
      expect(outputs).toBe("");
    });
  });
});
