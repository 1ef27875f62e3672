import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { projectConfigFrom } from "../../lib/config/project-config";
import { DedupTriggerStack } from "../../lib/dedup-trigger-stack";
import { blockSchemaOf } from "../../lib/hcl/block-schema";
import { renderHcl, template } from "../../lib/hcl/render-hcl";
import { StateBucketStack } from "../../lib/state-bucket-stack";
import { parseHcl, Testing } from "../../lib/toolkit/cdktf";
import { TOOLKIT_CLI } from "../../lib/toolkit/names";
import { directorySnapshot } from "../support/directory-snapshot";
import { copyProject } from "../support/project-copy";

const context = {
  environments: {
    dev: {
      account: "222222222222",
      region: "eu-west-1",
      notificationEmails: ["dev@example.com"],
      executionName: { from: "field", field: "orderId" },
      ledger: { retentionDays: 30 },
    },
    prod: {
      account: "111111111111",
      region: "eu-central-1",
      deployRoleArn: "arn:aws:iam::111111111111:role/deploy",
      state: { bucket: "acme-terraform-state", roleArn: "arn:aws:iam::999999999999:role/terraform-state" },
      tags: { "cost-center": "C 42", "owner/team": "payments@example.com" },
    },
  },
};

/** Terraform JSON and parsed native syntax spell one block as an object or a one-element list; make them alike. */
function normalize(value: unknown, key = ""): unknown {
  if (Array.isArray(value)) {
    if (key === "depends_on") return value.map((reference: string) => reference.replace(/^\$\{(.*)\}$/, "$1"));
    const items = value.map((item) => normalize(item));
    return items.length === 1 && typeof items[0] === "object" && items[0] !== null && !Array.isArray(items[0]) ? items[0] : items;
  }
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([name]) => name !== "//")
        .map(([name, item]) => [name, normalize(item, name)]),
    );
  }
  return value;
}

function synthesizedStacks() {
  const project = projectConfigFrom(context);
  const app = Testing.app();
  return [
    ...project.environments.map((environment) => new DedupTriggerStack(app, environment)),
    ...project.stateBuckets.map((bucket) => new StateBucketStack(app, bucket)),
    new DedupTriggerStack(Testing.app(), projectConfigFrom({}).environments[0]),
  ].map((stack) => ({
    name: stack.node.id,
    json: JSON.parse(Testing.synth(stack)),
    hcl: renderHcl(JSON.parse(Testing.synth(stack)), blockSchemaOf(stack)),
  }));
}

