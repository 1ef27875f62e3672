import { randomUUID } from "node:crypto";
import type { APIGatewayProxyEventV2 } from "aws-lambda";

export interface HttpRequestParts {
  readonly method: string;
  /** Path without the query string, e.g. `/executions`. */
  readonly path: string;
  readonly routeKey: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly rawQueryString?: string;
  readonly body?: Buffer;
  readonly sourceIp?: string;
  readonly apiId?: string;
}

/**
 * Content types whose bodies API Gateway HTTP APIs pass as text; every other body arrives
 * base64-encoded with `isBase64Encoded: true`.
 */
const TEXT_CONTENT_TYPE = /^(text\/|application\/([\w.+-]+\+)?(json|xml|javascript|x-www-form-urlencoded)\b)/i;

/**
 * The event an HTTP API (payload format 2.0) gives a Lambda proxy integration for a request, as AWS
 * documents it: lower-cased headers, cookies apart, the body base64-encoded unless it is text.
 */
export function httpApiEvent(request: HttpRequestParts): APIGatewayProxyEventV2 {
  const headers = Object.fromEntries(Object.entries(request.headers ?? {}).map(([name, value]) => [name.toLowerCase(), value]));
  const cookies = headers.cookie?.split(/;\s*/).filter((cookie) => cookie !== "");
  delete headers.cookie;
  const now = new Date();
  const apiId = request.apiId ?? "local";
  const body = request.body && request.body.length > 0 ? request.body : undefined;
  const isText = TEXT_CONTENT_TYPE.test(headers["content-type"] ?? "");
  return {
    version: "2.0",
    routeKey: request.routeKey,
    rawPath: request.path,
    rawQueryString: request.rawQueryString ?? "",
    cookies,
    headers,
    queryStringParameters: request.rawQueryString ? Object.fromEntries(new URLSearchParams(request.rawQueryString)) : undefined,
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
    body: body === undefined ? undefined : isText ? body.toString("utf8") : body.toString("base64"),
    isBase64Encoded: body !== undefined && !isText,
  };
}
