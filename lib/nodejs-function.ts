import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { LambdaFunction } from "@cdktf/provider-aws/lib/lambda-function";
import { AssetType, TerraformAsset } from "cdktf";
import { Construct } from "constructs";
import type { PolicyStatement } from "./iam-policy";
import { bundleNodejsFunction } from "./nodejs-bundle";
import { ServiceRole } from "./service-role";

export interface NodejsFunctionProps {
  readonly name: string;
  /** The handler module, relative to the project root, e.g. `functions/start-execution/index.ts`. */
  readonly entry: string;
  readonly environment: Readonly<Record<string, string>>;
  /** What the code does on AWS beyond writing its logs. */
  readonly statements: readonly PolicyStatement[];
  /** @default 10 — well under API Gateway's 30 s integration limit, so the client gets our answer. */
  readonly timeoutSeconds?: number;
  /** @default 256 */
  readonly memorySize?: number;
  /** @default 30 */
  readonly logRetentionDays?: number;
}

export const NODEJS_RUNTIME = "nodejs22.x";
/** esbuild's target for {@link NODEJS_RUNTIME}: the two change together. */
const ESBUILD_TARGET = "node22";

/**
 * A TypeScript Lambda function: bundled by esbuild during synth, deployed from a deterministic zip, with
 * its own log group (so retention is managed and the role needs no logs:CreateLogGroup) and its own role.
 */
export class NodejsFunction extends Construct {
  public readonly function: LambdaFunction;
  public readonly logGroup: CloudwatchLogGroup;
  public readonly role: ServiceRole;

  constructor(scope: Construct, id: string, props: NodejsFunctionProps) {
    super(scope, id);
    const bundle = bundleNodejsFunction({ entry: props.entry, target: ESBUILD_TARGET });

    this.logGroup = new CloudwatchLogGroup(this, "log-group", {
      name: `/aws/lambda/${props.name}`,
      retentionInDays: props.logRetentionDays ?? 30,
    });

    this.role = new ServiceRole(this, "execution-role", {
      name: `${props.name}-function`,
      servicePrincipal: "lambda.amazonaws.com",
      statements: [
        ...props.statements,
        {
          sid: "WriteOwnLogs",
          actions: ["logs:CreateLogStream", "logs:PutLogEvents"],
          resources: [`${this.logGroup.arn}:*`],
        },
      ],
    });

    const asset = new TerraformAsset(this, "code", { path: bundle.zipFile, type: AssetType.FILE });

    this.function = new LambdaFunction(this, "function", {
      functionName: props.name,
      runtime: NODEJS_RUNTIME,
      architectures: ["arm64"],
      handler: bundle.handler,
      filename: asset.path,
      sourceCodeHash: bundle.sourceCodeHash,
      role: this.role.arn,
      timeout: props.timeoutSeconds ?? 10,
      memorySize: props.memorySize ?? 256,
      environment: { variables: { ...props.environment } },
      loggingConfig: { logFormat: "JSON", logGroup: this.logGroup.name },
      // The function must not run before it may write its logs.
      dependsOn: [this.logGroup, this.role.policy],
    });
  }

  public get functionName(): string {
    return this.function.functionName;
  }
}
