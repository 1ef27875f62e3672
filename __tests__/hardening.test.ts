import "./support/cdktf-matchers";
import * as fs from "node:fs";
import * as path from "node:path";
import { PROJECT_ROOT } from "../lib/project-root";
import { Apigatewayv2Authorizer, SqsQueue } from "../lib/toolkit/aws-provider";
import {
  type Attributes,
  dataReferenceTo,
  functionReference,
  notificationTopic,
  onlyResource,
  referenceTo,
  rolePolicy,
  synthTrigger,
  type TerraformJson,
} from "./support/synth";

const KEY = "arn:aws:kms:us-east-1:123456789012:key/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0";

const byName = (tf: TerraformJson, type: string, name: string): Attributes => {
  const found = Object.values(tf.resource[type] ?? {}).filter((resource) => resource.name === name || resource.function_name === name);
  if (found.length !== 1) throw new Error(`expected one ${type} named ${name}, found ${found.length}`);
  return found[0];
};
/** Every route of the stack's HTTP API. */
const routes = (tf: TerraformJson): Attributes[] => Object.values(tf.resource.aws_apigatewayv2_route);

describe("hardening", () => {
  const { synthesized, tf } = synthTrigger();
  const withKey = synthTrigger({ kmsKeyArn: KEY, ledger: true });

  describe("the topic", () => {
    it("is encrypted with the AWS-managed SNS key by default, and with the environment's key when one is set", () => {
      expect(notificationTopic(tf).kms_master_key_id).toBe("alias/aws/sns");
      expect(notificationTopic(withKey.tf).kms_master_key_id).toBe(KEY);
    });

    it("lets the state machine use the key, only through SNS", () => {
      const [, encrypt] = rolePolicy(tf, "-notify-country-workflow").statements;
      expect(encrypt).toEqual({
        Sid: "EncryptForNotificationTopic",
        Effect: "Allow",
        Action: ["kms:GenerateDataKey", "kms:Decrypt"],
        Resource: [
          `arn:${dataReferenceTo(tf, "aws_partition", "partition")}:kms:${dataReferenceTo(tf, "aws_region", "id")}:` +
            `${dataReferenceTo(tf, "aws_caller_identity", "account_id")}:key/*`,
        ],
        Condition: {
          StringEquals: { "kms:ViaService": `sns.${dataReferenceTo(tf, "aws_region", "id")}.amazonaws.com` },
          "ForAnyValue:StringEquals": { "kms:ResourceAliases": "alias/aws/sns" },
        },
      });
      const [, encryptWithKey] = rolePolicy(withKey.tf, "-notify-country-workflow").statements;
      expect(encryptWithKey).toMatchObject({ Action: ["kms:GenerateDataKey", "kms:Decrypt"], Resource: [KEY] });
    });
  });

  describe("log groups", () => {
    const groups = [
      "/aws/lambda/sfn-dedup-default-start-execution",
      "/aws/lambda/sfn-dedup-default-execution-status",
      "/aws/vendedlogs/states/sfn-dedup-default-notify-country",
      "/aws/vendedlogs/apigateway/sfn-dedup-default-api",
    ];

    it("exist for the functions, the state machine and the API's access logs, each with a retention", () => {
      expect(
        Object.values(tf.resource.aws_cloudwatch_log_group)
          .map((group) => group.name)
          .sort(),
      ).toEqual([...groups].sort());
      for (const name of groups) {
        expect(byName(tf, "aws_cloudwatch_log_group", name)).toMatchObject({ retention_in_days: 365 });
        expect(byName(tf, "aws_cloudwatch_log_group", name).kms_key_id).toBeUndefined();
      }
    });

    it("take the configured retention and the environment's key", () => {
      const configured = synthTrigger({ logs: { retentionDays: 30 }, kmsKeyArn: KEY });
      for (const name of groups) {
        expect(byName(configured.tf, "aws_cloudwatch_log_group", name)).toMatchObject({ retention_in_days: 30, kms_key_id: KEY });
      }
    });
  });

  describe("the state machine", () => {
    const stateMachine = onlyResource(tf, "aws_sfn_state_machine");
    const logGroup = Object.entries(tf.resource.aws_cloudwatch_log_group).find(([, group]) => group.name.includes("/states/"))![0];

    it("logs errors without execution data by default, to its own log group, and is traced", () => {
      expect(stateMachine.logging_configuration).toEqual({
        level: "ERROR",
        include_execution_data: false,
        log_destination: `\${aws_cloudwatch_log_group.${logGroup}.arn}:*`,
      });
      expect(stateMachine.tracing_configuration).toEqual({ enabled: true });
    });

    it("logs what is configured", () => {
      const verbose = synthTrigger({ logs: { workflow: { level: "ALL", includeExecutionData: true } } });
      expect(onlyResource(verbose.tf, "aws_sfn_state_machine").logging_configuration).toMatchObject({
        level: "ALL",
        include_execution_data: true,
      });
    });

    it("may deliver logs and traces on the resources AWS requires, with the reasons in the code", () => {
      const { statements } = rolePolicy(tf, "-notify-country-workflow");
      const wildcard = statements.filter((statement) => statement.Resource.includes("*"));
      expect(wildcard.map((statement) => statement.Sid)).toEqual(["DeliverExecutionLogs", "SendXRayTraces"]);
      const telemetry = fs.readFileSync(path.join(PROJECT_ROOT, "lib", "service-telemetry.ts"), "utf8");
      expect(telemetry.match(/wildcardResourceReason:/g)).toHaveLength(2);
    });

    describe("its definition", () => {
      const definition = JSON.parse(stateMachine.definition);
      const publish = definition.States.PublishLoveMessage;

      it("retries transient SNS failures, by their real error names, with jittered exponential backoff", () => {
        expect(publish.Retry).toEqual([
          {
            ErrorEquals: ["SNS.ThrottledException", "SNS.InternalErrorException", "SNS.KMSThrottlingException"],
            IntervalSeconds: 1,
            BackoffRate: 2,
            MaxAttempts: 6,
            MaxDelaySeconds: 20,
            JitterStrategy: "FULL",
          },
          // Errors retrying cannot fix (checked against the SNS model in sns-error-names.test.ts): never.
          { ErrorEquals: expect.arrayContaining(["SNS.AuthorizationErrorException", "SNS.NotFoundException"]), MaxAttempts: 0 },
          // Anything else but a timeout, such as Publish's unmodelled throttling: twice, then the Catch.
          {
            ErrorEquals: ["States.TaskFailed"],
            IntervalSeconds: 2,
            BackoffRate: 2,
            MaxAttempts: 2,
            MaxDelaySeconds: 8,
            JitterStrategy: "FULL",
          },
        ]);
      });

      it("catches everything else into a Fail state that keeps the error", () => {
        expect(publish.Catch).toEqual([{ ErrorEquals: ["States.ALL"], ResultPath: "$.failure", Next: "NotificationFailed" }]);
        expect(definition.States.NotificationFailed).toMatchObject({
          Type: "Fail",
          ErrorPath: "$.failure.Error",
          CausePath: "$.failure.Cause",
        });
      });

      it("bounds the publish and the whole execution in time", () => {
        expect(publish.TimeoutSeconds).toBe(20);
        expect(definition.TimeoutSeconds).toBe(360);
        // Each retrier counts its own attempts: the first attempt, then every retrier's retries, each up to
        // the task timeout, with the longest pause of its retrier before each retry.
        const retriers: Array<{ MaxAttempts: number; MaxDelaySeconds?: number }> = publish.Retry;
        const attempts = 1 + retriers.reduce((sum, retrier) => sum + retrier.MaxAttempts, 0);
        const pauses = retriers.reduce((sum, retrier) => sum + retrier.MaxAttempts * (retrier.MaxDelaySeconds ?? 0), 0);
        const worstPublish = attempts * publish.TimeoutSeconds + pauses;
        expect(worstPublish).toBe(9 * 20 + 6 * 20 + 2 * 8);
        expect(definition.States.WaitBeforeNotifying.Seconds + worstPublish).toBeLessThanOrEqual(definition.TimeoutSeconds);
      });
    });
  });

  describe("functions", () => {
    it("are traced by X-Ray, log JSON, reserve concurrency and answer before API Gateway's 30 s limit", () => {
      const functions = Object.values(tf.resource.aws_lambda_function);
      // start-execution and execution-status: the two the HTTP API invokes.
      expect(functions).toHaveLength(2);
      for (const fn of functions) {
        expect(fn).toMatchObject({
          tracing_config: { mode: "Active" },
          logging_config: { log_format: "JSON" },
          reserved_concurrent_executions: 20,
          timeout: 10,
          memory_size: 256,
        });
        expect(fn.kms_key_arn).toBeUndefined();
      }
      for (const fn of Object.values(synthTrigger({ reservedConcurrency: 75 }).tf.resource.aws_lambda_function)) {
        expect(fn.reserved_concurrent_executions).toBe(75);
      }
    });

    it("reserve no concurrency at all with reservedConcurrency: false, for accounts with too small a quota", () => {
      const { tf: unreserved } = synthTrigger({ reservedConcurrency: false, ledger: true });
      const functions = Object.values(unreserved.resource.aws_lambda_function);
      // start-execution, execution-status, ledger-status and the ledger reconciler.
      expect(functions).toHaveLength(4);
      for (const fn of functions) {
        expect(fn.reserved_concurrent_executions).toBeUndefined();
      }
    });

    it("encrypt their variables with the environment's key when one is set", () => {
      for (const fn of Object.values(withKey.tf.resource.aws_lambda_function)) {
        expect(fn.kms_key_arn).toBe(KEY);
      }
    });

    it("give the asynchronously invoked status updater an encrypted dead-letter queue", () => {
      expect(withKey.synthesized).toHaveResourceWithProperties(SqsQueue, {
        name: "sfn-dedup-default-ledger-status-dlq",
        message_retention_seconds: 1_209_600,
        kms_master_key_id: KEY,
      });
      const ledger = synthTrigger({ ledger: true });
      expect(onlyResource(ledger.tf, "aws_sqs_queue")).toMatchObject({ sqs_managed_sse_enabled: true });
      const updater = byName(ledger.tf, "aws_lambda_function", "sfn-dedup-default-ledger-status");
      expect(updater.dead_letter_config).toEqual({ target_arn: referenceTo(ledger.tf, "aws_sqs_queue", "arn") });
      expect(updater.reserved_concurrent_executions).toBe(5);
    });
  });

  describe("the HTTP API", () => {
    const stage = onlyResource(tf, "aws_apigatewayv2_stage");
    const accessLogGroup = Object.entries(tf.resource.aws_cloudwatch_log_group).find(([, group]) =>
      group.name.includes("/apigateway/"),
    )![0];

    it("writes JSON access logs with request id, source IP, route, status, latency and errors", () => {
      expect(stage.access_log_settings.destination_arn).toBe(`\${aws_cloudwatch_log_group.${accessLogGroup}.arn}`);
      const format = JSON.parse(stage.access_log_settings.format);
      expect(format).toMatchObject({
        requestId: "$context.requestId",
        sourceIp: "$context.identity.sourceIp",
        routeKey: "$context.routeKey",
        status: "$context.status",
        responseLatency: "$context.responseLatency",
        integrationError: "$context.integration.error",
        errorMessage: "$context.error.message",
      });
    });

    it("throttles the default route, as configured", () => {
      expect(stage.default_route_settings).toEqual({ throttling_rate_limit: 100, throttling_burst_limit: 200 });
      const configured = synthTrigger({ api: { throttling: { rateLimit: 10, burstLimit: 20 } } });
      expect(onlyResource(configured.tf, "aws_apigatewayv2_stage").default_route_settings).toEqual({
        throttling_rate_limit: 10,
        throttling_burst_limit: 20,
      });
    });

    it("has no CORS unless configured, and then only for the routes' methods: POST to start, GET for the status", () => {
      expect(onlyResource(tf, "aws_apigatewayv2_api").cors_configuration).toBeUndefined();
      const cors = synthTrigger({ api: { cors: { allowOrigins: ["https://app.example.com"] } } });
      expect(onlyResource(cors.tf, "aws_apigatewayv2_api").cors_configuration).toEqual({
        allow_origins: ["https://app.example.com"],
        allow_methods: ["POST", "GET"],
        allow_headers: ["content-type", "authorization"],
        max_age: 300,
      });
    });

    it("is public unless authorization is configured", () => {
      for (const route of routes(tf)) expect(route.authorization_type).toBe("NONE");
      expect(synthesized).not.toHaveResource(Apigatewayv2Authorizer);
    });

    it("checks JWTs from the configured issuer and audience", () => {
      const jwt = synthTrigger({
        api: {
          authorization: {
            type: "jwt",
            issuer: "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbC",
            audience: ["client-1"],
            scopes: ["orders/write"],
          },
        },
      });
      expect(jwt.synthesized).toHaveResourceWithProperties(Apigatewayv2Authorizer, {
        name: "sfn-dedup-default-api-jwt",
        authorizer_type: "JWT",
        identity_sources: ["$request.header.Authorization"],
        jwt_configuration: { issuer: "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbC", audience: ["client-1"] },
      });
      // The status route as the start route: with authorization on, no route is public.
      expect(
        routes(jwt.tf)
          .map((route) => route.route_key)
          .sort(),
      ).toEqual(["GET /executions/{executionName}", "POST /executions"]);
      for (const route of routes(jwt.tf)) {
        expect(route).toMatchObject({
          authorization_type: "JWT",
          authorizer_id: referenceTo(jwt.tf, "aws_apigatewayv2_authorizer", "id"),
          authorization_scopes: ["orders/write"],
        });
      }
    });

    it("requires SigV4-signed callers with IAM authorization", () => {
      const iam = synthTrigger({ api: { authorization: { type: "iam" } } });
      expect(routes(iam.tf)).toHaveLength(2);
      for (const route of routes(iam.tf)) expect(route.authorization_type).toBe("AWS_IAM");
      expect(iam.tf.resource.aws_apigatewayv2_authorizer).toBeUndefined();
    });

    it("may invoke each function on its one route only", () => {
      const api = referenceTo(tf, "aws_apigatewayv2_api", "execution_arn");
      expect(
        Object.values(tf.resource.aws_lambda_permission).map((permission) => [permission.function_name, permission.source_arn]),
      ).toEqual(
        expect.arrayContaining([
          [functionReference(tf, "sfn-dedup-default-start-execution", "function_name"), `${api}/*/POST/executions`],
          [functionReference(tf, "sfn-dedup-default-execution-status", "function_name"), `${api}/*/GET/executions/*`],
        ]),
      );
      expect(Object.keys(tf.resource.aws_lambda_permission)).toHaveLength(2);
    });
  });
});
