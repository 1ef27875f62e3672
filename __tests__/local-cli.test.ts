import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { acceptsConnections, isRunning, LocalCli } from "./support/local-cli";
import { copyProject } from "./support/project-copy";

/** POST /executions over real HTTP. */
async function post(apiUrl: string, body: unknown): Promise<{ status: number; body: any }> {
  const response = await fetch(`${apiUrl}/executions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
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
  afterAll(() => fs.rmSync(workspace, { recursive: true, force: true }));

  it("serves the synthesized trigger over HTTP: 202, the running duplicate, the message after the wait, 409, then stops cleanly on Ctrl-C", async () => {
    const project = copyProject(path.join(workspace, "default"));
    const outbox = path.join(workspace, "default-outbox.jsonl");
    const cli = new LocalCli(project, ["--port", "0", "--sfn-port", "0", "--time-scale", "0.1", "--outbox", outbox]);
    try {
      const [, apiUrl] = await cli.waitFor(/HTTP API\s+(http:\/\/127\.0\.0\.1:\d+)/);
      const [, sfnUrl] = await cli.waitFor(/Step Functions\s+(http:\/\/127\.0\.0\.1:\d+)/);
      const pids = [...cli.output.matchAll(/\(process (\d+)\)/g)].map((match) => Number(match[1]));
      expect(cli.output).toContain("Synthesizing");
      expect(pids.length).toBeGreaterThan(0);

      const started = await post(apiUrl, { country: "France" });
      expect(started.status).toBe(202);
      await sleep(1_100); // past the margin within which a duplicate and a new start look alike
      const duplicate = await post(apiUrl, { country: "France" });
      expect(duplicate).toEqual({ status: 200, body: { ...started.body, duplicate: true } });

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
    } finally {
      cli.kill();
    }
  });

  it("reuses a synth that is up to date with the sources, and synthesizes again once something rewrote it", async () => {
    const project = copyProject(path.join(workspace, "reuse"));
    const run = async () => {
      const cli = new LocalCli(project, ["--port", "0", "--sfn-port", "0"]);
      try {
        await cli.waitFor(/Press Ctrl-C/);
        cli.interrupt();
        await cli.waitFor(/Stopped\./);
        expect(await cli.allGone()).toBe(true);
        return cli.output;
      } finally {
        cli.kill();
      }
    };
    expect(await run()).toContain("Synthesizing");
    const reused = await run();
    expect(reused).toContain("cdktf.out is up to date with the sources.");
    expect(reused).not.toContain("Synthesizing");
    // Another synth (another context, say) rewrote the output: it no longer matches the sources.
    fs.appendFileSync(path.join(project, "cdktf.out", "stacks", "default", "cdk.tf.json"), "\n");
    expect(await run()).toContain("Synthesizing");
  });

  describe("refuses to start, saying why,", () => {
    it("when a port is in use", async () => {
      const blocker = net.createServer();
      await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", () => resolve()));
      const port = (blocker.address() as net.AddressInfo).port;
      const project = copyProject(path.join(workspace, "busy"));
      const cli = new LocalCli(project, ["--port", String(port), "--sfn-port", "0"]);
      try {
        expect(await cli.exited).toBe(1);
        expect(cli.output).toContain(`Port ${port} is already in use on 127.0.0.1: stop what holds it, or choose another with --port.`);
        expect(cli.output).not.toMatch(/\bat .+:\d+:\d+/);
      } finally {
        cli.kill();
        blocker.close();
      }
    });

    it.each([
      [["--tim-scale", "0.1"], "Unknown option: --tim-scale"],
      [["--port"], "--port needs a value."],
      [["--port", "http"], '--port must be a port number from 0 to 65535; got "http".'],
      [["--time-scale", "-1"], '--time-scale must be a number >= 0, e.g. 0.01; got "-1".'],
      [["--env", "prod"], 'No environment "prod"; environments: default.'],
    ])("on bad options %j", async (args, message) => {
      const project = copyProject(path.join(workspace, `flags-${args.join("-")}`));
      const cli = new LocalCli(project, args);
      try {
        expect(await cli.exited).toBe(2);
        expect(cli.output).toContain(message);
        expect(cli.output).toContain("usage: npm run local -- [options]");
      } finally {
        cli.kill();
      }
    });

    it("when synth fails", async () => {
      const project = copyProject(path.join(workspace, "broken"), { environments: { prod: { account: "1", region: "eu-west-1" } } });
      const cli = new LocalCli(project, ["--port", "0", "--sfn-port", "0"]);
      try {
        expect(await cli.exited).toBe(1);
        expect(cli.output).toContain("Synth failed, so there is nothing to run:");
        expect(cli.output).toContain('cdktf.json context.environments.prod.account: must be a 12-digit AWS account id, as a string ("123456789012"); got "1".');
      } finally {
        cli.kill();
      }
    });
  });
});
