import "./support/cdktf-matchers";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { FUNCTION_BUNDLES } from "../lib/function-entries";
import { bundleNodejsFunction } from "../lib/nodejs-bundle";
import { PROJECT_ROOT } from "../lib/project-root";
import {
  Apigatewayv2Api,
  Apigatewayv2Integration,
  Apigatewayv2Route,
  Apigatewayv2Stage,
  AwsProvider,
  CloudwatchEventTarget,
  CloudwatchLogGroup,
  DynamodbTable,
  LambdaFunction,
  LambdaFunctionEventInvokeConfig,
  LambdaPermission,
  SfnStateMachine,
  SnsTopic,
  SnsTopicSubscription,
} from "../lib/toolkit/aws-provider";
import { ledgerTable } from "./support/ledger-table";
import {
  dataReferenceTo,
  functionReference,
  lambdaFunction,
  logGroupId,
  notificationTopicReference,
  onlyResource,
  referenceTo,
  resourceWhere,
  rolePolicy,
  routeTo,
  synthTrigger,
} from "./support/synth";

describe("DedupTriggerStack", () => {
  const { synthesized, tf } = synthTrigger();

  describe("notification topic", () => {
    it("is an SNS topic named after project and environment", () => {
      expect(synthesized).toHaveResourceWithProperties(SnsTopic, { name: "sfn-dedup-default-notifications" });
    });

    it("has no subscribers unless addresses are configured", () => {
      expect(synthesized).not.toHaveResource(SnsTopicSubscription);
    });

    it("subscribes each configured address by e-mail, keyed by address so reordering replaces nothing", () => {
      const emails = ["ops@example.com", "Dev.Team@example.org"];
      const forward = synthTrigger({ notificationEmails: emails }).tf;
      const reversed = synthTrigger({ notificationEmails: [...emails].reverse() }).tf;

      const subscriptions = forward.resource.aws_sns_topic_subscription;
      expect(Object.values(subscriptions).map((s) => [s.protocol, s.endpoint, s.topic_arn])).toEqual(
        expect.arrayContaining(emails.map((email) => ["email", email, notificationTopicReference(forward, "arn")])),
      );
      expect(Object.keys(subscriptions)).toHaveLength(2);
      expect(reversed.resource.aws_sns_topic_subscription).toEqual(subscriptions);
    });
  });

  describe("workflow", () => {
    const stateMachine = onlyResource(tf, "aws_sfn_state_machine");

    it("is a Standard state machine, the only kind that refuses a repeated execution name", () => {
      expect(synthesized).toHaveResourceWithProperties(SfnStateMachine, {
        name: "sfn-dedup-default-notify-country",
        type: "STANDARD",
        role_arn: expect.stringMatching(/^\$\{aws_iam_role\.workflow_[^.]+\.arn\}$/),
      });
    });

    it("is defined by asl/notify-country.asl.json itself, the topic ARN and the partition as Terraform references", () => {
      const asl = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, "asl", "notify-country.asl.json"), "utf8"));
      asl.States.PublishLoveMessage.Parameters.TopicArn = notificationTopicReference(tf, "arn");
      asl.States.PublishLoveMessage.Resource = `arn:${dataReferenceTo(tf, "aws_partition", "partition")}:states:::sns:publish`;
      expect(JSON.parse(stateMachine.definition)).toEqual(asl);
      expect(stateMachine.definition).not.toMatch(/templatefile|file\(/);
    });

    it("names no partition of its own: every ARN takes the one the IAM statements use", () => {
      expect(fs.readFileSync(path.join(PROJECT_ROOT, "asl", "notify-country.asl.json"), "utf8")).not.toMatch(/arn:aws[a-z-]*:/);
      expect(stateMachine.definition).not.toMatch(/arn:aws[a-z-]*:/);
      expect(stateMachine.definition).toContain(`"arn:${dataReferenceTo(tf, "aws_partition", "partition")}:states:::sns:publish"`);
    });

    it("may only publish to its own topic, encrypt for it, deliver its logs and send traces", () => {
      const { trust, statements } = rolePolicy(tf, "-notify-country-workflow");
      const account = dataReferenceTo(tf, "aws_caller_identity", "account_id");
      const [partition, region] = [dataReferenceTo(tf, "aws_partition", "partition"), dataReferenceTo(tf, "aws_region", "id")];
      const stateMachineArn = `arn:${partition}:states:${region}:${account}:stateMachine:sfn-dedup-default-notify-country`;
      // For this account's state machine of that name only (__tests__/service-role-trust.test.ts evaluates it).
      expect(trust.Statement).toEqual([
        {
          Effect: "Allow",
          Principal: { Service: "states.amazonaws.com" },
          Action: "sts:AssumeRole",
          Condition: { StringEquals: { "aws:SourceAccount": account }, ArnEquals: { "aws:SourceArn": stateMachineArn } },
        },
      ]);
      expect(statements.map((statement) => statement.Sid)).toEqual([
        "PublishToNotificationTopic",
        "EncryptForNotificationTopic",
        "DeliverExecutionLogs",
        "SendXRayTraces",
      ]);
      expect(statements[0]).toEqual({
        Sid: "PublishToNotificationTopic",
        Effect: "Allow",
        Action: ["sns:Publish"],
        Resource: [notificationTopicReference(tf, "arn")],
      });
    });
  });

  describe("start-execution function", () => {
    const bundle = bundleNodejsFunction({ ...FUNCTION_BUNDLES.startExecution, target: "node22" });

    it("runs the esbuild bundle on nodejs22.x, arm64, from a synthesized asset, saying what it is for", () => {
      expect(synthesized).toHaveResourceWithProperties(LambdaFunction, {
        function_name: "sfn-dedup-default-start-execution",
        description: "Starts the workflow at most once per request key, for the HTTP API route (sfn-dedup)",
        architectures: ["arm64"],
        runtime: "nodejs22.x",
        handler: "index.handler",
        filename: expect.stringMatching(/^assets\/[^/]+\/[0-9A-F]+\/start-execution\.zip$/),
        timeout: 10,
      });
    });

    it("declares the base64 SHA-256 of the very zip it deploys", () => {
      const zip = fs.readFileSync(bundle.zipFile);
      expect(lambdaFunction(tf, "sfn-dedup-default-start-execution").source_code_hash).toBe(
        createHash("sha256").update(zip).digest("base64"),
      );
    });

    it("receives the state machine ARN, the naming strategy and its metrics' environment and workflow in its environment", () => {
      expect(lambdaFunction(tf, "sfn-dedup-default-start-execution").environment.variables).toEqual({
        STATE_MACHINE_ARN: referenceTo(tf, "aws_sfn_state_machine", "arn"),
        EXECUTION_NAME_FROM: "country",
        METRICS_ENVIRONMENT: "default",
        METRICS_WORKFLOW: "notify-country",
      });
    });

    it("passes a configured business-key field to the function", () => {
      const { tf: fieldTf } = synthTrigger({ executionName: { from: "field", field: "orderId" } });
      expect(lambdaFunction(fieldTf, "sfn-dedup-default-start-execution").environment.variables).toMatchObject({
        EXECUTION_NAME_FROM: "field",
        EXECUTION_NAME_FIELD: "orderId",
      });
    });

    it("writes to its own log group, created with a retention", () => {
      expect(synthesized).toHaveResourceWithProperties(CloudwatchLogGroup, {
        name: "/aws/lambda/sfn-dedup-default-start-execution",
        retention_in_days: 365,
      });
      expect(lambdaFunction(tf, "sfn-dedup-default-start-execution").logging_config).toEqual({
        log_format: "JSON",
        log_group: `\${aws_cloudwatch_log_group.${logGroupId(tf, "/aws/lambda/sfn-dedup-default-start-execution")}.name}`,
      });
    });

    it("may only start and describe executions of its state machine and write its own logs", () => {
      const { trust, statements } = rolePolicy(tf, "-start-execution-function");
      const stateMachineArn = referenceTo(tf, "aws_sfn_state_machine", "arn");
      expect(trust.Statement).toEqual([{ Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" }]);
      expect(statements).toEqual([
        { Sid: "StartWorkflowExecutions", Effect: "Allow", Action: ["states:StartExecution"], Resource: [stateMachineArn] },
        {
          Sid: "DescribeWorkflowExecutions",
          Effect: "Allow",
          Action: ["states:DescribeExecution"],
          Resource: [
            `arn:${dataReferenceTo(tf, "aws_partition", "partition")}:states:${dataReferenceTo(tf, "aws_region", "id")}:` +
              `${dataReferenceTo(tf, "aws_caller_identity", "account_id")}:execution:${referenceTo(tf, "aws_sfn_state_machine", "name")}:*`,
          ],
        },
        {
          Sid: "WriteOwnLogs",
          Effect: "Allow",
          Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
          Resource: [`\${aws_cloudwatch_log_group.${logGroupId(tf, "/aws/lambda/sfn-dedup-default-start-execution")}.arn}:*`],
        },
        expect.objectContaining({ Sid: "SendXRayTraces", Resource: ["*"] }),
      ]);
    });
  });

  describe("execution-status function", () => {
    const STATUS = "sfn-dedup-default-execution-status";
    const status = lambdaFunction(tf, STATUS);
    const ledgered = synthTrigger({ ledger: true });

    it("runs the execution-status bundle (no request validator: it reads no body), saying what it is for", () => {
      expect(status).toMatchObject({
        description: "Answers the status of the workflow's executions, for GET /executions/{executionName} (sfn-dedup)",
        architectures: ["arm64"],
        runtime: "nodejs22.x",
        handler: "index.handler",
        filename: expect.stringMatching(/^assets\/[^/]+\/[0-9A-F]+\/execution-status\.zip$/),
        timeout: 10,
        reserved_concurrent_executions: 20,
      });
      expect(status.source_code_hash).toBe(bundleNodejsFunction(FUNCTION_BUNDLES.executionStatus).sourceCodeHash);
      expect(lambdaFunction(ledgered.tf, STATUS).source_code_hash).toBe(
        bundleNodejsFunction(FUNCTION_BUNDLES.executionStatusWithLedger).sourceCodeHash,
      );
    });

    it("receives the state machine ARN only: no output shown by default, no ledger without one", () => {
      expect(status.environment.variables).toEqual({ STATE_MACHINE_ARN: referenceTo(tf, "aws_sfn_state_machine", "arn") });
    });

    it("with the ledger, receives its table as the start function does, the default workflow's records unscoped", () => {
      expect(lambdaFunction(ledgered.tf, STATUS).environment.variables).toEqual({
        STATE_MACHINE_ARN: referenceTo(ledgered.tf, "aws_sfn_state_machine", "arn"),
        LEDGER_TABLE_NAME: referenceTo(ledgered.tf, "aws_dynamodb_table", "name"),
      });
    });

    it("writes to its own log group, created with a retention", () => {
      expect(synthesized).toHaveResourceWithProperties(CloudwatchLogGroup, { name: `/aws/lambda/${STATUS}`, retention_in_days: 365 });
      expect(status.logging_config).toEqual({
        log_format: "JSON",
        log_group: `\${aws_cloudwatch_log_group.${logGroupId(tf, `/aws/lambda/${STATUS}`)}.name}`,
      });
    });

    it("may only describe executions of its state machine and write its own logs", () => {
      const { trust, statements } = rolePolicy(tf, "-execution-status-function");
      expect(trust.Statement).toEqual([{ Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" }]);
      expect(statements).toEqual([
        {
          Sid: "DescribeWorkflowExecutions",
          Effect: "Allow",
          Action: ["states:DescribeExecution"],
          Resource: [
            `arn:${dataReferenceTo(tf, "aws_partition", "partition")}:states:${dataReferenceTo(tf, "aws_region", "id")}:` +
              `${dataReferenceTo(tf, "aws_caller_identity", "account_id")}:execution:${referenceTo(tf, "aws_sfn_state_machine", "name")}:*`,
          ],
        },
        {
          Sid: "WriteOwnLogs",
          Effect: "Allow",
          Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
          Resource: [`\${aws_cloudwatch_log_group.${logGroupId(tf, `/aws/lambda/${STATUS}`)}.arn}:*`],
        },
        expect.objectContaining({ Sid: "SendXRayTraces", Resource: ["*"] }),
      ]);
    });

    it("with the ledger, may also read the ledger's items, and nothing more of it", () => {
      const { statements } = rolePolicy(ledgered.tf, "-execution-status-function");
      expect(statements.map(({ Sid }) => Sid)).toEqual([
        "DescribeWorkflowExecutions",
        "ReadExecutionLedger",
        "WriteOwnLogs",
        "SendXRayTraces",
      ]);
      expect(statements[1]).toEqual({
        Sid: "ReadExecutionLedger",
        Effect: "Allow",
        Action: ["dynamodb:GetItem"],
        Resource: [referenceTo(ledgered.tf, "aws_dynamodb_table", "arn")],
      });
    });

    it("answers GET /executions/{executionName}, invocable from that route only, whatever the name", () => {
      const { route, integration } = routeTo(tf, "GET /executions/{executionName}");
      expect(route.authorization_type).toBe("NONE");
      expect(integration).toMatchObject({
        integration_type: "AWS_PROXY",
        integration_uri: functionReference(tf, STATUS, "invoke_arn"),
        payload_format_version: "2.0",
      });
      expect(synthesized).toHaveResourceWithProperties(LambdaPermission, {
        action: "lambda:InvokeFunction",
        principal: "apigateway.amazonaws.com",
        function_name: functionReference(tf, STATUS, "function_name"),
        // API Gateway names the request's own path there: the parameter's segment is any name.
        source_arn: `${referenceTo(tf, "aws_apigatewayv2_api", "execution_arn")}/*/GET/executions/*`,
      });
    });
  });

  describe("HTTP API", () => {
    it("is an HTTP API whose POST /executions route proxies to the function with payload format 2.0", () => {
      expect(synthesized).toHaveResourceWithProperties(Apigatewayv2Api, { name: "sfn-dedup-default-api", protocol_type: "HTTP" });
      expect(synthesized).toHaveResourceWithProperties(Apigatewayv2Integration, {
        api_id: referenceTo(tf, "aws_apigatewayv2_api", "id"),
        integration_type: "AWS_PROXY",
        integration_uri: functionReference(tf, "sfn-dedup-default-start-execution", "invoke_arn"),
        payload_format_version: "2.0",
      });
      expect(routeTo(tf, "POST /executions").integration.integration_uri).toBe(
        functionReference(tf, "sfn-dedup-default-start-execution", "invoke_arn"),
      );
      expect(synthesized).toHaveResourceWithProperties(Apigatewayv2Route, { route_key: "POST /executions" });
      // And the status route (below): nothing else.
      expect(
        Object.values(tf.resource.aws_apigatewayv2_route)
          .map((route) => route.route_key)
          .sort(),
      ).toEqual(["GET /executions/{executionName}", "POST /executions"]);
    });

    it("serves the $default stage, deployed automatically", () => {
      expect(synthesized).toHaveResourceWithProperties(Apigatewayv2Stage, { name: "$default", auto_deploy: true });
    });

    it("is the only caller the function accepts, and only on its route", () => {
      expect(synthesized).toHaveResourceWithProperties(LambdaPermission, {
        action: "lambda:InvokeFunction",
        principal: "apigateway.amazonaws.com",
        function_name: functionReference(tf, "sfn-dedup-default-start-execution", "function_name"),
        source_arn: `${referenceTo(tf, "aws_apigatewayv2_api", "execution_arn")}/*/POST/executions`,
      });
    });
  });

  describe("without a ledger", () => {
    it("has no table, no status updates, and a function bundle without the DynamoDB client", () => {
      expect(tf.resource.aws_dynamodb_table).toBeUndefined();
      expect(tf.resource.aws_cloudwatch_event_rule).toBeUndefined();
      expect(
        Object.values(tf.resource.aws_lambda_function)
          .map((fn) => fn.function_name)
          .sort(),
      ).toEqual(["sfn-dedup-default-execution-status", "sfn-dedup-default-start-execution"]);
      for (const fn of Object.values(tf.resource.aws_lambda_function)) expect(fn.environment.variables.LEDGER_TABLE_NAME).toBeUndefined();
    });
  });

  describe("with a ledger", () => {
    const forever = synthTrigger({ ledger: true });
    const retained = synthTrigger({ ledger: { retentionDays: 400 } });
    const functions = (trigger: typeof forever) => Object.values(trigger.tf.resource.aws_lambda_function);
    const starter = (trigger: typeof forever) => functions(trigger).find((fn) => fn.function_name.endsWith("-start-execution"))!;
    const statusUpdater = (trigger: typeof forever) => functions(trigger).find((fn) => fn.function_name.endsWith("-ledger-status"))!;

    it("keeps it in an on-demand DynamoDB table with point-in-time recovery, encryption and deletion protection", () => {
      expect(forever.synthesized).toHaveResourceWithProperties(DynamodbTable, {
        name: "sfn-dedup-default-ledger",
        billing_mode: "PAY_PER_REQUEST",
        hash_key: "executionName",
        attribute: [
          { name: "executionName", type: "S" },
          { name: "openShard", type: "N" },
          { name: "checkAfter", type: "N" },
        ],
        point_in_time_recovery: { enabled: true },
        server_side_encryption: { enabled: true },
        deletion_protection_enabled: true,
      });
    });

    it("indexes its open records, sparsely, for the reconciler: the same index the tests create in dynalite", () => {
      const table = onlyResource(forever.tf, "aws_dynamodb_table");
      const local = ledgerTable(table.name);
      expect(table.attribute).toEqual(local.attributes);
      expect(table.global_secondary_index).toEqual(
        local.globalSecondaryIndexes!.map((index) => ({
          name: index.name,
          hash_key: index.hashKey,
          range_key: index.rangeKey,
          projection_type: index.projectionType,
          non_key_attributes: index.nonKeyAttributes,
        })),
      );
      expect(table.global_secondary_index).toEqual([
        {
          name: "open-records",
          hash_key: "openShard",
          range_key: "checkAfter",
          projection_type: "INCLUDE",
          non_key_attributes: ["state", "claimedBy", "leaseExpiresAt", "executionArn", "executionStatus", "attempt", "redriveCount"],
        },
      ]);
    });

    it("runs a status updater that says what it is for, arm64 like the starter", () => {
      expect(statusUpdater(forever)).toMatchObject({
        description: "Writes the workflow's execution status changes into the execution ledger (sfn-dedup)",
        architectures: ["arm64"],
      });
    });

    it("expires items through TTL only when a retention is set", () => {
      expect(onlyResource(forever.tf, "aws_dynamodb_table").ttl).toBeUndefined();
      expect(onlyResource(retained.tf, "aws_dynamodb_table").ttl).toEqual({ attribute_name: "expiresAt", enabled: true });
    });

    it("deploys the ledger bundle with the table, a lease longer than its timeout, and the retention", () => {
      const fn = starter(retained);
      expect(fn.environment.variables).toEqual({
        STATE_MACHINE_ARN: referenceTo(retained.tf, "aws_sfn_state_machine", "arn"),
        EXECUTION_NAME_FROM: "country",
        LEDGER_TABLE_NAME: referenceTo(retained.tf, "aws_dynamodb_table", "name"),
        LEDGER_LEASE_SECONDS: "20",
        LEDGER_RETENTION_DAYS: "400",
        METRICS_ENVIRONMENT: "default",
        METRICS_WORKFLOW: "notify-country",
      });
      expect(Number(fn.environment.variables.LEDGER_LEASE_SECONDS)).toBeGreaterThan(fn.timeout);
      expect(fn.source_code_hash).not.toBe(lambdaFunction(tf, "sfn-dedup-default-start-execution").source_code_hash);
      expect(starter(forever).environment.variables.LEDGER_RETENTION_DAYS).toBeUndefined();
    });

    it("lets the start-execution function read, claim, record and release items of that table only", () => {
      const { statements } = rolePolicy(forever.tf, "-start-execution-function");
      expect(statements).toContainEqual({
        Sid: "ClaimInExecutionLedger",
        Effect: "Allow",
        Action: ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"],
        Resource: [referenceTo(forever.tf, "aws_dynamodb_table", "arn")],
      });
    });

    it("sends the state machine's status change events, and only its own, to the status updater", () => {
      const rule = onlyResource(forever.tf, "aws_cloudwatch_event_rule");
      expect(rule.name).toBe("sfn-dedup-default-execution-status");
      expect(JSON.parse(rule.event_pattern)).toEqual({
        source: ["aws.states"],
        "detail-type": ["Step Functions Execution Status Change"],
        detail: { stateMachineArn: [referenceTo(forever.tf, "aws_sfn_state_machine", "arn")] },
      });
      const updaterId = Object.entries(forever.tf.resource.aws_lambda_function).find(([, fn]) => fn === statusUpdater(forever))![0];
      expect(forever.synthesized).toHaveResourceWithProperties(CloudwatchEventTarget, {
        rule: referenceTo(forever.tf, "aws_cloudwatch_event_rule", "name"),
        arn: `\${aws_lambda_function.${updaterId}.arn}`,
        retry_policy: { maximum_event_age_in_seconds: 86400, maximum_retry_attempts: 185 },
      });
      expect(forever.synthesized).toHaveResourceWithProperties(LambdaPermission, {
        principal: "events.amazonaws.com",
        function_name: `\${aws_lambda_function.${updaterId}.function_name}`,
        source_arn: referenceTo(forever.tf, "aws_cloudwatch_event_rule", "arn"),
      });
    });

    it("retries a failed status write as Lambda's asynchronous invocations allow, then keeps it in the dead-letter queue", () => {
      const updaterId = Object.entries(forever.tf.resource.aws_lambda_function).find(([, fn]) => fn === statusUpdater(forever))![0];
      expect(forever.synthesized).toHaveResourceWithProperties(LambdaFunctionEventInvokeConfig, {
        function_name: `\${aws_lambda_function.${updaterId}.function_name}`,
        maximum_retry_attempts: 2,
        maximum_event_age_in_seconds: 21600,
      });
      // No on-failure destination: the function's dead-letter queue receives what the retries could not write.
      expect(onlyResource(forever.tf, "aws_lambda_function_event_invoke_config").destination_config).toBeUndefined();
      expect(statusUpdater(forever).dead_letter_config).toEqual({ target_arn: referenceTo(forever.tf, "aws_sqs_queue", "arn") });
      expect(tf.resource.aws_lambda_function_event_invoke_config).toBeUndefined();
    });

    it("lets the status updater update ledger items and write its own logs, nothing else", () => {
      const { trust, statements } = rolePolicy(forever.tf, "-ledger-status-function");
      expect(trust.Statement[0].Principal).toEqual({ Service: "lambda.amazonaws.com" });
      expect(statements.map(({ Sid, Action }) => [Sid, Action])).toEqual([
        ["RecordStatusInExecutionLedger", ["dynamodb:UpdateItem"]],
        ["KeepUndeliverableStatuses", ["sqs:SendMessage"]],
        ["WriteOwnLogs", ["logs:CreateLogStream", "logs:PutLogEvents"]],
        ["SendXRayTraces", ["xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules", "xray:GetSamplingTargets"]],
      ]);
      expect(statements[1].Resource).toEqual([referenceTo(forever.tf, "aws_sqs_queue", "arn")]);
      expect(statements[0].Resource).toEqual([referenceTo(forever.tf, "aws_dynamodb_table", "arn")]);
      expect(statusUpdater(forever).environment.variables).toEqual({
        LEDGER_TABLE_NAME: referenceTo(forever.tf, "aws_dynamodb_table", "name"),
        METRICS_ENVIRONMENT: "default",
      });
    });
  });

  describe("with a ledger, the reconciler", () => {
    const forever = synthTrigger({ ledger: true });
    const reconciler = () => lambdaFunction(forever.tf, "sfn-dedup-default-ledger-reconciler");
    const reconcilerId = () => Object.entries(forever.tf.resource.aws_lambda_function).find(([, fn]) => fn === reconciler())![0];

    it("is only where the ledger is", () => {
      expect(tf.resource.aws_scheduler_schedule).toBeUndefined();
      expect(Object.values(tf.resource.aws_lambda_function).map((fn) => fn.function_name)).not.toContain(
        "sfn-dedup-default-ledger-reconciler",
      );
    });

    it("sweeps with one reserved execution, a minute at most, told the table and the state machines it serves", () => {
      expect(reconciler()).toMatchObject({
        description: "Heals the execution ledger: records what Step Functions knows of its open records, settles dead claims (sfn-dedup)",
        timeout: 60,
        reserved_concurrent_executions: 1,
        architectures: ["arm64"],
        tracing_config: { mode: "Active" },
        logging_config: {
          log_format: "JSON",
          log_group: `\${aws_cloudwatch_log_group.${logGroupId(forever.tf, "/aws/lambda/sfn-dedup-default-ledger-reconciler")}.name}`,
        },
        environment: {
          variables: {
            LEDGER_TABLE_NAME: referenceTo(forever.tf, "aws_dynamodb_table", "name"),
            LEDGER_STATE_MACHINE_ARNS: referenceTo(forever.tf, "aws_sfn_state_machine", "arn"),
          },
        },
      });
      expect(reconciler().source_code_hash).toBe(bundleNodejsFunction(FUNCTION_BUNDLES.ledgerReconciler).sourceCodeHash);
      // Sweeps must not overlap, yet the schedule fires every 5 minutes: a sweep ends long before the next.
      expect(reconciler().timeout).toBeLessThan(5 * 60);
    });

    it("may query the open-records index, update and delete ledger items, and describe its workflow's executions; nothing else", () => {
      const { statements } = rolePolicy(forever.tf, "-ledger-reconciler-function");
      const table = referenceTo(forever.tf, "aws_dynamodb_table", "arn");
      expect(statements.map(({ Sid, Action, Resource }) => [Sid, Action, Resource])).toEqual([
        ["QueryOpenLedgerRecords", ["dynamodb:Query"], [`${table}/index/open-records`]],
        ["SettleOpenLedgerRecords", ["dynamodb:UpdateItem", "dynamodb:DeleteItem"], [table]],
        [
          "DescribeServedExecutions",
          ["states:DescribeExecution"],
          [
            `arn:${dataReferenceTo(forever.tf, "aws_partition", "partition")}:states:${dataReferenceTo(forever.tf, "aws_region", "id")}:` +
              `${dataReferenceTo(forever.tf, "aws_caller_identity", "account_id")}:execution:sfn-dedup-default-notify-country:*`,
          ],
        ],
        ["WriteOwnLogs", ["logs:CreateLogStream", "logs:PutLogEvents"], [expect.stringMatching(/\.arn\}:\*$/)]],
        ["SendXRayTraces", expect.any(Array), ["*"]],
      ]);
    });

    it("is run every 5 minutes by an EventBridge Scheduler schedule, with a role that may invoke it and nothing else", () => {
      const schedule = onlyResource(forever.tf, "aws_scheduler_schedule");
      expect(schedule).toMatchObject({
        name: "sfn-dedup-default-ledger-reconciler",
        group_name: "default",
        schedule_expression: "rate(5 minutes)",
        flexible_time_window: { mode: "OFF" },
        target: {
          arn: `\${aws_lambda_function.${reconcilerId()}.arn}`,
          input: "{}",
          retry_policy: { maximum_event_age_in_seconds: 60, maximum_retry_attempts: 0 },
        },
      });
      expect(schedule.kms_key_arn).toBeUndefined();
      const { trust, statements } = rolePolicy(forever.tf, "-ledger-reconciler-schedule");
      expect(schedule.target.role_arn).toMatch(/^\$\{aws_iam_role\.ledger-reconciler_schedule-role_[^.]+\.arn\}$/);
      expect(trust.Statement).toEqual([
        {
          Effect: "Allow",
          Principal: { Service: "scheduler.amazonaws.com" },
          Action: "sts:AssumeRole",
          Condition: {
            StringEquals: { "aws:SourceAccount": dataReferenceTo(forever.tf, "aws_caller_identity", "account_id") },
            ArnEquals: {
              "aws:SourceArn":
                `arn:${dataReferenceTo(forever.tf, "aws_partition", "partition")}:scheduler:` +
                `${dataReferenceTo(forever.tf, "aws_region", "id")}:` +
                `${dataReferenceTo(forever.tf, "aws_caller_identity", "account_id")}:schedule-group/default`,
            },
          },
        },
      ]);
      expect(statements).toEqual([
        {
          Sid: "InvokeLedgerReconciler",
          Effect: "Allow",
          Action: ["lambda:InvokeFunction"],
          Resource: [`\${aws_lambda_function.${reconcilerId()}.arn}`],
        },
      ]);
    });

    it("uses the environment's key for the schedule, its logs and its variables, when there is one", () => {
      const key = "arn:aws:kms:us-east-1:123456789012:key/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0";
      const keyed = synthTrigger({ ledger: true, kmsKeyArn: key }).tf;
      expect(onlyResource(keyed, "aws_scheduler_schedule").kms_key_arn).toBe(key);
      expect(lambdaFunction(keyed, "sfn-dedup-default-ledger-reconciler").kms_key_arn).toBe(key);
      expect(rolePolicy(keyed, "-ledger-reconciler-schedule").statements).toContainEqual({
        Sid: "DecryptScheduleWithEnvironmentKey",
        Effect: "Allow",
        Action: ["kms:Decrypt"],
        Resource: [key],
      });
    });
  });

  describe("stack", () => {
    it("outputs the endpoint URL, the state machine ARN, the topic ARN and the alarm topic's ARN", () => {
      expect(tf.output).toEqual({
        endpoint_url: expect.objectContaining({ value: `${referenceTo(tf, "aws_apigatewayv2_api", "api_endpoint")}/executions` }),
        state_machine_arn: expect.objectContaining({ value: referenceTo(tf, "aws_sfn_state_machine", "arn") }),
        topic_arn: expect.objectContaining({ value: notificationTopicReference(tf, "arn") }),
        alarm_topic_arn: expect.objectContaining({
          value: `\${aws_sns_topic.${resourceWhere(tf, "aws_sns_topic", (topic) => topic.name === "sfn-dedup-default-alarms")[0]}.arn}`,
        }),
      });
    });

    it("deploys to the configured region", () => {
      expect(synthesized).toHaveProviderWithProperties(AwsProvider, { region: "us-east-1" });
      expect(synthTrigger({ region: "eu-west-1" }).synthesized).toHaveProviderWithProperties(AwsProvider, { region: "eu-west-1" });
    });

    it("requires terraform 1.10 or later", () => {
      expect(tf.terraform.required_version).toBe(">= 1.10");
    });

    it("keeps local state at a relative path, outside the regenerated output", () => {
      expect(tf.terraform.backend).toEqual({ local: { path: "../../../terraform.default.tfstate" } });
    });

    it("writes no path of the machine that synthesized it", () => {
      expect(synthesized).not.toContain(PROJECT_ROOT);
      expect(synthesized).not.toContain(os.tmpdir());
    });
  });
});
