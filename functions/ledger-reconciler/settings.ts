import { scopedStateMachinesFromEnvironment } from "../ledger-status/handler";
import { ledgerTableFromEnvironment } from "../shared/execution-ledger";
import { RECONCILER_ENVIRONMENT } from "./contract";

const STATE_MACHINE_ARN = /^arn:[a-z-]+:states:[a-z0-9-]+:\d{12}:stateMachine:([0-9A-Za-z_-]{1,80})$/;

/** The execution a record is about: its state machine, and the request's name (its first attempt's execution name). */
export interface RecordTarget {
  readonly stateMachineArn: string;
  readonly requestName: string;
}

/**
 * The state machines the reconciler serves, and which one a record belongs to. A record's key is the request's
 * execution name for the workflow whose records are unscoped (the default one, which predates workflows) and
 * `<state machine name>:<execution name>` for every other (functions/shared/scoped-ledger.ts); execution and state
 * machine names have no colon, so the key says which.
 */
export class ServedStateMachines {
  private readonly scoped: ReadonlyMap<string, string>;
  private readonly unscoped?: string;

  constructor(stateMachineArns: readonly string[], scopedNames: ReadonlySet<string>) {
    const scoped = new Map<string, string>();
    const unscoped: string[] = [];
    for (const arn of stateMachineArns) {
      const name = STATE_MACHINE_ARN.exec(arn)?.[1];
      if (name === undefined) {
        throw new Error(`${RECONCILER_ENVIRONMENT.stateMachineArns} must list state machine ARNs; got "${arn}".`);
      }
      if (scopedNames.has(name)) scoped.set(name, arn);
      else unscoped.push(arn);
    }
    if (unscoped.length > 1) {
      throw new Error(
        `At most one state machine keeps unscoped ledger records; ${unscoped.join(", ")} are not in ` +
          `${RECONCILER_ENVIRONMENT.scopedStateMachines}.`,
      );
    }
    const missing = [...scopedNames].filter((name) => !scoped.has(name));
    if (missing.length > 0) {
      throw new Error(
        `${RECONCILER_ENVIRONMENT.scopedStateMachines} names ${missing.join(", ")}, not in ${RECONCILER_ENVIRONMENT.stateMachineArns}.`,
      );
    }
    this.scoped = scoped;
    this.unscoped = unscoped[0];
  }

  /** The state machine and request a record is about; undefined for a workflow this reconciler does not serve. */
  public targetOf(recordKey: string): RecordTarget | undefined {
    const separator = recordKey.indexOf(":");
    if (separator === -1) {
      return this.unscoped === undefined ? undefined : { stateMachineArn: this.unscoped, requestName: recordKey };
    }
    const stateMachineArn = this.scoped.get(recordKey.slice(0, separator));
    return stateMachineArn === undefined ? undefined : { stateMachineArn, requestName: recordKey.slice(separator + 1) };
  }
}

export interface ReconcilerSettings {
  readonly tableName: string;
  readonly stateMachines: ServedStateMachines;
}

/** Read once, at cold start: a misconfigured reconciler fails to initialise, naming the variable. */
export function reconcilerSettingsFromEnvironment(env: NodeJS.ProcessEnv): ReconcilerSettings {
  const arns = (env[RECONCILER_ENVIRONMENT.stateMachineArns] ?? "").split(",").filter((arn) => arn !== "");
  if (arns.length === 0) {
    throw new Error(`${RECONCILER_ENVIRONMENT.stateMachineArns} must list the state machines whose records the ledger keeps.`);
  }
  return {
    tableName: ledgerTableFromEnvironment(env),
    stateMachines: new ServedStateMachines(arns, scopedStateMachinesFromEnvironment(env)),
  };
}
