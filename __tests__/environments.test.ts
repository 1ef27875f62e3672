import "./support/cdktf-matchers";
import {
  AwsProvider,
  S3Bucket,
  S3BucketLifecycleConfiguration,
  S3BucketOwnershipControls,
  S3BucketPublicAccessBlock,
  S3BucketServerSideEncryptionConfigurationA,
  S3BucketVersioningA,
} from "../lib/toolkit/aws-provider";
import { onlyResource, referenceTo, synthProject, type TerraformJson } from "./support/synth";

/** One state account (999999999999) holds the state of every environment that has remote state. */
const sharedState = { bucket: "acme-terraform-state", region: "eu-west-1", roleArn: "arn:aws:iam::999999999999:role/terraform-state" };
const context = {
  environments: {
    dev: { account: "222222222222", region: "eu-west-1", tags: { team: "payments" } },
    staging: { account: "222222222222", region: "eu-west-1", state: sharedState },
    prod: {
      account: "111111111111",
      region: "eu-central-1",
      deployRoleArn: "arn:aws:iam::111111111111:role/sfn-dedup-deploy",
      state: sharedState,
    },
  },
};

/**
 * The names a stack gives that must be unique in its account and region. Stage and inline policy names
 * are scoped to their API and role; every other name is account-wide. References (a permission's
 * function_name) name another resource, already counted.
 */
function accountWideNames(tf: TerraformJson): string[] {
  const scopedToParent = ["aws_apigatewayv2_stage", "aws_iam_role_policy"];
  return Object.entries(tf.resource)
    .filter(([type]) => !scopedToParent.includes(type))
    .flatMap(([, byId]) =>
      Object.values(byId).flatMap((resource) =>
        [resource.name, resource.function_name].filter((name): name is string => typeof name === "string" && !name.startsWith("${")),
      ),
    );
}

