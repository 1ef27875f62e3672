import { Construct } from "constructs";
import type { FunctionLimits } from "./function-entries";
import type { PolicyStatement } from "./iam-policy";
import { managedLogGroup } from "./managed-log-group";
import { bundleNodejsFunction } from "./nodejs-bundle";
import { NODEJS_RUNTIME } from "./nodejs-runtime";
import { ServiceRole } from "./service-role";
import { xrayTracingStatement } from "./service-telemetry";
import { type CloudwatchLogGroup, LambdaFunction } from "./toolkit/aws-provider";
import { AssetType, TerraformAsset } from "./toolkit/cdktf";

export interface NodejsFunctionProps {
  readonly name: string;
  /** What the function is for, shown in the Lambda console and in plans beside its name. */
  readonly description: string;
  /** The handler module, relative to the project root, e.g. `functions/start-execution/index.ts`. */
  readonly entry: string;
  /** The workflow's request schema, relative to the project root, for an entry that validates requests with it. */
  readonly requestSchema?: string;
  readonly environment: Readonly<Record<string, string>>;
  /** What the code does on AWS beyond writing its logs and traces. */
  readonly statements: readonly PolicyStatement[];
  /** The execution role's inline policy name: what `statements` grant, e.g. `start-workflow-executions`. */
  readonly policyName: string;
  /** Its timeout and memory (lib/function-entries.ts, FUNCTION_LIMITS). */
  readonly limits: FunctionLimits;
  readonly logRetentionDays: number;
  /** Encrypts the log group and the function's variables with this customer managed key. */
  readonly kmsKeyArn?: string;
  /** Concurrent executions reserved for the function, which also caps it. @default none: the account's unreserved pool */
  readonly reservedConcurrency?: number;
  /** For asynchronously invoked functions: where events go once Lambda's own retries are spent. */
  readonly deadLetterQueue?: { readonly arn: string; readonly sendStatement: PolicyStatement };
}

/**
 * A TypeScript Lambda function: bundled by esbuild during synth, deployed from a deterministic zip, with
 * its own log group (so retention and key are managed and the role needs no logs:CreateLogGroup), its
 * own role, X-Ray tracing and a reserved concurrency.
 */
export class NodejsFunction extends Construct {
  public readonly function: LambdaFunction;
  public readonly logGroup: CloudwatchLogGroup;
  public readonly role: ServiceRole;

  constructor(scope: Construct, id: string, props: NodejsFunctionProps) {
    super(scope, id);
    // The default target, as main.ts's early bundling uses: the stack finds that bundle ready.
    const bundle = bundleNodejsFunction({ entry: props.entry, requestSchema: props.requestSchema });

    this.logGroup = managedLogGroup(this, "log-group", {
      name: `/aws/lambda/${props.name}`,
      retentionDays: props.logRetentionDays,
      kmsKeyArn: props.kmsKeyArn,
    });

    this.role = new ServiceRole(this, "execution-role", {
      name: `${props.name}-function`,
      servicePrincipal: "lambda.amazonaws.com",
      // No aws:SourceAccount / aws:SourceArn condition: AWS documents neither for Lambda assuming an
      // execution role. Its execution-role guide asks only that the trust policy name lambda.amazonaws.com,
      // and its guide to lambda:SourceFunctionArn says aws:SourceArn "applies only to policies where your
      // Lambda function is the target resource" (https://docs.aws.amazon.com/lambda/latest/dg/
      // permissions-source-function-arn.html). A condition on a key Lambda does not set would keep every
      // function from running. Cross-account use is barred anyway: a role cannot be passed to another
      // account's function (iam:PassRole), and only this account's deploy role may pass it.
      source: undefined,
      policyName: props.policyName,
      statements: [
        ...props.statements,
        ...(props.deadLetterQueue ? [props.deadLetterQueue.sendStatement] : []),
        {
          sid: "WriteOwnLogs",
          actions: ["logs:CreateLogStream", "logs:PutLogEvents"],
          resources: [`${this.logGroup.arn}:*`],
        },
        xrayTracingStatement(),
      ],
    });

    const asset = new TerraformAsset(this, "code", { path: bundle.zipFile, type: AssetType.FILE });

    this.function = new LambdaFunction(this, "function", {
      functionName: props.name,
      description: props.description,
      runtime: NODEJS_RUNTIME,
      architectures: ["arm64"],
      handler: bundle.handler,
      filename: asset.path,
      sourceCodeHash: bundle.sourceCodeHash,
      role: this.role.arn,
      timeout: props.limits.timeoutSeconds,
      memorySize: props.limits.memoryMb,
      reservedConcurrentExecutions: props.reservedConcurrency,
      environment: { variables: { ...props.environment } },
      kmsKeyArn: props.kmsKeyArn,
      loggingConfig: { logFormat: "JSON", logGroup: this.logGroup.name },
      tracingConfig: { mode: "Active" },
      deadLetterConfig: props.deadLetterQueue ? { targetArn: props.deadLetterQueue.arn } : undefined,
      // The function must not run before it may write its logs.
      dependsOn: [this.logGroup, this.role.policy],
    });
  }

  public get functionName(): string {
    return this.function.functionName;
  }
}
