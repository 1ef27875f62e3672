import type { Construct } from "constructs";
import { AwsProvider } from "./toolkit/aws-provider";

export interface AwsProviderProps {
  readonly region: string;
  /** The only account Terraform may touch; a run against any other fails before changing anything. */
  readonly account?: string;
  /** Role to assume for every API call. */
  readonly roleArn?: string;
  /** Shown in CloudTrail for every call made with the assumed role. */
  readonly sessionName: string;
  readonly defaultTags: Readonly<Record<string, string>>;
}

/** The stack's AWS provider, pinned to its account and region, tagging everything it creates. */
export function awsProvider(scope: Construct, props: AwsProviderProps): AwsProvider {
  return new AwsProvider(scope, "aws", {
    region: props.region,
    allowedAccountIds: props.account ? [props.account] : undefined,
    assumeRole: props.roleArn ? [{ roleArn: props.roleArn, sessionName: props.sessionName }] : undefined,
    defaultTags: [{ tags: { ...props.defaultTags } }],
  });
}
