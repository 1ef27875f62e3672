import { runSimulation } from "@cloud-copilot/iam-simulate";

export type Decision = "Allowed" | "ExplicitlyDenied" | "ImplicitlyDenied";

interface AssumeRoleRequest {
  /** The role to assume, whose trust policy is evaluated. */
  readonly roleArn: string;
  readonly trustPolicy: unknown;
  /** The request's global condition keys, e.g. the service's `aws:SourceAccount` and `aws:SourceArn`. */
  readonly context?: Record<string, string>;
}

/**
 * Whether an AWS service may assume a role, as IAM decides it (in-process, @cloud-copilot/iam-simulate):
 * the trust policy is the role's resource policy, and a service principal carries no identity policy.
 */
export async function serviceMayAssume(service: string, request: AssumeRoleRequest): Promise<Decision> {
  return assumeRole(service, [], request);
}

/**
 * Whether a session of `sessionRoleArn` (its identity policy `permissions`) may assume a role. Same
 * account or not, a role's trust policy that names the account (not the role) leaves the decision to the
 * caller's identity policy, so both are evaluated.
 */
export async function roleMayAssume(sessionRoleArn: string, permissions: unknown, request: AssumeRoleRequest): Promise<Decision> {
  const [, partition, , , account, resource] = sessionRoleArn.split(":");
  const roleName = resource.slice(resource.lastIndexOf("/") + 1);
  const session = `arn:${partition}:sts::${account}:assumed-role/${roleName}/pipeline`;
  return assumeRole(session, [{ name: "permissions", policy: permissions }], {
    ...request,
    context: { "aws:PrincipalArn": sessionRoleArn, "aws:PrincipalAccount": account, ...request.context },
  });
}

type IdentityPolicies = Array<{ name: string; policy: unknown }>;

async function assumeRole(principal: string, identityPolicies: IdentityPolicies, request: AssumeRoleRequest): Promise<Decision> {
  const response = await runSimulation(
    {
      request: {
        principal,
        action: "sts:AssumeRole",
        resource: { resource: request.roleArn, accountId: request.roleArn.split(":")[4] },
        contextVariables: request.context ?? {},
      },
      identityPolicies,
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy: request.trustPolicy,
    },
    {},
  );
  // A policy the simulator cannot read would otherwise pass as a denial.
  if (response.resultType === "error") throw new Error(`IAM simulation refused its input: ${JSON.stringify(response.errors)}`);
  return response.overallResult as Decision;
}

/**
 * Whether a session of a role whose one identity policy is `policy` may call `action` on `resource`, as IAM
 * decides it: what a function may do with its execution role's credentials.
 */
export async function roleMayCall(roleArn: string, policy: unknown, action: string, resource: string): Promise<Decision> {
  const response = await runSimulation(
    {
      request: { principal: roleArn, action, resource: { resource, accountId: roleArn.split(":")[4] }, contextVariables: {} },
      identityPolicies: [{ name: "inline", policy }],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
    },
    {},
  );
  if (response.resultType === "error")
    throw new Error(`IAM simulation of ${action} on ${resource} refused its input: ${JSON.stringify(response.errors)}`);
  return response.overallResult as Decision;
}

/**
 * Whether an AWS service, acting for one of its resources (`context`: `aws:SourceAccount`, `aws:SourceArn`, …),
 * may call `action` on a resource whose resource policy is `resourcePolicy` (a topic's policy, a key's policy),
 * as IAM decides it: a service principal carries no identity policy.
 */
export async function serviceMayCall(
  service: string,
  action: string,
  resource: string,
  resourcePolicy: unknown,
  context: Record<string, string>,
): Promise<Decision> {
  const response = await runSimulation(
    {
      request: { principal: service, action, resource: { resource, accountId: resource.split(":")[4] }, contextVariables: context },
      identityPolicies: [],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy,
    },
    {},
  );
  if (response.resultType === "error")
    throw new Error(`IAM simulation of ${action} on ${resource} refused its input: ${JSON.stringify(response.errors)}`);
  return response.overallResult as Decision;
}
