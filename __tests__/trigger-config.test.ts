import { ConfigReader } from "../lib/config/config-reader";
import { TRIGGER_DEFAULTS, triggerConfigFrom } from "../lib/config/trigger-config";

const configFrom = (context: Record<string, unknown>) => triggerConfigFrom(ConfigReader.object(context, "context"));

describe("triggerConfigFrom", () => {
  it("uses the documented defaults when nothing is configured", () => {
    expect(configFrom({})).toEqual(TRIGGER_DEFAULTS);
    expect(TRIGGER_DEFAULTS).toEqual({ region: "us-east-1", notificationEmails: [], executionName: { from: "country" } });
  });

  it("reads every field", () => {
    expect(
      configFrom({
        region: "eu-west-1",
        notificationEmails: ["ops@example.com"],
        executionName: { from: "field", field: "orderId" },
      }),
    ).toEqual({ region: "eu-west-1", notificationEmails: ["ops@example.com"], executionName: { from: "field", field: "orderId" } });
  });

  it("ignores context keys it does not own: cdktf stores its own there", () => {
    expect(configFrom({ cdktfRelativeModules: [], cdktfVersion: "0.21.0" })).toEqual(TRIGGER_DEFAULTS);
  });

  it.each([
    [{ region: "Europe" }, 'cdktf.json context.region: must be an AWS region such as eu-west-1; got "Europe".'],
    [{ region: 12 }, "cdktf.json context.region: must be an AWS region such as eu-west-1; got 12."],
    [{ notificationEmails: "ops@example.com" }, 'cdktf.json context.notificationEmails: must be a list of e-mail addresses such as ops@example.com; got string "ops@example.com".'],
    [{ notificationEmails: ["ops@example"] }, 'cdktf.json context.notificationEmails[0]: must be e-mail addresses such as ops@example.com; got "ops@example".'],
    [{ notificationEmails: ["a@example.com", "A@example.com"] }, 'cdktf.json context.notificationEmails[1]: "A@example.com" is listed twice.'],
    [{ executionName: "country" }, 'cdktf.json context.executionName: must be a JSON object, not string "country".'],
    [{ executionName: {} }, "cdktf.json context.executionName.from: is required: one of country, payload, field."],
    [{ executionName: { from: "hash" } }, 'cdktf.json context.executionName.from: must be one of country, payload, field; got "hash".'],
    [{ executionName: { from: "field" } }, "cdktf.json context.executionName.field: is required: the name of a top-level request field such as orderId."],
    [{ executionName: { from: "field", field: "order id" } }, 'cdktf.json context.executionName.field: must be the name of a top-level request field such as orderId; got "order id".'],
    [{ executionName: { from: "payload", field: "orderId" } }, 'cdktf.json context.executionName.field: is only used when "from" is "field".'],
    [{ executionName: { from: "country", feild: "x" } }, "cdktf.json context.executionName.feild: is not a known field; allowed fields: from, field."],
  ])("refuses %j", (context, message) => {
    expect(() => configFrom(context)).toThrow(message);
  });
});
