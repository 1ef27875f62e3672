import { Construct } from "constructs";
import { DataAwsCallerIdentity, DataAwsPartition, DataAwsRegion } from "./toolkit/aws-provider";
import { TerraformStack } from "./toolkit/cdktf";

const ID = "aws-environment";

/**
 * The partition, region and account a stack deploys into, read by Terraform at plan time. ARNs built
 * from these are plain interpolations (`arn:${partition}:states:${region}:${account}:…`), readable in a
 * plan, where a `replace()` call on another ARN would not be.
 */
export class AwsEnvironment extends Construct {
  /** The stack's one instance, created on first use. */
  public static of(scope: Construct): AwsEnvironment {
    const stack = TerraformStack.of(scope);
    return (stack.node.tryFindChild(ID) as AwsEnvironment | undefined) ?? new AwsEnvironment(stack, ID);
  }

  private readonly callerIdentity: DataAwsCallerIdentity;
  private readonly currentPartition: DataAwsPartition;
  private readonly currentRegion: DataAwsRegion;

  private constructor(scope: Construct, id: string) {
    super(scope, id);
    this.callerIdentity = new DataAwsCallerIdentity(this, "account");
    this.currentPartition = new DataAwsPartition(this, "partition");
    this.currentRegion = new DataAwsRegion(this, "region");
  }

  public get accountId(): string {
    return this.callerIdentity.accountId;
  }

  public get partition(): string {
    return this.currentPartition.partition;
  }

  /**
   * The region's name, read as the data source's `id`: that is the name under AWS provider 5.x and 6.x alike,
   * where `region` exists only from 6.0, so the output also plans with a 5.x provider (the tests' mirror).
   */
  public get region(): string {
    return this.currentRegion.id;
  }

  /** `arn:<partition>:<service>:<region>:<account>:<resource>` in this stack's account and region. */
  public arn(service: string, resource: string): string {
    return `arn:${this.partition}:${service}:${this.region}:${this.accountId}:${resource}`;
  }
}
