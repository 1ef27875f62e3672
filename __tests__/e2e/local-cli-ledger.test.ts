import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { acceptsConnections, LocalCli, stopStartedClis } from "../support/local-cli";
import { copyProject } from "../support/project-copy";

async function post(apiUrl: string, body: unknown): Promise<{ status: number; body: any }> {
  const response = await fetch(`${apiUrl}/executions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
}

describe("npm run local with the ledger", () => {
  const workspace = fs.mkdtempSync(path.join(os.tmpdir(), "sfn-dedup-local-ledger-"));
  // Before the workspace goes: a test that failed or timed out leaves its sandbox running.
  afterEach(stopStartedClis);
  afterAll(() => fs.rmSync(workspace, { recursive: true, force: true }));

  it("runs DynamoDB locally and answers from the ledger: 202, the running duplicate, the message, 409", async () => {
    const project = copyProject(path.join(workspace, "project"), {
      environments: { sandbox: { account: "123456789012", region: "eu-west-1", ledger: true } },
    });
    const outbox = path.join(workspace, "outbox.jsonl");
    const cli = new LocalCli(project, ["--port", "0", "--sfn-port", "0", "--time-scale", "0.1", "--outbox", outbox]);
    const [, apiUrl] = await cli.waitFor(/HTTP API\s+(http:\/\/127\.0\.0\.1:\d+)/);
    const [, dynamodbUrl] = await cli.waitFor(/DynamoDB\s+(http:\/\/127\.0\.0\.1:\d+)\s+tables sfn-dedup-sandbox-ledger/);

    const started = await post(apiUrl, { country: "Japan" });
    expect(started.status).toBe(202);
    // The ledger knows a duplicate at once: no clock-skew margin to wait for.
    const duplicate = await post(apiUrl, { country: "Japan" });
    expect(duplicate).toMatchObject({
      status: 200,
      body: { executionArn: started.body.executionArn, duplicate: true, firstSeenAt: expect.any(String) },
    });

    for (let attempt = 0; attempt < 200 && !fs.existsSync(outbox); attempt++) await sleep(50);
    await cli.waitFor(/\[sns\] arn:aws:sns:eu-west-1:000000000000:sfn-dedup-sandbox-notifications: I love my Japan/);
    expect(JSON.parse(fs.readFileSync(outbox, "utf8").trim())).toMatchObject({ message: "I love my Japan" });
    // The status event reaches the ledger through the local event bus and the ledger-status function.
    await cli.waitFor(/\[sfn-dedup-sandbox-ledger-status\] .*"executionStatus":"SUCCEEDED"/);

    const again = await post(apiUrl, { country: "Japan" });
    expect(again).toMatchObject({
      status: 409,
      body: { executionArn: started.body.executionArn, executionStatus: "SUCCEEDED", firstSeenAt: duplicate.body.firstSeenAt },
    });

    cli.interrupt();
    await cli.waitFor(/Stopped\./);
    expect(await cli.allGone()).toBe(true);
    expect(await acceptsConnections(Number(new URL(dynamodbUrl).port))).toBe(false);
  });
});
