import { SFNClient } from "@aws-sdk/client-sfn";
import { awsClientConfig } from "../shared/aws-client-config";
import { writeLogLine } from "../shared/log-line";
import { STATUS_ENVIRONMENT } from "./contract";
import { createStatusHandler } from "./handler";
import { statusSettingsFromEnvironment } from "./settings";

// The bundle without a ledger leaves the DynamoDB client out; deployed with a ledger table by mistake, it
// refuses to start rather than answer 404 for executions the ledger remembers.
if (process.env[STATUS_ENVIRONMENT.ledgerTableName]) {
  throw new Error(
    `${STATUS_ENVIRONMENT.ledgerTableName} is set, but this bundle has no ledger: deploy functions/execution-status/with-ledger.ts.`,
  );
}

// Built once per cold start and reused by every invocation of this execution environment.
export const handler = createStatusHandler({
  settings: statusSettingsFromEnvironment(process.env),
  sfn: new SFNClient(awsClientConfig()),
  log: writeLogLine,
});
