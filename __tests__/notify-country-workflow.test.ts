import "../local/polyfills";
import * as fs from "node:fs";
import * as path from "node:path";
import validator from "asl-validator";
import { StateMachine } from "aws-local-stepfunctions";
import { parseTriggerRequest } from "../functions/start-execution/trigger-request";
import { PROJECT_ROOT } from "../lib/project-root";
import { SynthesizedStack } from "../local/synthesized-stack";
import { postExecutions } from "./support/events";
import { onlyResource, synthTrigger } from "./support/synth";

describe("asl/notify-country.asl.json", () => {
  const { tf } = synthTrigger();
  const synthesizedDefinition: string = onlyResource(tf, "aws_sfn_state_machine").definition;
  const local = new SynthesizedStack(tf, "cdktf.out/stacks/default");
  const [{ definition: localDefinition, name }] = local.stateMachines();
  const topicArn = `arn:aws:sns:us-east-1:000000000000:sfn-dedup-default-notifications`;

  it("is valid ASL as written, as synthesized and as run locally", () => {
    const source = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, "asl", "notify-country.asl.json"), "utf8"));
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
    const { input } = parseTriggerRequest(postExecutions({ orderId: 7, country: "Côte d’Ivoire" }), { from: "country" });
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
});
