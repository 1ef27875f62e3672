import { roleMayCall } from "./support/iam-simulation";
import { TWO_WORKFLOWS } from "./support/multi-workflow-stack";
import { ACCOUNT, arn, REGION, resolvedPolicy } from "./support/resolved-policy";
import { synthProject } from "./support/synth";

/**
 * The execution-status functions' policies, evaluated as IAM would (@cloud-copilot/iam-simulate): each may
 * describe its own workflow's executions and, with the ledger, read the ledger's items; nothing else, not
 * another workflow's executions, not a start, not a write.
 */
const LEDGER = arn("dynamodb", "table/sfn-dedup-prod-ledger");

describe("the execution-status functions' policies", () => {
  const withLedger = synthProject({ workflows: TWO_WORKFLOWS, environments: { prod: { account: ACCOUNT, region: REGION, ledger: true } } })
    .prod.tf;
  const withoutLedger = synthProject({ workflows: TWO_WORKFLOWS, environments: { prod: { account: ACCOUNT, region: REGION } } }).prod.tf;

  describe.each([
    ["the default workflow's", "sfn-dedup-prod-execution-status", "sfn-dedup-prod-notify-country", "sfn-dedup-prod-orders"],
    ["the orders workflow's", "sfn-dedup-prod-orders-status", "sfn-dedup-prod-orders", "sfn-dedup-prod-notify-country"],
  ])("%s", (_, functionName, own, other) => {
    const role = arn("iam", `role/${functionName}-function`).replace(`:${REGION}:`, "::");
    const policy = resolvedPolicy(withLedger, `${functionName}-function`);
    const may = (action: string, resource: string) => roleMayCall(role, policy, action, resource);
    const execution = (stateMachine: string, name = "0309a6c666a7a803fdb9db95de71cf01", region = REGION) =>
      arn("states", `execution:${stateMachine}:${name}`, region);

    it("may describe its own state machine's executions, any of them, attempts included", async () => {
      expect(await may("states:DescribeExecution", execution(own))).toBe("Allowed");
      expect(await may("states:DescribeExecution", execution(own, "0309a6c666a7a803fdb9db95de71cf01-2"))).toBe("Allowed");
    });

    it("may not describe another state machine's executions, or its own state machine's namesake in another region", async () => {
      expect(await may("states:DescribeExecution", execution(other))).toBe("ImplicitlyDenied");
      expect(await may("states:DescribeExecution", execution(own, undefined, "us-west-2"))).toBe("ImplicitlyDenied");
    });

    it("may not start, stop or redrive an execution, nor read the state machine or the history", async () => {
      expect(await may("states:StartExecution", arn("states", `stateMachine:${own}`))).toBe("ImplicitlyDenied");
      expect(await may("states:StopExecution", execution(own))).toBe("ImplicitlyDenied");
      expect(await may("states:RedriveExecution", execution(own))).toBe("ImplicitlyDenied");
      expect(await may("states:GetExecutionHistory", execution(own))).toBe("ImplicitlyDenied");
      expect(await may("states:DescribeStateMachine", arn("states", `stateMachine:${own}`))).toBe("ImplicitlyDenied");
    });

    it("with the ledger, may read its items and write none", async () => {
      expect(await may("dynamodb:GetItem", LEDGER)).toBe("Allowed");
      for (const action of [
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
        "dynamodb:DeleteItem",
        "dynamodb:Query",
        "dynamodb:Scan",
        "dynamodb:BatchGetItem",
      ]) {
        expect({ action, decision: await may(action, LEDGER) }).toEqual({ action, decision: "ImplicitlyDenied" });
      }
      expect(await may("dynamodb:GetItem", arn("dynamodb", "table/team-orders"))).toBe("ImplicitlyDenied");
    });

    it("without the ledger, may read no table at all", async () => {
      const unledgered = resolvedPolicy(withoutLedger, `${functionName}-function`);
      expect(await roleMayCall(role, unledgered, "dynamodb:GetItem", LEDGER)).toBe("ImplicitlyDenied");
      expect(await roleMayCall(role, unledgered, "states:DescribeExecution", execution(own))).toBe("Allowed");
    });
  });
});
