import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { directorySnapshot } from "../support/directory-snapshot";
import { copyProject } from "../support/project-copy";

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
    // Each stack's start-execution and execution-status zips.
    expect(files.filter((file) => file.endsWith(".zip"))).toHaveLength(4);
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

/** Each Lambda function of a stack, by function name: the zip it deploys and the hash Terraform compares. */
function lambdaCode(snapshot: Record<string, Buffer>, stack: string): Record<string, { zip: Buffer; sourceCodeHash: string }> {
  const tf = JSON.parse(snapshot[`stacks/${stack}/cdk.tf.json`].toString());
  return Object.fromEntries(
    Object.values<any>(tf.resource.aws_lambda_function).map((fn) => [
      fn.function_name,
      { zip: snapshot[`stacks/${stack}/${fn.filename}`], sourceCodeHash: fn.source_code_hash },
    ]),
  );
}

/** The one state machine's definition, as Terraform will send it. */
function stateMachineDefinition(snapshot: Record<string, Buffer>, stack: string): string {
  const tf = JSON.parse(snapshot[`stacks/${stack}/cdk.tf.json`].toString());
  const [stateMachine, ...others] = Object.values<any>(tf.resource.aws_sfn_state_machine);
  expect(others).toEqual([]);
  return stateMachine.definition;
}

/** Edits a file of the copy by replacing text found exactly once, so an edit that no longer applies fails loudly. */
function replaceOnce(file: string, from: string, to: string): void {
  const text = fs.readFileSync(file, "utf8");
  expect(text.split(from)).toHaveLength(2);
  fs.writeFileSync(file, text.replace(from, to));
}

describe("synth output after an edit", () => {
  const workspace = fs.mkdtempSync(path.join(os.tmpdir(), "sfn-dedup-edits-"));
  afterAll(() => fs.rmSync(workspace, { recursive: true, force: true }));

  const startExecution = "sfn-dedup-dev-start-execution";
  const executionStatus = "sfn-dedup-dev-execution-status";
  const ledgerStatus = "sfn-dedup-dev-ledger-status";
  const ledgerReconciler = "sfn-dedup-dev-ledger-reconciler";
  let before: Record<string, Buffer>;
  let afterHandlerEdit: Record<string, Buffer>;
  let afterWorkflowEdit: Record<string, Buffer>;

  beforeAll(() => {
    const project = copyProject(path.join(workspace, "project"), {
      environments: { dev: { account: "222222222222", region: "eu-west-1", ledger: true } },
    });
    before = synthesize(project, path.join(workspace, "tmp-1"), "UTC");
    // A response detail the handler sends: a string minification keeps, in start-execution's own code only.
    replaceOnce(
      path.join(project, "functions", "start-execution", "http-response.ts"),
      "; nothing was started.`",
      "; nothing was started, edited.`",
    );
    afterHandlerEdit = synthesize(project, path.join(workspace, "tmp-2"), "UTC");
    replaceOnce(path.join(project, "asl", "notify-country.asl.json"), "'I love my {}'", "'I really love my {}'");
    afterWorkflowEdit = synthesize(project, path.join(workspace, "tmp-3"), "UTC");
  });

  it("has every function with the ledger on, each with its zip", () => {
    for (const snapshot of [before, afterHandlerEdit, afterWorkflowEdit]) {
      const code = lambdaCode(snapshot, "dev");
      expect(Object.keys(code).sort()).toEqual([executionStatus, ledgerReconciler, ledgerStatus, startExecution]);
      for (const { zip, sourceCodeHash } of Object.values(code)) {
        expect(sourceCodeHash).toBe(createHash("sha256").update(zip).digest("base64"));
      }
    }
  });

  it("changes the edited function's zip and source_code_hash, and only that function's", () => {
    const [was, now] = [lambdaCode(before, "dev"), lambdaCode(afterHandlerEdit, "dev")];
    expect(now[startExecution].sourceCodeHash).not.toBe(was[startExecution].sourceCodeHash);
    expect(now[startExecution].zip.equals(was[startExecution].zip)).toBe(false);
    for (const name of [ledgerStatus, ledgerReconciler, executionStatus]) {
      expect({ name, sourceCodeHash: now[name].sourceCodeHash }).toEqual({ name, sourceCodeHash: was[name].sourceCodeHash });
      expect({ name, sameZip: now[name].zip.equals(was[name].zip) }).toEqual({ name, sameZip: true });
    }
  });

  it("leaves the state machine definition alone when only a function changes", () => {
    expect(stateMachineDefinition(afterHandlerEdit, "dev")).toBe(stateMachineDefinition(before, "dev"));
  });

  it("changes the state machine definition, and no function's code, when only the workflow changes", () => {
    expect(stateMachineDefinition(afterWorkflowEdit, "dev")).not.toBe(stateMachineDefinition(afterHandlerEdit, "dev"));
    expect(stateMachineDefinition(afterWorkflowEdit, "dev")).toContain("I really love my {}");
    const [was, now] = [lambdaCode(afterHandlerEdit, "dev"), lambdaCode(afterWorkflowEdit, "dev")];
    for (const name of [startExecution, executionStatus, ledgerStatus, ledgerReconciler]) {
      expect({ name, sourceCodeHash: now[name].sourceCodeHash }).toEqual({ name, sourceCodeHash: was[name].sourceCodeHash });
      expect({ name, sameZip: now[name].zip.equals(was[name].zip) }).toEqual({ name, sameZip: true });
    }
  });
});
