import type { APIGatewayProxyEventV2 } from "aws-lambda";
import { httpApiEvent } from "../../local/http-api-event";

/** A `POST /executions` event as API Gateway sends it for a body: bytes as given, a string as UTF-8, else JSON. */
export function postExecutions(body: unknown, contentType = "application/json"): APIGatewayProxyEventV2 {
  return httpApiEvent({
    method: "POST",
    path: "/executions",
    routeKey: "POST /executions",
    headers: { "content-type": contentType },
    body: Buffer.isBuffer(body) ? body : Buffer.from(typeof body === "string" ? body : JSON.stringify(body)),
  });
}

/** A `GET /executions/{executionName}` event as API Gateway sends it: the name as the route's path parameter. */
export function getExecutionStatus(executionName: string, path = "/executions"): APIGatewayProxyEventV2 {
  return httpApiEvent({
    method: "GET",
    path: `${path}/${executionName}`,
    routeKey: `GET ${path}/{executionName}`,
    pathParameters: { executionName },
  });
}
