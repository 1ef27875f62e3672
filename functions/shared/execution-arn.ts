/** Step Functions accepts 1-80 characters; `[0-9A-Za-z_-]` is the subset CloudWatch also accepts. */
export const EXECUTION_NAME_PATTERN = /^[0-9A-Za-z_-]{1,80}$/;

/**
 * The ARN of the execution a name refers to. It is derived, not looked up, so a refused request can name
 * the execution that refused it even when describing it fails.
 */
export function executionArnFor(stateMachineArn: string, executionName: string): string {
  return `${stateMachineArn.replace(":stateMachine:", ":execution:")}:${executionName}`;
}
