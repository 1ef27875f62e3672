import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { directorySnapshot } from "./support/directory-snapshot";
import { copyProject } from "./support/project-copy";

/** The environment of a fresh clone: no AWS credentials, no context or output directory from outside. */
function cleanEnvironment(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, CHECKPOINT_DISABLE: "1" };
  for (const name of Object.keys(env)) {
    if (name.startsWith("AWS_") || name.startsWith("CDKTF_")) delete env[name];
  }
  return { ...env, ...extra };
}

describe("npm run synth and cdktf synth", () => {
  const workspace = fs.mkdtempSync(path.join(os.tmpdir(), "sfn-dedup-commands-"));
  afterAll(() => fs.rmSync(workspace, { recursive: true, force: true }));

  it("read cdktf.json's context and write the same Terraform and asset zips, with no credentials", () => {
    const project = copyProject(path.join(workspace, "project"), {
      region: "eu-central-1",
      notificationEmails: ["ops@example.com"],
      executionName: { from: "field", field: "orderId" },
    });
    execFileSync("npm", ["run", "--silent", "synth"], { cwd: project, env: cleanEnvironment(), stdio: "pipe" });
    execFileSync(path.join(project, "node_modules", ".bin", "cdktf"), ["synth", "--output", "cli.out"], {
      cwd: project,
      env: cleanEnvironment({ CI: "true" }),
      stdio: "pipe",
    });

    const fromNpm = directorySnapshot(path.join(project, "cdktf.out"));
    expect(Object.keys(fromNpm)).toEqual(
      expect.arrayContaining(["manifest.json", "stacks/default/cdk.tf.json", expect.stringMatching(/^stacks\/default\/assets\/.+\.zip$/)]),
    );
    const tf = fromNpm["stacks/default/cdk.tf.json"].toString();
    expect(tf).toContain('"region": "eu-central-1"');
    expect(tf).toContain('"endpoint": "ops@example.com"');
    expect(tf).toContain('"EXECUTION_NAME_FIELD": "orderId"');
    expect(directorySnapshot(path.join(project, "cli.out"))).toEqual(fromNpm);
  });

  it("fail on a misconfigured cdktf.json with a message naming the field and the allowed values, writing nothing", () => {
    const project = copyProject(path.join(workspace, "misconfigured"), { executionName: { from: "hash" } });
    let failure: { status: number; stderr: string } | undefined;
    try {
      execFileSync("npm", ["run", "--silent", "synth"], { cwd: project, env: cleanEnvironment(), stdio: "pipe", encoding: "utf8" });
    } catch (error) {
      failure = error as { status: number; stderr: string };
    }
    expect(failure?.status).toBe(1);
    expect(failure?.stderr).toContain('cdktf.json context.executionName.from: must be one of country, payload, field; got "hash".');
    expect(failure?.stderr).not.toMatch(/\bat .+:\d+/);
    expect(fs.existsSync(path.join(project, "cdktf.out"))).toBe(false);
  });
});
