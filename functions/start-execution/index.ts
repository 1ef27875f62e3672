// Generated at synth from the workflow's request schema (lib/request-validator.ts); no compiler is bundled.
import validateRequest from "sfn-dedup:request-validator";
import { SFNClient } from "@aws-sdk/client-sfn";
import { awsCallLimitsFrom, awsClientConfig, longestCallMs } from "../shared/aws-client-config";
import { ENVIRONMENT } from "./contract";
import { createHandler } from "./handler";
import { requestLogWriter } from "./request-log";
import { metricDimensionsFromEnvironment, settingsFromEnvironment } from "./settings";

// The bundle without a ledger leaves the DynamoDB client out; deployed with a ledger table by mistake,
// it refuses to start rather than silently skip the ledger.
if (process.env[ENVIRONMENT.ledgerTableName]) {
  throw new Error(`${ENVIRONMENT.ledgerTableName} is set, but this bundle has no ledger: deploy functions/start-execution/with-ledger.ts.`);
}

// Built once per cold start and reused by every invocation of this execution environment.
export const handler = createHandler({
  settings: settingsFromEnvironment(process.env),
  sfn: new SFNClient(awsClientConfig()),
  validateRequest,
  // One JSON line per request on stdout, its metrics in it (Embedded Metric Format).
  log: requestLogWriter(metricDimensionsFromEnvironment(process.env)),
  callTimeLimitMs: longestCallMs(awsCallLimitsFrom(process.env)),
});
