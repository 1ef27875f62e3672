import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { renderDefinition, substituteDefinition } from "../lib/state-machine-definition";
import { SnsTopic } from "../lib/toolkit/aws-provider";
import { TerraformOutput, TerraformStack, Testing, Token } from "../lib/toolkit/cdktf";

describe("renderDefinition", () => {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), "asl-"));
  afterAll(() => fs.rmSync(directory, { recursive: true, force: true }));

  function aslFile(definition: unknown): string {
    const file = path.join(directory, `${Math.random().toString(36).slice(2)}.asl.json`);
    fs.writeFileSync(file, typeof definition === "string" ? definition : JSON.stringify(definition));
    return file;
  }

  const publish = (topicArn: string, extra: Record<string, unknown> = {}) => ({
    StartAt: "Publish",
    States: {
      Publish: {
        Type: "Task",
        Resource: "arn:aws:states:::sns:publish",
        Parameters: { TopicArn: topicArn, "Message.$": "States.Format('I love my {}', $.country)", ...extra },
        End: true,
      },
    },
  });

  it("substitutes placeholders and keeps the rest of the definition as written", () => {
    const rendered = renderDefinition(aslFile(publish("${TopicArn}")), { TopicArn: "arn:aws:sns:eu-west-1:123456789012:t" });
    expect(JSON.parse(rendered)).toEqual(publish("arn:aws:sns:eu-west-1:123456789012:t"));
  });

  it("inserts Terraform references so that they resolve in the synthesized definition", () => {
    const app = Testing.app();
    const stack = new TerraformStack(app, "test");
    const topic = new SnsTopic(stack, "topic", { name: "t" });
    const rendered = renderDefinition(aslFile(publish("${TopicArn}")), { TopicArn: topic.arn });
    new TerraformOutput(stack, "definition", { value: rendered });
    const synthesized = JSON.parse(Testing.synth(stack));
    expect(synthesized.output.definition.value).toContain('"TopicArn":"${aws_sns_topic.topic.arn}"');
  });

  it("refuses a placeholder that has no value, naming the file and the values it was given", () => {
    const file = aslFile(publish("${TopicArn}", { Subject: "${Subject}" }));
    expect(() => renderDefinition(file, { TopicArn: "arn:aws:sns:eu-west-1:123456789012:t" })).toThrow(
      /\.asl\.json: \$\{Subject\} has no value; values given: TopicArn\./,
    );
  });

  it("refuses a value that the definition never uses", () => {
    const file = aslFile(publish("${TopicArn}"));
    expect(() => renderDefinition(file, { TopicArn: "arn:aws:sns:eu-west-1:123456789012:t", TopicName: "t" })).toThrow(
      /\.asl\.json: TopicName is never used by the definition; placeholders it uses: TopicArn\./,
    );
  });

  it("refuses placeholders in keys, where a substitution would change the definition's structure", () => {
    const file = aslFile({ StartAt: "A", States: { "${StateName}": { Type: "Succeed" } } });
    expect(() => renderDefinition(file, { StateName: "A" })).toThrow(/only allowed in string values, not in the key "\$\{StateName\}"/);
  });

  it("escapes literal Terraform template sequences so the definition arrives as written", () => {
    const file = aslFile(publish("${TopicArn}", { Note: "costs $ {price.total} or %{if} 100%" }));
    const rendered = JSON.parse(renderDefinition(file, { TopicArn: "literal ${not-a-reference}" }));
    expect(rendered.States.Publish.Parameters.Note).toBe("costs $ {price.total} or %%{if} 100%");
    expect(rendered.States.Publish.Parameters.TopicArn).toBe("literal $${not-a-reference}");
  });

  it.each([["${Topic-Arn}"], ["${ TopicArn }"], ["${1Topic}"], ["${}"], ["arn:${TopicArn"]])(
    "refuses %s, a placeholder written wrong, naming it and the placeholder syntax",
    (written) => {
      const file = aslFile(publish(written));
      expect(() => renderDefinition(file, { TopicArn: "arn:aws:sns:eu-west-1:123456789012:t" })).toThrow(
        new RegExp(
          String.raw`\.asl\.json: ".*" is not a placeholder; write \$\{Name\}: a letter, then letters, digits or _, with no spaces ` +
            String.raw`\(values given: TopicArn\)\.`,
        ),
      );
      expect(() => renderDefinition(file, { TopicArn: "t" })).toThrow(written.slice(written.indexOf("${"), written.indexOf("${") + 8));
    },
  );

  it("refuses a placeholder written wrong next to a well-formed one, and in keys", () => {
    const file = aslFile(publish("${TopicArn}", { Subject: "${Sub ject}" }));
    expect(() => renderDefinition(file, { TopicArn: "t" })).toThrow('"${Sub ject}" is not a placeholder');
    const keyed = aslFile({ StartAt: "A", States: { "${State-Name}": { Type: "Succeed" } } });
    expect(() => renderDefinition(keyed, {})).toThrow(/not in the key "\$\{State-Name\}"/);
  });

  it("gives the substituted definition as an object, which renderDefinition renders as it is", () => {
    const app = Testing.app();
    const stack = new TerraformStack(app, "test");
    const topicArn = new SnsTopic(stack, "topic", { name: "t" }).arn;
    const file = aslFile(publish("${TopicArn}", { Note: "100%{if}" }));
    const substituted = substituteDefinition(file, { TopicArn: topicArn }) as ReturnType<typeof publish>;
    // The very token, so that code reading the object can tell a reference (and use it) from a literal.
    expect(substituted.States.Publish.Parameters.TopicArn).toBe(topicArn);
    expect(Token.isUnresolved(substituted.States.Publish.Parameters.TopicArn)).toBe(true);
    expect((substituted.States.Publish.Parameters as Record<string, unknown>).Note).toBe("100%%{if}");
    expect(renderDefinition(file, { TopicArn: topicArn })).toBe(JSON.stringify(substituted));
  });

  it("reports a definition that is not JSON with its path", () => {
    expect(() => renderDefinition(aslFile("{ not json"), {})).toThrow(/\.asl\.json: not a readable JSON state machine definition/);
  });
});
