import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { DescribeExecutionCommand, SFNClient, StartExecutionCommand } from "@aws-sdk/client-sfn";
import { MockConfig, MockConfigError } from "../local/mock-config";
import { type Sandbox, startSandbox } from "../local/sandbox";
import { startupBanner } from "../local/startup-banner";

const NAME = "sfn-dedup-default-enrich";
const STATE_MACHINE_ARN = `arn:aws:states:us-east-1:000000000000:stateMachine:${NAME}`;
const TOPIC_ARN = "arn:aws:sns:us-east-1:000000000000:sfn-dedup-default-notifications";

/**
 * A Lambda task (no local service) whose failures the workflow catches into a Succeed state, then a publish:
 * a missing mock must fail the execution all the same, and a mock must replace even a task the sandbox serves.
 */
const DEFINITION = {
  StartAt: "Enrich",
  States: {
    Enrich: {
      Type: "Task",
      Resource: "arn:aws:states:::lambda:invoke",
      Parameters: { FunctionName: "team-enrich", "Payload.$": "$" },
      ResultSelector: { "greeting.$": "$.Payload.greeting" },
      Retry: [{ ErrorEquals: ["Lambda.ServiceException"], IntervalSeconds: 1, MaxAttempts: 2, BackoffRate: 1 }],
      Catch: [{ ErrorEquals: ["States.ALL"], ResultPath: "$.failure", Next: "GaveUp" }],
      Next: "Publish",
    },
    Publish: {
      Type: "Task",
      Resource: "arn:aws:states:::sns:publish",
      Parameters: { TopicArn: TOPIC_ARN, "Message.$": "$.greeting" },
      End: true,
    },
    GaveUp: { Type: "Succeed" },
  },
};

/** A minimal synthesized stack (cdk.tf.json) with the topic and that one state machine. */
function writeStack(): string {
  const stackDir = fs.mkdtempSync(path.join(os.tmpdir(), "sfn-dedup-mocks-"));
  const tf = {
    provider: { aws: [{ region: "us-east-1" }] },
    resource: {
      aws_sns_topic: { notifications: { name: "sfn-dedup-default-notifications" } },
      aws_sfn_state_machine: { enrich: { name: NAME, definition: JSON.stringify(DEFINITION) } },
    },
  };
  fs.writeFileSync(path.join(stackDir, "cdk.tf.json"), JSON.stringify(tf));
  return stackDir;
}

const MOCKS = {
  StateMachines: {
    [NAME]: {
      TestCases: {
        HappyPath: { Enrich: "EnrichSucceeds" },
        RetryPath: { Enrich: "EnrichFailsOnce" },
        SilentPublish: { Enrich: "EnrichSucceeds", Publish: "PublishMocked" },
        Exhausted: { Enrich: "EnrichThrottledTwice" },
      },
    },
  },
  MockedResponses: {
    EnrichSucceeds: { "0": { Return: { StatusCode: 200, Payload: { greeting: "Hello from the mock" } } } },
    EnrichFailsOnce: {
      "0": { Throw: { Error: "Lambda.ServiceException", Cause: "mocked outage" } },
      "1": { Return: { StatusCode: 200, Payload: { greeting: "Hello after a retry" } } },
    },
    EnrichThrottledTwice: { "0-1": { Throw: { Error: "Lambda.ServiceException", Cause: "mocked outage" } } },
    PublishMocked: { "0": { Return: { MessageId: "mocked" } } },
  },
};

