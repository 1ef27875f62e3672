import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { awsClientConfig } from "../shared/aws-client-config";
import { DynamoDbLedger } from "../shared/dynamodb-ledger";
import { ledgerTableFromEnvironment } from "../shared/execution-ledger";
import { writeLogLine } from "../shared/log-line";
import { createStatusHandler, scopedStateMachinesFromEnvironment } from "./handler";

// Built once per cold start. One JSON line per event on stdout, whatever the function's log format.
export const handler = createStatusHandler({
  ledger: new DynamoDbLedger(new DynamoDBClient(awsClientConfig()), ledgerTableFromEnvironment(process.env)),
  scopedStateMachines: scopedStateMachinesFromEnvironment(process.env),
  log: writeLogLine,
});
