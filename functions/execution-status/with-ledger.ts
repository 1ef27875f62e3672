import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SFNClient } from "@aws-sdk/client-sfn";
import { awsClientConfig } from "../shared/aws-client-config";
import { DynamoDbLedger } from "../shared/dynamodb-ledger";
import { writeLogLine } from "../shared/log-line";
import { ledgerRecordKey } from "../shared/scoped-ledger";
import { createStatusHandler } from "./handler";
import { statusLedgerFromEnvironment, statusSettingsFromEnvironment } from "./settings";

// The execution-status function for environments with a ledger; a separate entry so that the bundle of the
// others carries no DynamoDB client. Built once per cold start.
const ledger = statusLedgerFromEnvironment(process.env);
const table = new DynamoDbLedger(new DynamoDBClient(awsClientConfig()), ledger.tableName);

export const handler = createStatusHandler({
  settings: statusSettingsFromEnvironment(process.env),
  sfn: new SFNClient(awsClientConfig()),
  // Within its state machine when the table serves several workflows (LEDGER_KEY_SCOPE), as the start function writes it.
  readLedger: (requestName) => table.read(ledgerRecordKey(ledger.keyScope, requestName)),
  log: writeLogLine,
});