describe("environments", () => {
  const stacks = synthProject(context);

  it("become one stack each, named after the environment, plus one bootstrap stack per state bucket", () => {
    expect(Object.keys(stacks)).toEqual(["dev", "staging", "prod", "state-acme-terraform-state"]);
  });

  describe("the AWS provider", () => {
    it("refuses any account but the environment's, assumes the deploy role, and tags everything", () => {
      expect(stacks.prod.synthesized).toHaveProviderWithProperties(AwsProvider, {
        region: "eu-central-1",
        allowed_account_ids: ["111111111111"],
        assume_role: [{ role_arn: "arn:aws:iam::111111111111:role/sfn-dedup-deploy", session_name: "sfn-dedup-prod" }],
        default_tags: [{ tags: { project: "sfn-dedup", environment: "prod", "managed-by": "cdktf" } }],
      });
    });

    it("adds the configured tags to the project's own, and assumes nothing without a deploy role", () => {
      const [provider] = stacks.dev.tf.provider.aws;
      expect(provider).toEqual({
        region: "eu-west-1",
        allowed_account_ids: ["222222222222"],
        default_tags: [{ tags: { team: "payments", project: "sfn-dedup", environment: "dev", "managed-by": "cdktf" } }],
      });
    });

    it("is not pinned to an account in the unconfigured default stack, which has none", () => {
      const { default: stack } = synthProject({});
      expect(stack.tf.provider.aws).toEqual([
        { region: "us-east-1", default_tags: [{ tags: { project: "sfn-dedup", environment: "default", "managed-by": "cdktf" } }] },
      ]);
    });
  });

  describe("state", () => {
    it("is local, at a relative path, without a state setting", () => {
      expect(stacks.dev.tf.terraform.backend).toEqual({ local: { path: "../../../terraform.dev.tfstate" } });
    });

    it("is in S3 with a key per environment, encrypted, locked by S3 itself", () => {
      expect(stacks.staging.tf.terraform.backend.s3).toMatchObject({
        bucket: "acme-terraform-state",
        key: "sfn-dedup/staging/terraform.tfstate",
        region: "eu-west-1",
        encrypt: true,
        use_lockfile: true,
      });
      expect(stacks.prod.tf.terraform.backend.s3.key).toBe("sfn-dedup/prod/terraform.tfstate");
    });

    it("is reached through the state account's role, with the KMS key when one is given", () => {
      const kmsKeyId = "arn:aws:kms:eu-west-1:999999999999:key/1234abcd-12ab-34cd-56ef-1234567890ab";
      const withKey = synthProject({ environments: { prod: { ...context.environments.prod, state: { ...sharedState, kmsKeyId } } } });
      expect(stacks.prod.tf.terraform.backend.s3).toEqual({
        bucket: "acme-terraform-state",
        key: "sfn-dedup/prod/terraform.tfstate",
        region: "eu-west-1",
        encrypt: true,
        use_lockfile: true,
        assume_role: { role_arn: "arn:aws:iam::999999999999:role/terraform-state", session_name: "prod-state" },
      });
      expect(withKey.prod.tf.terraform.backend.s3).toMatchObject({ kms_key_id: kmsKeyId });
    });

    it("requires terraform 1.10, which S3-native locking needs", () => {
      for (const stack of Object.values(stacks)) {
        expect(stack.tf.terraform.required_version).toBe(">= 1.10");
      }
    });
  });

  it("never collide in one account: every named resource carries project and environment", () => {
    const dev = accountWideNames(stacks.dev.tf);
    const staging = accountWideNames(stacks.staging.tf);
    expect(dev.length).toBeGreaterThanOrEqual(7);
    for (const name of dev) {
      expect(name).toMatch(/sfn-dedup-dev-/);
    }
    expect(dev.filter((name) => staging.includes(name))).toEqual([]);
  });

  it("never collide in one account with the ledger on either: its table, function, queue, rule, log group and role too", () => {
    const withLedger = { account: "222222222222", region: "eu-west-1", ledger: true };
    const ledgerStacks = synthProject({ environments: { dev: withLedger, staging: withLedger } });
    const dev = accountWideNames(ledgerStacks.dev.tf);
    const staging = accountWideNames(ledgerStacks.staging.tf);
    expect(dev).toEqual(
      expect.arrayContaining([
        "sfn-dedup-dev-ledger",
        "sfn-dedup-dev-ledger-status",
        "sfn-dedup-dev-ledger-status-dlq",
        "sfn-dedup-dev-execution-status",
        "/aws/lambda/sfn-dedup-dev-ledger-status",
        "sfn-dedup-dev-ledger-status-function",
      ]),
    );
    expect(dev.length).toBeGreaterThan(accountWideNames(stacks.dev.tf).length);
    for (const [environment, names] of [
      ["dev", dev],
      ["staging", staging],
    ] as const) {
      for (const name of names) {
        expect({ environment, name }).toEqual({ environment, name: expect.stringContaining(`sfn-dedup-${environment}-`) });
      }
    }
    expect(dev.filter((name) => staging.includes(name))).toEqual([]);
  });

  it("pin a state bucket without a state role to the account of the environments that use it", () => {
    const { tf } = synthProject({
      environments: {
        dev: { account: "222222222222", region: "eu-west-1", state: { bucket: "acme-dev-state" } },
        test: { account: "222222222222", region: "eu-west-1", state: { bucket: "acme-dev-state" } },
      },
    })["state-acme-dev-state"];
    expect(tf.provider.aws).toEqual([expect.objectContaining({ region: "eu-west-1", allowed_account_ids: ["222222222222"] })]);
    expect(tf.provider.aws[0].assume_role).toBeUndefined();
  });

  describe("the state bucket's bootstrap stack", () => {
    const { synthesized, tf } = stacks["state-acme-terraform-state"];
    const bucket = referenceTo(tf, "aws_s3_bucket", "id");

    it("works in the state account through the state role, keeping its own state local", () => {
      expect(tf.provider.aws).toEqual([
        {
          region: "eu-west-1",
          allowed_account_ids: ["999999999999"],
          assume_role: [
            { role_arn: "arn:aws:iam::999999999999:role/terraform-state", session_name: "sfn-dedup-state-acme-terraform-state" },
          ],
          default_tags: [{ tags: { project: "sfn-dedup", environment: "state", "managed-by": "cdktf" } }],
        },
      ]);
      expect(tf.terraform.backend).toEqual({ local: { path: "../../../terraform.state-acme-terraform-state.tfstate" } });
    });

    it("creates the bucket protected from destroy", () => {
      expect(synthesized).toHaveResourceWithProperties(S3Bucket, { bucket: "acme-terraform-state", lifecycle: { prevent_destroy: true } });
    });

    it("versions every state write", () => {
      expect(synthesized).toHaveResourceWithProperties(S3BucketVersioningA, { bucket, versioning_configuration: { status: "Enabled" } });
    });

    it("encrypts with KMS by default, with a bucket key", () => {
      expect(synthesized).toHaveResourceWithProperties(S3BucketServerSideEncryptionConfigurationA, {
        bucket,
        rule: [{ apply_server_side_encryption_by_default: { sse_algorithm: "aws:kms" }, bucket_key_enabled: true }],
      });
    });

    it("is private: public access blocked, ACLs disabled", () => {
      expect(synthesized).toHaveResourceWithProperties(S3BucketPublicAccessBlock, {
        bucket,
        block_public_acls: true,
        block_public_policy: true,
        ignore_public_acls: true,
        restrict_public_buckets: true,
      });
      expect(synthesized).toHaveResourceWithProperties(S3BucketOwnershipControls, {
        bucket,
        rule: { object_ownership: "BucketOwnerEnforced" },
      });
    });

    it("refuses every request that is not TLS 1.2 or later", () => {
      const policy = JSON.parse(onlyResource(tf, "aws_s3_bucket_policy").policy);
      const arn = referenceTo(tf, "aws_s3_bucket", "arn");
      expect(policy.Statement).toEqual([
        expect.objectContaining({
          Effect: "Deny",
          Principal: "*",
          Action: "s3:*",
          Resource: [arn, `${arn}/*`],
          Condition: { Bool: { "aws:SecureTransport": "false" } },
        }),
        expect.objectContaining({
          Effect: "Deny",
          Principal: "*",
          Action: "s3:*",
          Resource: [arn, `${arn}/*`],
          Condition: { NumericLessThan: { "s3:TlsVersion": "1.2" } },
        }),
      ]);
    });

    it("expires replaced state versions after 90 days, once versioning is on", () => {
      expect(synthesized).toHaveResourceWithProperties(S3BucketLifecycleConfiguration, {
        bucket,
        rule: [
          {
            id: "expire-noncurrent-state-versions",
            status: "Enabled",
            filter: [{}],
            noncurrent_version_expiration: [{ noncurrent_days: 90 }],
            abort_incomplete_multipart_upload: [{ days_after_initiation: 7 }],
          },
        ],
        depends_on: [expect.stringMatching(/^aws_s3_bucket_versioning\./)],
      });
    });

    it("uses the configured KMS key for default encryption", () => {
      const kmsKeyId = "arn:aws:kms:eu-west-1:999999999999:key/1234abcd-12ab-34cd-56ef-1234567890ab";
      const withKey = synthProject({ environments: { prod: { ...context.environments.prod, state: { ...sharedState, kmsKeyId } } } });
      expect(withKey["state-acme-terraform-state"].synthesized).toHaveResourceWithProperties(S3BucketServerSideEncryptionConfigurationA, {
        rule: [
          { apply_server_side_encryption_by_default: { sse_algorithm: "aws:kms", kms_master_key_id: kmsKeyId }, bucket_key_enabled: true },
        ],
      });
    });
  });
});
