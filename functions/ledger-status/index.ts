import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { awsClientConfig } from "../shared/aws-client-config";
import { DynamoDbLedger } from "../shared/dynamodb-ledger";
import { ledgerTableFromEnvironment } from "../shared/execution-ledger";
import { createStatusHandler, scopedStateMachinesFromEnvironment } from "./handler";
import { metricsEnvironmentFrom, statusLogWriter } from "./status-log";

// Built once per cold start. One JSON line per event on stdout, whatever the function's log format, with the
// event's metrics in it (Embedded Metric Format).
export const handler = createStatusHandler({
  ledger: new DynamoDbLedger(new DynamoDBClient(awsClientConfig()), ledgerTableFromEnvironment(process.env)),
  scopedStateMachines: scopedStateMachinesFromEnvironment(process.env),
  log: statusLogWriter(metricsEnvironmentFrom(process.env)),
});
