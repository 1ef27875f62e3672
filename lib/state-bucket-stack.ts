import type { Construct } from "constructs";
import { awsProvider } from "./aws-provider";
import { type StateBucketConfig, stateBucketStackName } from "./config/project-config";
import { defaultTags } from "./project-tags";
import { PROJECT_NAME } from "./resource-names";
import { stateBackend } from "./state-backend";
import {
  S3Bucket,
  S3BucketLifecycleConfiguration,
  S3BucketOwnershipControls,
  S3BucketPolicy,
  S3BucketPublicAccessBlock,
  S3BucketServerSideEncryptionConfigurationA,
  S3BucketVersioningA,
} from "./toolkit/aws-provider";
import { TerraformOutput, TerraformStack } from "./toolkit/cdktf";

/** Old state versions are kept this long after being replaced: long enough to roll back a bad apply. */
export const NONCURRENT_STATE_VERSION_DAYS = 90;

/**
 * Bootstraps a Terraform state bucket the way trusted state stores are run: versioned, encrypted with KMS
 * by default, private (public access blocked, ACLs disabled), reachable over TLS only, old versions
 * expired, and protected from `terraform destroy`. Its own state stays local: it cannot live in the
 * bucket it creates.
 */
export class StateBucketStack extends TerraformStack {
  public readonly bucket: S3Bucket;

  constructor(scope: Construct, config: StateBucketConfig) {
    super(scope, stateBucketStackName(config.bucket));
    this.addOverride("terraform.required_version", ">= 1.10");
    awsProvider(this, {
      region: config.region,
      // The state account (the role's, or else that of the environments using the bucket): nothing else may be touched.
      account: config.account,
      roleArn: config.roleArn,
      sessionName: `${PROJECT_NAME}-${this.node.id}`.slice(0, 64),
      defaultTags: defaultTags("state", {}),
    });
    stateBackend(this, undefined);

    this.bucket = new S3Bucket(this, "bucket", {
      bucket: config.bucket,
      lifecycle: { preventDestroy: true },
    });
    const bucket = this.bucket.id;

    new S3BucketOwnershipControls(this, "ownership", {
      bucket,
      rule: { objectOwnership: "BucketOwnerEnforced" },
    });
    new S3BucketPublicAccessBlock(this, "public-access-block", {
      bucket,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    const versioning = new S3BucketVersioningA(this, "versioning", {
      bucket,
      versioningConfiguration: { status: "Enabled" },
    });
    new S3BucketServerSideEncryptionConfigurationA(this, "encryption", {
      bucket,
      rule: [
        {
          // aws:kms with no key named uses the account's aws/s3 key.
          applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: config.kmsKeyId },
          bucketKeyEnabled: true,
        },
      ],
    });
    new S3BucketPolicy(this, "tls-only", {
      bucket,
      policy: tlsOnlyPolicy(this.bucket.arn),
    });
    new S3BucketLifecycleConfiguration(this, "expire-old-versions", {
      bucket,
      rule: [
        {
          id: "expire-noncurrent-state-versions",
          status: "Enabled",
          filter: [{}],
          noncurrentVersionExpiration: [{ noncurrentDays: NONCURRENT_STATE_VERSION_DAYS }],
          abortIncompleteMultipartUpload: [{ daysAfterInitiation: 7 }],
        },
      ],
      // Noncurrent-version rules mean nothing until versioning is on.
      dependsOn: [versioning],
    });

    new TerraformOutput(this, "bucket_name", {
      value: this.bucket.bucket,
      description: `State bucket of: ${config.environments.join(", ")}.`,
    });
    new TerraformOutput(this, "bucket_arn", { value: this.bucket.arn });
  }
}

/**
 * A resource policy that refuses every request not made over TLS 1.2 or later. Deny statements name all
 * principals and all S3 actions on purpose: they take permissions away, whoever asks.
 */
function tlsOnlyPolicy(bucketArn: string): string {
  const resources = [bucketArn, `${bucketArn}/*`];
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "DenyInsecureTransport",
        Effect: "Deny",
        Principal: "*",
        Action: "s3:*",
        Resource: resources,
        Condition: { Bool: { "aws:SecureTransport": "false" } },
      },
      {
        Sid: "DenyOutdatedTls",
        Effect: "Deny",
        Principal: "*",
        Action: "s3:*",
        Resource: resources,
        Condition: { NumericLessThan: { "s3:TlsVersion": "1.2" } },
      },
    ],
  });
}
