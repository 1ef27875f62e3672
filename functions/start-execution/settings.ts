import { EXECUTION_NAME_SOURCES, type ExecutionNameStrategy } from "./execution-name";

/** The environment variables the function is deployed with; lib/start-execution-function.ts sets them. */
export const ENVIRONMENT = {
  stateMachineArn: "STATE_MACHINE_ARN",
  executionNameFrom: "EXECUTION_NAME_FROM",
  executionNameField: "EXECUTION_NAME_FIELD",
} as const;

export interface HandlerSettings {
  readonly stateMachineArn: string;
  readonly executionName: ExecutionNameStrategy;
}

const STATE_MACHINE_ARN_PATTERN = /^arn:[a-z-]+:states:[a-z0-9-]+:\d{12}:stateMachine:[0-9A-Za-z_-]{1,80}$/;

/**
 * Reads the function's configuration once, at cold start. A misconfigured function fails to initialise
 * with a message naming the variable, instead of answering requests wrongly.
 */
export function settingsFromEnvironment(env: NodeJS.ProcessEnv): HandlerSettings {
  const stateMachineArn = env[ENVIRONMENT.stateMachineArn] ?? "";
  if (!STATE_MACHINE_ARN_PATTERN.test(stateMachineArn)) {
    throw new Error(`${ENVIRONMENT.stateMachineArn} must be a state machine ARN; got "${stateMachineArn}".`);
  }
  return { stateMachineArn, executionName: strategyFromEnvironment(env) };
}

function strategyFromEnvironment(env: NodeJS.ProcessEnv): ExecutionNameStrategy {
  const from = env[ENVIRONMENT.executionNameFrom] ?? "";
  switch (from) {
    case "country":
    case "payload":
      return { from };
    case "field": {
      const field = env[ENVIRONMENT.executionNameField] ?? "";
      if (field === "") {
        throw new Error(`${ENVIRONMENT.executionNameField} must name the request field when ${ENVIRONMENT.executionNameFrom} is "field".`);
      }
      return { from, field };
    }
    default:
      throw new Error(`${ENVIRONMENT.executionNameFrom} must be one of ${EXECUTION_NAME_SOURCES.join(", ")}; got "${from}".`);
  }
}
