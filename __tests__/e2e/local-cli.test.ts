import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { promisify } from "node:util";
import { acceptsConnections, isRunning, LocalCli, stopStartedClis } from "../support/local-cli";
import { copyProject } from "../support/project-copy";

/** POST /executions over real HTTP. */
async function post(apiUrl: string, body: unknown): Promise<{ status: number; body: any }> {
  const response = await fetch(`${apiUrl}/executions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
}

async function outboxLines(file: string, count: number): Promise<any[]> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const lines = fs.existsSync(file) ? fs.readFileSync(file, "utf8").split("\n").filter(Boolean) : [];
    if (lines.length >= count) return lines.map((line) => JSON.parse(line));
    await sleep(50);
  }
  throw new Error(`${file} did not get ${count} message(s)`);
}

describe("npm run local", () => {
  const workspace = fs.mkdtempSync(path.join(os.tmpdir(), "sfn-dedup-local-"));
  // Before the workspace goes: a test that failed or timed out leaves its sandbox running.
  afterEach(stopStartedClis);
  afterAll(() => fs.rmSync(workspace, { recursive: true, force: true }));

  it(
    "serves the synthesized trigger over HTTP: 202, the running duplicate, the message after the wait, 409, then stops cleanly on " +
      "Ctrl-C",
    async () => {
      const project = copyProject(path.join(workspace, "default"));
      const outbox = path.join(workspace, "default-outbox.jsonl");
      const cli = new LocalCli(project, ["--port", "0", "--sfn-port", "0", "--time-scale", "0.1", "--outbox", outbox]);
      const [, apiUrl] = await cli.waitFor(/HTTP API\s+(http:\/\/127\.0\.0\.1:\d+)/);
      const [, sfnUrl] = await cli.waitFor(/Step Functions\s+(http:\/\/127\.0\.0\.1:\d+)/);
      const pids = [...cli.output.matchAll(/\(process (\d+)\)/g)].map((match) => Number(match[1]));
      expect(cli.output).toContain("Synthesizing");
      expect(pids.length).toBeGreaterThan(0);

      const started = await post(apiUrl, { country: "France" });
      expect(started.status).toBe(202);
      await sleep(1_100); // past the margin within which a duplicate and a new start look alike
      const duplicate = await post(apiUrl, { country: "France" });
      // StartExecution's answer for a running duplicate does not say whether it was redriven: no redriveCount.
      expect(duplicate).toEqual({ status: 200, body: { ...started.body, duplicate: true, redriveCount: undefined } });

      const [message] = await outboxLines(outbox, 1);
      expect(message).toEqual({
        topic: "arn:aws:sns:us-east-1:000000000000:sfn-dedup-default-notifications",
        subject: null,
        message: "I love my France",
        time: expect.any(String),
      });
      await cli.waitFor(/\[sns\] arn:aws:sns:[^ ]+: I love my France/);
      await sleep(100);
      const again = await post(apiUrl, { country: "France" });
      expect(again.status).toBe(409);
      expect(again.body).toMatchObject({ executionArn: started.body.executionArn, executionStatus: "SUCCEEDED" });

      cli.interrupt();
      await cli.waitFor(/Stopped\./);
      expect(await cli.allGone()).toBe(true);
      for (const url of [apiUrl, sfnUrl]) expect(await acceptsConnections(Number(new URL(url).port))).toBe(false);
      for (const pid of pids) expect(isRunning(pid)).toBe(false);
      // Without --metrics, the lines as they are and nothing more.
      expect(cli.output).not.toContain("[metrics]");
    },
  );

  it("answers the status route over HTTP: the running execution, then how it ended, 404 and 400, as its hint says", async () => {
    const project = copyProject(path.join(workspace, "status"));
    // The 30 s wait takes 6 s: long enough to find the execution running on a busy machine, short enough to see it end.
    const cli = new LocalCli(project, ["--port", "0", "--sfn-port", "0", "--time-scale", "0.2"]);
    const [, apiUrl] = await cli.waitFor(
      /HTTP API\s+(http:\/\/127\.0\.0\.1:\d+)\s+POST \/executions, GET \/executions\/\{executionName\}\n/,
    );
    // The banner's hint for the status route names the execution its POST hint starts.
    const [, statusUrl] = await cli.waitFor(/\n\s+curl -i '(http:\/\/[^']+\/executions\/[0-9a-f]{32})'\n/);
    const get = async (url: string) => {
      const response = await fetch(url);
      return { status: response.status, cacheControl: response.headers.get("cache-control"), body: await response.json() };
    };

    const started = await post(apiUrl, { country: "France" });
    expect(statusUrl).toBe(`${apiUrl}/executions/${started.body.executionName}`);
    expect(await get(statusUrl)).toEqual({
      status: 200,
      cacheControl: "no-store",
      body: {
        executionArn: started.body.executionArn,
        executionName: started.body.executionName,
        status: "RUNNING",
        startDate: started.body.startDate,
        attempt: 1,
        redriveCount: 0,
        source: "step-functions",
      },
    });

    await cli.waitFor(/\[sns\] arn:aws:sns:[^ ]+: I love my France/);
    let ended = await get(statusUrl);
    for (let attempt = 0; ended.body.status === "RUNNING" && attempt < 100; attempt++) {
      await sleep(100);
      ended = await get(statusUrl);
    }
    expect(ended).toMatchObject({
      status: 200,
      cacheControl: "private, max-age=60",
      body: { status: "SUCCEEDED", stopDate: expect.any(String) },
    });

    expect(await get(`${apiUrl}/executions/${"0".repeat(32)}`)).toMatchObject({
      status: 404,
      body: { type: "urn:sfn-dedup:problem:execution-not-found" },
    });
    expect(await get(`${apiUrl}/executions/not.a.name`)).toMatchObject({
      status: 400,
      body: { type: "urn:sfn-dedup:problem:invalid-execution-name" },
    });

    cli.interrupt();
    await cli.waitFor(/Stopped\./);
    expect(await cli.allGone()).toBe(true);
  });

  it("prints each request's metrics with --metrics, and their totals when stopped", async () => {
    const project = copyProject(path.join(workspace, "metrics"));
    const cli = new LocalCli(project, ["--port", "0", "--sfn-port", "0", "--metrics"]);
    const [, apiUrl] = await cli.waitFor(/HTTP API\s+(http:\/\/127\.0\.0\.1:\d+)/);

    expect((await post(apiUrl, { country: "France" })).status).toBe(202);

    // The function's own line first, as without the flag, then its metrics.
    await cli.waitFor(/\[sfn-dedup-default-start-execution\] \{.*"outcome":"started".*\}\n/);
    await cli.waitFor(/\[metrics\] sfn-dedup Requests=1 Latency=\d+ms \{Environment=default, Workflow=notify-country, Outcome=started\}\n/);
    cli.interrupt();
    await cli.waitFor(
      /\[metrics\] totals:\n\[metrics\] {3}sfn-dedup Requests \{Environment=default, Workflow=notify-country, Outcome=started\}: 1\n/,
    );
    await cli.waitFor(/Stopped\./);
    expect(await cli.allGone()).toBe(true);
  });

  describe("stops everything when only npm is signalled, as a service manager, a parent script or the OOM killer would", () => {
    // One project for all four: the first run synthesizes, the others reuse it.
    let project: string;
    beforeAll(() => {
      project = copyProject(path.join(workspace, "npm-signalled"));
    });

    // npm passes SIGINT and SIGTERM on to the script it runs; it dies of SIGHUP and SIGKILL, leaving the
    // sandbox to notice that its parent has gone.
    it.each([
      ["SIGINT", /SIGINT: stopping…/],
      ["SIGTERM", /SIGTERM: stopping…/],
      ["SIGHUP", /parent process gone: stopping…/],
      ["SIGKILL", /parent process gone: stopping…/],
    ] as const)("%s", async (signal, stopping) => {
      const cli = new LocalCli(project, ["--port", "0", "--sfn-port", "0"]);
      const [, apiUrl] = await cli.waitFor(/HTTP API\s+(http:\/\/127\.0\.0\.1:\d+)/);
      const [, sfnUrl] = await cli.waitFor(/Step Functions\s+(http:\/\/127\.0\.0\.1:\d+)/);
      await cli.waitFor(/Press Ctrl-C/);
      const pids = [...cli.output.matchAll(/\(process (\d+)\)/g)].map((match) => Number(match[1]));
      expect(pids.length).toBeGreaterThan(0);

      process.kill(cli.npmPid, signal);

      await cli.waitFor(stopping);
      await cli.waitFor(/Stopped\./);
      expect(await cli.allGone(60_000)).toBe(true);
      for (const url of [apiUrl, sfnUrl]) expect(await acceptsConnections(Number(new URL(url).port))).toBe(false);
      for (const pid of pids) expect(isRunning(pid)).toBe(false);
      expect(fs.readdirSync(path.join(project, ".tmp")).filter((entry) => entry.startsWith("sfn-dedup-task-"))).toEqual([]);
    });
  });

  it("hints at a request the environment's key accepts, and refuses a body that is not UTF-8 without starting anything", async () => {
    const project = copyProject(path.join(workspace, "field-key"), {
      environments: { orders: { account: "123456789012", region: "eu-west-1", executionName: { from: "field", field: "orderId" } } },
    });
    const cli = new LocalCli(project, ["--port", "0", "--sfn-port", "0"]);
    const [, apiUrl] = await cli.waitFor(/HTTP API\s+(http:\/\/127\.0\.0\.1:\d+)/);
    const [, sfnUrl] = await cli.waitFor(/Step Functions\s+(http:\/\/127\.0\.0\.1:\d+)/);
    const [, stateMachineArn] = await cli.waitFor(/State machine\s+(arn:\S+)/);
    const [, hint] = await cli.waitFor(/Try: (curl .*)\n/);

    // The hint exactly as a user would paste it into a shell.
    const { stdout } = await promisify(execFile)("sh", ["-c", hint]);
    expect(stdout).toMatch(/^HTTP\/1\.1 202 /);

    // Latin-1 bytes, once as undeclared text and once declared: API Gateway delivers neither as a string.
    for (const contentType of ["text/plain", "application/json; charset=iso-8859-1"]) {
      const body = Buffer.from('{"country":"Grèce","orderId":"2002"}', "latin1");
      const response = await fetch(`${apiUrl}/executions`, { method: "POST", headers: { "content-type": contentType }, body });
      expect({ contentType, status: response.status }).toEqual({ contentType, status: 400 });
      const problem = await response.json();
      expect(problem).toMatchObject({ type: "urn:sfn-dedup:problem:invalid-body", detail: expect.stringMatching(/not UTF-8/) });
    }
    const utf8 = Buffer.from('{"country":"Grèce","orderId":"3003"}', "utf8");
    const accepted = await fetch(`${apiUrl}/executions`, { method: "POST", headers: { "content-type": "text/plain" }, body: utf8 });
    expect(accepted.status).toBe(202);

    const listed = await fetch(sfnUrl, {
      method: "POST",
      headers: { "content-type": "application/x-amz-json-1.0", "x-amz-target": "AWSStepFunctions.ListExecutions" },
      body: JSON.stringify({ stateMachineArn }),
    });
    expect((await listed.json()).executions).toHaveLength(2);
  });

  it("writes a relative --outbox where npm was run, not in the project root npm runs the script from", async () => {
    const project = copyProject(path.join(workspace, "relative-outbox"));
    const subdirectory = fs.mkdirSync(path.join(project, "elsewhere"), { recursive: true })!;
    const cli = new LocalCli(subdirectory, ["--port", "0", "--sfn-port", "0", "--time-scale", "0.01", "--outbox", "messages.jsonl"]);
    const [, apiUrl] = await cli.waitFor(/HTTP API\s+(http:\/\/127\.0\.0\.1:\d+)/);
    expect(cli.output).toMatch(/Outbox\s+messages\.jsonl\n/);

    expect((await post(apiUrl, { country: "Chile" })).status).toBe(202);
    const [message] = await outboxLines(path.join(subdirectory, "messages.jsonl"), 1);
    expect(message).toMatchObject({ message: "I love my Chile" });
    expect(fs.existsSync(path.join(project, "messages.jsonl"))).toBe(false);
  });

  it("reuses a synth that is up to date with the sources, and synthesizes again once something rewrote it", async () => {
    const project = copyProject(path.join(workspace, "reuse"));
    const run = async () => {
      const cli = new LocalCli(project, ["--port", "0", "--sfn-port", "0"]);
      await cli.waitFor(/Press Ctrl-C/);
      cli.interrupt();
      await cli.waitFor(/Stopped\./);
      expect(await cli.allGone()).toBe(true);
      return cli.output;
    };
    expect(await run()).toContain("Synthesizing");
    const reused = await run();
    expect(reused).toContain("cdktf.out is up to date with the sources.");
    expect(reused).not.toContain("Synthesizing");
    // Another synth (another context, say) rewrote the output: it no longer matches the sources.
    fs.appendFileSync(path.join(project, "cdktf.out", "stacks", "default", "cdk.tf.json"), "\n");
    expect(await run()).toContain("Synthesizing");
  });
});
