import { SFNClient } from "@aws-sdk/client-sfn";
import { createHandler } from "./handler";
import { writeToStdout } from "./request-log";
import { settingsFromEnvironment } from "./settings";

// Built once per cold start and reused by every invocation of this execution environment.
export const handler = createHandler({
  settings: settingsFromEnvironment(process.env),
  sfn: new SFNClient({}),
  log: writeToStdout,
});
