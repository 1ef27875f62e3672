import { partitionOf } from "../lib/config/aws-regions";
import { serviceMayAssume } from "./support/iam-simulation";
import { type Attributes, synthProject, type TerraformJson } from "./support/synth";

/**
 * The trust policies of the stacks' service roles, evaluated as IAM would (@cloud-copilot/iam-simulate):
 * each service may still assume its roles for the environment's own account (and, for Step Functions, its
 * own state machine), and no one else may: not another account, another state machine, another service.
 */
const ACCOUNT = "111111111111";
const OTHER_ACCOUNT = "222222222222";
const REGIONS = ["eu-west-1", "cn-north-1", "us-gov-west-1"];

const context = {
  environments: Object.fromEntries(REGIONS.map((region) => [region.replaceAll("-", ""), { account: ACCOUNT, region, ledger: true }])),
};

/** A stack's values of its partition, region and account data sources, in place of their references. */
function resolved(tf: TerraformJson, text: string, region: string): string {
  // aws_region's id is the region's name (lib/aws-environment.ts reads it so: in provider 5.x and 6.x alike).
  const values: Record<string, string> = { account_id: ACCOUNT, partition: partitionOf(region), id: region };
  const reference = /\$\{data\.aws_(?:caller_identity|partition|region)\.[\w-]+\.(account_id|partition|id)\}/g;
  const resolvedText = text.replace(reference, (_, attribute: string) => values[attribute]);
  expect(resolvedText).not.toContain("${");
  expect(Object.keys(tf.data).sort()).toEqual(["aws_caller_identity", "aws_partition", "aws_region"]);
  return resolvedText;
}

describe("the stacks' service roles", () => {
  const stacks = synthProject(context);

  describe.each(REGIONS)("in %s", (region) => {
    const { tf } = stacks[region.replaceAll("-", "")];
    const partition = partitionOf(region);
    const roles = Object.values(tf.resource.aws_iam_role).map((role: Attributes) => ({
      arn: `arn:${partition}:iam::${ACCOUNT}:role/${role.name as string}`,
      name: role.name as string,
      trust: JSON.parse(resolved(tf, role.assume_role_policy, region)),
    }));
    const byService = (service: string) => roles.filter((role) => role.trust.Statement[0].Principal.Service === service);
    const environment = region.replaceAll("-", "");
    const stateMachine = `arn:${partition}:states:${region}:${ACCOUNT}:stateMachine:sfn-dedup-${environment}-notify-country`;

    it("are one for the workflow, one for each function, one for the reconciler's schedule, each trusting one service", () => {
      expect(byService("states.amazonaws.com").map((role) => role.name)).toEqual([expect.stringMatching(/-notify-country-workflow$/)]);
      // start-execution, execution-status, ledger-status and the ledger reconciler.
      expect(byService("lambda.amazonaws.com")).toHaveLength(4);
      expect(byService("scheduler.amazonaws.com").map((role) => role.name)).toEqual([
        `sfn-dedup-${environment}-ledger-reconciler-schedule`,
      ]);
      expect(roles).toHaveLength(6);
      for (const { trust } of roles) expect(trust.Statement).toHaveLength(1);
    });

    it("the reconciler schedule's: EventBridge Scheduler for this account's default schedule group, nothing else", async () => {
      const [schedule] = byService("scheduler.amazonaws.com");
      const assume = (service: string, sourceContext: Record<string, string>) =>
        serviceMayAssume(service, { roleArn: schedule.arn, trustPolicy: schedule.trust, context: sourceContext });
      const group = `arn:${partition}:scheduler:${region}:${ACCOUNT}:schedule-group/default`;
      const own = { "aws:SourceAccount": ACCOUNT, "aws:SourceArn": group };
      expect(await assume("scheduler.amazonaws.com", own)).toBe("Allowed");
      expect(
        await assume("scheduler.amazonaws.com", {
          "aws:SourceAccount": OTHER_ACCOUNT,
          "aws:SourceArn": group.replace(ACCOUNT, OTHER_ACCOUNT),
        }),
      ).toBe("ImplicitlyDenied");
      expect(await assume("scheduler.amazonaws.com", { ...own, "aws:SourceArn": group.replace(/default$/, "another-group") })).toBe(
        "ImplicitlyDenied",
      );
      expect(await assume("scheduler.amazonaws.com", {})).toBe("ImplicitlyDenied");
      expect(await assume("events.amazonaws.com", own)).toBe("ImplicitlyDenied");
    });

    it("the workflow's: Step Functions for this account's state machine, nothing else", async () => {
      const [workflow] = byService("states.amazonaws.com");
      const assume = (service: string, sourceContext: Record<string, string>) =>
        serviceMayAssume(service, { roleArn: workflow.arn, trustPolicy: workflow.trust, context: sourceContext });
      const own = { "aws:SourceAccount": ACCOUNT, "aws:SourceArn": stateMachine };
      expect(await assume("states.amazonaws.com", own)).toBe("Allowed");
      const otherAccount = { "aws:SourceAccount": OTHER_ACCOUNT, "aws:SourceArn": stateMachine.replace(ACCOUNT, OTHER_ACCOUNT) };
      expect(await assume("states.amazonaws.com", otherAccount)).toBe("ImplicitlyDenied");
      const otherStateMachine = { ...own, "aws:SourceArn": `${stateMachine.replace(/[^:]+$/, "")}another-workflow` };
      expect(await assume("states.amazonaws.com", otherStateMachine)).toBe("ImplicitlyDenied");
      // The same name in another region of the account is another state machine.
      const otherRegion = { ...own, "aws:SourceArn": stateMachine.replace(region, "us-west-2") };
      expect(await assume("states.amazonaws.com", otherRegion)).toBe("ImplicitlyDenied");
      expect(await assume("states.amazonaws.com", {})).toBe("ImplicitlyDenied");
      expect(await assume("lambda.amazonaws.com", own)).toBe("ImplicitlyDenied");
    });

    it("the functions': Lambda, unconditioned, as AWS documents no source key for it (lib/nodejs-function.ts)", async () => {
      for (const role of byService("lambda.amazonaws.com")) {
        const assume = (service: string) => serviceMayAssume(service, { roleArn: role.arn, trustPolicy: role.trust });
        expect(await assume("lambda.amazonaws.com")).toBe("Allowed");
        expect(await assume("states.amazonaws.com")).toBe("ImplicitlyDenied");
        expect(await assume("events.amazonaws.com")).toBe("ImplicitlyDenied");
        // No role or user, of this account or another, is trusted.
        expect(JSON.stringify(role.trust)).not.toMatch(/"AWS"|Federated/);
      }
    });

    it("each have one inline policy, named for what it grants, attached before a renamed one is removed", () => {
      const policies = Object.values(tf.resource.aws_iam_role_policy);
      const names = policies.map((policy) => policy.name).sort();
      expect(names).toEqual([
        "describe-workflow-executions",
        "invoke-ledger-reconciler",
        "publish-notifications",
        "reconcile-execution-ledger",
        "record-execution-statuses",
        "start-workflow-executions",
      ]);
      for (const policy of policies) expect(policy.lifecycle).toEqual({ create_before_destroy: true });
    });
  });
});
