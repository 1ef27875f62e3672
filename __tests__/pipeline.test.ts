import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import type { EnvironmentConfig } from "../lib/config/environment-config";
import { projectConfigFrom } from "../lib/config/project-config";
import {
  ACTIONS_BY_RESOURCE_TYPE,
  deployRoleName,
  PERMISSION_FREE_DATA_SOURCES,
  type PipelineRoles,
  PLAN_ROLE_NAME,
  pipelineRolesFor,
  type RoleDefinition,
} from "../lib/pipeline-roles";
import { PROJECT_ROOT } from "../lib/project-root";
import { TOOLKIT_CLI } from "../lib/toolkit/names";
import { roleMayAssume } from "./support/iam-simulation";
import { synthProject } from "./support/synth";

const context = {
  environments: {
    dev: { account: "222222222222", region: "eu-west-1", notificationEmails: ["dev@example.com"], ledger: { retentionDays: 400 } },
    prod: {
      account: "111111111111",
      region: "eu-central-1",
      deployRoleArn: "arn:aws:iam::111111111111:role/sfn-dedup-deploy",
      state: {
        bucket: "acme-terraform-state",
        region: "eu-west-1",
        roleArn: "arn:aws:iam::999999999999:role/terraform-state",
        kmsKeyId: "arn:aws:kms:eu-west-1:999999999999:key/1234abcd-12ab-34cd-56ef-1234567890ab",
      },
    },
    staging: {
      account: "333333333333",
      region: "eu-west-1",
      state: { bucket: "staging-state" },
      kmsKeyArn: "arn:aws:kms:eu-west-1:333333333333:key/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0",
    },
  },
};

/** Every environment's roles, as npm run pipeline-roles prints them, by environment name. */
function rolesOf(environments: readonly EnvironmentConfig[]): Record<string, PipelineRoles> {
  return Object.fromEntries(
    environments.map((environment) => [environment.name, pipelineRolesFor(environment, environments, "acme/sfn-dedup")]),
  );
}

function definitions(set: PipelineRoles): RoleDefinition[] {
  return [set.plan, set.deploy, ...(set.state ? [set.state] : []), ...(set.providerRole ? [set.providerRole] : [])];
}

/** Every string in a value, at any depth: the ARNs of a role definition among them. */
function stringsIn(value: unknown): string[] {
  if (typeof value === "string") return [value];
  if (Array.isArray(value)) return value.flatMap(stringsIn);
  if (typeof value === "object" && value !== null) return Object.values(value).flatMap(stringsIn);
  return [];
}

function roleArnOf(definition: RoleDefinition, partition = "aws"): string {
  return `arn:${partition}:iam::${definition.account}:role/${definition.roleName}`;
}

