import * as fs from "node:fs";
import * as path from "node:path";
import { BEFORE_WORKFLOWS_FIXTURES as FIXTURES, LEDGER_JWT_KMS } from "./support/before-workflows";
import { synthesizeToDirectory } from "./support/local-trigger";

/**
 * What the status route (`GET /executions/{executionName}`, issue 13) added to the default workflow, by address:
 * a function with its role, policy and log group, and the route with its integration and permission. Nothing
 * else may differ from the fixtures, so an existing deployment plans these as additions and changes nothing.
 */
const STATUS_ROUTE_RESOURCES: Record<string, string[]> = {
  aws_lambda_function: ["execution-status_function_3716D686"],
  aws_iam_role: ["execution-status_execution-role_AE72622D"],
  aws_iam_role_policy: ["execution-status_execution-role_policy_81D73250"],
  aws_cloudwatch_log_group: ["execution-status_log-group_7050A87E"],
  aws_apigatewayv2_integration: ["http-api_status-integration_D423205F"],
  aws_apigatewayv2_route: ["http-api_status-route_95AA3BC7"],
  aws_lambda_permission: ["http-api_status-invoke-permission_22AD497B"],
};

/**
 * What the alarms and the dashboard (issue 14) added, by address: the alarm topic and its policy, with its own key
 * unless the environment has a customer managed key; the environment's alarms (the dead-letter queue's with the
 * ledger) and the default workflow's five; the dashboard; the output naming the alarm topic. Additions only: an
 * existing deployment of the default configuration plans them as new resources and replaces nothing.
 */
function observabilityResources({ ownKey, ledger }: { ownKey: boolean; ledger: boolean }): Record<string, string[]> {
  return {
    ...(ownKey ? { aws_kms_key: ["alarms_topic_key_6007FC75"], aws_kms_key_policy: ["alarms_topic_key-policy_9E38B66D"] } : {}),
    aws_sns_topic: ["alarms_topic_40496ABE"],
    aws_sns_topic_policy: ["alarms_topic_policy_A4888A9C"],
    aws_cloudwatch_metric_alarm: [
      ...(ledger ? ["alarms_ledger-status-dead-letters_5D2D27B2"] : []),
      "alarms_api-5xx_3444BDC1",
      "alarms_start-execution-errors_0FA544C5",
      "alarms_start-execution-throttles_622EA1BD",
      "alarms_notify-country-executions-failed_7B3F0076",
      "alarms_notify-country-executions-throttled_0115F10E",
      "alarms_notify-country-unavailable_A0E3C390",
    ],
    aws_cloudwatch_dashboard: ["dashboard_9E73CAB7"],
  };
}
const OBSERVABILITY_OUTPUTS = ["alarm_topic_arn"];

/** The Terraform without the resources and outputs added since the fixtures, each of which must be there. */
function withoutAdditions(tf: Record<string, any>, resources: Record<string, string[]>, outputs: readonly string[]): Record<string, any> {
  const copy = structuredClone(tf);
  for (const [type, ids] of Object.entries(resources)) {
    expect({
      type,
      ids: Object.keys(copy.resource[type] ?? {})
        .filter((id) => ids.includes(id))
        .sort(),
    }).toEqual({ type, ids: [...ids].sort() });
    for (const id of ids) delete copy.resource[type][id];
    if (Object.keys(copy.resource[type]).length === 0) delete copy.resource[type];
  }
  for (const output of outputs) {
    expect(Object.keys(copy.output)).toContain(output);
    delete copy.output[output];
    for (const stackOutputs of Object.values<Record<string, string>>(copy["//"].outputs)) delete stackOutputs[output];
  }
  return copy;
}

/**
 * What the metrics (issue 14) added to the default workflow's functions: the variables that name their metrics'
 * dimensions, by function name. An in-place update of each function's configuration; nothing is replaced.
 */
type MetricsVariables = Record<string, Record<string, string>>;
const DEFAULT_METRICS_VARIABLES: MetricsVariables = {
  "sfn-dedup-default-start-execution": { METRICS_ENVIRONMENT: "default", METRICS_WORKFLOW: "notify-country" },
};
const LEDGER_JWT_KMS_METRICS_VARIABLES: MetricsVariables = {
  "sfn-dedup-prod-start-execution": { METRICS_ENVIRONMENT: "prod", METRICS_WORKFLOW: "notify-country" },
  "sfn-dedup-prod-ledger-status": { METRICS_ENVIRONMENT: "prod" },
};

/** The Terraform without the metrics' variables, each of which must be there with exactly its value. */
function withoutMetricsVariables(tf: Record<string, any>, added: MetricsVariables): Record<string, any> {
  const copy = structuredClone(tf);
  const functions = Object.values<Record<string, any>>(copy.resource.aws_lambda_function);
  for (const [functionName, variables] of Object.entries(added)) {
    const fn = functions.find((candidate) => candidate.function_name === functionName);
    expect(fn?.environment.variables).toMatchObject(variables);
    for (const name of Object.keys(variables)) delete fn!.environment.variables[name];
  }
  return copy;
}

/**
 * What the ledger reconciler (issue 14) added to an environment with the ledger, by address: a function with its
 * role, policy and log group, and a schedule with its role and policy. Additions only.
 */
const RECONCILER_RESOURCES: Record<string, string[]> = {
  aws_lambda_function: ["ledger-reconciler_function_ADCE023C"],
  aws_iam_role: ["ledger-reconciler_function_execution-role_F09AB397", "ledger-reconciler_schedule-role_E65F359A"],
  aws_iam_role_policy: ["ledger-reconciler_function_execution-role_policy_598A40A2", "ledger-reconciler_schedule-role_policy_777E9678"],
  aws_cloudwatch_log_group: ["ledger-reconciler_function_log-group_4286FF54"],
  aws_scheduler_schedule: ["ledger-reconciler_schedule_EADB9C7D"],
};