describe("native-syntax (HCL) output", () => {
  const stacks = synthesizedStacks();

  it.each(stacks.map((stack) => [stack.name, stack] as const))("says exactly what the JSON says (%s)", async (_name, stack) => {
    const parsed = await parseHcl(`${stack.name}.tf`, stack.hcl);
    expect(normalize(parsed)).toEqual(normalize(stack.json));
  });

  it("writes blocks as blocks and map or object attributes as attributes, as the provider schema says", () => {
    const prod = stacks.find((stack) => stack.name === "prod")!.hcl;
    expect(prod).toMatch(/\n {2}default_tags \{\n {4}tags = \{\n/);
    expect(prod).toMatch(/\n {2}assume_role \{\n {4}role_arn = "arn:aws:iam::111111111111:role\/deploy"/);
    expect(prod).toMatch(/\n {2}environment \{\n {4}variables = \{\n/);
    expect(prod).toMatch(/\n {2}logging_config \{\n/);
    expect(prod).toMatch(/\n {2}backend "s3" \{\n(?: {4}.*\n)*? {4}assume_role = \{\n/);
    expect(prod).toContain('"cost-center" = "C 42"');
    const dev = stacks.find((stack) => stack.name === "dev")!.hcl;
    expect(dev).toMatch(/\n {2}attribute \{\n {4}name = "executionName"\n {4}type = "S"\n {2}\}/);
    expect(dev).toMatch(/\n {2}ttl \{\n {4}attribute_name = "expiresAt"\n/);
    expect(dev).toMatch(/\n {2}retry_policy \{\n/);
    const bucket = stacks.find((stack) => stack.name === "state-acme-terraform-state")!.hcl;
    expect(bucket).toMatch(/\n {2}lifecycle \{\n {4}prevent_destroy = true\n {2}\}/);
    expect(bucket).toMatch(/depends_on = \[aws_s3_bucket_versioning\.[\w-]+\]/);
    expect(bucket).toMatch(/\n {2}rule \{\n(?: {4}.*\n)*? {4}noncurrent_version_expiration \{\n {6}noncurrent_days = 90\n/);
  });

  it("keeps IAM policies and the workflow definition as the same JSON documents, references interpolated", () => {
    const prod = stacks.find((stack) => stack.name === "prod")!;
    expect(prod.hcl).toContain('\\"Action\\":[\\"sns:Publish\\"],\\"Resource\\":[\\"${aws_sns_topic.');
    expect(prod.hcl).toContain(
      '\\"Comment\\":\\"Waits 30 seconds, then publishes \\\\\\"I love my <country>\\\\\\" to the notification topic.',
    );
  });

  describe("template", () => {
    it.each([
      ["plain text", 'say "hi"\\now', '"say \\"hi\\"\\\\now"'],
      ["one interpolation, written bare", "${aws_sns_topic.t.arn}", "aws_sns_topic.t.arn"],
      [
        "text around interpolations, expressions untouched",
        '{"a":"${x.y}","b":"${replace(z, "\\"", "")}"}',
        '"{\\"a\\":\\"${x.y}\\",\\"b\\":\\"${replace(z, "\\"", "")}\\"}"',
      ],
      ["escaped template sequences, kept literal", "$${not} %%{this}", '"$${not} %%{this}"'],
      ["control characters", "a\tb\nc\u0001", '"a\\tb\\nc\\u0001"'],
    ])("writes %s", (_case, json, hcl) => {
      expect(template(json)).toBe(hcl);
    });

    it("refuses an unterminated sequence rather than guess", () => {
      expect(() => template("${oops")).toThrow(/Unterminated template sequence/);
    });
  });

  describe("from the commands", () => {
    const workspace = fs.mkdtempSync(path.join(os.tmpdir(), "sfn-dedup-hcl-"));
    afterAll(() => fs.rmSync(workspace, { recursive: true, force: true }));

    it("cdktf synth --hcl and npm run synth:hcl write cdk.tf per stack, the same files, and no JSON", () => {
      const project = copyProject(path.join(workspace, "project"), context);
      const env: NodeJS.ProcessEnv = { ...process.env, CI: "true", CHECKPOINT_DISABLE: "1" };
      for (const name of Object.keys(env)) if (name.startsWith("CDKTF_") || name === "SYNTH_HCL_OUTPUT") delete env[name];
      const cli = path.join(project, "node_modules", ".bin", TOOLKIT_CLI);
      execFileSync(cli, ["synth", "--hcl", "--output", "cli.out"], { cwd: project, env, stdio: "pipe" });
      execFileSync("npm", ["run", "--silent", "synth:hcl"], { cwd: project, env, stdio: "pipe" });

      const fromNpm = directorySnapshot(path.join(project, "cdktf.out"));
      const stackFiles = Object.keys(fromNpm).filter((file) => /^stacks\/[^/]+\/cdk\.tf(\.json)?$/.test(file));
      expect(stackFiles.sort()).toEqual(["stacks/dev/cdk.tf", "stacks/prod/cdk.tf", "stacks/state-acme-terraform-state/cdk.tf"]);
      expect(JSON.parse(fromNpm["manifest.json"].toString()).stacks.prod.synthesizedStackPath).toBe("stacks/prod/cdk.tf");
      expect(directorySnapshot(path.join(project, "cli.out"))).toEqual(fromNpm);
    });

    it("npm run synth after npm run synth:hcl leaves cdk.tf.json alone, no stale cdk.tf that Terraform would load too", () => {
      const project = copyProject(path.join(workspace, "switch"), context);
      const env: NodeJS.ProcessEnv = { ...process.env, CI: "true", CHECKPOINT_DISABLE: "1" };
      for (const name of Object.keys(env)) if (name.startsWith("CDKTF_") || name === "SYNTH_HCL_OUTPUT") delete env[name];
      execFileSync("npm", ["run", "--silent", "synth:hcl"], { cwd: project, env, stdio: "pipe" });
      execFileSync("npm", ["run", "--silent", "synth"], { cwd: project, env, stdio: "pipe" });

      const stackFiles = Object.keys(directorySnapshot(path.join(project, "cdktf.out"))).filter((file) =>
        /^stacks\/[^/]+\/cdk\.tf(\.json)?$/.test(file),
      );
      expect(stackFiles.sort()).toEqual([
        "stacks/dev/cdk.tf.json",
        "stacks/prod/cdk.tf.json",
        "stacks/state-acme-terraform-state/cdk.tf.json",
      ]);
    });
  });
});
