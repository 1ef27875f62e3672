import { SfnStateMachine } from "@cdktf/provider-aws/lib/sfn-state-machine";
import { Construct } from "constructs";
import { AwsEnvironment } from "./aws-environment";
import type { PolicyStatement } from "./iam-policy";
import { ServiceRole } from "./service-role";
import { renderDefinition } from "./state-machine-definition";

export interface WorkflowStateMachineProps {
  readonly name: string;
  /** Absolute path of the ASL file (JSON). */
  readonly definitionFile: string;
  /** Values for the `${Name}` placeholders in the ASL; every placeholder needs one, every value a use. */
  readonly definitionSubstitutions: Readonly<Record<string, string>>;
  /** What the workflow's tasks do on AWS: the execution role gets exactly these. */
  readonly taskStatements: readonly PolicyStatement[];
}

/**
 * A Standard state machine: only Standard workflows refuse a second execution with the same name, which is
 * the whole point of this project (Express workflows would run every duplicate).
 */
export class WorkflowStateMachine extends Construct {
  public readonly stateMachine: SfnStateMachine;
  public readonly role: ServiceRole;

  constructor(scope: Construct, id: string, props: WorkflowStateMachineProps) {
    super(scope, id);
    this.role = new ServiceRole(this, "execution-role", {
      name: `${props.name}-workflow`,
      servicePrincipal: "states.amazonaws.com",
      statements: props.taskStatements,
    });
    this.stateMachine = new SfnStateMachine(this, "state-machine", {
      name: props.name,
      type: "STANDARD",
      roleArn: this.role.arn,
      definition: renderDefinition(props.definitionFile, props.definitionSubstitutions),
    });
  }

  public get arn(): string {
    return this.stateMachine.arn;
  }

  /** Start executions of this state machine and read their status; nothing else. */
  public startAndDescribeStatements(): PolicyStatement[] {
    return [
      { sid: "StartWorkflowExecutions", actions: ["states:StartExecution"], resources: [this.stateMachine.arn] },
      {
        sid: "DescribeWorkflowExecutions",
        actions: ["states:DescribeExecution"],
        // Execution ARNs are the state machine's with ":execution:" in place of ":stateMachine:".
        resources: [AwsEnvironment.of(this).arn("states", `execution:${this.stateMachine.name}:*`)],
      },
    ];
  }
}
