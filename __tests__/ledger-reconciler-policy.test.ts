import { roleMayCall } from "./support/iam-simulation";
import { TWO_WORKFLOWS } from "./support/multi-workflow-stack";
import { ACCOUNT, arn, REGION, resolvedPolicy } from "./support/resolved-policy";
import { rolePolicy, synthProject } from "./support/synth";

/**
 * The ledger reconciler's policies, evaluated as IAM would (@cloud-copilot/iam-simulate): the function may query
 * the open-records index (never Scan, never Query the table), update and delete the ledger's items, and describe
 * the executions of the workflows the ledger serves; its schedule may invoke it and nothing else.
 */
const LEDGER = arn("dynamodb", "table/sfn-dedup-prod-ledger");
const INDEX = `${LEDGER}/index/open-records`;
const roleArn = (name: string) => arn("iam", `role/${name}`).replace(`:${REGION}:`, "::");
const execution = (stateMachine: string, name = "0309a6c666a7a803fdb9db95de71cf01", region = REGION) =>
  arn("states", `execution:${stateMachine}:${name}`, region);

describe("the ledger reconciler's policies", () => {
  const tf = synthProject({ workflows: TWO_WORKFLOWS, environments: { prod: { account: ACCOUNT, region: REGION, ledger: true } } }).prod.tf;

  describe("the function's", () => {
    const policy = resolvedPolicy(tf, "sfn-dedup-prod-ledger-reconciler-function");
    const may = (action: string, resource: string) =>
      roleMayCall(roleArn("sfn-dedup-prod-ledger-reconciler-function"), policy, action, resource);

    it("may query the open-records index, and nothing else of the table can it read", async () => {
      expect(await may("dynamodb:Query", INDEX)).toBe("Allowed");
      for (const [action, resource] of [
        ["dynamodb:Scan", LEDGER],
        ["dynamodb:Scan", INDEX],
        ["dynamodb:Query", LEDGER],
        ["dynamodb:GetItem", LEDGER],
        ["dynamodb:BatchGetItem", LEDGER],
        ["dynamodb:Query", `${LEDGER}/index/another-index`],
        ["dynamodb:Query", arn("dynamodb", "table/team-orders/index/open-records")],
      ]) {
        expect({ action, resource, decision: await may(action, resource) }).toEqual({ action, resource, decision: "ImplicitlyDenied" });
      }
    });

    it("may update and delete the ledger's items, and put none, nor touch another table", async () => {
      expect(await may("dynamodb:UpdateItem", LEDGER)).toBe("Allowed");
      expect(await may("dynamodb:DeleteItem", LEDGER)).toBe("Allowed");
      for (const action of ["dynamodb:PutItem", "dynamodb:BatchWriteItem", "dynamodb:DeleteTable", "dynamodb:UpdateTable"]) {
        expect({ action, decision: await may(action, LEDGER) }).toEqual({ action, decision: "ImplicitlyDenied" });
      }
      expect(await may("dynamodb:UpdateItem", arn("dynamodb", "table/team-orders"))).toBe("ImplicitlyDenied");
    });

    it("may describe every served workflow's executions, attempts included, and no other state machine's", async () => {
      for (const stateMachine of ["sfn-dedup-prod-notify-country", "sfn-dedup-prod-orders"]) {
        expect(await may("states:DescribeExecution", execution(stateMachine))).toBe("Allowed");
        expect(await may("states:DescribeExecution", execution(stateMachine, "0309a6c666a7a803fdb9db95de71cf01-2"))).toBe("Allowed");
        // The same name in another region is another state machine.
        expect(await may("states:DescribeExecution", execution(stateMachine, undefined, "us-west-2"))).toBe("ImplicitlyDenied");
      }
      expect(await may("states:DescribeExecution", execution("sfn-dedup-staging-notify-country"))).toBe("ImplicitlyDenied");
    });

    it("may not start, stop or redrive an execution, nor read its history", async () => {
      expect(await may("states:StartExecution", arn("states", "stateMachine:sfn-dedup-prod-notify-country"))).toBe("ImplicitlyDenied");
      for (const action of ["states:StopExecution", "states:RedriveExecution", "states:GetExecutionHistory"]) {
        expect({ action, decision: await may(action, execution("sfn-dedup-prod-orders")) }).toEqual({
          action,
          decision: "ImplicitlyDenied",
        });
      }
    });
  });

  describe("its schedule's", () => {
    const policy = resolvedPolicy(tf, "sfn-dedup-prod-ledger-reconciler-schedule");
    const may = (action: string, resource: string) =>
      roleMayCall(roleArn("sfn-dedup-prod-ledger-reconciler-schedule"), policy, action, resource);

    it("may invoke the reconciler, and no other function", async () => {
      expect(await may("lambda:InvokeFunction", arn("lambda", "function:sfn-dedup-prod-ledger-reconciler"))).toBe("Allowed");
      expect(await may("lambda:InvokeFunction", arn("lambda", "function:sfn-dedup-prod-start-execution"))).toBe("ImplicitlyDenied");
      expect(await may("lambda:InvokeFunction", arn("lambda", "function:sfn-dedup-prod-ledger-status"))).toBe("ImplicitlyDenied");
      expect(await may("lambda:UpdateFunctionCode", arn("lambda", "function:sfn-dedup-prod-ledger-reconciler"))).toBe("ImplicitlyDenied");
    });

    it("may decrypt with the environment's key only when it has one, and then only that key", async () => {
      const key = `arn:aws:kms:${REGION}:${ACCOUNT}:key/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0`;
      expect(await may("kms:Decrypt", key)).toBe("ImplicitlyDenied");
      const withKey = synthProject({ environments: { prod: { account: ACCOUNT, region: REGION, ledger: true, kmsKeyArn: key } } }).prod.tf;
      // A KMS key's own policy decides too, which the simulator is not given here: the statement is checked as written.
      expect(rolePolicy(withKey, "sfn-dedup-prod-ledger-reconciler-schedule").statements).toContainEqual({
        Sid: "DecryptScheduleWithEnvironmentKey",
        Effect: "Allow",
        Action: ["kms:Decrypt"],
        Resource: [key],
      });
      expect(Object.values(withKey.resource.aws_scheduler_schedule)[0].kms_key_arn).toBe(key);
    });
  });
});