describe("the pipeline's IAM roles", () => {
  const project = projectConfigFrom(context);
  const roles = rolesOf(project.environments);
  const allStatements = Object.values(roles).flatMap((set) =>
    [set.plan, set.deploy, ...(set.state ? [set.state] : [])].flatMap((role) => role.permissions.Statement),
  );

  it("cover every resource type the environment stacks create", () => {
    const stacks = synthProject(context);
    for (const name of ["dev", "prod", "staging"]) {
      const { tf } = stacks[name];
      expect(Object.keys(tf.resource).filter((type) => !(type in ACTIONS_BY_RESOURCE_TYPE))).toEqual([]);
      expect(Object.keys(tf.data ?? {}).filter((type) => !(PERMISSION_FREE_DATA_SOURCES as readonly string[]).includes(type))).toEqual([]);
    }
  });

  it("grant named actions only, never a wildcard action", () => {
    expect(allStatements.length).toBeGreaterThan(10);
    for (const statement of allStatements) {
      expect(statement.Action.filter((action) => action.includes("*"))).toEqual([]);
      expect(statement.Resource.length).toBeGreaterThan(0);
    }
  });

  it("name the environment's own resources, in its account and region", () => {
    const { deploy } = roles.dev;
    const onEverything = deploy.permissions.Statement.filter((statement) => statement.Resource.includes("*"));
    expect(onEverything.map((statement) => statement.Sid)).toEqual(["SetUpVendedLogDelivery", "CreateAlarmTopicKey"]);
    // Keys have random ids: the alarm topic's key is named by the environment's tags instead (below).
    const byTags = deploy.permissions.Statement.filter(
      (statement) => statement.Condition?.StringEquals?.["aws:ResourceTag/environment"] === "dev",
    );
    expect(byTags.map((statement) => statement.Resource)).toEqual([
      ["arn:aws:kms:eu-west-1:222222222222:key/*"],
      ["arn:aws:kms:eu-west-1:222222222222:key/*"],
    ]);
    const resources = deploy.permissions.Statement.filter(
      (statement) => !onEverything.includes(statement) && !byTags.includes(statement),
    ).flatMap((statement) => statement.Resource);
    for (const resource of resources) {
      expect(resource).toMatch(/^arn:aws:[a-z]+:(eu-west-1)?:(222222222222)?:/);
    }
    const byName = resources.filter((resource) => !/apigateway|log-group:\*$/.test(resource));
    for (const resource of byName) {
      expect(resource).toContain("sfn-dedup-dev-");
    }
  });

  it(
    "let the deploy role create the alarm topic's key only where the stack creates one, and manage keys with the environment's tags " +
      "only",
    () => {
      const kmsStatements = (set: PipelineRoles) =>
        set.deploy.permissions.Statement.filter((statement) => statement.Action.some((action) => action.startsWith("kms:")));
      // dev has no kmsKeyArn: the stack creates the alarm topic's key.
      expect(kmsStatements(roles.dev)).toEqual([
        {
          Sid: "ReadKms",
          Effect: "Allow",
          Action: ["kms:DescribeKey", "kms:GetKeyPolicy", "kms:GetKeyRotationStatus", "kms:ListResourceTags"],
          Resource: ["arn:aws:kms:eu-west-1:222222222222:key/*"],
          Condition: { StringEquals: { "aws:ResourceTag/project": "sfn-dedup", "aws:ResourceTag/environment": "dev" } },
        },
        {
          Sid: "ChangeKms",
          Effect: "Allow",
          Action: [
            "kms:DisableKey",
            "kms:DisableKeyRotation",
            "kms:EnableKey",
            "kms:EnableKeyRotation",
            "kms:PutKeyPolicy",
            "kms:ScheduleKeyDeletion",
            "kms:TagResource",
            "kms:UntagResource",
            "kms:UpdateKeyDescription",
          ],
          Resource: ["arn:aws:kms:eu-west-1:222222222222:key/*"],
          Condition: { StringEquals: { "aws:ResourceTag/project": "sfn-dedup", "aws:ResourceTag/environment": "dev" } },
        },
        {
          Sid: "CreateAlarmTopicKey",
          Effect: "Allow",
          Action: ["kms:CreateKey", "kms:TagResource"],
          Resource: ["*"],
          Condition: { StringEquals: { "aws:RequestTag/project": "sfn-dedup", "aws:RequestTag/environment": "dev" } },
        },
      ]);
      // staging's kmsKeyArn encrypts its alarm topic: the role uses that key and creates none.
      expect(kmsStatements(roles.staging).map((statement) => statement.Sid)).toEqual(["UseEnvironmentKey"]);
      // An existing topic (topicArn): no key either.
      const withTopic = projectConfigFrom({
        environments: { dev: { ...context.environments.dev, alarms: { topicArn: "arn:aws:sns:eu-west-1:222222222222:ops-alarms" } } },
      }).environments;
      expect(kmsStatements(pipelineRolesFor(withTopic[0], withTopic, "acme/sfn-dedup"))).toEqual([]);
    },
  );

  it("let pull requests plan and only the GitHub environment of the same name deploy", () => {
    expect(roles.prod.plan.roleName).toBe(PLAN_ROLE_NAME);
    expect(roles.prod.deploy.roleName).toBe(deployRoleName("prod"));
    expect(roles.prod.plan.trustPolicy.Statement).toEqual([
      {
        Sid: "GitHubActions",
        Effect: "Allow",
        Principal: { Federated: "arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com" },
        Action: ["sts:AssumeRoleWithWebIdentity"],
        Condition: {
          StringEquals: {
            "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
            "token.actions.githubusercontent.com:sub": "repo:acme/sfn-dedup:pull_request",
          },
        },
      },
    ]);
    expect(roles.prod.deploy.trustPolicy.Statement[0].Condition.StringEquals["token.actions.githubusercontent.com:sub"]).toBe(
      "repo:acme/sfn-dedup:environment:prod",
    );
  });

  it("give the plan role no write action, except on state lock files", () => {
    // sts:TagSession tags the plan's own session when it assumes a state role; it changes nothing.
    const isWrite = (action: string) =>
      action !== "sts:TagSession" &&
      /:(Create|Delete|Update|Put|Tag|Untag|Set|Add|Remove|Subscribe|Unsubscribe|Pass)|apigateway:(POST|PATCH|PUT|DELETE)/.test(action);
    // staging keeps its state in its own account, so its plan role reaches the state bucket directly.
    expect(roles.staging.plan.permissions.Statement.flatMap((statement) => statement.Resource)).toContain(
      "arn:aws:s3:::staging-state/sfn-dedup/staging/terraform.tfstate",
    );
    for (const { plan } of Object.values(roles)) {
      const writable = plan.permissions.Statement.filter((statement) => statement.Action.some(isWrite)).flatMap(
        (statement) => statement.Resource,
      );
      expect(writable.filter((resource) => !resource.endsWith(".tflock"))).toEqual([]);
    }
  });

  it("let the deploy role create grants on the environment's key, and only when it has one", () => {
    expect(roles.staging.deploy.permissions.Statement).toContainEqual({
      Sid: "UseEnvironmentKey",
      Effect: "Allow",
      Action: ["kms:CreateGrant", "kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey"],
      Resource: [context.environments.staging.kmsKeyArn],
    });
    expect(roles.dev.deploy.permissions.Statement.filter((statement) => statement.Sid === "UseEnvironmentKey")).toEqual([]);
  });

  it(
    "let the deploy role pass only its own roles, only to Lambda and Step Functions, and with the ledger the reconciler's schedule role " +
      "to Scheduler",
    () => {
      const passRole = (set: PipelineRoles) =>
        set.deploy.permissions.Statement.filter((statement) => statement.Action.includes("iam:PassRole"));
      const toLambdaAndStepFunctions = {
        Sid: "PassOwnRolesToLambdaAndStepFunctions",
        Effect: "Allow",
        Action: ["iam:PassRole"],
        Resource: ["arn:aws:iam::222222222222:role/sfn-dedup-dev-*"],
        Condition: { StringEquals: { "iam:PassedToService": ["lambda.amazonaws.com", "states.amazonaws.com"] } },
      };
      expect(passRole(roles.dev)).toEqual([
        toLambdaAndStepFunctions,
        {
          Sid: "PassReconcilerScheduleRoleToScheduler",
          Effect: "Allow",
          Action: ["iam:PassRole"],
          Resource: ["arn:aws:iam::222222222222:role/sfn-dedup-dev-ledger-reconciler-schedule"],
          Condition: { StringEquals: { "iam:PassedToService": ["scheduler.amazonaws.com"] } },
        },
      ]);
      // The role the schedule is given: the one the dev stack creates.
      const { tf } = synthProject(context).dev;
      const [schedule] = Object.values(tf.resource.aws_scheduler_schedule);
      const roleId = /^\$\{aws_iam_role\.([^.]+)\.arn\}$/.exec(schedule.target.role_arn)![1];
      expect(tf.resource.aws_iam_role[roleId].name).toBe("sfn-dedup-dev-ledger-reconciler-schedule");
      // Without the ledger there is no schedule, and nothing goes to Scheduler.
      expect(passRole(roles.staging).map((statement) => statement.Sid)).toEqual(["PassOwnRolesToLambdaAndStepFunctions"]);
    },
  );

  describe("state", () => {
    it("in a state account: a role there, reaching only this environment's state object and key", () => {
      const { state, plan, deploy } = roles.prod;
      expect(state).toMatchObject({ roleName: "terraform-state", account: "999999999999" });
      expect(state!.trustPolicy.Statement[0].Condition.ArnEquals["aws:PrincipalArn"]).toEqual([
        "arn:aws:iam::111111111111:role/sfn-dedup-github-plan",
        "arn:aws:iam::111111111111:role/sfn-dedup-github-deploy-prod",
      ]);
      // Both pipeline roles assume it and IAM cannot tell which did: it has the deploy's access.
      expect(state!.permissions.Statement.map((statement) => [statement.Sid, statement.Resource])).toEqual([
        ["ListOwnState", ["arn:aws:s3:::acme-terraform-state"]],
        ["ReadOwnState", ["arn:aws:s3:::acme-terraform-state/sfn-dedup/prod/terraform.tfstate"]],
        ["WriteOwnState", ["arn:aws:s3:::acme-terraform-state/sfn-dedup/prod/terraform.tfstate"]],
        ["TakeAndReleaseStateLock", ["arn:aws:s3:::acme-terraform-state/sfn-dedup/prod/terraform.tfstate.tflock"]],
        ["UseStateKey", [context.environments.prod.state.kmsKeyId]],
      ]);
      for (const role of [plan, deploy]) {
        expect(role.permissions.Statement).toContainEqual(
          expect.objectContaining({
            Action: ["sts:AssumeRole", "sts:TagSession"],
            Resource: ["arn:aws:iam::999999999999:role/terraform-state"],
          }),
        );
      }
      expect(deploy.permissions.Statement).toContainEqual(
        expect.objectContaining({ Sid: "AssumeDeployRole", Resource: [context.environments.prod.deployRoleArn] }),
      );
    });

    it(
      "in the environment's own account: the pipeline roles reach the state object directly, the plan to read and lock, the deploy to " +
        "write",
      () => {
        const { state, plan, deploy } = roles.staging;
        expect(state).toBeUndefined();
        const stateObject = "arn:aws:s3:::staging-state/sfn-dedup/staging/terraform.tfstate";
        const stateStatements = (role: RoleDefinition) =>
          role.permissions.Statement.filter((statement) => statement.Resource.some((resource) => resource.startsWith("arn:aws:s3:::")));
        const common = [
          {
            Sid: "ListOwnState",
            Effect: "Allow",
            Action: ["s3:ListBucket"],
            Resource: ["arn:aws:s3:::staging-state"],
            Condition: {
              StringEquals: { "s3:prefix": ["sfn-dedup/staging/terraform.tfstate", "sfn-dedup/staging/terraform.tfstate.tflock"] },
            },
          },
          { Sid: "ReadOwnState", Effect: "Allow", Action: ["s3:GetObject"], Resource: [stateObject] },
        ];
        const lock = {
          Sid: "TakeAndReleaseStateLock",
          Effect: "Allow",
          Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
          Resource: [`${stateObject}.tflock`],
        };
        expect(stateStatements(plan)).toEqual([...common, lock]);
        expect(stateStatements(deploy)).toEqual([
          ...common,
          { Sid: "WriteOwnState", Effect: "Allow", Action: ["s3:PutObject"], Resource: [stateObject] },
          lock,
        ]);
      },
    );
  });

  describe("for environments sharing an account and a state role", () => {
    // dev and staging in one account; staging and prod keep their state through one state role.
    const stateRole = "arn:aws:iam::999999999999:role/terraform-state";
    const sharedState = { bucket: "acme-terraform-state", region: "eu-west-1", roleArn: stateRole };
    const shared = projectConfigFrom({
      environments: {
        dev: { account: "222222222222", region: "eu-west-1", state: { bucket: "dev-state" } },
        staging: { account: "222222222222", region: "eu-central-1", state: sharedState },
        prod: { account: "111111111111", region: "eu-central-1", state: sharedState },
      },
    }).environments;
    const sharedRoles = rolesOf(shared);

    it("define each role once: the same definition whichever environment prints it", () => {
      const byAccountAndName = new Map<string, string>();
      for (const definition of Object.values(sharedRoles).flatMap(definitions)) {
        const address = `${definition.account}:${definition.roleName}`;
        const json = JSON.stringify(definition);
        expect([address, byAccountAndName.get(address) ?? json]).toEqual([address, json]);
        byAccountAndName.set(address, json);
      }
      expect([...byAccountAndName.keys()].sort()).toEqual([
        "111111111111:sfn-dedup-github-deploy-prod",
        "111111111111:sfn-dedup-github-plan",
        "222222222222:sfn-dedup-github-deploy-dev",
        "222222222222:sfn-dedup-github-deploy-staging",
        "222222222222:sfn-dedup-github-plan",
        "999999999999:terraform-state",
      ]);
    });

    it("give each environment its own deploy role, trusted by its GitHub environment only, over its own resources", () => {
      for (const name of ["dev", "staging"]) {
        const { deploy } = sharedRoles[name];
        expect(
          deploy.trustPolicy.Statement.map((statement) => statement.Condition.StringEquals["token.actions.githubusercontent.com:sub"]),
        ).toEqual([`repo:acme/sfn-dedup:environment:${name}`]);
        const named = deploy.permissions.Statement.flatMap((statement) => statement.Resource).filter((resource) =>
          resource.includes("sfn-dedup-"),
        );
        expect(named.length).toBeGreaterThan(5);
        for (const resource of named) expect(resource).toContain(`sfn-dedup-${name}-`);
      }
    });

    it("let the account's plan role read every environment in the account, in each one's region, and lock each one's state", () => {
      const { plan } = sharedRoles.dev;
      const resources = plan.permissions.Statement.flatMap((statement) => statement.Resource);
      expect(resources).toEqual(
        expect.arrayContaining([
          "arn:aws:sns:eu-west-1:222222222222:sfn-dedup-dev-*",
          "arn:aws:sns:eu-central-1:222222222222:sfn-dedup-staging-*",
        ]),
      );
      expect(resources.filter((resource) => resource.includes("sfn-dedup-prod-"))).toEqual([]);
      expect(resources).toEqual(expect.arrayContaining(["arn:aws:s3:::dev-state/sfn-dedup/dev/terraform.tfstate.tflock", stateRole]));
      expect(plan.trustPolicy.Statement[0].Condition.StringEquals["token.actions.githubusercontent.com:sub"]).toBe(
        "repo:acme/sfn-dedup:pull_request",
      );
    });

    it("let the shared state role be assumed by the pipeline roles of every environment it serves, for their state only", () => {
      const state = sharedRoles.prod.state!;
      const [trust] = state.trustPolicy.Statement;
      expect(trust.Principal).toEqual({ AWS: ["arn:aws:iam::222222222222:root", "arn:aws:iam::111111111111:root"] });
      expect(trust.Condition.ArnEquals["aws:PrincipalArn"]).toEqual([
        "arn:aws:iam::222222222222:role/sfn-dedup-github-plan",
        "arn:aws:iam::222222222222:role/sfn-dedup-github-deploy-staging",
        "arn:aws:iam::111111111111:role/sfn-dedup-github-plan",
        "arn:aws:iam::111111111111:role/sfn-dedup-github-deploy-prod",
      ]);
      const objects = state.permissions.Statement.filter((statement) => statement.Sid !== "ListOwnState").flatMap(
        (statement) => statement.Resource,
      );
      expect([...new Set(objects.map((resource) => resource.replace(/\.tflock$/, "")))]).toEqual([
        "arn:aws:s3:::acme-terraform-state/sfn-dedup/staging/terraform.tfstate",
        "arn:aws:s3:::acme-terraform-state/sfn-dedup/prod/terraform.tfstate",
      ]);
    });

    it("keep Sids distinct in every policy, as IAM requires", () => {
      for (const definition of Object.values(sharedRoles).flatMap(definitions)) {
        for (const policy of [definition.permissions, definition.trustPolicy]) {
          const sids = policy.Statement.map((statement) => statement.Sid);
          expect(sids).toEqual([...new Set(sids)]);
        }
      }
    });
  });

  describe("with deployRoleArn, the role the AWS provider assumes in plan and deploy", () => {
    const { plan, deploy, providerRole } = roles.prod;
    const deployRoleArn = context.environments.prod.deployRoleArn;

    it("is defined with what the environment's deploy needs, and only that", () => {
      expect(providerRole).toMatchObject({ roleName: "sfn-dedup-deploy", account: "111111111111" });
      // What dev's deploy role has for dev, prod's provider role has for prod.
      const resourceStatements = (definition: RoleDefinition) =>
        JSON.stringify(definition.permissions.Statement.filter((statement) => !/State|AssumeDeployRole/.test(statement.Sid)));
      // prod without deployRoleArn: its deploy role would have exactly this.
      const plainProd = { environments: { prod: { account: "111111111111", region: "eu-central-1" } } };
      const [withoutDeployRole] = projectConfigFrom(plainProd).environments;
      const plainDeploy = pipelineRolesFor(withoutDeployRole, [withoutDeployRole], "acme/sfn-dedup").deploy;
      expect(resourceStatements(providerRole!)).toBe(resourceStatements(plainDeploy));
      expect(providerRole!.permissions.Statement.map((statement) => statement.Sid)).not.toContain("AssumeDeployRole");
      expect(stringsIn(providerRole!.permissions).filter((value) => value.includes(":s3:::"))).toEqual([]);
    });

    it("leaves the pipeline's own roles the state and the right to assume it, not the environment's resources", () => {
      for (const role of [plan, deploy]) {
        const resources = role.permissions.Statement.flatMap((statement) => statement.Resource);
        expect(resources).toContain(deployRoleArn);
        expect(resources.filter((resource) => resource.includes("sfn-dedup-prod-"))).toEqual([]);
      }
      expect(deploy.permissions.Statement.map((statement) => statement.Sid)).toEqual(["AssumeStateRole", "AssumeDeployRole"]);
    });

    it("may be assumed by the environment's plan and deploy roles, by no other role (IAM simulation)", async () => {
      const request = { roleArn: deployRoleArn, trustPolicy: providerRole!.trustPolicy };
      expect(await roleMayAssume(roleArnOf(plan), plan.permissions, request)).toBe("Allowed");
      expect(await roleMayAssume(roleArnOf(deploy), deploy.permissions, request)).toBe("Allowed");
      // The plan role without its AssumeDeployRole statement: what it had before, and why plans failed.
      const withoutAssume = { ...plan.permissions, Statement: plan.permissions.Statement.filter(({ Sid }) => Sid !== "AssumeDeployRole") };
      expect(await roleMayAssume(roleArnOf(plan), withoutAssume, request)).toBe("ImplicitlyDenied");
      // Another role of the account, even one allowed sts:AssumeRole on it, and another environment's deploy role.
      expect(await roleMayAssume("arn:aws:iam::111111111111:role/someone-else", deploy.permissions, request)).toBe("ImplicitlyDenied");
      expect(await roleMayAssume(roleArnOf(roles.dev.deploy), deploy.permissions, request)).toBe("ImplicitlyDenied");
    });

    it("is one definition for the environments that name it, each one's deploy scoped to its own resources", () => {
      const sharedArn = "arn:aws:iam::222222222222:role/deployer";
      const shared = projectConfigFrom({
        environments: {
          dev: { account: "222222222222", region: "eu-west-1", deployRoleArn: sharedArn },
          staging: { account: "222222222222", region: "eu-central-1", deployRoleArn: sharedArn },
        },
      }).environments;
      const [dev, staging] = shared.map((environment) => pipelineRolesFor(environment, shared, "acme/sfn-dedup"));
      expect(JSON.stringify(dev.providerRole)).toBe(JSON.stringify(staging.providerRole));
      expect(dev.providerRole!.trustPolicy.Statement[0].Condition.ArnEquals["aws:PrincipalArn"]).toEqual([
        "arn:aws:iam::222222222222:role/sfn-dedup-github-plan",
        "arn:aws:iam::222222222222:role/sfn-dedup-github-deploy-dev",
        "arn:aws:iam::222222222222:role/sfn-dedup-github-deploy-staging",
      ]);
      const topics = ["arn:aws:sns:eu-west-1:222222222222:sfn-dedup-dev-*", "arn:aws:sns:eu-central-1:222222222222:sfn-dedup-staging-*"];
      expect(stringsIn(dev.providerRole!.permissions)).toEqual(expect.arrayContaining(topics));
    });
  });

  describe.each([
    ["aws-cn", "cn-north-1", "cn-northwest-1"],
    ["aws-us-gov", "us-gov-west-1", "us-gov-east-1"],
  ])("in the %s partition (%s)", (partition, region, stateRegion) => {
    const partitionContext = {
      environments: {
        prod: {
          account: "111111111111",
          region,
          deployRoleArn: `arn:${partition}:iam::111111111111:role/sfn-dedup-deploy`,
          state: {
            bucket: "acme-terraform-state",
            region: stateRegion,
            roleArn: `arn:${partition}:iam::999999999999:role/terraform-state`,
          },
        },
        staging: {
          account: "111111111111",
          region,
          state: { bucket: "acme-staging-state" },
          kmsKeyArn: `arn:${partition}:kms:${region}:111111111111:key/0f1e2d3c`,
        },
      },
    };
    const environments = projectConfigFrom(partitionContext).environments;
    const partitionRoles = rolesOf(environments);

    it("every ARN of every role names the partition: resources, roles, state, the OIDC provider", () => {
      const arns = Object.values(partitionRoles)
        .flatMap(definitions)
        .flatMap((definition) => stringsIn([definition.trustPolicy, definition.permissions]))
        .filter((value) => value.startsWith("arn:"));
      expect(arns.length).toBeGreaterThan(40);
      expect(arns.filter((arn) => !arn.startsWith(`arn:${partition}:`))).toEqual([]);
      expect(partitionRoles.prod.plan.trustPolicy.Statement[0].Principal).toEqual({
        Federated: `arn:${partition}:iam::111111111111:oidc-provider/token.actions.githubusercontent.com`,
      });
      const stagingState = `arn:${partition}:s3:::acme-staging-state/sfn-dedup/staging/terraform.tfstate`;
      expect(stringsIn(partitionRoles.staging.deploy.permissions)).toContain(stagingState);
    });

    it("lets the plan and deploy roles assume the state and deploy roles there (IAM simulation)", async () => {
      const { plan, deploy, state, providerRole } = partitionRoles.prod;
      for (const [target, trust] of [
        [`arn:${partition}:iam::999999999999:role/terraform-state`, state!.trustPolicy],
        [`arn:${partition}:iam::111111111111:role/sfn-dedup-deploy`, providerRole!.trustPolicy],
      ] as const) {
        const request = { roleArn: target, trustPolicy: trust };
        expect(await roleMayAssume(roleArnOf(plan, partition), plan.permissions, request)).toBe("Allowed");
        expect(await roleMayAssume(roleArnOf(deploy, partition), deploy.permissions, request)).toBe("Allowed");
        // staging's deploy role, even with prod's permissions: not trusted.
        const stagingDeploy = roleArnOf(partitionRoles.staging.deploy, partition);
        expect(await roleMayAssume(stagingDeploy, deploy.permissions, request)).toBe("ImplicitlyDenied");
      }
    });

    it("are what npm run pipeline-roles prints and the roles npm run environments gives the workflow", () => {
      const run = (...args: string[]) =>
        JSON.parse(
          execFileSync("npm", ["run", "--silent", ...args], {
            cwd: PROJECT_ROOT,
            env: { ...process.env, CDKTF_CONTEXT_JSON: JSON.stringify(partitionContext) },
            encoding: "utf8",
          }),
        );
      const printed = run("pipeline-roles", "--", "prod", "--repository", "acme/sfn-dedup");
      expect(printed).toEqual(JSON.parse(JSON.stringify(partitionRoles.prod)));
      const prod = (run("environments") as Array<Record<string, string>>).find((environment) => environment.name === "prod");
      expect(prod).toMatchObject({
        planRole: `arn:${partition}:iam::111111111111:role/sfn-dedup-github-plan`,
        deployRole: `arn:${partition}:iam::111111111111:role/sfn-dedup-github-deploy-prod`,
      });
    });
  });

  it("refuse an environment named github-…, whose resource names would cover the pipeline's own roles", () => {
    const [github] = projectConfigFrom({ environments: { "github-ci": { account: "222222222222", region: "eu-west-1" } } }).environments;
    expect(() => pipelineRolesFor(github, [github], "acme/sfn-dedup")).toThrow(
      "Environment github-ci: its resources would be named sfn-dedup-github-ci-*, which covers the pipeline's own roles",
    );
  });

  it("are printed for an environment by npm run pipeline-roles", () => {
    const output = execFileSync("npm", ["run", "--silent", "pipeline-roles", "--", "prod", "--repository", "acme/sfn-dedup"], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, CDKTF_CONTEXT_JSON: JSON.stringify(context) },
      encoding: "utf8",
    });
    expect(JSON.parse(output)).toEqual(JSON.parse(JSON.stringify(roles.prod)));
  });

  it("are not printed for a mistaken npm run pipeline-roles: its usage instead, exit status 2", () => {
    const result = spawnSync("npm", ["run", "--silent", "pipeline-roles", "--", "prod", "--repo", "acme/sfn-dedup"], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, CDKTF_CONTEXT_JSON: JSON.stringify(context) },
      encoding: "utf8",
    });
    expect(result.status).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr).toBe(
      "Unknown option: --repo\n\nusage: npm run --silent pipeline-roles -- <environment> --repository <owner>/<repo>\n",
    );
  });
});

