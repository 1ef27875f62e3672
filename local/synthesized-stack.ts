import * as fs from "node:fs";
import * as path from "node:path";

/** The account the local stand-ins pretend to be in; no AWS account has this id. */
/** What Lambda gives a function created without a timeout or memory size (CreateFunction's defaults). */
const LAMBDA_DEFAULT_TIMEOUT_SECONDS = 3;
const LAMBDA_DEFAULT_MEMORY_MB = 128;

export const LOCAL_ACCOUNT_ID = "000000000000";

type Attributes = Record<string, unknown>;
export interface TerraformJson {
  provider?: { aws?: Attributes[] };
  resource?: Record<string, Record<string, Attributes>>;
}

export interface LocalFunction {
  readonly functionName: string;
  readonly handler: string;
  readonly runtime: string;
  /** Absolute path of the deployment package inside the synthesized stack. */
  readonly zipFile: string;
  readonly environment: Readonly<Record<string, string>>;
  readonly timeoutSeconds: number;
  readonly memorySize: number;
}

/** An HTTP API route and the function its integration proxies to. */
export interface LocalRoute {
  readonly routeKey: string;
  readonly functionName: string;
}

/** An EventBridge rule on the default bus and the functions it targets. */
export interface LocalEventRule {
  readonly name: string;
  readonly eventPattern: unknown;
  readonly functionNames: readonly string[];
}

/** An EventBridge Scheduler schedule and the function it invokes. */
export interface LocalSchedule {
  readonly name: string;
  /** As the stack declares it: `rate(5 minutes)`, `cron(…)`, `at(…)`. */
  readonly scheduleExpression: string;
  readonly functionName: string;
  /** The event the function is invoked with: the target's input, parsed; `{}` without one. */
  readonly input: unknown;
}

export interface LocalStateMachine {
  readonly arn: string;
  readonly name: string;
  /** The definition as deployed, its Terraform references replaced by the local ARNs. */
  readonly definition: string;
}

export interface LocalTable {
  readonly name: string;
  readonly hashKey: string;
  readonly rangeKey?: string;
  /** The key attributes' types, the indexes' keys included: S, N or B. */
  readonly attributes: readonly { readonly name: string; readonly type: string }[];
  /** The table's global secondary indexes, as the stack declares them. */
  readonly globalSecondaryIndexes?: readonly LocalGlobalSecondaryIndex[];
}

export interface LocalGlobalSecondaryIndex {
  readonly name: string;
  readonly hashKey: string;
  readonly rangeKey?: string;
  /** ALL, KEYS_ONLY or INCLUDE (with `nonKeyAttributes`). */
  readonly projectionType: string;
  readonly nonKeyAttributes?: readonly string[];
}

/**
 * A synthesized stack (`cdktf.out/stacks/<name>/cdk.tf.json`) read back so that the local stand-ins run
 * what would be deployed: the same zip, handler and variables, the same definition. Terraform references
 * are resolved to local values (`${aws_sns_topic.x.arn}` to a local topic ARN); anything that cannot be
 * resolved locally is an error, never silently left as text.
 */
export class SynthesizedStack {
  public readonly region: string;

  /** Reads `<stackDir>/cdk.tf.json`, as `npm run synth` wrote it. */
  public static read(stackDir: string, accountId?: string): SynthesizedStack {
    const file = path.join(stackDir, "cdk.tf.json");
    if (!fs.existsSync(file)) {
      throw new Error(`${file} does not exist: run npm run synth first.`);
    }
    return new SynthesizedStack(JSON.parse(fs.readFileSync(file, "utf8")) as TerraformJson, stackDir, accountId);
  }

  constructor(
    private readonly json: TerraformJson,
    /** Where asset paths (`assets/…/code.zip`) are relative to. */
    public readonly stackDir: string,
    public readonly accountId: string = LOCAL_ACCOUNT_ID,
  ) {
    const region = this.json.provider?.aws?.[0]?.region;
    if (typeof region !== "string") {
      throw new Error(`${path.join(stackDir, "cdk.tf.json")}: the AWS provider has no region.`);
    }
    this.region = region;
  }

