import { STATE_MACHINE_ARN_VARIABLE } from "./function-contract";

/** Step Functions accepts 1-80 characters; `[0-9A-Za-z_-]` is the subset CloudWatch also accepts. */
export const EXECUTION_NAME_PATTERN = /^[0-9A-Za-z_-]{1,80}$/;

/**
 * The ARN of the execution a name refers to. It is derived, not looked up, so a refused request can name
 * the execution that refused it even when describing it fails.
 */
export function executionArnFor(stateMachineArn: string, executionName: string): string {
  return `${stateMachineArn.replace(":stateMachine:", ":execution:")}:${executionName}`;
}

/** The name an execution ARN ends with: the inverse of {@link executionArnFor}. */
export function executionNameOf(executionArn: string): string {
  return executionArn.slice(executionArn.lastIndexOf(":") + 1);
}

const STATE_MACHINE_ARN_PATTERN = /^arn:[a-z-]+:states:[a-z0-9-]+:\d{12}:stateMachine:[0-9A-Za-z_-]{1,80}$/;

/** The function's state machine; a function without a valid ARN fails to initialise, naming the variable. */
export function stateMachineArnFromEnvironment(env: NodeJS.ProcessEnv): string {
  const stateMachineArn = env[STATE_MACHINE_ARN_VARIABLE] ?? "";
  if (!STATE_MACHINE_ARN_PATTERN.test(stateMachineArn)) {
    throw new Error(`${STATE_MACHINE_ARN_VARIABLE} must be a state machine ARN; got "${stateMachineArn}".`);
  }
  return stateMachineArn;
}
