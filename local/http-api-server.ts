import { randomUUID } from "node:crypto";
import * as http from "node:http";
import type { APIGatewayProxyEventV2 } from "aws-lambda";
import { httpApiEvent } from "./http-api-event";
import { type ListeningServer, listen } from "./listen";
import { routeMatcher } from "./route-match";

/** What API Gateway does with a route: hand its event to the integration and wait for the answer. */
export type RouteIntegration = (event: APIGatewayProxyEventV2) => Promise<unknown>;

export type HttpApiServer = ListeningServer;

/** HTTP APIs refuse larger payloads before the integration is called. */
const MAX_PAYLOAD_BYTES = 10 * 1024 * 1024;

/**
 * An HTTP API on this machine: each `METHOD /path` route (`{name}` segments are path parameters) turns
 * requests into payload format 2.0 events for its integration and its answers into HTTP responses, as API
 * Gateway does; anything else is API Gateway's own 404, a failing integration its 500.
 */
export async function startHttpApiServer(options: {
  routes: ReadonlyMap<string, RouteIntegration>;
  port: number;
  host: string;
}): Promise<HttpApiServer> {
  const match = routeMatcher(options.routes);
  const server = http.createServer((req, res) => {
    const requestId = randomUUID();
    const chunks: Buffer[] = [];
    let size = 0;
    let refused = false;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_PAYLOAD_BYTES && !refused) {
        refused = true;
        sendJson(res, 413, { message: "Request Entity Too Large" }, requestId);
      }
      if (!refused) chunks.push(chunk);
    });
    req.on("end", () => {
      if (refused) return;
      const url = new URL(req.url ?? "/", "http://localhost");
      const route = match(req.method ?? "GET", url.pathname);
      if (!route) {
        sendJson(res, 404, { message: "Not Found" }, requestId);
        return;
      }
      const integration = route.target;
      const event = httpApiEvent({
        method: req.method ?? "GET",
        path: url.pathname,
        // The route's key as configured, `GET /executions/{executionName}`; the path is the request's.
        routeKey: route.routeKey,
        pathParameters: route.pathParameters,
        rawQueryString: url.search.slice(1),
        headers: Object.fromEntries(
          Object.entries(req.headers).map(([name, value]) => [name, Array.isArray(value) ? value.join(",") : (value ?? "")]),
        ),
        body: Buffer.concat(chunks),
        sourceIp: req.socket.remoteAddress?.replace(/^::ffff:/, ""),
      });
      integration(event).then(
        (result) => sendIntegrationResult(res, result, requestId),
        () => sendJson(res, 500, { message: "Internal Server Error" }, requestId),
      );
    });
  });
  return listen(server, options.port, options.host);
}

/**
 * Payload format 2.0 responses: a structured result (`statusCode`, `headers`, `body`, `isBase64Encoded`,
 * `cookies`) is sent as given; anything else is JSON with status 200, as API Gateway infers it.
 */
function sendIntegrationResult(res: http.ServerResponse, result: unknown, requestId: string): void {
  const structured = typeof result === "object" && result !== null && "statusCode" in result;
  if (!structured) {
    sendJson(res, 200, result ?? null, requestId);
    return;
  }
  const { statusCode, headers, body, isBase64Encoded, cookies } = result as {
    statusCode: number;
    headers?: Record<string, string>;
    body?: string;
    isBase64Encoded?: boolean;
    cookies?: string[];
  };
  const payload = body === undefined ? Buffer.alloc(0) : Buffer.from(body, isBase64Encoded ? "base64" : "utf8");
  res.writeHead(statusCode, {
    ...headers,
    ...(cookies?.length ? { "set-cookie": cookies } : {}),
    "content-length": payload.length,
    "apigw-requestid": requestId,
  });
  res.end(payload);
}

function sendJson(res: http.ServerResponse, status: number, body: unknown, requestId: string): void {
  const json = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(json), "apigw-requestid": requestId });
  res.end(json);
}
