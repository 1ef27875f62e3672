import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { directorySnapshot } from "./support/directory-snapshot";
import { copyProject } from "./support/project-copy";

const context = {
  environments: {
    dev: { account: "222222222222", region: "eu-west-1", notificationEmails: ["dev@example.com"] },
    prod: {
      account: "111111111111",
      region: "eu-central-1",
      deployRoleArn: "arn:aws:iam::111111111111:role/deploy",
      state: { bucket: "acme-terraform-state", roleArn: "arn:aws:iam::999999999999:role/terraform-state" },
      tags: { "cost-center": "C-42" },
    },
  },
};

/** `npm run synth` in a project copy, with its own temp directory and time zone, as on another machine. */
function synthesize(project: string, tmpdir: string, timeZone: string): Record<string, Buffer> {
  fs.mkdirSync(tmpdir, { recursive: true });
  const env: NodeJS.ProcessEnv = { ...process.env, TMPDIR: tmpdir, TZ: timeZone };
  for (const name of Object.keys(env)) if (name.startsWith("CDKTF_")) delete env[name];
  execFileSync("npm", ["run", "--silent", "synth"], { cwd: project, env, stdio: "pipe" });
  return directorySnapshot(path.join(project, "cdktf.out"));
}

describe("synth output", () => {
  const workspace = fs.mkdtempSync(path.join(os.tmpdir(), "sfn-dedup-determinism-"));
  afterAll(() => fs.rmSync(workspace, { recursive: true, force: true }));

  let first: Record<string, Buffer>;
  let again: Record<string, Buffer>;
  let onAnotherMachine: Record<string, Buffer>;

  beforeAll(() => {
    const here = copyProject(path.join(workspace, "a"), context);
    const elsewhere = copyProject(path.join(workspace, "some", "much", "deeper", "checkout", "b"), context);
    first = synthesize(here, path.join(workspace, "tmp-1"), "UTC");
    again = synthesize(here, path.join(workspace, "tmp-2"), "UTC");
    onAnotherMachine = synthesize(elsewhere, path.join(workspace, "tmp-3"), "Pacific/Chatham");
  });

  it("holds every stack's Terraform and its asset zips", () => {
    const files = Object.keys(first);
    for (const stack of ["dev", "prod", "state-acme-terraform-state"]) {
      expect(files).toContain(`stacks/${stack}/cdk.tf.json`);
    }
    expect(files.filter((file) => file.endsWith(".zip"))).toHaveLength(2);
  });

  it("is byte-identical run after run", () => {
    expect(again).toEqual(first);
  });

  it("is byte-identical from another directory, temp directory and time zone", () => {
    expect(onAnotherMachine).toEqual(first);
  });

  it("contains no absolute path of the machine", () => {
    for (const [file, bytes] of Object.entries(first)) {
      if (file.endsWith(".zip")) continue;
      const text = bytes.toString("utf8");
      for (const machinePath of [workspace, os.tmpdir(), os.homedir(), process.cwd()]) {
        expect({ file, leaks: text.includes(machinePath) }).toEqual({ file, leaks: false });
      }
    }
  });

  it("names each zip by its content, so source_code_hash changes only when the code does", () => {
    const tf = JSON.parse(first["stacks/dev/cdk.tf.json"].toString());
    const [fn] = Object.values<any>(tf.resource.aws_lambda_function);
    const zip = first[`stacks/dev/${fn.filename}`];
    expect(zip).toBeDefined();
    expect(fn.source_code_hash).toBe(createHash("sha256").update(zip).digest("base64"));
  });
});
