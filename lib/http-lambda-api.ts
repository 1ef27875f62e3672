import { Apigatewayv2Api } from "@cdktf/provider-aws/lib/apigatewayv2-api";
import { Apigatewayv2Integration } from "@cdktf/provider-aws/lib/apigatewayv2-integration";
import { Apigatewayv2Route } from "@cdktf/provider-aws/lib/apigatewayv2-route";
import { Apigatewayv2Stage } from "@cdktf/provider-aws/lib/apigatewayv2-stage";
import { LambdaPermission } from "@cdktf/provider-aws/lib/lambda-permission";
import type { LambdaFunction } from "@cdktf/provider-aws/lib/lambda-function";
import { Construct } from "constructs";

export interface HttpLambdaApiProps {
  readonly name: string;
  /** e.g. `POST /executions` */
  readonly routeKey: string;
  readonly handler: LambdaFunction;
}

/**
 * An HTTP API with one route proxied to a Lambda function (payload format 2.0) on the auto-deployed
 * `$default` stage. The function may be invoked by this API's route only.
 */
export class HttpLambdaApi extends Construct {
  public readonly api: Apigatewayv2Api;
  public readonly route: Apigatewayv2Route;
  public readonly stage: Apigatewayv2Stage;
  private readonly routePath: string;

  constructor(scope: Construct, id: string, props: HttpLambdaApiProps) {
    super(scope, id);
    const [method, routePath] = parseRouteKey(props.routeKey);
    this.routePath = routePath;

    this.api = new Apigatewayv2Api(this, "api", { name: props.name, protocolType: "HTTP" });

    const integration = new Apigatewayv2Integration(this, "integration", {
      apiId: this.api.id,
      integrationType: "AWS_PROXY",
      integrationUri: props.handler.invokeArn,
      payloadFormatVersion: "2.0",
    });

    this.route = new Apigatewayv2Route(this, "route", {
      apiId: this.api.id,
      routeKey: props.routeKey,
      target: `integrations/${integration.id}`,
    });

    this.stage = new Apigatewayv2Stage(this, "stage", { apiId: this.api.id, name: "$default", autoDeploy: true });

    new LambdaPermission(this, "invoke-permission", {
      statementId: "AllowInvokeFromHttpApiRoute",
      action: "lambda:InvokeFunction",
      functionName: props.handler.functionName,
      principal: "apigateway.amazonaws.com",
      // <api execution ARN>/<stage>/<method>/<path>: this route on any stage of this API, nothing else.
      sourceArn: `${this.api.executionArn}/*/${method}${routePath}`,
    });
  }

  /** The route's full URL, e.g. `https://abc123.execute-api.eu-west-1.amazonaws.com/executions`. */
  public get routeUrl(): string {
    return `${this.api.apiEndpoint}${this.routePath}`;
  }
}

function parseRouteKey(routeKey: string): [method: string, path: string] {
  const match = /^(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS) (\/\S*)$/.exec(routeKey);
  if (!match) {
    throw new Error(`Route key "${routeKey}" must be "<METHOD> /<path>", e.g. "POST /executions".`);
  }
  return [match[1], match[2]];
}
