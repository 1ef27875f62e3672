import type { Construct } from "constructs";
import { CloudwatchLogGroup } from "./toolkit/aws-provider";

export interface ManagedLogGroupProps {
  readonly name: string;
  readonly retentionDays: number;
  /** Customer managed key; CloudWatch Logs' own encryption otherwise. */
  readonly kmsKeyArn?: string;
}

/**
 * A log group created by Terraform rather than on first write, so that its retention and key are set
 * and reviewed, and no role needs logs:CreateLogGroup.
 */
export function managedLogGroup(scope: Construct, id: string, props: ManagedLogGroupProps): CloudwatchLogGroup {
  return new CloudwatchLogGroup(scope, id, {
    name: props.name,
    retentionInDays: props.retentionDays,
    kmsKeyId: props.kmsKeyArn,
  });
}
