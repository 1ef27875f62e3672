import { policyDocument, serviceTrustPolicy } from "../lib/iam-policy";

describe("policyDocument", () => {
  it("renders Allow statements that name their actions and resources", () => {
    expect(
      JSON.parse(policyDocument([{ sid: "Publish", actions: ["sns:Publish"], resources: ["arn:aws:sns:eu-west-1:123456789012:t"] }])),
    ).toEqual({
      Version: "2012-10-17",
      Statement: [{ Sid: "Publish", Effect: "Allow", Action: ["sns:Publish"], Resource: ["arn:aws:sns:eu-west-1:123456789012:t"] }],
    });
  });

  it.each([
    ["a wildcard action", { sid: "S", actions: ["sns:*"], resources: ["arn:x"] }, /wildcard action "sns:\*"/],
    ["a partial wildcard action", { sid: "S", actions: ["states:Start*"], resources: ["arn:x"] }, /wildcard action/],
    ["no resources", { sid: "S", actions: ["sns:Publish"], resources: [] }, /names no resources/],
    [
      "every resource without a reason",
      { sid: "S", actions: ["sns:Publish"], resources: ["*"] },
      /on every resource \("\*"\) without a reason/,
    ],
    ["no actions", { sid: "S", actions: [], resources: ["arn:x"] }, /names no actions/],
    ["a statement id IAM rejects", { sid: "has space", actions: ["sns:Publish"], resources: ["arn:x"] }, /must be alphanumeric/],
  ])("refuses %s", (_case, statement, message) => {
    expect(() => policyDocument([statement])).toThrow(message);
  });

  it("accepts every resource only with a written reason", () => {
    const statement = {
      sid: "Traces",
      actions: ["xray:PutTraceSegments"],
      resources: ["*"],
      wildcardResourceReason: "X-Ray has no resource ARNs",
    };
    expect(JSON.parse(policyDocument([statement])).Statement[0].Resource).toEqual(["*"]);
  });

  it("refuses an empty policy", () => {
    expect(() => policyDocument([])).toThrow(/at least one statement/);
  });
});

describe("serviceTrustPolicy", () => {
  it("lets exactly one service assume the role", () => {
    expect(JSON.parse(serviceTrustPolicy("lambda.amazonaws.com")).Statement).toEqual([
      { Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" },
    ]);
  });

  it("on behalf of one account, and one resource when the service names it", () => {
    const stateMachine = "arn:aws:states:eu-west-1:123456789012:stateMachine:sm";
    const trust = JSON.parse(serviceTrustPolicy("states.amazonaws.com", { account: "123456789012", arn: stateMachine }));
    expect(trust.Statement[0].Condition).toEqual({
      StringEquals: { "aws:SourceAccount": "123456789012" },
      ArnEquals: { "aws:SourceArn": stateMachine },
    });
    expect(JSON.parse(serviceTrustPolicy("states.amazonaws.com", { account: "123456789012" })).Statement[0].Condition).toEqual({
      StringEquals: { "aws:SourceAccount": "123456789012" },
    });
  });
});
