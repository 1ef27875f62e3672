import { ConfigError } from "./config-error";
import type { ConfigReader } from "./config-reader";

export interface ThrottlingConfig {
  /** Steady requests per second for the route. */
  readonly rateLimit: number;
  /** Requests the route may take at once above the steady rate. */
  readonly burstLimit: number;
}

export interface CorsConfig {
  readonly allowOrigins: readonly string[];
  readonly allowHeaders: readonly string[];
  readonly maxAgeSeconds: number;
}

export type AuthorizationConfig =
  | { readonly type: "jwt"; readonly issuer: string; readonly audience: readonly string[]; readonly scopes: readonly string[] }
  | { readonly type: "iam" };

export interface ApiConfig {
  readonly throttling: ThrottlingConfig;
  /** Absent: no CORS, browsers on other origins cannot call the API. */
  readonly cors?: CorsConfig;
  /** Absent: the route is public. */
  readonly authorization?: AuthorizationConfig;
}

/**
 * Below Step Functions' StartExecution quota (a 300/s refill in the largest regions, 150/s elsewhere), so
 * a flood is refused by the API before it reaches the workflow.
 */
export const API_DEFAULTS: ApiConfig = { throttling: { rateLimit: 100, burstLimit: 200 } };

/**
 * `*`, an https origin, or plain http on this machine's loopback only (a front end in development). A page
 * served over plain http from anywhere else can be rewritten in transit, and would then call the API with
 * the user's credentials: such origins are refused.
 */
const ORIGIN = /^(\*|https:\/\/[A-Za-z0-9.-]+(:\d{1,5})?|http:\/\/(localhost|127\.0\.0\.1|\[::1\])(:\d{1,5})?)$/;
const HEADER_NAME = /^[A-Za-z0-9-]{1,64}$/;
const HTTPS_URL = /^https:\/\/[^\s/$.?#][^\s]*$/;
const AUDIENCE = /^\S{1,256}$/;

/**
 * `"api": { "throttling": {...}, "cors": {...}, "authorization": {...} }` — see README.md, Configuration.
 */
export function apiConfigFrom(reader: ConfigReader | undefined): ApiConfig {
  if (!reader) {
    return API_DEFAULTS;
  }
  reader.allowOnly(["throttling", "cors", "authorization"]);
  return {
    throttling: throttlingFrom(reader.optionalObject("throttling")),
    cors: corsFrom(reader.optionalObject("cors")),
    authorization: authorizationFrom(reader.optionalObject("authorization")),
  };
}

function throttlingFrom(reader: ConfigReader | undefined): ThrottlingConfig {
  if (!reader) {
    return API_DEFAULTS.throttling;
  }
  reader.allowOnly(["rateLimit", "burstLimit"]);
  const rateLimit = reader.optionalInteger("rateLimit", 1, 10_000, "requests per second") ?? API_DEFAULTS.throttling.rateLimit;
  const burstLimit = reader.optionalInteger("burstLimit", 1, 5_000, "requests at once") ?? API_DEFAULTS.throttling.burstLimit;
  return { rateLimit, burstLimit };
}

function corsFrom(reader: ConfigReader | undefined): CorsConfig | undefined {
  if (!reader) {
    return undefined;
  }
  reader.allowOnly(["allowOrigins", "allowHeaders", "maxAgeSeconds"]);
  const allowOrigins = reader.optionalStringList(
    "allowOrigins",
    ORIGIN,
    'https origins such as https://app.example.com, http://localhost:<port> in development, or "*"',
  );
  if (!allowOrigins || allowOrigins.length === 0) {
    throw new ConfigError(reader.fieldPath("allowOrigins"), "is required: the origins browsers may call the API from.");
  }
  return {
    allowOrigins,
    allowHeaders: reader.optionalStringList("allowHeaders", HEADER_NAME, "header names such as content-type") ?? ["content-type", "authorization"],
    maxAgeSeconds: reader.optionalInteger("maxAgeSeconds", 0, 86_400, "seconds a browser may cache the preflight answer") ?? 300,
  };
}

function authorizationFrom(reader: ConfigReader | undefined): AuthorizationConfig | undefined {
  if (!reader) {
    return undefined;
  }
  const type = reader.optionalEnum("type", ["jwt", "iam"] as const);
  if (type === undefined) {
    throw new ConfigError(reader.fieldPath("type"), "is required: jwt or iam.");
  }
  if (type === "iam") {
    reader.allowOnly(["type"]);
    return { type };
  }
  reader.allowOnly(["type", "issuer", "audience", "scopes"]);
  const issuer = reader.requiredString("issuer", HTTPS_URL, "the token issuer's https URL, e.g. https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123");
  const audience = reader.optionalStringList("audience", AUDIENCE, "audience values (client ids)");
  if (!audience || audience.length === 0) {
    throw new ConfigError(reader.fieldPath("audience"), "is required: at least one audience (client id) the tokens must carry.");
  }
  return { type, issuer, audience, scopes: reader.optionalStringList("scopes", AUDIENCE, "OAuth scopes such as orders/write") ?? [] };
}
