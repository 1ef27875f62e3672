import type { ExecutionNameStrategy } from "../functions/start-execution/execution-name";
import { ENVIRONMENT } from "../functions/start-execution/settings";
import { parseTriggerRequest } from "../functions/start-execution/trigger-request";
import { exampleRequestBody } from "../local/example-request";
import { postExecutions } from "./support/events";
import { notifyCountryRequestValidator } from "./support/request-validator";

const STRATEGIES: ExecutionNameStrategy[] = [
  { from: "country" },
  { from: "payload" },
  { from: "field", field: "orderId" },
  { from: "field", field: "country" },
];

describe("the sandbox's startup hint", () => {
  it.each(STRATEGIES)(
    "sends a body the function accepts when the execution is named from %j",
    (strategy) => {
      const environment = {
        [ENVIRONMENT.executionNameFrom]: strategy.from,
        ...(strategy.from === "field" ? { [ENVIRONMENT.executionNameField]: strategy.field } : {}),
      };
      const body = exampleRequestBody(environment);
      expect(() => parseTriggerRequest(postExecutions(body), strategy, notifyCountryRequestValidator())).not.toThrow();
    },
  );
});
