/** What each configured value must look like; each pattern's error message says it in words. */

export const ENVIRONMENT_NAME = /^[a-z](?:[a-z0-9-]{0,18}[a-z0-9])?$/;
export const AWS_ACCOUNT_ID = /^\d{12}$/;
/** The shape only; aws-regions.ts then requires a region the AWS SDK knows. */
export const AWS_REGION = /^[a-z]{2,4}(?:-[a-z]+){1,3}-\d{1,2}$/;
/** Captures the role's account, which must be the environment's own. */
export const IAM_ROLE_ARN = /^arn:aws(?:-[a-z]+)*:iam::(\d{12}):role\/[\w+=,.@/-]{1,512}$/;
export const KMS_KEY_ARN = /^arn:aws(?:-[a-z]+)*:kms:[a-z0-9-]+:\d{12}:(?:key\/[A-Za-z0-9-]+|alias\/[A-Za-z0-9/_-]+)$/;
/** A KMS key itself, not an alias: log groups, tables and functions take only keys. Captures the region. */
export const KMS_KEY_ONLY_ARN = /^arn:aws(?:-[a-z]+)*:kms:([a-z0-9-]+):\d{12}:key\/[A-Za-z0-9-]+$/;
/** S3 bucket naming rules: 3-63 lower-case letters, digits, dots and hyphens; no "..", not an IP address. */
export const S3_BUCKET_NAME = /^(?!\d+\.\d+\.\d+\.\d+$)(?!xn--)(?!.*\.\.)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
/** An S3 object key without leading slash or whitespace. */
export const S3_STATE_KEY = /^[^/\s]\S{0,1023}$/;
/** Deliberately plain: one @, no spaces, a dotted domain. SNS does the real check when it mails. */
export const EMAIL_ADDRESS = /^[^\s@]+@[^\s@]+\.[^\s@.]+$/;
/** A top-level JSON field name: what a client can send, what the Lambda reads by name. */
export const REQUEST_FIELD_NAME = /^[A-Za-z_][A-Za-z0-9_-]{0,63}$/;
/** AWS tag keys (1-128) and values (0-256): letters, digits, spaces and _ . : / = + - @. */
export const TAG_KEY = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{1,128}$/u;
export const TAG_VALUE = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{0,256}$/u;
