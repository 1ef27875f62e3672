import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { Construct } from "constructs";
import { policyDocument, type PolicyStatement, serviceTrustPolicy } from "./iam-policy";

export interface ServiceRoleProps {
  readonly name: string;
  /** The one service that may assume the role, e.g. `lambda.amazonaws.com`. */
  readonly servicePrincipal: string;
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
      assumeRolePolicy: serviceTrustPolicy(props.servicePrincipal),
    });
    this.policy = new IamRolePolicy(this, "policy", {
      name: "least-privilege",
      role: this.role.name,
      policy: policyDocument(props.statements),
    });
  }

  public get arn(): string {
    return this.role.arn;
  }
}