/** The Terraform without the reconciler's resources, each of which must be there when the ledger is; none is otherwise. */
function withoutReconciler(tf: Record<string, any>): Record<string, any> {
  const copy = structuredClone(tf);
  const withLedger = copy.resource.aws_dynamodb_table !== undefined;
  for (const [type, ids] of Object.entries(RECONCILER_RESOURCES)) {
    for (const id of ids) {
      if (withLedger) expect(Object.keys(copy.resource[type] ?? {})).toContain(id);
      delete copy.resource[type]?.[id];
    }
    if (copy.resource[type] && Object.keys(copy.resource[type]).length === 0) delete copy.resource[type];
  }
  expect(JSON.stringify(copy.resource)).not.toContain("ledger-reconciler");
  return copy;
}

/**
 * The ledger's table without the open-records index the reconciler queries (issue 14), which must be there: an
 * index and its key attributes added to a table are an in-place update (UpdateTable), never a new table.
 */
function withoutOpenRecordsIndex(tf: Record<string, any>): Record<string, any> {
  const copy = structuredClone(tf);
  for (const table of Object.values<Record<string, any>>(copy.resource.aws_dynamodb_table ?? {})) {
    expect(table.global_secondary_index.map((index: { name: string }) => index.name)).toEqual(["open-records"]);
    delete table.global_secondary_index;
    expect(table.attribute.map((attribute: { name: string }) => attribute.name)).toEqual(["executionName", "openShard", "checkAfter"]);
    table.attribute = table.attribute.slice(0, 1);
  }
  return copy;
}

/**
 * The Terraform without the toolkit's stamp: the version of cdktf (or CDK Terrain) that wrote it, and the AWS
 * provider version its bindings pin. Both follow package.json, not the project's code (a move to CDK Terrain
 * changes them and nothing else: README.md, Leaving CDKTF), so they are not what this test compares.
 */
function withoutToolkitVersions(tf: Record<string, any>): Record<string, any> {
  const copy = structuredClone(tf);
  expect(copy["//"].metadata.version).toMatch(/^\d+\.\d+\.\d+$/);
  expect(copy.terraform.required_providers.aws.version).toMatch(/^\d+\.\d+\.\d+$/);
  delete copy["//"].metadata.version;
  delete copy.terraform.required_providers;
  return copy;
}

/** The Terraform without what a change of the functions' code changes: their zip's path and hash. */
function withoutCodeHashes(tf: Record<string, any>): Record<string, any> {
  const copy = structuredClone(tf);
  for (const fn of Object.values<Record<string, unknown>>(copy.resource.aws_lambda_function ?? {})) {
    expect(fn.filename).toMatch(/^assets\/.+\.zip$/);
    fn.filename = "<zip>";
    fn.source_code_hash = "<sha256>";
  }
  return copy;
}

/**
 * A project without `workflows` deploys the trigger it deployed before stacks held several workflows: the same
 * resources at the same addresses with the same names and attributes, so an existing deployment plans no change
 * but its functions' code, plus the status route's new resources and the alarms' and the dashboard's, and with the
 * ledger the reconciler's. (The fixtures are what the commit before that work synthesized; see their README.) Three
 * exceptions, in-place updates: with CORS configured, the API's CORS methods gain GET for the status route; with the
 * ledger, its table gains the open-records index; and the functions that emit metrics gain the variables naming
 * their dimensions (METRICS_ENVIRONMENT, METRICS_WORKFLOW). The toolkit's and the provider's versions are left out.
 */
describe("the default workflow, without context.workflows", () => {
  it.each([
    ["a fresh clone", {}, "default", "default.tf.json", { ownKey: true, ledger: false }, DEFAULT_METRICS_VARIABLES],
    [
      "the ledger, a key field, a customer managed key, JWT and CORS",
      LEDGER_JWT_KMS,
      "prod",
      "ledger-jwt-kms.tf.json",
      { ownKey: false, ledger: true },
      LEDGER_JWT_KMS_METRICS_VARIABLES,
    ],
  ])("synthesizes what it did before, for %s", (_, context, stack, fixture, additions, metricsVariables) => {
    const before = JSON.parse(fs.readFileSync(path.join(FIXTURES, fixture), "utf8"));
    const { outdir, stackDir } = synthesizeToDirectory(context);
    const synthesized = JSON.parse(fs.readFileSync(path.join(stackDir, "cdk.tf.json"), "utf8"));
    const now = withoutMetricsVariables(
      withoutReconciler(
        withoutOpenRecordsIndex(
          withoutAdditions(
            withoutAdditions(synthesized, STATUS_ROUTE_RESOURCES, []),
            observabilityResources(additions),
            OBSERVABILITY_OUTPUTS,
          ),
        ),
      ),
      metricsVariables,
    );
    fs.rmSync(outdir, { recursive: true, force: true });
    expect(path.basename(stackDir)).toBe(stack);
    const [api] = Object.values<Record<string, any>>(now.resource.aws_apigatewayv2_api);
    if (api.cors_configuration) {
      expect(api.cors_configuration.allow_methods).toEqual(["POST", "GET"]);
      api.cors_configuration.allow_methods = ["POST"];
    }
    expect(withoutToolkitVersions(withoutCodeHashes(now))).toEqual(withoutToolkitVersions(withoutCodeHashes(before)));
  });
});
