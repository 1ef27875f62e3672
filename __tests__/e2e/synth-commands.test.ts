import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { TOOLKIT_CLI } from "../../lib/toolkit/names";
import { directorySnapshot } from "../support/directory-snapshot";
import { copyProject } from "../support/project-copy";

/**
 * A PATH with node (the one running the tests: the project's Node.js), npm and npx (where this PATH finds
 * them) and the system's /usr/bin:/bin, and nothing else: "synth needs no terraform binary" is proven only
 * where terraform cannot be found. Where node or npm lives in /usr/bin, terraform must not be there either.
 */
function pathWithoutTerraform(workspace: string): string {
  const bin = path.join(workspace, "bin");
  fs.mkdirSync(bin);
  fs.symlinkSync(process.execPath, path.join(bin, "node"));
  for (const command of ["npm", "npx"]) {
    const found = spawnSync("/bin/sh", ["-c", `command -v ${command}`], { encoding: "utf8" }).stdout.trim();
    if (found === "") throw new Error(`${command} is not on PATH: cannot build a PATH without terraform`);
    fs.symlinkSync(fs.realpathSync(found), path.join(bin, command));
  }
  return [bin, "/usr/bin", "/bin"].join(path.delimiter);
}

/**
 * The environment of a fresh clone on a machine without terraform: no AWS credentials, no context or
 * output directory from outside, no terraform binary on PATH nor named through TERRAFORM_BINARY_NAME.
 */
function cleanEnvironment(PATH: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, CHECKPOINT_DISABLE: "1", PATH };
  delete env.TERRAFORM_BINARY_NAME;
  for (const name of Object.keys(env)) {
    if (name.startsWith("AWS_") || name.startsWith("CDKTF_")) delete env[name];
  }
  return { ...env, ...extra };
}

describe("npm run synth and cdktf synth", () => {
  const workspace = fs.mkdtempSync(path.join(os.tmpdir(), "sfn-dedup-commands-"));
  afterAll(() => fs.rmSync(workspace, { recursive: true, force: true }));
  const PATH = pathWithoutTerraform(workspace);

  it("run where no terraform binary can be found, with node, npm and npx", () => {
    const lookup = (command: string) => spawnSync("/bin/sh", ["-c", `command -v ${command}`], { env: { PATH }, encoding: "utf8" });
    const terraform = lookup("terraform");
    expect(terraform.stdout).toBe("");
    expect(terraform.status).not.toBe(0);
    for (const command of ["node", "npm", "npx"]) {
      expect(lookup(command).stdout.trim()).toBe(path.join(workspace, "bin", command));
    }
  });

  it("read cdktf.json's context and write the same Terraform and asset zips, with no credentials", () => {
    const project = copyProject(path.join(workspace, "project"), {
      environments: {
        staging: {
          account: "123456789012",
          region: "eu-central-1",
          notificationEmails: ["ops@example.com"],
          executionName: { from: "field", field: "orderId" },
          state: { bucket: "acme-terraform-state" },
        },
      },
    });
    execFileSync("npm", ["run", "--silent", "synth"], { cwd: project, env: cleanEnvironment(PATH), stdio: "pipe" });
    execFileSync(path.join(project, "node_modules", ".bin", TOOLKIT_CLI), ["synth", "--output", "cli.out"], {
      cwd: project,
      env: cleanEnvironment(PATH, { CI: "true" }),
      stdio: "pipe",
    });

    const fromNpm = directorySnapshot(path.join(project, "cdktf.out"));
    expect(Object.keys(fromNpm)).toEqual(
      expect.arrayContaining([
        "manifest.json",
        "stacks/staging/cdk.tf.json",
        expect.stringMatching(/^stacks\/staging\/assets\/.+\.zip$/),
        "stacks/state-acme-terraform-state/cdk.tf.json",
      ]),
    );
    const tf = fromNpm["stacks/staging/cdk.tf.json"].toString();
    expect(tf).toContain('"region": "eu-central-1"');
    expect(tf).toContain('"endpoint": "ops@example.com"');
    expect(tf).toContain('"EXECUTION_NAME_FIELD": "orderId"');
    expect(directorySnapshot(path.join(project, "cli.out"))).toEqual(fromNpm);
  });

  it("fail on a misconfigured cdktf.json with a message naming the field and the allowed values, writing nothing", () => {
    const project = copyProject(path.join(workspace, "misconfigured"), {
      environments: { prod: { account: "123456789012", region: "eu-west-1", executionName: { from: "hash" } } },
    });
    let failure: { status: number; stderr: string } | undefined;
    try {
      execFileSync("npm", ["run", "--silent", "synth"], { cwd: project, env: cleanEnvironment(PATH), stdio: "pipe", encoding: "utf8" });
    } catch (error) {
      failure = error as { status: number; stderr: string };
    }
    expect(failure?.status).toBe(1);
    expect(failure?.stderr).toContain(
      'cdktf.json context.environments.prod.executionName.from: must be one of country, payload, field, header; got "hash".',
    );
    expect(failure?.stderr).not.toMatch(/\bat .+:\d+/);
    expect(fs.existsSync(path.join(project, "cdktf.out"))).toBe(false);
  });

  it("let a pipeline replace the whole context through CDKTF_CONTEXT_JSON, without editing files", () => {
    const project = copyProject(path.join(workspace, "pipeline"));
    const context = JSON.stringify({ environments: { preview: { account: "123456789012", region: "ap-southeast-2" } } });
    execFileSync("npm", ["run", "--silent", "synth"], {
      cwd: project,
      env: cleanEnvironment(PATH, { CDKTF_CONTEXT_JSON: context }),
      stdio: "pipe",
    });
    execFileSync(path.join(project, "node_modules", ".bin", TOOLKIT_CLI), ["synth", "--output", "cli.out"], {
      cwd: project,
      env: cleanEnvironment(PATH, { CI: "true", CDKTF_CONTEXT_JSON: context }),
      stdio: "pipe",
    });

    const fromNpm = directorySnapshot(path.join(project, "cdktf.out"));
    expect(Object.keys(fromNpm).filter((file) => file.endsWith("cdk.tf.json"))).toEqual(["stacks/preview/cdk.tf.json"]);
    expect(fromNpm["stacks/preview/cdk.tf.json"].toString()).toContain('"region": "ap-southeast-2"');
    expect(directorySnapshot(path.join(project, "cli.out"))).toEqual(fromNpm);

    // The next context drops "preview": like cdktf synth, npm run synth leaves no folder of it for a scanner to read.
    const next = JSON.stringify({ environments: { review: { account: "123456789012", region: "ap-southeast-2" } } });
    execFileSync("npm", ["run", "--silent", "synth"], {
      cwd: project,
      env: cleanEnvironment(PATH, { CDKTF_CONTEXT_JSON: next }),
      stdio: "pipe",
    });
    expect(fs.readdirSync(path.join(project, "cdktf.out", "stacks"))).toEqual(["review"]);
  });

  it("synthesize the default stack on a fresh clone, whose cdktf.json configures nothing", () => {
    const project = copyProject(path.join(workspace, "fresh"));
    expect(JSON.parse(fs.readFileSync(path.join(project, "cdktf.json"), "utf8")).context).toBeUndefined();
    execFileSync("npm", ["run", "--silent", "synth"], { cwd: project, env: cleanEnvironment(PATH), stdio: "pipe" });
    const manifest = JSON.parse(fs.readFileSync(path.join(project, "cdktf.out", "manifest.json"), "utf8"));
    expect(Object.keys(manifest.stacks)).toEqual(["default"]);
  });
});