  public functions(): LocalFunction[] {
    return this.resources("aws_lambda_function").map(([, attributes]) => {
      const variables = ((attributes.environment as Attributes | undefined)?.variables ?? {}) as Record<string, string>;
      return {
        functionName: this.resolve(attributes.function_name as string),
        handler: attributes.handler as string,
        runtime: attributes.runtime as string,
        zipFile: path.join(this.stackDir, attributes.filename as string),
        environment: Object.fromEntries(Object.entries(variables).map(([name, value]) => [name, this.resolve(value)])),
        // Lambda's own defaults where the stack sets none (every function of this project's sets both).
        timeoutSeconds: (attributes.timeout as number | undefined) ?? LAMBDA_DEFAULT_TIMEOUT_SECONDS,
        memorySize: (attributes.memory_size as number | undefined) ?? LAMBDA_DEFAULT_MEMORY_MB,
      };
    });
  }

  public stateMachines(): LocalStateMachine[] {
    return this.resources("aws_sfn_state_machine").map(([, attributes]) => {
      const name = attributes.name as string;
      return { name, arn: this.arnOf("aws_sfn_state_machine", name), definition: this.resolve(attributes.definition as string) };
    });
  }

  /** `POST /executions` -> the function behind it, following route -> integration -> function. */
  public routes(): LocalRoute[] {
    return this.resources("aws_apigatewayv2_route").map(([, route]) => {
      const integrationId = /^integrations\/\$\{aws_apigatewayv2_integration\.([^.]+)\.id\}$/.exec(route.target as string)?.[1];
      const integration = integrationId ? this.json.resource?.aws_apigatewayv2_integration?.[integrationId] : undefined;
      return {
        routeKey: route.route_key as string,
        functionName: this.functionNameOf(integration?.integration_uri, `route ${String(route.route_key)}`),
      };
    });
  }

  public eventRules(): LocalEventRule[] {
    const targets = this.resources("aws_cloudwatch_event_target").map(([, target]) => target);
    return this.resources("aws_cloudwatch_event_rule").map(([id, rule]) => ({
      name: this.resolve(rule.name as string),
      eventPattern: JSON.parse(this.resolve(rule.event_pattern as string)),
      functionNames: targets
        .filter((target) => target.rule === `\${aws_cloudwatch_event_rule.${id}.name}`)
        .map((target) => this.functionNameOf(target.arn, `target of rule ${id}`)),
    }));
  }

  public schedules(): LocalSchedule[] {
    return this.resources("aws_scheduler_schedule").map(([id, schedule]) => {
      const target = (Array.isArray(schedule.target) ? schedule.target[0] : schedule.target) as Attributes;
      return {
        name: this.resolve(schedule.name as string),
        scheduleExpression: schedule.schedule_expression as string,
        functionName: this.functionNameOf(target.arn, `target of schedule ${id}`),
        input: typeof target.input === "string" ? JSON.parse(this.resolve(target.input)) : {},
      };
    });
  }

  public topicArns(): string[] {
    return this.resources("aws_sns_topic").map(([, topic]) => this.arnOf("aws_sns_topic", this.resolve(topic.name as string)));
  }

  public tables(): LocalTable[] {
    return this.resources("aws_dynamodb_table").map(([, attributes]) => {
      const indexes = (attributes.global_secondary_index ?? []) as Attributes[];
      return {
        name: this.resolve(attributes.name as string),
        hashKey: attributes.hash_key as string,
        ...(typeof attributes.range_key === "string" ? { rangeKey: attributes.range_key } : {}),
        attributes: attributes.attribute as LocalTable["attributes"],
        ...(indexes.length > 0
          ? {
              globalSecondaryIndexes: indexes.map((index) => ({
                name: index.name as string,
                hashKey: index.hash_key as string,
                ...(typeof index.range_key === "string" ? { rangeKey: index.range_key } : {}),
                projectionType: index.projection_type as string,
                ...(Array.isArray(index.non_key_attributes) ? { nonKeyAttributes: index.non_key_attributes as string[] } : {}),
              })),
            }
          : {}),
      };
    });
  }

