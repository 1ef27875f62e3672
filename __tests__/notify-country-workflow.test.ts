import * as path from "node:path";
import validator from "asl-validator";
import { StateMachine } from "aws-local-stepfunctions";
import { parseTriggerRequest } from "../functions/start-execution/trigger-request";
import { PROJECT_ROOT } from "../lib/project-root";
import { renderDefinition } from "../lib/state-machine-definition";
import { SynthesizedStack } from "../local/synthesized-stack";
import { postExecutions } from "./support/events";
import { notifyCountryRequestValidator } from "./support/request-validator";
import { onlyResource, synthTrigger } from "./support/synth";

describe("asl/notify-country.asl.json", () => {
  const { tf } = synthTrigger();
  const synthesizedDefinition: string = onlyResource(tf, "aws_sfn_state_machine").definition;
  const local = new SynthesizedStack(tf, "cdktf.out/stacks/default");
  const [{ definition: localDefinition, name }] = local.stateMachines();
  const topicArn = `arn:aws:sns:us-east-1:000000000000:sfn-dedup-default-notifications`;

  it("is valid ASL as written, as synthesized and as run locally", () => {
    // As written, with its placeholders filled as the commercial partition would fill them.
    const source = JSON.parse(
      renderDefinition(path.join(PROJECT_ROOT, "asl", "notify-country.asl.json"), { Partition: "aws", TopicArn: topicArn }),
    );
    for (const [definition, options] of [
      [source, { checkArn: true, checkPaths: true }],
      // The synthesized text holds Terraform references where ARNs will be.
      [JSON.parse(synthesizedDefinition), { checkArn: false, checkPaths: true }],
      [JSON.parse(localDefinition), { checkArn: true, checkPaths: true }],
    ] as const) {
      expect(validator(definition, options)).toMatchObject({ isValid: true, errors: [] });
    }
    expect(name).toBe("sfn-dedup-default-notify-country");
  });

  it("waits 30 seconds, then publishes 'I love my <country>' to the topic, given what the handler sends", async () => {
    const { input } = parseTriggerRequest(
      postExecutions({ orderId: 7, country: "Côte d’Ivoire" }),
      { from: "country" },
      notifyCountryRequestValidator(),
    );
    const published: unknown[] = [];
    const definition = JSON.parse(localDefinition);
    expect(definition.States.WaitBeforeNotifying).toMatchObject({ Type: "Wait", Seconds: 30 });

    const execution = new StateMachine(definition).run(JSON.parse(input), {
      overrides: {
        waitTimeOverrides: { WaitBeforeNotifying: 0 },
        taskResourceLocalHandlers: {
          PublishLoveMessage: (parameters) => {
            published.push(parameters);
            return { MessageId: "local-1" };
          },
        },
      },
    });
    const states: string[] = [];
    const collecting = (async () => {
      for await (const event of execution.eventLogs) {
        if (event.type === "StateEntered") states.push(event.state.name);
      }
    })();
    await expect(execution.result).resolves.toEqual({ MessageId: "local-1" });
    await collecting;

    expect(states).toEqual(["WaitBeforeNotifying", "PublishLoveMessage"]);
    expect(published).toEqual([{ TopicArn: topicArn, Message: "I love my Côte d’Ivoire" }]);
  });

  describe("when publishing fails", () => {
    const definition = () => JSON.parse(localDefinition);
    const input = { country: "Chile" };

    /** Runs the definition with a publish handler, and collects what the execution went through. */
    async function run(
      machine: ReturnType<typeof definition>,
      publishHandler: (parameters: unknown) => unknown,
      overrides: { retryIntervalOverrides?: Record<string, number> } = {},
    ) {
      const execution = new StateMachine(machine).run(input, {
        overrides: {
          waitTimeOverrides: { WaitBeforeNotifying: 0 },
          taskResourceLocalHandlers: { PublishLoveMessage: publishHandler as never },
          ...overrides,
        },
      });
      const events: string[] = [];
      const collecting = (async () => {
        for await (const event of execution.eventLogs)
          events.push(event.type === "StateEntered" ? `entered ${event.state.name}` : event.type);
      })();
      const outcome = await execution.result.then(
        (output) => ({ status: "SUCCEEDED", output }),
        (error: Error) => ({
          status: error.name === "ExecutionTimeoutError" ? "TIMED_OUT" : "FAILED",
          error: (error.cause as Error | undefined)?.name ?? error.name,
        }),
      );
      await collecting;
      return { outcome, events };
    }

    const snsError = (name: string) => Object.assign(new Error(`${name} from SNS`), { name });

    it("retries a throttled publish and delivers the message exactly once", async () => {
      const published: unknown[] = [];
      let calls = 0;
      const { outcome, events } = await run(definition(), (parameters) => {
        calls += 1;
        if (calls === 1) throw snsError("SNS.ThrottledException");
        published.push(parameters);
        return { MessageId: "m-1" };
      });

      expect(outcome).toEqual({ status: "SUCCEEDED", output: { MessageId: "m-1" } });
      expect(calls).toBe(2);
      expect(published).toEqual([{ TopicArn: topicArn, Message: "I love my Chile" }]);
      expect(events.filter((event) => event === "StateRetried")).toHaveLength(1);
    });

    it("ends FAILED through the Catch, with the SNS error, once the retries are spent", async () => {
      let calls = 0;
      const { outcome, events } = await run(
        definition(),
        () => {
          calls += 1;
          throw snsError("SNS.ThrottledException");
        },
        // The backoff itself is asserted on the definition; here the pauses are skipped.
        { retryIntervalOverrides: { PublishLoveMessage: 0 } },
      );

      expect(calls).toBe(7); // the first attempt, then MaxAttempts (6) retries
      expect(events).toContain("StateCaught");
      expect(events).toContain("entered NotificationFailed");
      expect(outcome).toEqual({ status: "FAILED", error: "SNS.ThrottledException" });
    });

    it("does not retry an error that retrying cannot fix", async () => {
      let calls = 0;
      const { outcome } = await run(definition(), () => {
        calls += 1;
        throw snsError("SNS.AuthorizationErrorException");
      });
      expect(calls).toBe(1);
      expect(outcome).toEqual({ status: "FAILED", error: "SNS.AuthorizationErrorException" });
    });

    it("retries an error the SNS model does not name, such as Publish's generic throttling, and delivers once", async () => {
      const published: unknown[] = [];
      let calls = 0;
      const { outcome } = await run(
        definition(),
        (parameters) => {
          calls += 1;
          if (calls === 1) throw snsError("SNS.ThrottlingException");
          published.push(parameters);
          return { MessageId: "m-2" };
        },
        { retryIntervalOverrides: { PublishLoveMessage: 0 } },
      );
      expect(outcome).toEqual({ status: "SUCCEEDED", output: { MessageId: "m-2" } });
      expect(published).toEqual([{ TopicArn: topicArn, Message: "I love my Chile" }]);
    });

    it("gives an unnamed error two retries, then ends FAILED through the Catch", async () => {
      let calls = 0;
      const { outcome } = await run(
        definition(),
        () => {
          calls += 1;
          throw snsError("SNS.ThrottlingException");
        },
        { retryIntervalOverrides: { PublishLoveMessage: 0 } },
      );
      expect(calls).toBe(3);
      expect(outcome).toEqual({ status: "FAILED", error: "SNS.ThrottlingException" });
    });

    it("times out a publish that hangs, and ends FAILED with States.Timeout", async () => {
      // The real limit is 20 s (asserted in hardening.test.ts); one second shows the mechanism.
      const machine = definition();
      machine.States.PublishLoveMessage.TimeoutSeconds = 1;
      const { outcome, events } = await run(machine, () => new Promise(() => {}));
      expect(outcome).toEqual({ status: "FAILED", error: "States.Timeout" });
      expect(events).toContain("StateCaught");
    });

    it("times out the whole execution", async () => {
      const machine = definition();
      machine.TimeoutSeconds = 1;
      const execution = new StateMachine(machine).run(input, { overrides: { waitTimeOverrides: { WaitBeforeNotifying: 5_000 } } });
      await expect(execution.result).rejects.toMatchObject({ name: "ExecutionTimeoutError" });
    });
  });
});
