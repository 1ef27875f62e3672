import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { LocalCli, stopStartedClis } from "../support/local-cli";
import { copyProject } from "../support/project-copy";

describe("npm run local", () => {
  const workspace = fs.mkdtempSync(path.join(os.tmpdir(), "sfn-dedup-local-errors-"));
  // Before the workspace goes: a test that failed or timed out leaves its sandbox running.
  afterEach(stopStartedClis);
  afterAll(() => fs.rmSync(workspace, { recursive: true, force: true }));

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
        blocker.close();
      }
    });

    it.each([
      [["--tim-scale", "0.1"], "Unknown option: --tim-scale"],
      [["--port"], "--port needs a value."],
      [["--port", "http"], '--port must be a port number from 0 to 65535; got "http".'],
      [["--time-scale", "-1"], '--time-scale must be a number >= 0, e.g. 0.01; got "-1".'],
      [["--env", "prod"], 'No environment "prod"; environments: default.'],
      [
        ["--table", "team-orders"],
        '--table takes <name>=<partition key>[:S|N|B][,<sort key>[:S|N|B]], e.g. team-orders=orderId; got "team-orders".',
      ],
      [["--table", "t1=id:X"], "--table takes"],
      [["--mock-config"], "--mock-config needs a value."],
    ])("on bad options %j", async (args, message) => {
      const project = copyProject(path.join(workspace, `flags-${args.join("-")}`));
      // Free ports first, so that an option the CLI wrongly accepted can never take the default ports.
      const cli = new LocalCli(project, ["--port", "0", "--sfn-port", "0", ...args]);
      expect(await cli.exited).toBe(2);
      expect(cli.output).toContain(message);
      expect(cli.output).toContain("usage: npm run local -- [options]");
    });

    it("when the mock configuration does not fit the stack", async () => {
      const project = copyProject(path.join(workspace, "mocks"));
      fs.writeFileSync(
        path.join(project, "mocks.json"),
        JSON.stringify({ StateMachines: { "sfn-dedup-prod-notify-country": { TestCases: {} } } }),
      );
      const cli = new LocalCli(project, ["--port", "0", "--sfn-port", "0", "--mock-config", "mocks.json"]);
      expect(await cli.exited).toBe(1);
      expect(cli.output).toContain(
        `${path.join(project, "mocks.json")}: sfn-dedup-prod-notify-country is not a state machine of this stack (its state machines: ` +
          `sfn-dedup-default-notify-country).`,
      );
      expect(cli.output).not.toMatch(/\bat .+:\d+:\d+/);
    });

    it("when synth fails", async () => {
      const project = copyProject(path.join(workspace, "broken"), { environments: { prod: { account: "1", region: "eu-west-1" } } });
      const cli = new LocalCli(project, ["--port", "0", "--sfn-port", "0"]);
      expect(await cli.exited).toBe(1);
      expect(cli.output).toContain("Synth failed, so there is nothing to run:");
      expect(cli.output).toContain(
        'cdktf.json context.environments.prod.account: must be a 12-digit AWS account id, as a string ("123456789012"); got "1".',
      );
    });
  });
});
