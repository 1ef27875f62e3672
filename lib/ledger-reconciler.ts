import { Construct } from "constructs";
import { RECONCILER_ENVIRONMENT } from "../functions/ledger-reconciler/contract";
import { METRICS_ENVIRONMENT_VARIABLES } from "../functions/shared/metrics-contract";
import { AwsEnvironment } from "./aws-environment";
import { FUNCTION_ENTRIES, FUNCTION_LIMITS } from "./function-entries";
import type { PolicyStatement } from "./iam-policy";
import { type LedgerFunctionProps, scopedStateMachinesEnvironment } from "./ledger-status-updates";
import { NodejsFunction } from "./nodejs-function";
import { reconcilerScheduleRoleName } from "./resource-names";
import { ServiceRole } from "./service-role";
import { SchedulerSchedule } from "./toolkit/aws-provider";

/** How often the ledger is swept. A lost status is healed within this plus RECONCILE_AFTER_MS (15 minutes). */
export const RECONCILE_SCHEDULE_MINUTES = 5;
/** The schedule group the schedule is in: the account's default one, which needs no resource of its own. */
const SCHEDULE_GROUP = "default";

/**
 * The reconciler that heals the ledger (functions/ledger-reconciler): a function that sweeps the ledger's open
 * records, run every RECONCILE_SCHEDULE_MINUTES by an EventBridge Scheduler schedule.
 *
 * EventBridge Scheduler rather than a scheduled EventBridge rule: AWS recommends Scheduler for schedules, and it
 * invokes the function with a role of its own that may invoke this one function and nothing else, trusted for this
 * account's default schedule group only (a rule would need a resource policy on the function instead, with its
 * source ARN: as narrow). Both take three resources (schedule, role, policy; rule, target, permission). What tips
 * it: a schedule carries its own retry policy and, with the environment's key, is encrypted with it; a rule would be
 * one more on the default event bus, whose rules count against a per-bus quota. The schedule's payload is `{}`.
 *
 * The function reserves one concurrent execution: two sweeps at once would do no harm (every write is conditional)
 * but twice the work. A failed sweep needs no retry and no dead-letter queue: the next one, five minutes later,
 * does the same work, and the event carries nothing to keep.
 */
export class LedgerReconciler extends Construct {
  public readonly reconciler: NodejsFunction;
  public readonly schedule: SchedulerSchedule;
  public readonly scheduleRole: ServiceRole;

  constructor(scope: Construct, id: string, props: LedgerFunctionProps) {
    super(scope, id);
    const aws = AwsEnvironment.of(this);

    this.reconciler = new NodejsFunction(this, "function", {
      name: `${props.prefix}-ledger-reconciler`,
      description: "Heals the execution ledger: records what Step Functions knows of its open records, settles dead claims (sfn-dedup)",
      entry: FUNCTION_ENTRIES.ledgerReconciler,
      limits: FUNCTION_LIMITS.ledgerReconciler,
      environment: {
        [RECONCILER_ENVIRONMENT.ledgerTableName]: props.ledger.name,
        [RECONCILER_ENVIRONMENT.stateMachineArns]: props.stateMachines.map((stateMachine) => stateMachine.arn).join(","),
        ...scopedStateMachinesEnvironment(props.stateMachines),
        [METRICS_ENVIRONMENT_VARIABLES.environment]: props.environment,
      },
      statements: [
        ...props.ledger.reconcileStatements(),
        {
          sid: "DescribeServedExecutions",
          actions: ["states:DescribeExecution"],
          // Every execution of each state machine the ledger serves: their ARNs are its own with ":execution:".
          resources: props.stateMachines.map((stateMachine) => aws.arn("states", `execution:${stateMachine.name}:*`)),
        },
      ],
      policyName: "reconcile-execution-ledger",
      logRetentionDays: props.logRetentionDays,
      kmsKeyArn: props.kmsKeyArn,
      reservedConcurrency: (props.reserveConcurrency ?? true) ? 1 : undefined,
    });

    const scheduleStatements: PolicyStatement[] = [
      { sid: "InvokeLedgerReconciler", actions: ["lambda:InvokeFunction"], resources: [this.reconciler.function.arn] },
      // A schedule encrypted with a customer managed key is decrypted with its execution role's permission.
      ...(props.kmsKeyArn ? [{ sid: "DecryptScheduleWithEnvironmentKey", actions: ["kms:Decrypt"], resources: [props.kmsKeyArn] }] : []),
    ];
    this.scheduleRole = new ServiceRole(this, "schedule-role", {
      name: reconcilerScheduleRoleName(props.prefix),
      servicePrincipal: "scheduler.amazonaws.com",
      // EventBridge Scheduler sets both keys when it assumes a schedule's role, aws:SourceArn being the schedule
      // group's ARN ("Confused deputy prevention", https://docs.aws.amazon.com/scheduler/latest/UserGuide/
      // cross-service-confused-deputy-prevention.html): only this account's default group may use the role.
      source: { account: aws.accountId, arn: aws.arn("scheduler", `schedule-group/${SCHEDULE_GROUP}`) },
      policyName: "invoke-ledger-reconciler",
      statements: scheduleStatements,
    });

    this.schedule = new SchedulerSchedule(this, "schedule", {
      name: `${props.prefix}-ledger-reconciler`,
      groupName: SCHEDULE_GROUP,
      description: `Sweeps the execution ledger's open records every ${RECONCILE_SCHEDULE_MINUTES} minutes (sfn-dedup)`,
      scheduleExpression: `rate(${RECONCILE_SCHEDULE_MINUTES} minutes)`,
      flexibleTimeWindow: { mode: "OFF" },
      kmsKeyArn: props.kmsKeyArn,
      target: {
        arn: this.reconciler.function.arn,
        roleArn: this.scheduleRole.arn,
        input: "{}",
        // The next sweep is the retry: a tick that cannot be delivered within a minute is dropped.
        retryPolicy: { maximumEventAgeInSeconds: 60, maximumRetryAttempts: 0 },
      },
      // The schedule must not fire before its role may invoke the function.
      dependsOn: [this.scheduleRole.policy],
    });
  }
}
