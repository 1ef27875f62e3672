// Generated at synth from the workflow's request schema (lib/request-validator.ts); no compiler is bundled.
import validateRequest from "sfn-dedup:request-validator";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SFNClient } from "@aws-sdk/client-sfn";
import { awsCallLimitsFrom, awsClientConfig, longestCallMs } from "../shared/aws-client-config";
import { DynamoDbLedger } from "../shared/dynamodb-ledger";
import { scopedLedger } from "../shared/scoped-ledger";
import { createHandler } from "./handler";
import { requestLogWriter } from "./request-log";
import { ledgerSettingsFromEnvironment, metricDimensionsFromEnvironment, settingsFromEnvironment } from "./settings";

// The start-execution function for environments with a ledger; a separate entry so that the bundle of
// the others carries no DynamoDB client. Built once per cold start.
const ledger = ledgerSettingsFromEnvironment(process.env);

export const handler = createHandler({
  settings: settingsFromEnvironment(process.env),
  sfn: new SFNClient(awsClientConfig()),
  validateRequest,
  ledger: {
    // Within its state machine when the table serves several workflows (LEDGER_KEY_SCOPE).
    ledger: scopedLedger(new DynamoDbLedger(new DynamoDBClient(awsClientConfig()), ledger.tableName), ledger.keyScope),
    leaseMs: ledger.leaseMs,
    retentionDays: ledger.retentionDays,
  },
  // One JSON line per request on stdout, its metrics in it (Embedded Metric Format).
  log: requestLogWriter(metricDimensionsFromEnvironment(process.env)),
  callTimeLimitMs: longestCallMs(awsCallLimitsFrom(process.env)),
});
