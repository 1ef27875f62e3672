import { randomUUID } from "node:crypto";
import type { APIGatewayProxyEventV2 } from "aws-lambda";
import { deliveredBody } from "./http-api-body";

export interface HttpRequestParts {
  readonly method: string;
  /** Path without the query string, e.g. `/executions`. */
  readonly path: string;
  /** The route's key as configured, e.g. `GET /executions/{executionName}`: a template, not the path. */
  readonly routeKey: string;
  /** The values of the route's `{name}` path segments, by name. */
  readonly pathParameters?: Readonly<Record<string, string>>;
  readonly headers?: Readonly<Record<string, string>>;
  readonly rawQueryString?: string;
  readonly body?: Buffer;
  readonly sourceIp?: string;
  readonly apiId?: string;
}

/**
 * The event an HTTP API (payload format 2.0) gives a Lambda proxy integration for a request, as AWS
 * documents it: lower-cased headers, cookies apart, the body base64-encoded unless it is UTF-8 text
 * (local/http-api-body.ts).
 */
export function httpApiEvent(request: HttpRequestParts): APIGatewayProxyEventV2 {
  const headers = Object.fromEntries(Object.entries(request.headers ?? {}).map(([name, value]) => [name.toLowerCase(), value]));
  const cookies = headers.cookie?.split(/;\s*/).filter((cookie) => cookie !== "");
  delete headers.cookie;
  const now = new Date();
  const apiId = request.apiId ?? "local";
  const { body, isBase64Encoded } = deliveredBody(headers["content-type"], request.body);
  return {
    version: "2.0",
    routeKey: request.routeKey,
    rawPath: request.path,
    rawQueryString: request.rawQueryString ?? "",
    cookies,
    headers,
    queryStringParameters: request.rawQueryString ? Object.fromEntries(new URLSearchParams(request.rawQueryString)) : undefined,
    pathParameters: request.pathParameters && Object.keys(request.pathParameters).length > 0 ? { ...request.pathParameters } : undefined,
    requestContext: {
      accountId: "000000000000",
      apiId,
      domainName: headers.host ?? `${apiId}.execute-api.localhost`,
      domainPrefix: apiId,
      http: {
        method: request.method,
        path: request.path,
        protocol: "HTTP/1.1",
        sourceIp: request.sourceIp ?? "127.0.0.1",
        userAgent: headers["user-agent"] ?? "",
      },
      requestId: randomUUID(),
      routeKey: request.routeKey,
      stage: "$default",
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    body,
    isBase64Encoded,
  };
}
