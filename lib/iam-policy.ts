/**
 * An IAM statement this project grants. Every statement names its resources; a wildcard resource needs a
 * written reason (a few AWS actions, such as X-Ray's, accept no other), and wildcard actions are refused.
 */
export interface PolicyStatement {
  /** Short identifier shown in the IAM console and in plans. */
  readonly sid: string;
  readonly actions: readonly string[];
  readonly resources: readonly string[];
  /** Required when `resources` is `["*"]`: why no narrower resource exists. */
  readonly wildcardResourceReason?: string;
  /** IAM condition block, e.g. `{ StringEquals: { "kms:ViaService": "sns.eu-west-1.amazonaws.com" } }`. */
  readonly conditions?: Readonly<Record<string, Readonly<Record<string, string | readonly string[]>>>>;
}

/** The JSON policy document, as a string in which Terraform references are interpolated. */
export function policyDocument(statements: readonly PolicyStatement[]): string {
  if (statements.length === 0) {
    throw new Error("A policy needs at least one statement.");
  }
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: statements.map((statement) => {
      checkLeastPrivilege(statement);
      return {
        Sid: statement.sid,
        Effect: "Allow",
        Action: [...statement.actions],
        Resource: [...statement.resources],
        ...(statement.conditions ? { Condition: statement.conditions } : {}),
      };
    }),
  });
}

/**
 * On whose behalf a service assumes a role, as the service states it in the request: `aws:SourceAccount`,
 * and `aws:SourceArn` where the service sets it. Conditions on them keep the service from assuming the
 * role for another account's resources (the cross-service confused deputy), but a key the service does
 * not set fails the condition: use only what the service's documentation says it sets.
 */
export interface ServiceSource {
  readonly account: string;
  readonly arn?: string;
}

/** Trust policy that lets exactly one AWS service assume the role, on behalf of `source` when given. */
export function serviceTrustPolicy(servicePrincipal: string, source?: ServiceSource): string {
  const condition = source && {
    StringEquals: { "aws:SourceAccount": source.account },
    ...(source.arn ? { ArnEquals: { "aws:SourceArn": source.arn } } : {}),
  };
  const statement = { Effect: "Allow", Principal: { Service: servicePrincipal }, Action: "sts:AssumeRole" };
  return JSON.stringify({ Version: "2012-10-17", Statement: [condition ? { ...statement, Condition: condition } : statement] });
}

function checkLeastPrivilege(statement: PolicyStatement): void {
  if (!/^[A-Za-z0-9]+$/.test(statement.sid)) {
    throw new Error(`IAM statement id "${statement.sid}" must be alphanumeric.`);
  }
  if (statement.actions.length === 0) {
    throw new Error(`IAM statement ${statement.sid} names no actions.`);
  }
  const wildcardAction = statement.actions.find((action) => action.includes("*"));
  if (wildcardAction) {
    throw new Error(`IAM statement ${statement.sid} uses the wildcard action "${wildcardAction}"; name each action.`);
  }
  if (statement.resources.length === 0) {
    throw new Error(`IAM statement ${statement.sid} names no resources.`);
  }
  if (statement.resources.includes("*") && !statement.wildcardResourceReason) {
    throw new Error(`IAM statement ${statement.sid} grants on every resource ("*") without a reason; name the resources.`);
  }
}
