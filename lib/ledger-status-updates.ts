import { Construct } from "constructs";
import {
  LEDGER_SCOPED_STATE_MACHINES_VARIABLE,
  LEDGER_TABLE_VARIABLE,
  STATUS_CHANGE_DETAIL_TYPE,
} from "../functions/shared/ledger-contract";
import { METRICS_ENVIRONMENT_VARIABLES } from "../functions/shared/metrics-contract";
import type { ExecutionLedgerTable } from "./execution-ledger-table";
import { FUNCTION_ENTRIES, FUNCTION_LIMITS } from "./function-entries";
import { NodejsFunction } from "./nodejs-function";
import {
  CloudwatchEventRule,
  CloudwatchEventTarget,
  LambdaFunctionEventInvokeConfig,
  LambdaPermission,
  SqsQueue,
} from "./toolkit/aws-provider";

export interface LedgerStateMachine {
  readonly workflow: string;
  readonly arn: string;
  readonly name: string;
  /** Whether its records are keyed by the bare execution name (lib/workflow-identity.ts). */
  readonly unscopedLedgerKeys: boolean;
}

/** What both of the ledger's own functions (this one and lib/ledger-reconciler.ts) are built from. */
export interface LedgerFunctionProps {
  /** Resource name prefix, `sfn-dedup-<env>`. */
  readonly prefix: string;
  /** The environment's name: the `Environment` dimension of the function's metrics. */
  readonly environment: string;
  /** The workflows whose executions the ledger records, each with its state machine. */
  readonly stateMachines: readonly LedgerStateMachine[];
  readonly ledger: ExecutionLedgerTable;
  readonly logRetentionDays: number;
  /** The environment's customer managed key: the function's logs and variables (and the reconciler's schedule) use it. */
  readonly kmsKeyArn?: string;
  /** Whether the function reserves (and is capped at) its few concurrent executions. @default true */
  readonly reserveConcurrency?: boolean;
}

/**
 * How long EventBridge keeps retrying a status it could not hand to Lambda (its maximum). This covers
 * delivery only: once Lambda has accepted the event, a function error is retried by Lambda, below.
 */
const MAXIMUM_EVENT_AGE_SECONDS = 86_400;
/**
 * Lambda's own retries of an event whose ledger write failed (its maximum, and its default, made explicit):
 * three attempts about a minute then two apart, after which the event goes to the dead-letter queue.
 */
export const FUNCTION_ERROR_RETRY_ATTEMPTS = 2;
/** How long an accepted event may wait in Lambda's queue (e.g. behind the reserved concurrency): its maximum. */
export const ASYNC_EVENT_MAXIMUM_AGE_SECONDS = 21_600;
/** Status events arrive at most a few per execution; this caps the function without starving the account. */
const STATUS_UPDATER_CONCURRENCY = 5;
/** SQS's longest retention: time to find out why a status could not be written, and replay it. */
const DEAD_LETTER_RETENTION_SECONDS = 1_209_600;

/**
 * Step Functions' own "Execution Status Change" events, for this state machine only, delivered to a
 * function that writes each status into the ledger: the ledger then knows how every execution ended.
 * Events the function still cannot record after Lambda's retries are kept in a dead-letter queue.
 */
export class LedgerStatusUpdates extends Construct {
  public readonly rule: CloudwatchEventRule;
  public readonly updater: NodejsFunction;
  public readonly deadLetterQueue: SqsQueue;

  constructor(scope: Construct, id: string, props: LedgerFunctionProps) {
    super(scope, id);
    this.deadLetterQueue = new SqsQueue(this, "dead-letter-queue", {
      name: `${props.prefix}-ledger-status-dlq`,
      messageRetentionSeconds: DEAD_LETTER_RETENTION_SECONDS,
      // SQS-managed encryption, or the environment's key.
      sqsManagedSseEnabled: props.kmsKeyArn ? undefined : true,
      kmsMasterKeyId: props.kmsKeyArn,
    });

    this.updater = new NodejsFunction(this, "function", {
      name: `${props.prefix}-ledger-status`,
      description: "Writes the workflow's execution status changes into the execution ledger (sfn-dedup)",
      entry: FUNCTION_ENTRIES.ledgerStatus,
      limits: FUNCTION_LIMITS.ledgerStatus,
      environment: {
        [LEDGER_TABLE_VARIABLE]: props.ledger.name,
        ...scopedStateMachinesEnvironment(props.stateMachines),
        // The dimension value of the metrics in its log lines (functions/ledger-status/status-log.ts).
        [METRICS_ENVIRONMENT_VARIABLES.environment]: props.environment,
      },
      statements: [props.ledger.statusStatement()],
      policyName: "record-execution-statuses",
      logRetentionDays: props.logRetentionDays,
      kmsKeyArn: props.kmsKeyArn,
      reservedConcurrency: (props.reserveConcurrency ?? true) ? STATUS_UPDATER_CONCURRENCY : undefined,
      deadLetterQueue: {
        arn: this.deadLetterQueue.arn,
        sendStatement: { sid: "KeepUndeliverableStatuses", actions: ["sqs:SendMessage"], resources: [this.deadLetterQueue.arn] },
      },
    });

    new LambdaFunctionEventInvokeConfig(this, "async-invoke-config", {
      functionName: this.updater.functionName,
      maximumRetryAttempts: FUNCTION_ERROR_RETRY_ATTEMPTS,
      maximumEventAgeInSeconds: ASYNC_EVENT_MAXIMUM_AGE_SECONDS,
    });

    this.rule = new CloudwatchEventRule(this, "rule", {
      name: `${props.prefix}-execution-status`,
      description: `Step Functions execution status changes of the ${workflowList(props.stateMachines)}, for the execution ledger.`,
      eventPattern: JSON.stringify({
        source: ["aws.states"],
        "detail-type": [STATUS_CHANGE_DETAIL_TYPE],
        detail: { stateMachineArn: props.stateMachines.map((stateMachine) => stateMachine.arn) },
      }),
    });

    new CloudwatchEventTarget(this, "target", {
      rule: this.rule.name,
      arn: this.updater.function.arn,
      retryPolicy: { maximumEventAgeInSeconds: MAXIMUM_EVENT_AGE_SECONDS, maximumRetryAttempts: 185 },
    });

    new LambdaPermission(this, "invoke-permission", {
      statementId: "AllowInvokeFromExecutionStatusRule",
      action: "lambda:InvokeFunction",
      functionName: this.updater.functionName,
      principal: "events.amazonaws.com",
      sourceArn: this.rule.arn,
    });
  }
}

/** "notify-country workflow", "notify-country and orders workflows". */
function workflowList(stateMachines: readonly LedgerStateMachine[]): string {
  const names = stateMachines.map((stateMachine) => stateMachine.workflow);
  return names.length === 1 ? `${names[0]} workflow` : `${names.slice(0, -1).join(", ")} and ${names[names.length - 1]} workflows`;
}

/** Which state machines' records are kept within them (functions/shared/scoped-ledger.ts); none for the default alone. */
export function scopedStateMachinesEnvironment(stateMachines: readonly LedgerStateMachine[]): Record<string, string> {
  const scoped = stateMachines.filter((stateMachine) => !stateMachine.unscopedLedgerKeys).map((stateMachine) => stateMachine.name);
  return scoped.length === 0 ? {} : { [LEDGER_SCOPED_STATE_MACHINES_VARIABLE]: scoped.join(",") };
}
