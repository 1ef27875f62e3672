import { projectConfigFrom } from "../lib/config/project-config";

const prod = { account: "111111111111", region: "eu-west-1" };
const withProd = (settings: Record<string, unknown>) => ({ environments: { prod: { ...prod, ...settings } } });
const ORIGINS_ALLOWED = 'https origins such as https://app.example.com, http://localhost:<port> in development, or "*"';
/** What README.md's Configuration table gives as the alarms' defaults. */
const DEFAULT_ALARMS = {
  emails: [],
  thresholds: {
    unavailablePerMinute: 5,
    failedExecutions: 1,
    throttledExecutions: 1,
    functionErrors: 1,
    functionThrottles: 1,
    serverErrors: 5,
  },
};

describe("projectConfigFrom", () => {
  describe("without environments", () => {
    it.each([
      {},
      { environments: {} },
      { cdktfRelativeModules: [], cdktfVersion: "0.21.0", "@cdktf/disable_stack_trace_in_metadata": true },
    ])("gives the one default environment: local state, any account, us-east-1 (%j)", (context) => {
      const defaultWorkflow = {
        name: "notify-country",
        definition: "asl/notify-country.asl.json",
        route: "POST /executions",
        request: "asl/notify-country.request.schema.json",
        executionName: { from: "country" },
        substitutions: {},
        permissions: [],
        rerun: "never",
        exposeOutput: false,
      };
      const { environments, workflows, stateBuckets } = projectConfigFrom(context);
      expect(workflows).toEqual([defaultWorkflow]);
      expect(stateBuckets).toEqual([]);
      expect(environments).toEqual([
        {
          name: "default",
          region: "us-east-1",
          notificationEmails: [],
          executionName: { from: "country" },
          workflows: [defaultWorkflow],
          logs: { retentionDays: 365, workflow: { level: "ERROR", includeExecutionData: false } },
          api: { throttling: { rateLimit: 100, burstLimit: 200 } },
          stepFunctionsHistoryDays: 90,
          reservedConcurrency: 20,
          tags: {},
          alarms: DEFAULT_ALARMS,
        },
      ]);
    });
  });

  describe("with environments", () => {
    it("reads every field of every environment, in the order declared", () => {
      const config = projectConfigFrom({
        environments: {
          dev: { account: "222222222222", region: "eu-west-1" },
          prod: {
            account: "111111111111",
            region: "eu-central-1",
            deployRoleArn: "arn:aws:iam::111111111111:role/sfn-dedup-deploy",
            notificationEmails: ["ops@example.com"],
            executionName: { from: "payload" },
            state: {
              bucket: "acme-terraform-state",
              region: "eu-west-1",
              key: "prod/sfn-dedup.tfstate",
              roleArn: "arn:aws:iam::999999999999:role/terraform-state",
              kmsKeyId: "arn:aws:kms:eu-west-1:999999999999:key/1234abcd-12ab-34cd-56ef-1234567890ab",
            },
            kmsKeyArn: "arn:aws:kms:eu-central-1:111111111111:key/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0",
            logs: { retentionDays: 731, workflow: { level: "ALL", includeExecutionData: true } },
            api: {
              throttling: { rateLimit: 20, burstLimit: 40 },
              cors: { allowOrigins: ["https://app.example.com"], allowHeaders: ["content-type"], maxAgeSeconds: 600 },
              authorization: { type: "jwt", issuer: "https://idp.example.com/", audience: ["client-1"], scopes: ["orders/write"] },
            },
            stepFunctionsHistoryDays: 90,
            reservedConcurrency: 50,
            tags: { "cost-center": "C-42", owner: "platform@example.com" },
          },
        },
      });
      const keyedBy = (executionName: Record<string, string>) => [
        {
          name: "notify-country",
          definition: "asl/notify-country.asl.json",
          route: "POST /executions",
          request: "asl/notify-country.request.schema.json",
          executionName,
          substitutions: {},
          permissions: [],
          rerun: "never",
          exposeOutput: false,
        },
      ];
      expect(config.environments).toEqual([
        {
          name: "dev",
          account: "222222222222",
          region: "eu-west-1",
          notificationEmails: [],
          executionName: { from: "country" },
          workflows: keyedBy({ from: "country" }),
          logs: { retentionDays: 365, workflow: { level: "ERROR", includeExecutionData: false } },
          api: { throttling: { rateLimit: 100, burstLimit: 200 } },
          stepFunctionsHistoryDays: 90,
          reservedConcurrency: 20,
          tags: {},
          alarms: DEFAULT_ALARMS,
        },
        {
          name: "prod",
          account: "111111111111",
          region: "eu-central-1",
          deployRoleArn: "arn:aws:iam::111111111111:role/sfn-dedup-deploy",
          notificationEmails: ["ops@example.com"],
          executionName: { from: "payload" },
          workflows: keyedBy({ from: "payload" }),
          state: {
            bucket: "acme-terraform-state",
            region: "eu-west-1",
            key: "prod/sfn-dedup.tfstate",
            roleArn: "arn:aws:iam::999999999999:role/terraform-state",
            kmsKeyId: "arn:aws:kms:eu-west-1:999999999999:key/1234abcd-12ab-34cd-56ef-1234567890ab",
          },
          kmsKeyArn: "arn:aws:kms:eu-central-1:111111111111:key/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0",
          logs: { retentionDays: 731, workflow: { level: "ALL", includeExecutionData: true } },
          api: {
            throttling: { rateLimit: 20, burstLimit: 40 },
            cors: { allowOrigins: ["https://app.example.com"], allowHeaders: ["content-type"], maxAgeSeconds: 600 },
            authorization: { type: "jwt", issuer: "https://idp.example.com/", audience: ["client-1"], scopes: ["orders/write"] },
          },
          stepFunctionsHistoryDays: 90,
          reservedConcurrency: 50,
          tags: { "cost-center": "C-42", owner: "platform@example.com" },
          alarms: DEFAULT_ALARMS,
        },
      ]);
    });

    it.each([
      [true, {}],
      [false, undefined],
      [{}, {}],
      [{ retentionDays: 400 }, { retentionDays: 400 }],
    ])("reads ledger %j", (ledger, expected) => {
      expect(projectConfigFrom(withProd({ ledger })).environments[0].ledger).toEqual(expected);
    });

    it.each([
      [
        { cors: { allowOrigins: ["*"] } },
        { cors: { allowOrigins: ["*"], allowHeaders: ["content-type", "authorization"], maxAgeSeconds: 300 } },
      ],
      [
        { cors: { allowOrigins: ["https://app.example.com:8443", "http://localhost:5173", "http://127.0.0.1", "http://[::1]:3000"] } },
        {
          cors: {
            allowOrigins: ["https://app.example.com:8443", "http://localhost:5173", "http://127.0.0.1", "http://[::1]:3000"],
            allowHeaders: ["content-type", "authorization"],
            maxAgeSeconds: 300,
          },
        },
      ],
      [{ authorization: { type: "iam" } }, { authorization: { type: "iam" } }],
      [{ throttling: { rateLimit: 5 } }, { throttling: { rateLimit: 5, burstLimit: 200 } }],
    ])("completes api settings %j with the defaults", (api, expected) => {
      expect(projectConfigFrom(withProd({ api })).environments[0].api).toEqual({
        throttling: { rateLimit: 100, burstLimit: 200 },
        ...expected,
      });
    });

    it.each(["eu-west-1", "us-gov-west-1", "cn-northwest-1", "us-isob-east-1", "eusc-de-east-1", "mx-central-1"])(
      "accepts the region %s, which the AWS SDK knows",
      (region) => {
        expect(projectConfigFrom(withProd({ region })).environments[0].region).toBe(region);
      },
    );

    it("reads stepFunctionsHistoryDays: 30 for an account with shortened history", () => {
      expect(projectConfigFrom(withProd({ stepFunctionsHistoryDays: 30 })).environments[0].stepFunctionsHistoryDays).toBe(30);
    });

    it.each([
      ["absent: every alarm, on a topic of its own without subscribers", undefined, DEFAULT_ALARMS],
      ["true: the same", true, DEFAULT_ALARMS],
      ["false: none", false, false],
      ["subscribers", { emails: ["oncall@example.com"] }, { ...DEFAULT_ALARMS, emails: ["oncall@example.com"] }],
      [
        "an existing topic",
        { topicArn: "arn:aws:sns:eu-west-1:999999999999:ops-alarms" },
        { ...DEFAULT_ALARMS, topicArn: "arn:aws:sns:eu-west-1:999999999999:ops-alarms" },
      ],
      [
        "thresholds, each completed with its default",
        { unavailablePerMinute: 20, failedExecutions: 3 },
        { ...DEFAULT_ALARMS, thresholds: { ...DEFAULT_ALARMS.thresholds, unavailablePerMinute: 20, failedExecutions: 3 } },
      ],
    ])("reads alarms, %s", (_, alarms, expected) => {
      expect(projectConfigFrom(withProd(alarms === undefined ? {} : { alarms })).environments[0].alarms).toEqual(expected);
    });

    it("reads reservedConcurrency: false as no reserved concurrency", () => {
      expect(projectConfigFrom(withProd({ reservedConcurrency: false })).environments[0].reservedConcurrency).toBe(false);
    });

    it("defaults the state region to the environment's and the key to one per environment", () => {
      const [environment] = projectConfigFrom(withProd({ state: { bucket: "acme-terraform-state" } })).environments;
      expect(environment.state).toEqual({ bucket: "acme-terraform-state", region: "eu-west-1", key: "sfn-dedup/prod/terraform.tfstate" });
    });

    it("bootstraps each state bucket once, for all the environments that share it", () => {
      const config = projectConfigFrom({
        environments: {
          dev: { account: "111111111111", region: "eu-west-1", state: { bucket: "acme-terraform-state" } },
          prod: { account: "111111111111", region: "eu-west-1", state: { bucket: "acme-terraform-state" } },
          lab: { account: "333333333333", region: "us-east-1", state: { bucket: "lab-state" } },
        },
      });
      expect(config.stateBuckets).toEqual([
        { bucket: "acme-terraform-state", region: "eu-west-1", account: "111111111111", environments: ["dev", "prod"] },
        { bucket: "lab-state", region: "us-east-1", account: "333333333333", environments: ["lab"] },
      ]);
    });

    it("places a state bucket in its role's account, whichever accounts the environments that share it are in", () => {
      const roleArn = "arn:aws:iam::999999999999:role/terraform-state";
      const config = projectConfigFrom({
        environments: {
          dev: { account: "222222222222", region: "eu-west-1", state: { bucket: "acme-terraform-state", roleArn } },
          prod: { account: "111111111111", region: "eu-west-1", state: { bucket: "acme-terraform-state", roleArn } },
        },
      });
      expect(config.stateBuckets).toEqual([
        { bucket: "acme-terraform-state", region: "eu-west-1", roleArn, account: "999999999999", environments: ["dev", "prod"] },
      ]);
    });
  });

  describe("refuses, naming the environment, the field and what is allowed,", () => {
    it.each([
      [
        "an unknown top-level field (a typo)",
        { enviroments: {} },
        "cdktf.json context.enviroments: is not a known field; allowed fields: environments, workflows (and cdktf's own cdktf* keys).",
      ],
      [
        "environments that are not an object",
        { environments: ["prod"] },
        "cdktf.json context.environments: must be a JSON object, not a list.",
      ],
      [
        "an environment name that cannot name a stack",
        { environments: { Prod_1: prod } },
        "cdktf.json context.environments.Prod_1: is not a valid environment name: 1-20 lower-case letters, digits and hyphens",
      ],
      [
        "an environment that is not an object",
        { environments: { prod: "111111111111" } },
        'cdktf.json context.environments.prod: must be a JSON object, not string "111111111111".',
      ],
      [
        "an unknown environment field",
        withProd({ acount: "111111111111" }),
        "cdktf.json context.environments.prod.acount: is not a known field; allowed fields: account, region, deployRoleArn, " +
          "notificationEmails, executionName, ledger, stepFunctionsHistoryDays, state, kmsKeyArn, logs, api, reservedConcurrency, tags, " +
          "alarms.",
      ],
      [
        "a history retention Step Functions does not offer",
        withProd({ stepFunctionsHistoryDays: 60 }),
        "cdktf.json context.environments.prod.stepFunctionsHistoryDays: must be 90 (Step Functions' default) or 30 (an account whose " +
          "history retention was shortened by quota request); got 60.",
      ],
      [
        "a ledger that is neither true, false nor settings",
        withProd({ ledger: "yes" }),
        'cdktf.json context.environments.prod.ledger: must be true, false or { "retentionDays": <days> }; got "yes".',
      ],
      [
        "an unknown ledger field",
        withProd({ ledger: { retention: 30 } }),
        "cdktf.json context.environments.prod.ledger.retention: is not a known field; allowed fields: retentionDays.",
      ],
      [
        "a retention that is not a whole number of days",
        withProd({ ledger: { retentionDays: 1.5 } }),
        "cdktf.json context.environments.prod.ledger.retentionDays: must be how many days a request is remembered (a whole number from 1 " +
          "to 36500); got 1.5.",
      ],
      [
        "a retention of zero days",
        withProd({ ledger: { retentionDays: 0 } }),
        "cdktf.json context.environments.prod.ledger.retentionDays: must be how many days a request is remembered (a whole number from 1 " +
          "to 36500); got 0.",
      ],
      [
        "a missing account",
        { environments: { prod: { region: "eu-west-1" } } },
        'cdktf.json context.environments.prod.account: is required: a 12-digit AWS account id, as a string ("123456789012").',
      ],
      [
        "a malformed account id",
        withProd({ account: "11111111111" }),
        'cdktf.json context.environments.prod.account: must be a 12-digit AWS account id, as a string ("123456789012"); got "11111111111".',
      ],
      [
        "an account id given as a number",
        withProd({ account: 111111111111 }),
        "cdktf.json context.environments.prod.account: must be a 12-digit AWS account id, as a string",
      ],
      [
        "a missing region",
        { environments: { prod: { account: "111111111111" } } },
        "cdktf.json context.environments.prod.region: is required: an AWS region such as eu-west-1.",
      ],
      [
        "a malformed region",
        withProd({ region: "eu-west" }),
        'cdktf.json context.environments.prod.region: must be an AWS region such as eu-west-1; got "eu-west".',
      ],
      [
        "a deploy role that is not a role ARN",
        withProd({ deployRoleArn: "sfn-dedup-deploy" }),
        "cdktf.json context.environments.prod.deployRoleArn: must be an IAM role ARN such as arn:aws:iam::123456789012:role/deploy; got " +
          '"sfn-dedup-deploy".',
      ],
      [
        "a deploy role in another account",
        withProd({ deployRoleArn: "arn:aws:iam::222222222222:role/deploy" }),
        "cdktf.json context.environments.prod.deployRoleArn: is in account 222222222222, not the environment's account 111111111111",
      ],
      [
        "a deploy role in another partition",
        withProd({ deployRoleArn: "arn:aws-cn:iam::111111111111:role/deploy" }),
        "cdktf.json context.environments.prod.deployRoleArn: " +
          "is in partition aws-cn, not aws, the partition of the environment's region eu-west-1.",
      ],
      [
        "a malformed e-mail address",
        withProd({ notificationEmails: ["ops@@example.com"] }),
        "cdktf.json context.environments.prod.notificationEmails[0]: must be e-mail addresses such as ops@example.com; got " +
          '"ops@@example.com".',
      ],
      [
        "e-mail addresses that are not a list",
        withProd({ notificationEmails: "ops@example.com" }),
        "cdktf.json context.environments.prod.notificationEmails: must be a list of e-mail addresses",
      ],
      [
        "an address listed twice",
        withProd({ notificationEmails: ["a@example.com", "A@example.com"] }),
        'cdktf.json context.environments.prod.notificationEmails[1]: "A@example.com" is listed twice.',
      ],
      [
        "an unknown execution name source",
        withProd({ executionName: { from: "hash" } }),
        'cdktf.json context.environments.prod.executionName.from: must be one of country, payload, field, header; got "hash".',
      ],
      [
        "a business key without its field",
        withProd({ executionName: { from: "field" } }),
        "cdktf.json context.environments.prod.executionName.field: is required: the name of a top-level request field such as orderId.",
      ],
      [
        "a field where none is used",
        withProd({ executionName: { from: "payload", field: "orderId" } }),
        'cdktf.json context.environments.prod.executionName.field: is only used when "from" is "field".',
      ],
      [
        "a header where none is used",
        withProd({ executionName: { from: "field", field: "orderId", header: "Idempotency-Key" } }),
        'cdktf.json context.environments.prod.executionName.header: is only used when "from" is "header".',
      ],
      [
        "a header name that is no HTTP field name",
        withProd({ executionName: { from: "header", header: "Idempotency Key" } }),
        "cdktf.json context.environments.prod.executionName.header: must be an HTTP header name such as Idempotency-Key; got " +
          '"Idempotency Key".',
      ],
      [
        "state without a bucket",
        withProd({ state: { region: "eu-west-1" } }),
        "cdktf.json context.environments.prod.state.bucket: is required: an S3 bucket name (3-63 lower-case letters, digits, dots and " +
          "hyphens).",
      ],
      [
        "a malformed bucket name",
        withProd({ state: { bucket: "Acme_State" } }),
        "cdktf.json context.environments.prod.state.bucket: must be an S3 bucket name (3-63 lower-case letters, digits, dots and " +
          'hyphens); got "Acme_State".',
      ],
      [
        "an unknown state field",
        withProd({ state: { bucket: "acme-state", lockTable: "locks" } }),
        "cdktf.json context.environments.prod.state.lockTable: is not a known field; allowed fields: bucket, region, key, roleArn, " +
          "kmsKeyId.",
      ],
      [
        "a malformed state region",
        withProd({ state: { bucket: "acme-state", region: "EU" } }),
        'cdktf.json context.environments.prod.state.region: must be an AWS region such as eu-west-1; got "EU".',
      ],
      [
        "a state key with a leading slash",
        withProd({ state: { bucket: "acme-state", key: "/prod.tfstate" } }),
        'cdktf.json context.environments.prod.state.key: must be an S3 object key without leading slash or spaces; got "/prod.tfstate".',
      ],
      [
        "a state role that is not a role ARN",
        withProd({ state: { bucket: "acme-state", roleArn: "arn:aws:iam::999999999999:user/x" } }),
        "cdktf.json context.environments.prod.state.roleArn: must be an IAM role ARN",
      ],
      [
        "a state role in another partition than the state",
        withProd({ state: { bucket: "acme-state", region: "us-gov-west-1", roleArn: "arn:aws:iam::999999999999:role/terraform-state" } }),
        "cdktf.json context.environments.prod.state.roleArn: " +
          "is in partition aws, not aws-us-gov, the partition of the state's region us-gov-west-1.",
      ],
      [
        "a KMS key that is not an ARN",
        withProd({ state: { bucket: "acme-state", kmsKeyId: "1234abcd" } }),
        "cdktf.json context.environments.prod.state.kmsKeyId: must be a KMS key or alias ARN",
      ],
      [
        "a KMS key given as an alias",
        withProd({ kmsKeyArn: "arn:aws:kms:eu-west-1:111111111111:alias/sfn-dedup" }),
        "cdktf.json context.environments.prod.kmsKeyArn: must be a KMS key ARN (not an alias)",
      ],
      [
        "a KMS key in another region",
        withProd({ kmsKeyArn: "arn:aws:kms:us-east-1:111111111111:key/0f1e2d3c" }),
        "cdktf.json context.environments.prod.kmsKeyArn: is in us-east-1, not the environment's region eu-west-1: KMS keys are regional.",
      ],
      [
        "a log retention CloudWatch does not offer",
        withProd({ logs: { retentionDays: 100 } }),
        "cdktf.json context.environments.prod.logs.retentionDays: must be one of CloudWatch's retention periods: 1, 3, 5, 7, 14, 30, 60, " +
          "90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653; got 100.",
      ],
      [
        "an unknown workflow log level",
        withProd({ logs: { workflow: { level: "DEBUG" } } }),
        'cdktf.json context.environments.prod.logs.workflow.level: must be one of ALL, ERROR, FATAL, OFF; got "DEBUG".',
      ],
      [
        "execution data logging that is not a boolean",
        withProd({ logs: { workflow: { includeExecutionData: "no" } } }),
        'cdktf.json context.environments.prod.logs.workflow.includeExecutionData: must be true or false; got "no".',
      ],
      [
        "an unknown api field",
        withProd({ api: { rateLimit: 5 } }),
        "cdktf.json context.environments.prod.api.rateLimit: is not a known field; allowed fields: throttling, cors, authorization.",
      ],
      [
        "a throttling rate of zero",
        withProd({ api: { throttling: { rateLimit: 0 } } }),
        "cdktf.json context.environments.prod.api.throttling.rateLimit: must be requests per second (a whole number from 1 to 10000); " +
          "got 0.",
      ],
      [
        "CORS without origins",
        withProd({ api: { cors: {} } }),
        "cdktf.json context.environments.prod.api.cors.allowOrigins: is required: the origins browsers may call the API from.",
      ],
      [
        "a CORS origin with a path",
        withProd({ api: { cors: { allowOrigins: ["https://app.example.com/x"] } } }),
        `cdktf.json context.environments.prod.api.cors.allowOrigins[0]: must be ${ORIGINS_ALLOWED}; got "https://app.example.com/x".`,
      ],
      [
        "a plain http CORS origin",
        withProd({ api: { cors: { allowOrigins: ["http://app.example.com"] } } }),
        `cdktf.json context.environments.prod.api.cors.allowOrigins[0]: must be ${ORIGINS_ALLOWED}; got "http://app.example.com".`,
      ],
      [
        "an unknown authorization type",
        withProd({ api: { authorization: { type: "cognito" } } }),
        'cdktf.json context.environments.prod.api.authorization.type: must be one of jwt, iam; got "cognito".',
      ],
      [
        "a JWT issuer that is not https",
        withProd({ api: { authorization: { type: "jwt", issuer: "http://idp.example.com", audience: ["a"] } } }),
        "cdktf.json context.environments.prod.api.authorization.issuer: must be the token issuer's https URL",
      ],
      [
        "a JWT authorizer without audience",
        withProd({ api: { authorization: { type: "jwt", issuer: "https://idp.example.com" } } }),
        "cdktf.json context.environments.prod.api.authorization.audience: is required: at least one audience (client id) the tokens must " +
          "carry.",
      ],
      [
        "IAM authorization with JWT settings",
        withProd({ api: { authorization: { type: "iam", issuer: "https://idp.example.com" } } }),
        "cdktf.json context.environments.prod.api.authorization.issuer: is not a known field; allowed fields: type.",
      ],
      [
        "a reserved concurrency of zero",
        withProd({ reservedConcurrency: 0 }),
        "cdktf.json context.environments.prod.reservedConcurrency: must be the function's reserved concurrency, or false for none (a " +
          "whole number from 1 to 1000); got 0.",
      ],
      [
        "a reserved concurrency of true",
        withProd({ reservedConcurrency: true }),
        "cdktf.json context.environments.prod.reservedConcurrency: must be the function's reserved concurrency, or false for none (a " +
          "whole number from 1 to 1000); got true.",
      ],
      [
        "alarms that are neither true, false nor settings",
        withProd({ alarms: "on" }),
        'cdktf.json context.environments.prod.alarms: must be true, false or { "emails": [...], "topicArn": "...", <thresholds> }; got ' +
          '"on".',
      ],
      [
        "an unknown alarms field",
        withProd({ alarms: { email: ["oncall@example.com"] } }),
        "cdktf.json context.environments.prod.alarms.email: is not a known field; allowed fields: emails, topicArn, " +
          "unavailablePerMinute, failedExecutions, throttledExecutions, functionErrors, functionThrottles, serverErrors.",
      ],
      [
        "a malformed alarm e-mail address",
        withProd({ alarms: { emails: ["oncall"] } }),
        'cdktf.json context.environments.prod.alarms.emails[0]: must be e-mail addresses such as oncall@example.com; got "oncall".',
      ],
      [
        "an alarm topic that is not an SNS topic ARN",
        withProd({ alarms: { topicArn: "ops-alarms" } }),
        "cdktf.json context.environments.prod.alarms.topicArn: must be an SNS topic ARN such as " +
          'arn:aws:sns:eu-west-1:123456789012:ops-alarms; got "ops-alarms".',
      ],
      [
        "an alarm topic in another region",
        withProd({ alarms: { topicArn: "arn:aws:sns:us-east-1:111111111111:ops-alarms" } }),
        "cdktf.json context.environments.prod.alarms.topicArn: is in us-east-1, not the environment's region eu-west-1: CloudWatch " +
          "alarms notify topics in their own region only.",
      ],
      [
        "an alarm topic in another partition",
        withProd({ alarms: { topicArn: "arn:aws-cn:sns:eu-west-1:111111111111:ops-alarms" } }),
        "cdktf.json context.environments.prod.alarms.topicArn: is in partition aws-cn, not aws, the partition of the environment's " +
          "region eu-west-1.",
      ],
      [
        "subscribers beside an existing topic",
        withProd({ alarms: { topicArn: "arn:aws:sns:eu-west-1:111111111111:ops-alarms", emails: ["oncall@example.com"] } }),
        "cdktf.json context.environments.prod.alarms.emails: subscribe to the topic the stack creates; with topicArn the stack creates " +
          "none: subscribe to that topic where it is managed, or leave topicArn out.",
      ],
      [
        "a threshold of zero",
        withProd({ alarms: { failedExecutions: 0 } }),
        "cdktf.json context.environments.prod.alarms.failedExecutions: must be how many failed, timed-out or aborted executions in 5 " +
          "minutes raise the alarm (a whole number from 1 to 100000); got 0.",
      ],
      [
        "a threshold that is not a whole number",
        withProd({ alarms: { unavailablePerMinute: 2.5 } }),
        "cdktf.json context.environments.prod.alarms.unavailablePerMinute: must be how many unavailable answers a minute raise the alarm " +
          "(a whole number from 1 to 100000); got 2.5.",
      ],
      [
        "tags that are not an object",
        withProd({ tags: ["team"] }),
        "cdktf.json context.environments.prod.tags: must be a JSON object, not a list.",
      ],
      [
        "a tag that would replace a project tag",
        withProd({ tags: { environment: "production" } }),
        "cdktf.json context.environments.prod.tags.environment: is set by the project (project, environment, managed-by); choose another " +
          "tag key.",
      ],
      [
        "a tag key AWS reserves",
        withProd({ tags: { "aws:owner": "me" } }),
        "cdktf.json context.environments.prod.tags.aws:owner: is not a valid tag key",
      ],
      [
        "a tag value that is not a string",
        withProd({ tags: { owner: 42 } }),
        "cdktf.json context.environments.prod.tags.owner: must be a tag value: a string of up to 256",
      ],
    ])("%s", (_case, context, message) => {
      expect(() => projectConfigFrom(context)).toThrow(message);
    });

    it.each([
      ["eu-wset-1", "context.environments.prod.region", withProd({ region: "eu-wset-1" }), "eu-west-1"],
      ["us-east-7", "context.environments.prod.region", withProd({ region: "us-east-7" }), "us-east-1"],
      [
        "eu-west-9 for the state",
        "context.environments.prod.state.region",
        withProd({ state: { bucket: "acme-state", region: "eu-west-9" } }),
        "eu-west-1",
      ],
    ])("a region of the right shape that does not exist: %s", (_case, field, context, nearest) => {
      expect(() => projectConfigFrom(context)).toThrow(
        new RegExp(
          `^cdktf\\.json ${field.replace(/\./g, "\\.")}: is not one of the \\d+ regions the AWS SDK knows; ` +
            `nearest: [a-z0-9, -]*\\b${nearest}\\b`,
        ),
      );
    });

    it("names CDKTF_CONTEXT_JSON, not cdktf.json, when the configuration came from there", () => {
      expect(() => projectConfigFrom(withProd({ region: "eu-wset-1" }), "CDKTF_CONTEXT_JSON")).toThrow(
        /^CDKTF_CONTEXT_JSON context\.environments\.prod\.region: is not one of/,
      );
      expect(() => projectConfigFrom({ environments: ["prod"] }, "CDKTF_CONTEXT_JSON")).toThrow(
        "CDKTF_CONTEXT_JSON context.environments: must be a JSON object, not a list.",
      );
    });

    it("two environments writing the same state object", () => {
      const state = { bucket: "acme-state", key: "shared.tfstate" };
      expect(() =>
        projectConfigFrom({ environments: { dev: { ...prod, account: "222222222222", state }, prod: { ...prod, state } } }),
      ).toThrow(
        "cdktf.json context.environments.prod.state.key: s3://acme-state/shared.tfstate is already the state of environment dev; each " +
          "environment needs its own key.",
      );
    });

    it("a shared bucket described two ways", () => {
      expect(() =>
        projectConfigFrom({
          environments: {
            dev: { ...prod, account: "222222222222", state: { bucket: "acme-state", region: "eu-west-1" } },
            prod: { ...prod, state: { bucket: "acme-state", region: "us-east-1" } },
          },
        }),
      ).toThrow(
        'cdktf.json context.environments.prod.state.region: is "us-east-1", but environment dev uses the same bucket acme-state with ' +
          '"eu-west-1"',
      );
    });

    it("environments in different accounts sharing a state bucket without a state role", () => {
      expect(() =>
        projectConfigFrom({
          environments: {
            dev: { ...prod, account: "222222222222", state: { bucket: "acme-state" } },
            prod: { ...prod, state: { bucket: "acme-state" } },
          },
        }),
      ).toThrow(
        "cdktf.json context.environments.prod.state.roleArn: is required: environment prod (account 111111111111) and environment dev " +
          "(account 222222222222) share the state bucket acme-state",
      );
    });

    it("an environment whose stack name collides with a state bucket's bootstrap stack", () => {
      expect(() =>
        projectConfigFrom({ environments: { "state-acme-state": prod, prod: { ...prod, state: { bucket: "acme-state" } } } }),
      ).toThrow("cdktf.json context.environments: two stacks would be named state-acme-state; rename the environment.");
    });
  });
});