  /** Replaces `${type.id.attribute}` references with local values and undoes Terraform's `$${` / `%%{` escapes. */
  public resolve(text: string): string {
    return text.replace(/(\$|%)(\$|%)?\{([^}]*)\}/g, (match, sigil: string, escaped: string | undefined, expression: string) => {
      if (escaped === sigil) {
        return `${sigil}{${expression}}`;
      }
      if (escaped !== undefined || sigil === "%") {
        throw new Error(`Cannot run "${match}" locally: Terraform directives are not supported.`);
      }
      return this.referenceValue(expression.trim());
    });
  }

  private referenceValue(expression: string): string {
    const environmentValue = this.dataSourceValue(expression);
    if (environmentValue !== undefined) {
      return environmentValue;
    }
    const match = /^([a-z0-9_]+)\.([A-Za-z0-9_-]+)\.([a-z_]+)$/.exec(expression);
    if (!match) {
      throw new Error(`Cannot resolve "\${${expression}}" locally: only resource attribute references are supported.`);
    }
    const [, type, id, attribute] = match;
    const resource = this.json.resource?.[type]?.[id];
    if (!resource) {
      throw new Error(`Cannot resolve "\${${expression}}": the stack has no ${type}.${id}.`);
    }
    const name = typeof resource.name === "string" ? this.resolve(resource.name) : undefined;
    if (attribute === "arn" && name) {
      return this.arnOf(type, name);
    }
    if ((attribute === "name" || attribute === "id") && name) {
      return name;
    }
    if (attribute === "function_name" && typeof resource.function_name === "string") {
      return this.resolve(resource.function_name);
    }
    throw new Error(`Cannot resolve "\${${expression}}" locally.`);
  }

  /** The function a `${aws_lambda_function.<id>.arn|invoke_arn}` reference points to. */
  private functionNameOf(reference: unknown, what: string): string {
    const id = /^\$\{aws_lambda_function\.([^.]+)\.(?:invoke_)?arn\}$/.exec(String(reference))?.[1];
    const fn = id ? this.json.resource?.aws_lambda_function?.[id] : undefined;
    if (!fn) {
      throw new Error(`The ${what} does not lead to a Lambda function of this stack.`);
    }
    return this.resolve(fn.function_name as string);
  }

  /** The data sources lib/aws-environment.ts reads: where the stack deploys. */
  private dataSourceValue(expression: string): string | undefined {
    const match = /^data\.(aws_[a-z_]+)\.[A-Za-z0-9_-]+\.([a-z_]+)$/.exec(expression);
    const values: Record<string, string> = {
      "aws_caller_identity.account_id": this.accountId,
      "aws_partition.partition": "aws",
      "aws_region.id": this.region,
      "aws_region.region": this.region,
      "aws_region.name": this.region,
    };
    return match ? values[`${match[1]}.${match[2]}`] : undefined;
  }

  private arnOf(type: string, name: string): string {
    const services: Record<string, string> = {
      aws_sfn_state_machine: `states:${this.region}:${this.accountId}:stateMachine:${name}`,
      aws_sns_topic: `sns:${this.region}:${this.accountId}:${name}`,
      aws_dynamodb_table: `dynamodb:${this.region}:${this.accountId}:table/${name}`,
      aws_cloudwatch_log_group: `logs:${this.region}:${this.accountId}:log-group:${name}`,
    };
    if (!services[type]) {
      throw new Error(`Cannot make a local ARN for ${type}.`);
    }
    return `arn:aws:${services[type]}`;
  }

  private resources(type: string): [string, Attributes][] {
    return Object.entries(this.json.resource?.[type] ?? {});
  }
}
