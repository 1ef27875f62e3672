import { Construct } from "constructs";
import type { AuthorizationConfig, CorsConfig, ThrottlingConfig } from "./config/api-config";
import { managedLogGroup } from "./managed-log-group";
import {
  Apigatewayv2Api,
  Apigatewayv2Authorizer,
  Apigatewayv2Integration,
  Apigatewayv2Route,
  Apigatewayv2Stage,
  type CloudwatchLogGroup,
  type LambdaFunction,
  LambdaPermission,
} from "./toolkit/aws-provider";

export interface HttpLambdaApiProps {
  readonly name: string;
  /** The methods of every route, for CORS, e.g. `["POST", "GET"]`. */
  readonly methods: readonly string[];
  readonly throttling: ThrottlingConfig;
  /** Absent: no CORS configuration, so browsers on other origins are refused. */
  readonly cors?: CorsConfig;
  /** Absent: the route is public. */
  readonly authorization?: AuthorizationConfig;
  readonly accessLogs: { readonly retentionDays: number; readonly kmsKeyArn?: string };
}

/**
 * One access log line per request, as JSON: who asked (request id, source IP), what (route), the answer
 * (status, latency) and what went wrong on API Gateway's side (integration error, error message).
 */
export const ACCESS_LOG_FORMAT = JSON.stringify({
  requestId: "$context.requestId",
  sourceIp: "$context.identity.sourceIp",
  requestTime: "$context.requestTime",
  routeKey: "$context.routeKey",
  status: "$context.status",
  protocol: "$context.protocol",
  responseLength: "$context.responseLength",
  responseLatency: "$context.responseLatency",
  integrationLatency: "$context.integrationLatency",
  integrationStatus: "$context.integrationStatus",
  integrationError: "$context.integration.error",
  errorMessage: "$context.error.message",
  userAgent: "$context.identity.userAgent",
});

/**
 * An HTTP API whose routes are each proxied to a Lambda function (payload format 2.0), on the auto-deployed
 * `$default` stage: access logs in JSON, default route throttling, CORS and authorization (the same for every
 * route) only when configured. Each function may be invoked by its own route only.
 */
export class HttpLambdaApi extends Construct {
  public readonly api: Apigatewayv2Api;
  public readonly stage: Apigatewayv2Stage;
  public readonly accessLogGroup: CloudwatchLogGroup;
  private readonly authorization: ReturnType<HttpLambdaApi["routeAuthorization"]>;

  constructor(scope: Construct, id: string, props: HttpLambdaApiProps) {
    super(scope, id);
    this.api = new Apigatewayv2Api(this, "api", {
      name: props.name,
      protocolType: "HTTP",
      corsConfiguration: props.cors && {
        allowOrigins: [...props.cors.allowOrigins],
        allowMethods: [...props.methods],
        allowHeaders: [...props.cors.allowHeaders],
        maxAge: props.cors.maxAgeSeconds,
      },
    });
    this.authorization = this.routeAuthorization(props.name, props.authorization);

    this.accessLogGroup = managedLogGroup(this, "access-log-group", {
      name: `/aws/vendedlogs/apigateway/${props.name}`,
      retentionDays: props.accessLogs.retentionDays,
      kmsKeyArn: props.accessLogs.kmsKeyArn,
    });

    this.stage = new Apigatewayv2Stage(this, "stage", {
      apiId: this.api.id,
      name: "$default",
      autoDeploy: true,
      accessLogSettings: { destinationArn: this.accessLogGroup.arn, format: ACCESS_LOG_FORMAT },
      defaultRouteSettings: {
        throttlingRateLimit: props.throttling.rateLimit,
        throttlingBurstLimit: props.throttling.burstLimit,
      },
    });
  }

  /**
   * A route to a function: its integration, the route (with the API's authorization: every route gets it,
   * so none is public while authorization is on) and the function's permission for this route only.
   * `idPrefix` keeps each route's ids apart ("" for the first route there was). A path may hold parameters,
   * `GET /executions/{executionName}`. Returns the route's full URL, e.g.
   * `https://abc123.execute-api.eu-west-1.amazonaws.com/executions`.
   */
  public addRoute(idPrefix: string, routeKey: string, handler: LambdaFunction): string {
    const [method, routePath] = parseRouteKey(routeKey);
    const integration = new Apigatewayv2Integration(this, `${idPrefix}integration`, {
      apiId: this.api.id,
      integrationType: "AWS_PROXY",
      integrationUri: handler.invokeArn,
      payloadFormatVersion: "2.0",
    });
    new Apigatewayv2Route(this, `${idPrefix}route`, {
      apiId: this.api.id,
      routeKey,
      target: `integrations/${integration.id}`,
      ...this.authorization,
    });
    new LambdaPermission(this, `${idPrefix}invoke-permission`, {
      statementId: "AllowInvokeFromHttpApiRoute",
      action: "lambda:InvokeFunction",
      functionName: handler.functionName,
      principal: "apigateway.amazonaws.com",
      // <api execution ARN>/<stage>/<method>/<path>: this route on any stage of this API, nothing else. A path
      // parameter ({executionName}) is the request's actual segment there, so it is matched by "*".
      sourceArn: `${this.api.executionArn}/*/${method}${routePath.replace(/\{[^/{}]+\}/g, "*")}`,
    });
    return `${this.api.apiEndpoint}${routePath}`;
  }

  private routeAuthorization(name: string, authorization: AuthorizationConfig | undefined) {
    if (!authorization) {
      return { authorizationType: "NONE" };
    }
    if (authorization.type === "iam") {
      // Callers sign with SigV4 and need execute-api:Invoke on the route (README.md, Authorization).
      return { authorizationType: "AWS_IAM" };
    }
    const authorizer = new Apigatewayv2Authorizer(this, "jwt-authorizer", {
      apiId: this.api.id,
      name: `${name}-jwt`,
      authorizerType: "JWT",
      identitySources: ["$request.header.Authorization"],
      jwtConfiguration: { issuer: authorization.issuer, audience: [...authorization.audience] },
    });
    return {
      authorizationType: "JWT",
      authorizerId: authorizer.id,
      authorizationScopes: authorization.scopes.length > 0 ? [...authorization.scopes] : undefined,
    };
  }
}

export function parseRouteKey(routeKey: string): [method: string, path: string] {
  const match = /^(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS) (\/\S*)$/.exec(routeKey);
  if (!match) {
    throw new Error(`Route key "${routeKey}" must be "<METHOD> /<path>", e.g. "POST /executions".`);
  }
  return [match[1], match[2]];
}
