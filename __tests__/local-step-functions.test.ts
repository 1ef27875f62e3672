import * as fs from "node:fs";
import {
  DescribeExecutionCommand,
  ListExecutionsCommand,
  SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
} from "@aws-sdk/client-sfn";
import { type Sandbox, startSandbox } from "../local/sandbox";
import { synthesizeToDirectory } from "./support/local-trigger";

const DAY_MS = 86_400_000;

/** The sandbox's Step Functions endpoint through the AWS SDK, as any client would use it. */
describe("the local Step Functions endpoint", () => {
  const { outdir, stackDir } = synthesizeToDirectory();
  let sandbox: Sandbox;
  let sfn: SFNClient;
  let stateMachineArn: string;
  let clockOffsetMs = 0;

  beforeAll(async () => {
    sandbox = await startSandbox({ stackDir, port: null, sfnPort: 0, timeScale: 1, clock: () => new Date(Date.now() + clockOffsetMs) });
    sfn = new SFNClient({ endpoint: sandbox.sfnUrl, region: "us-east-1", credentials: { accessKeyId: "local", secretAccessKey: "local" }, maxAttempts: 1 });
    stateMachineArn = sandbox.stack.stateMachines()[0].arn;
  });

  afterAll(async () => {
    sfn?.destroy();
    await sandbox?.stop();
    fs.rmSync(outdir, { recursive: true, force: true });
  });

  const start = (name: string, input: unknown) => sfn.send(new StartExecutionCommand({ stateMachineArn, name, input: JSON.stringify(input) }));
  const refusal = (promise: Promise<unknown>) => promise.then(() => "started", (error: Error) => error.name);

  it("starts, describes and lists executions", async () => {
    const started = await start("list-me", { country: "Peru" });
    expect(started.executionArn).toBe(`${stateMachineArn.replace(":stateMachine:", ":execution:")}:list-me`);
    const described = await sfn.send(new DescribeExecutionCommand({ executionArn: started.executionArn }));
    expect(described).toMatchObject({ status: "RUNNING", name: "list-me", input: '{"country":"Peru"}', stateMachineArn, startDate: started.startDate });
    const listed = await sfn.send(new ListExecutionsCommand({ stateMachineArn, statusFilter: "RUNNING" }));
    expect(listed.executions?.map((execution) => execution.name)).toContain("list-me");
  });

  it("returns the original for the same name and input while it runs", async () => {
    const first = await start("same-input", { country: "Chile" });
    const second = await start("same-input", { country: "Chile" });
    expect(second).toMatchObject({ executionArn: first.executionArn, startDate: first.startDate });
  });

  it("refuses the same name with other input while it runs", async () => {
    await start("other-input", { country: "Chile" });
    await expect(refusal(start("other-input", { country: "Bolivia" }))).resolves.toBe("ExecutionAlreadyExists");
  });

  it("refuses the name of a closed execution, whatever the input, until the history is gone", async () => {
    const { executionArn } = await start("closed", { country: "Cuba" });
    const stopped = await sfn.send(new StopExecutionCommand({ executionArn, error: "Test", cause: "stopped by the test" }));
    expect(stopped.stopDate).toBeInstanceOf(Date);
    expect(await sfn.send(new DescribeExecutionCommand({ executionArn }))).toMatchObject({ status: "ABORTED", error: "Test", cause: "stopped by the test" });
    await expect(refusal(start("closed", { country: "Cuba" }))).resolves.toBe("ExecutionAlreadyExists");
    await expect(refusal(start("closed", { country: "Haiti" }))).resolves.toBe("ExecutionAlreadyExists");

    clockOffsetMs = 91 * DAY_MS;
    try {
      await expect(refusal(start("closed", { country: "Cuba" }))).resolves.toBe("started");
    } finally {
      clockOffsetMs = 0;
    }
  });

  it("pages through executions", async () => {
    for (const name of ["page-1", "page-2", "page-3"]) await start(name, { country: name });
    const first = await sfn.send(new ListExecutionsCommand({ stateMachineArn, maxResults: 2 }));
    expect(first.executions).toHaveLength(2);
    const second = await sfn.send(new ListExecutionsCommand({ stateMachineArn, maxResults: 2, nextToken: first.nextToken }));
    expect(second.executions!.length).toBeGreaterThan(0);
    expect(second.executions!.map((execution) => execution.name)).not.toContain(first.executions![0].name);
  });

  it("accepts every name AWS accepts, not only [0-9A-Za-z_-]: order.1, non-ASCII letters, 80 characters", async () => {
    for (const name of ["order.1", "a+b=c", "café-été", "(x)!@'", "x".repeat(80), "é".repeat(80)]) {
      await expect(refusal(start(name, { country: "Peru" }))).resolves.toBe("started");
    }
  });

  it.each([
    ["an empty name", ""],
    ["81 characters", "x".repeat(81)],
    ["whitespace", "not a name"],
    ["a tab", "tab\there"],
    ["a control character", "bell\u0007"],
    ["a C1 control character", "c1\u0085"],
    ...[..."<>{}[]?*\"#%\\^|~`$&,;:/"].map((character) => [`"${character}"`, `bad${character}name`]),
  ])("refuses a name with %s as AWS does: InvalidName", async (_case, name) => {
    await expect(refusal(start(name, {}))).resolves.toBe("InvalidName");
  });

  it.each([
    ["an invalid name", () => start("not a name", {}), "InvalidName"],
    ["input that is not JSON", () => sfn.send(new StartExecutionCommand({ stateMachineArn, name: "bad-input", input: "{" })), "InvalidExecutionInput"],
    ["an unknown state machine", () => sfn.send(new StartExecutionCommand({ stateMachineArn: `${stateMachineArn}-x`, name: "x" })), "StateMachineDoesNotExist"],
    ["an unknown execution", () => sfn.send(new DescribeExecutionCommand({ executionArn: `${stateMachineArn.replace(":stateMachine:", ":execution:")}:nope` })), "ExecutionDoesNotExist"],
  ])("answers %s with the error AWS gives", async (_case, call, errorName) => {
    await expect(refusal(call())).resolves.toBe(errorName);
  });
});
