import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SFNClient } from "@aws-sdk/client-sfn";
import { awsClientConfig } from "../shared/aws-client-config";
import { DynamoDbLedger } from "../shared/dynamodb-ledger";
import { METRICS_ENVIRONMENT_VARIABLES } from "../shared/metrics-contract";
import { metricDimensionFrom } from "../shared/metrics-environment";
import { createReconcilerHandler } from "./handler";
import { reconcilerSettingsFromEnvironment } from "./settings";
import { sweepLogWriter } from "./sweep-log";

// Built once per cold start. One JSON line per sweep (and per record it changed) on stdout, whatever the log format.
const settings = reconcilerSettingsFromEnvironment(process.env);

export const handler = createReconcilerHandler({
  ledger: new DynamoDbLedger(new DynamoDBClient(awsClientConfig()), settings.tableName),
  sfn: new SFNClient(awsClientConfig()),
  stateMachines: settings.stateMachines,
  log: sweepLogWriter(metricDimensionFrom(process.env, METRICS_ENVIRONMENT_VARIABLES.environment)),
});