describe(".github/workflows/cdktf.yml", () => {
  const workflowText = fs.readFileSync(path.join(PROJECT_ROOT, ".github", "workflows", "cdktf.yml"), "utf8");
  const workflow = parse(workflowText);
  type Step = { id?: string; if?: string; uses?: string; run?: string; with?: Record<string, string> };
  const steps = (job: string) => workflow.jobs[job].steps as Step[];
  const runs = (job: string) =>
    steps(job)
      .map((step) => step.run ?? "")
      .join("\n");

  it("tests and synthesizes every change, as .ci/run and README.md do", () => {
    expect(Object.keys(workflow.on)).toEqual(["pull_request", "push"]);
    expect(runs("test")).toContain("npm ci");
    expect(runs("test")).toContain("npm test");
    expect(runs("test")).toContain("npm run synth");
    expect(runs("test")).toContain("npm run --silent environments");
  });

  it("plans every environment on pull requests and posts each plan", () => {
    expect(workflow.jobs.plan.if).toContain("github.event_name == 'pull_request'");
    expect(workflow.jobs.plan.strategy.matrix.include).toBe("${{ fromJSON(needs.test.outputs.environments) }}");
    expect(runs("plan")).toContain(`npx ${TOOLKIT_CLI} diff "$STACK" --skip-synth`);
    expect(
      steps("plan").some((step) => step.uses?.startsWith("actions/github-script@") && step.with?.script?.includes("createComment")),
    ).toBe(true);
    expect(workflow.jobs.plan.permissions).toEqual({ contents: "read", "id-token": "write", "pull-requests": "write" });
  });

  it("deploys on main one environment at a time, each behind its GitHub environment's protection", () => {
    const deploy = workflow.jobs.deploy;
    expect(deploy.if).toContain("github.ref == 'refs/heads/main'");
    expect(deploy.environment).toBe("${{ matrix.name }}");
    expect(deploy.strategy).toMatchObject({ "max-parallel": 1, "fail-fast": true });
    expect(deploy.needs).toEqual(["test", "scan"]);
    expect(runs("deploy")).toContain(`npx ${TOOLKIT_CLI} deploy "$STACK" --skip-synth --auto-approve`);
  });

  it("reaches AWS only through the OIDC roles npm run environments names for each environment", () => {
    for (const [job, role] of [
      ["plan", "planRole"],
      ["deploy", "deployRole"],
    ]) {
      const credentials = steps(job).find((step) => step.uses?.startsWith("aws-actions/configure-aws-credentials@"));
      expect(credentials?.with?.["role-to-assume"]).toBe(`\${{ matrix.${role} }}`);
      expect(workflow.jobs[job].permissions["id-token"]).toBe("write");
    }
    expect(workflow.permissions).toEqual({ contents: "read" });
  });

  it("pins every action to a full commit SHA, its version named beside it", () => {
    const uses = Object.keys(workflow.jobs).flatMap(
      (job) =>
        steps(job)
          .map((step) => step.uses)
          .filter(Boolean) as string[],
    );
    expect(uses.length).toBeGreaterThan(10);
    for (const action of uses) {
      expect(action).toMatch(/^[\w.-]+\/[\w.-]+@[0-9a-f]{40}$/);
    }
    // The parsed YAML drops comments: read the lines, each `uses:` followed by `# v<version>`.
    const lines = workflowText.split("\n").filter((line) => /^\s*-?\s*uses:/.test(line));
    expect(lines.length).toBe(uses.length);
    expect(lines.filter((line) => !/uses: [\w.-]+\/[\w.-]+@[0-9a-f]{40} # v\d+(\.\d+)+$/.test(line))).toEqual([]);
  });

  describe("scans every change with Checkov and Trivy", () => {
    const scan = () => steps("scan");
    const index = (matches: (step: Step) => boolean) => scan().findIndex(matches);
    const checkov = () => scan().find((step) => step.uses?.startsWith("bridgecrewio/checkov-action@"));
    const trivy = () => scan().find((step) => step.uses?.startsWith("aquasecurity/trivy-action@"));

    it("on pull requests and pushes alike, with the Node.js and dependencies the test job has", () => {
      expect(workflow.jobs.scan.if).toBeUndefined();
      expect(Object.keys(workflow.on)).toContain("pull_request");
      const setupNode = scan().find((step) => step.uses?.startsWith("actions/setup-node@"));
      expect(setupNode?.with?.["node-version"]).toBe("${{ env.NODE_VERSION }}");
      expect(index((step) => step.run === "npm ci")).toBeGreaterThan(-1);
    });

    it("on the HCL that npm run synth:hcl writes, synthesized before either scanner runs", () => {
      const synth = index((step) => step.run === "npm run synth:hcl");
      expect(synth).toBeGreaterThan(index((step) => step.run === "npm ci"));
      expect(synth).toBeLessThan(index((step) => step === checkov()));
      expect(synth).toBeLessThan(index((step) => step === trivy()));
      expect(runs("scan")).not.toMatch(/npm run synth(?!:hcl)/);
    });

    it("Checkov with .checkov.yaml, failing on any check it does not skip", () => {
      expect(checkov()?.with).toEqual({ directory: "cdktf.out/stacks", config_file: ".checkov.yaml", output_format: "cli" });
    });

    it("Trivy's config scan with .trivyignore, failing on any finding it does not ignore, after a failed Checkov step too", () => {
      expect(trivy()?.with).toMatchObject({ "scan-type": "config", "scan-ref": "cdktf.out/stacks", trivyignores: ".trivyignore" });
      expect(trivy()?.with?.["exit-code"]).toBe("1");
      expect(trivy()?.if).toBe("${{ !cancelled() && steps.synth.outcome == 'success' }}");
      expect(scan().find((step) => step.run === "npm run synth:hcl")?.id).toBe("synth");
    });
  });
});