describe("the sandbox's Task states without a local service, and mocks in AWS Step Functions Local's format", () => {
  const stackDir = writeStack();
  afterAll(() => fs.rmSync(stackDir, { recursive: true, force: true }));

  const withSandbox = async (
    options: { mocks?: MockConfig; mockCase?: string },
    use: (sandbox: Sandbox, sfn: SFNClient) => Promise<void>,
  ) => {
    const sandbox = await startSandbox({ stackDir, port: null, sfnPort: 0, ...options });
    const sfn = new SFNClient({
      endpoint: sandbox.sfnUrl,
      region: "us-east-1",
      credentials: { accessKeyId: "l", secretAccessKey: "l" },
      maxAttempts: 1,
    });
    try {
      await use(sandbox, sfn);
    } finally {
      sfn.destroy();
      await sandbox.stop();
    }
  };
  /** Starts an execution through the endpoint, and describes it once it has closed. */
  const run = async (sandbox: Sandbox, sfn: SFNClient, stateMachineArn: string, name: string) => {
    const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn, name, input: "{}" }));
    await sandbox.service.settled(executionArn!);
    return sfn.send(new DescribeExecutionCommand({ executionArn }));
  };

  it(
    "without a mock: warns at startup, and fails an execution reaching the task, " + "past its Catch, naming the state and --mock-config",
    async () => {
      await withSandbox({}, async (sandbox, sfn) => {
        expect(sandbox.unservedTasks).toEqual([
          { stateMachineArn: STATE_MACHINE_ARN, stateName: "Enrich", resource: "arn:aws:states:::lambda:invoke" },
        ]);
        expect(startupBanner(sandbox, { stackName: "default", timeScale: 1, outbox: "o" })).toContain(
          `Warning: ${NAME}: Task state Enrich calls arn:aws:states:::lambda:invoke, which has no local service: executions reaching it ` +
            `fail until --mock-config <file> mocks it.`,
        );
        expect(await run(sandbox, sfn, STATE_MACHINE_ARN, "unmocked")).toMatchObject({
          status: "FAILED",
          error: "States.Runtime",
          cause: expect.stringMatching(
            /^Task state 'Enrich' calls arn:aws:states:::lambda:invoke, which the sandbox has no local service for: .*--mock-config <file>/,
          ),
        });
      });
    },
  );

  it(
    "with a mock file: its test case answers, " + "chosen by <state machine ARN>#<case> as in Step Functions Local, or with --mock-case",
    async () => {
      await withSandbox({ mocks: new MockConfig(MOCKS), mockCase: "HappyPath" }, async (sandbox, sfn) => {
        expect(sandbox.unservedTasks).toEqual([]);
        expect(sandbox.service.defaultTestCaseOf(STATE_MACHINE_ARN)).toBe("HappyPath");
        expect(startupBanner(sandbox, { stackName: "default", timeScale: 1, outbox: "o" })).toContain(
          `${STATE_MACHINE_ARN}   mocks: test case HappyPath\n`,
        );

        const happy = await run(sandbox, sfn, STATE_MACHINE_ARN, "happy");
        expect(happy).toMatchObject({
          status: "SUCCEEDED",
          executionArn: expect.stringMatching(/:execution:sfn-dedup-default-enrich:happy$/),
        });
        expect(sandbox.outbox.map((message) => message.message)).toEqual(["Hello from the mock"]);

        // Throw, retried by the workflow's Retry, then Return: invocation indices count the retries.
        expect(await run(sandbox, sfn, `${STATE_MACHINE_ARN}#RetryPath`, "retried")).toMatchObject({ status: "SUCCEEDED" });
        expect(sandbox.outbox.map((message) => message.message)).toEqual(["Hello from the mock", "Hello after a retry"]);

        // A mock replaces even a task the sandbox serves: nothing reaches the outbox.
        expect(await run(sandbox, sfn, `${STATE_MACHINE_ARN}#SilentPublish`, "silent")).toMatchObject({
          status: "SUCCEEDED",
          output: '{"MessageId":"mocked"}',
        });
        expect(sandbox.outbox).toHaveLength(2);

        // Invocations beyond the last answer fail the execution, saying which.
        expect(await run(sandbox, sfn, `${STATE_MACHINE_ARN}#Exhausted`, "exhausted")).toMatchObject({
          status: "FAILED",
          error: "States.Runtime",
          cause: expect.stringContaining(
            "Mocked response 'EnrichThrottledTwice' answers invocations 0-1 of state 'Enrich'; this is invocation 2",
          ),
        });

        await expect(
          sfn.send(new StartExecutionCommand({ stateMachineArn: `${STATE_MACHINE_ARN}#Nope`, name: "nope" })),
        ).rejects.toMatchObject({
          name: "InvalidArn",
          message: expect.stringContaining("No test case 'Nope'"),
        });
      });
    },
  );

  it("uses a state machine's only test case without --mock-case", async () => {
    const single = { ...MOCKS, StateMachines: { [NAME]: { TestCases: { HappyPath: MOCKS.StateMachines[NAME].TestCases.HappyPath } } } };
    await withSandbox({ mocks: new MockConfig(single) }, async (sandbox) => {
      expect(sandbox.service.defaultTestCaseOf(STATE_MACHINE_ARN)).toBe("HappyPath");
    });
  });

  it.each([
    [
      "several test cases and no --mock-case",
      MOCKS,
      undefined,
      `${NAME} has test cases HappyPath, RetryPath, SilentPublish, Exhausted: choose the one executions use with --mock-case <name>`,
    ],
    [
      "a --mock-case no state machine has",
      MOCKS,
      "Happy",
      "has test cases HappyPath, RetryPath, SilentPublish, Exhausted, none of them Happy",
    ],
    [
      "a state machine the stack does not have",
      { ...MOCKS, StateMachines: { ...MOCKS.StateMachines, Other: { TestCases: {} } } },
      "HappyPath",
      "Other is not a state machine of this stack (its state machines: sfn-dedup-default-enrich)",
    ],
    [
      "a state that is not a Task state",
      { ...MOCKS, StateMachines: { [NAME]: { TestCases: { T: { GaveUp: "PublishMocked" } } } } },
      undefined,
      "GaveUp is not a Task state of sfn-dedup-default-enrich (its Task states: Enrich, Publish)",
    ],
  ])("refuses to start with %s", async (_case, json, mockCase, message) => {
    await expect(startSandbox({ stackDir, port: null, sfnPort: 0, mocks: new MockConfig(json), mockCase })).rejects.toThrow(message);
  });

  it.each([
    [
      "an unknown response",
      { StateMachines: { M: { TestCases: { T: { S: "Missing" } } } }, MockedResponses: {} },
      '"Missing" is not a name in MockedResponses',
    ],
    [
      "a bad invocation key",
      { MockedResponses: { R: { first: { Return: 1 } } } },
      '"first" is not an invocation index ("0") or range ("1-2")',
    ],
    [
      "a gap in the invocations",
      { MockedResponses: { R: { "0": { Return: 1 }, "2": { Return: 2 } } } },
      '"2" leaves invocation 1 without an answer',
    ],
    [
      "both Return and Throw",
      { MockedResponses: { R: { "0": { Return: 1, Throw: { Error: "E" } } } } },
      "needs exactly one of Return or Throw; has Return, Throw",
    ],
    ["a Throw without Error", { MockedResponses: { R: { "0": { Throw: { Cause: "c" } } } } }, "needs Error"],
  ])("refuses a mock configuration with %s", (_case, json, message) => {
    expect(() => new MockConfig(json, "mocks.json")).toThrow(MockConfigError);
    expect(() => new MockConfig(json, "mocks.json")).toThrow(message);
  });
});
