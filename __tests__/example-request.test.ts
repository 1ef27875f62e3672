import type { ExecutionNameStrategy } from "../functions/start-execution/contract";
import { ENVIRONMENT } from "../functions/start-execution/contract";
import { parseTriggerRequest } from "../functions/start-execution/trigger-request";
import { curlCommand, exampleRequestBody, exampleRequestHeaders } from "../local/example-request";
import { postExecutions } from "./support/events";
import { notifyCountryRequestValidator } from "./support/request-validator";

const STRATEGIES: ExecutionNameStrategy[] = [
  { from: "country" },
  { from: "payload" },
  { from: "field", field: "orderId" },
  { from: "field", field: "country" },
  { from: "header", header: "Idempotency-Key" },
  { from: "header", header: "X-Request-Key" },
];

describe("the sandbox's startup hint", () => {
  it.each(STRATEGIES)("sends a body the function accepts when the execution is named from %j", (strategy) => {
    const environment = {
      [ENVIRONMENT.executionNameFrom]: strategy.from,
      ...(strategy.from === "field" ? { [ENVIRONMENT.executionNameField]: strategy.field } : {}),
      ...(strategy.from === "header" ? { [ENVIRONMENT.executionNameHeader]: strategy.header } : {}),
    };
    const body = exampleRequestBody(environment);
    const event = postExecutions(body);
    // As API Gateway passes them: header names in lower case.
    for (const [name, value] of Object.entries(exampleRequestHeaders(environment))) event.headers[name.toLowerCase()] = value;
    expect(() => parseTriggerRequest(event, strategy, notifyCountryRequestValidator())).not.toThrow();
  });

  it("shows the idempotency key header in the curl command of a route keyed by one", () => {
    const headers = exampleRequestHeaders({
      [ENVIRONMENT.executionNameFrom]: "header",
      [ENVIRONMENT.executionNameHeader]: "Idempotency-Key",
    });
    expect(curlCommand("http://127.0.0.1:3000/payments", '{"country":"France"}', headers)).toBe(
      "curl -i -X POST http://127.0.0.1:3000/payments -H 'content-type: application/json' " +
        "-H 'Idempotency-Key: 8e03978e-40d5-43e8-bc93-6894a57f9324' -d '{\"country\":\"France\"}'",
    );
  });
});
