import { Construct } from "constructs";
import { type PolicyStatement, policyDocument, type ServiceSource, serviceTrustPolicy } from "./iam-policy";
import { IamRole, IamRolePolicy } from "./toolkit/aws-provider";

export interface ServiceRoleProps {
  readonly name: string;
  /** The one service that may assume the role, e.g. `lambda.amazonaws.com`. */
  readonly servicePrincipal: string;
  /**
   * The account (and resource) the service must be acting for, as it sets `aws:SourceAccount` (and
   * `aws:SourceArn`) when it assumes the role; `undefined` only where AWS documents no such key for the
   * service, with the reason where the role is made. Required, so that every role states which it is.
   */
  readonly source: ServiceSource | undefined;
  /** The inline policy's name, saying what it grants; shown in the IAM console and in plans. */
  readonly policyName: string;
  /** Everything the role may do; rendered as one inline policy so the grant is reviewed with the role. */
  readonly statements: readonly PolicyStatement[];
}

/** An IAM role for one AWS service, with exactly the permissions listed and nothing managed attached. */
export class ServiceRole extends Construct {
  public readonly role: IamRole;
  public readonly policy: IamRolePolicy;

  constructor(scope: Construct, id: string, props: ServiceRoleProps) {
    super(scope, id);
    this.role = new IamRole(this, "role", {
      name: props.name,
      assumeRolePolicy: serviceTrustPolicy(props.servicePrincipal, props.source),
    });
    this.policy = new IamRolePolicy(this, "policy", {
      name: props.policyName,
      role: this.role.name,
      policy: policyDocument(props.statements),
      // A new name replaces the policy: the new one is attached before the old one goes, so the role is
      // never without its permissions (a rename plans as one policy created, one destroyed).
      lifecycle: { createBeforeDestroy: true },
    });
  }

  public get arn(): string {
    return this.role.arn;
  }
}
