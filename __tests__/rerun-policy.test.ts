import { roleMayCall } from "./support/iam-simulation";
import { TWO_WORKFLOWS } from "./support/multi-workflow-stack";
import { ACCOUNT, arn, REGION, resolvedPolicy } from "./support/resolved-policy";
import { synthProject } from "./support/synth";

/**
 * The start functions' policies when a workflow re-runs failed requests, evaluated as IAM would
 * (@cloud-copilot/iam-simulate): the re-running workflow's function may redrive and read the history of its own
 * executions only; the other workflow's function may do neither.
 */
describe("the start functions' policies with rerun: after-failure", () => {
  const tf = synthProject({
    workflows: { ...TWO_WORKFLOWS, orders: { ...TWO_WORKFLOWS.orders, rerun: "after-failure" } },
    environments: { prod: { account: ACCOUNT, region: REGION } },
  }).prod.tf;
  const execution = (stateMachine: string, name = "2e64e015cff82500f6b68003bcf401f2d80c22511535e01b8860f3c35fed2ed3") =>
    arn("states", `execution:${stateMachine}:${name}`);
  const mayOf = (functionName: string) => {
    const role = arn("iam", `role/${functionName}-function`).replace(`:${REGION}:`, "::");
    const policy = resolvedPolicy(tf, `${functionName}-function`);
    return (action: string, resource: string) => roleMayCall(role, policy, action, resource);
  };

  it("lets the orders function redrive its own executions, attempts included, and read their history", async () => {
    const may = mayOf("sfn-dedup-prod-orders-start");
    for (const action of ["states:RedriveExecution", "states:GetExecutionHistory", "states:DescribeExecution"]) {
      expect(await may(action, execution("sfn-dedup-prod-orders"))).toBe("Allowed");
      expect(
        await may(action, execution("sfn-dedup-prod-orders", "2e64e015cff82500f6b68003bcf401f2d80c22511535e01b8860f3c35fed2ed3-2")),
      ).toBe("Allowed");
    }
    expect(await may("states:StartExecution", arn("states", "stateMachine:sfn-dedup-prod-orders"))).toBe("Allowed");
  });

  it("denies it the other workflow's executions, stopping its own, and changing the state machine", async () => {
    const may = mayOf("sfn-dedup-prod-orders-start");
    expect(await may("states:RedriveExecution", execution("sfn-dedup-prod-notify-country"))).toBe("ImplicitlyDenied");
    expect(await may("states:GetExecutionHistory", execution("sfn-dedup-prod-notify-country"))).toBe("ImplicitlyDenied");
    expect(await may("states:StopExecution", execution("sfn-dedup-prod-orders"))).toBe("ImplicitlyDenied");
    expect(await may("states:DeleteStateMachine", arn("states", "stateMachine:sfn-dedup-prod-orders"))).toBe("ImplicitlyDenied");
  });

  it("gives the function of a workflow that does not re-run neither redrive nor history", async () => {
    const may = mayOf("sfn-dedup-prod-start-execution");
    expect(await may("states:RedriveExecution", execution("sfn-dedup-prod-notify-country"))).toBe("ImplicitlyDenied");
    expect(await may("states:GetExecutionHistory", execution("sfn-dedup-prod-notify-country"))).toBe("ImplicitlyDenied");
    expect(await may("states:DescribeExecution", execution("sfn-dedup-prod-notify-country"))).toBe("Allowed");
  });
});
