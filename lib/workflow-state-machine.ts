import { Construct } from "constructs";
import { AwsEnvironment } from "./aws-environment";
import type { WorkflowLogLevel } from "./config/logging-config";
import type { PolicyStatement } from "./iam-policy";
import { managedLogGroup } from "./managed-log-group";
import { ServiceRole } from "./service-role";
import { logDeliveryStatement, xrayTracingStatement } from "./service-telemetry";
import { type CloudwatchLogGroup, SfnStateMachine } from "./toolkit/aws-provider";

export interface WorkflowStateMachineProps {
  readonly name: string;
  /** The ASL, its placeholders filled in (substituteDefinition in lib/state-machine-definition.ts). */
  readonly definition: unknown;
  /** What the workflow's tasks do on AWS: the execution role gets exactly these, plus logs and traces. */
  readonly taskStatements: readonly PolicyStatement[];
  /** The execution role's inline policy name: what `taskStatements` grant, e.g. `publish-notifications`. */
  readonly policyName: string;
  readonly logging: {
    readonly level: WorkflowLogLevel;
    /** Off by default: execution input and output are requests, which may hold personal data. */
    readonly includeExecutionData: boolean;
    readonly retentionDays: number;
    readonly kmsKeyArn?: string;
  };
}

/**
 * A Standard state machine: only Standard workflows refuse a second execution with the same name, which is
 * the whole point of this project (Express workflows would run every duplicate). It logs to its own log
 * group and is traced with X-Ray.
 */
export class WorkflowStateMachine extends Construct {
  public readonly stateMachine: SfnStateMachine;
  public readonly role: ServiceRole;
  public readonly logGroup: CloudwatchLogGroup;

  constructor(scope: Construct, id: string, props: WorkflowStateMachineProps) {
    super(scope, id);
    // Under /aws/vendedlogs/, as AWS advises for services that deliver logs: it keeps the account's log
    // resource policy from growing with every state machine.
    this.logGroup = managedLogGroup(this, "log-group", {
      name: `/aws/vendedlogs/states/${props.name}`,
      retentionDays: props.logging.retentionDays,
      kmsKeyArn: props.logging.kmsKeyArn,
    });
    const aws = AwsEnvironment.of(this);
    this.role = new ServiceRole(this, "execution-role", {
      name: `${props.name}-workflow`,
      servicePrincipal: "states.amazonaws.com",
      // Step Functions sets both keys when it assumes a state machine's role, and AWS recommends conditions
      // on them against the confused deputy ("Prevent cross-service confused deputy issue",
      // https://docs.aws.amazon.com/step-functions/latest/dg/procedure-create-iam-role.html). The ARN is
      // built from the name: a reference to the state machine would make it depend on its own role.
      source: { account: aws.accountId, arn: aws.arn("states", `stateMachine:${props.name}`) },
      policyName: props.policyName,
      statements: [...props.taskStatements, logDeliveryStatement(), xrayTracingStatement()],
    });
    this.stateMachine = new SfnStateMachine(this, "state-machine", {
      name: props.name,
      type: "STANDARD",
      roleArn: this.role.arn,
      // The definition's own JSON, so a plan shows the workflow itself with the references interpolated.
      definition: JSON.stringify(props.definition),
      loggingConfiguration: {
        level: props.logging.level,
        includeExecutionData: props.logging.includeExecutionData,
        logDestination: `${this.logGroup.arn}:*`,
      },
      tracingConfiguration: { enabled: true },
      // The role must be able to deliver logs before the state machine is told to.
      dependsOn: [this.role.policy],
    });
  }

  public get arn(): string {
    return this.stateMachine.arn;
  }

  /** Start executions of this state machine and read their status; nothing else. */
  public startAndDescribeStatements(): PolicyStatement[] {
    return [
      { sid: "StartWorkflowExecutions", actions: ["states:StartExecution"], resources: [this.stateMachine.arn] },
      ...this.describeStatements(),
    ];
  }

  /** Read the status of this state machine's executions; nothing else. */
  public describeStatements(): PolicyStatement[] {
    return [{ sid: "DescribeWorkflowExecutions", actions: ["states:DescribeExecution"], resources: [this.executionsArn()] }];
  }

  /**
   * Run this state machine's failed executions again from the state that failed (`rerun: "after-failure"`), and
   * read their history to tell a failure in a Fail state, which a redrive would only repeat.
   */
  public rerunStatement(): PolicyStatement {
    return {
      sid: "RerunFailedExecutions",
      actions: ["states:GetExecutionHistory", "states:RedriveExecution"],
      resources: [this.executionsArn()],
    };
  }

  /** Every execution of this state machine: their ARNs are its own with ":execution:" in place of ":stateMachine:". */
  private executionsArn(): string {
    return AwsEnvironment.of(this).arn("states", `execution:${this.stateMachine.name}:*`);
  }
}
