import type { PolicyStatement } from "./iam-policy";

/**
 * X-Ray accepts trace segments and sampling calls on no narrower resource than "*": its actions have no
 * resource types (Service Authorization Reference, AWS X-Ray).
 */
export function xrayTracingStatement(): PolicyStatement {
  return {
    sid: "SendXRayTraces",
    actions: ["xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules", "xray:GetSamplingTargets"],
    resources: ["*"],
    wildcardResourceReason: 'X-Ray actions have no resource types; AWS requires Resource "*".',
  };
}

/**
 * Step Functions delivers execution logs through CloudWatch Logs' log delivery API, which the execution
 * role must be allowed on "*": those actions take no resource (Step Functions developer guide, "IAM
 * policies for logging to CloudWatch Logs"). The log group itself is named in the state machine.
 */
export function logDeliveryStatement(): PolicyStatement {
  return {
    sid: "DeliverExecutionLogs",
    actions: [
      "logs:CreateLogDelivery",
      "logs:GetLogDelivery",
      "logs:UpdateLogDelivery",
      "logs:DeleteLogDelivery",
      "logs:ListLogDeliveries",
      "logs:PutResourcePolicy",
      "logs:DescribeResourcePolicies",
      "logs:DescribeLogGroups",
    ],
    resources: ["*"],
    wildcardResourceReason: 'Log delivery actions take no resource; AWS requires Resource "*" for vended logs.',
  };
}
