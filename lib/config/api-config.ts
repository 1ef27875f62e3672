import { ConfigError } from "./config-error";
import { defaultsOf, type FieldsOf, fieldNames, readField, readObject } from "./config-field";
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
 * `*`, an https origin, or plain http on this machine's loopback only (a front end in development). A page
 * served over plain http from anywhere else can be rewritten in transit, and would then call the API with
 * the user's credentials: such origins are refused.
 */
const ORIGIN = /^(\*|https:\/\/[A-Za-z0-9.-]+(:\d{1,5})?|http:\/\/(localhost|127\.0\.0\.1|\[::1\])(:\d{1,5})?)$/;
const HEADER_NAME = /^[A-Za-z0-9-]{1,64}$/;
const HTTPS_URL = /^https:\/\/[^\s/$.?#][^\s]*$/;
const AUDIENCE = /^\S{1,256}$/;

/**
 * Below Step Functions' StartExecution quota (a 300/s refill in the largest regions, 150/s elsewhere), so
 * a flood is refused by the API before it reaches the workflow.
 */
export const THROTTLING_FIELDS = {
  rateLimit: {
    doc: "steady requests per second each route takes",
    default: { value: 100 },
    read: (reader, name) => reader.optionalInteger(name, 1, 10_000, "requests per second"),
  },
  burstLimit: {
    doc: "requests a route takes at once above the steady rate",
    default: { value: 200 },
    read: (reader, name) => reader.optionalInteger(name, 1, 5_000, "requests at once"),
  },
} satisfies FieldsOf<ThrottlingConfig>;

export const CORS_FIELDS = {
  allowOrigins: {
    doc: "the origins browsers may call the API from",
    default: { required: true },
    read: (reader, name) => {
      const allowOrigins = reader.optionalStringList(
        name,
        ORIGIN,
        'https origins such as https://app.example.com, http://localhost:<port> in development, or "*"',
      );
      if (!allowOrigins || allowOrigins.length === 0) {
        throw new ConfigError(reader.fieldPath(name), "is required: the origins browsers may call the API from.");
      }
      return allowOrigins;
    },
  },
  allowHeaders: {
    doc: "the request headers browsers may send",
    default: { value: ["content-type", "authorization"] },
    read: (reader, name) => reader.optionalStringList(name, HEADER_NAME, "header names such as content-type"),
  },
  maxAgeSeconds: {
    doc: "how long a browser may cache the preflight answer",
    default: { value: 300 },
    read: (reader, name) => reader.optionalInteger(name, 0, 86_400, "seconds a browser may cache the preflight answer"),
  },
} satisfies FieldsOf<CorsConfig>;

/** Read by authorizationFrom, which allows `type` alone for IAM. */
export const AUTHORIZATION_FIELDS = {
  type: {
    doc: "how callers prove who they are",
    default: { required: true },
    read: (reader, name) => {
      const type = reader.optionalEnum(name, ["jwt", "iam"] as const);
      if (type === undefined) {
        throw new ConfigError(reader.fieldPath(name), "is required: jwt or iam.");
      }
      return type;
    },
  },
  issuer: {
    doc: "the token issuer",
    default: { required: true, when: '`type: "jwt"`' },
    read: (reader, name) =>
      reader.requiredString(
        name,
        HTTPS_URL,
        "the token issuer's https URL, e.g. https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123",
      ),
  },
  audience: {
    doc: "the audiences a token must carry one of",
    default: { required: true, when: '`type: "jwt"`' },
    read: (reader, name) => {
      const audience = reader.optionalStringList(name, AUDIENCE, "audience values (client ids)");
      if (!audience || audience.length === 0) {
        throw new ConfigError(reader.fieldPath(name), "is required: at least one audience (client id) the tokens must carry.");
      }
      return audience;
    },
  },
  scopes: {
    doc: "the scopes a token must carry one of",
    default: { value: [] },
    read: (reader, name) => reader.optionalStringList(name, AUDIENCE, "OAuth scopes such as orders/write"),
  },
} satisfies FieldsOf<{ type: AuthorizationConfig["type"]; issuer: string; audience: readonly string[]; scopes: readonly string[] }>;

/** `"api": { "throttling": {...}, "cors": {...}, "authorization": {...} }` — see README.md, Configuration. */
export const API_FIELDS = {
  throttling: {
    doc: "route throttling",
    default: { value: defaultsOf(THROTTLING_FIELDS) },
    read: (reader, name) => readObject(THROTTLING_FIELDS, reader.optionalObject(name)),
    fields: THROTTLING_FIELDS,
  },
  cors: {
    doc: "CORS for browsers",
    default: { value: undefined, shown: "no CORS" },
    read: (reader, name) => {
      const cors = reader.optionalObject(name);
      return cors && readObject(CORS_FIELDS, cors);
    },
    fields: CORS_FIELDS,
  },
  authorization: {
    doc: "who may call the routes",
    default: { value: undefined, shown: "public" },
    read: (reader, name) => authorizationFrom(reader.optionalObject(name)),
    fields: AUTHORIZATION_FIELDS,
  },
} satisfies FieldsOf<ApiConfig>;

export const API_DEFAULTS: ApiConfig = defaultsOf(API_FIELDS);

export function apiConfigFrom(reader: ConfigReader | undefined): ApiConfig {
  return readObject(API_FIELDS, reader);
}

function authorizationFrom(reader: ConfigReader | undefined): AuthorizationConfig | undefined {
  if (!reader) {
    return undefined;
  }
  const type = readField(AUTHORIZATION_FIELDS, "type", reader);
  if (type === "iam") {
    reader.allowOnly(["type"]);
    return { type };
  }
  reader.allowOnly(fieldNames(AUTHORIZATION_FIELDS));
  const issuer = readField(AUTHORIZATION_FIELDS, "issuer", reader);
  const audience = readField(AUTHORIZATION_FIELDS, "audience", reader);
  return { type, issuer, audience, scopes: readField(AUTHORIZATION_FIELDS, "scopes", reader) };
}
