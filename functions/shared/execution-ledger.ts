import { LEDGER_TABLE_VARIABLE } from "./ledger-contract";

/**
 * The execution ledger: a permanent record of every execution name ever claimed, so that a request is
 * refused after Step Functions has forgotten the name (90 days after the execution closed).
 *
 * Its protocol — the write order, why every failure is safe, re-runs, and the condition of every write — is
 * functions/shared/ledger-protocol.ts; functions/shared/dynamodb-ledger.ts runs it.
 *
 * The ledger heals itself (functions/ledger-reconciler): every record that is open (CLAIMED, STARTED with a status
 * that is not final, or under a re-run claim) is in a sparse index (functions/shared/ledger-index.ts), and a
 * scheduled sweep asks Step Functions about those open longer than RECONCILE_AFTER_MS. It records what it learns,
 * as the status updater would have, and settles a claim whose holder died: recorded if its execution exists,
 * deleted (the name free again; nothing ran) if it does not.
 */

/** CLAIMED: a request is starting the execution. STARTED: the execution exists; its ARN is recorded. */
export type LedgerState = "CLAIMED" | "STARTED";

export interface LedgerRecord {
  readonly executionName: string;
  readonly state: LedgerState;
  /** When the name was first claimed (ISO 8601). */
  readonly firstSeenAt: string;
  /**
   * SHA-256 of the input the execution runs with (while CLAIMED: the first claimant's input), to tell a
   * running duplicate from a conflicting request.
   */
  readonly inputSha256: string;
  /** Who holds a CLAIMED record, and until when (epoch milliseconds). */
  readonly claimedBy?: string;
  readonly leaseExpiresAt?: number;
  readonly executionArn?: string;
  readonly startDate?: string;
  /** The last status the ledger learned: RUNNING when started, then from DescribeExecution or EventBridge. */
  readonly executionStatus?: string;
  readonly stopDate?: string;
  /**
   * Which attempt of the request `executionArn` is (functions/shared/execution-attempts.ts); absent: the first.
   * Only a workflow that re-runs failed requests makes later ones, and the record then follows the latest.
   */
  readonly attempt?: number;
  /** How many times the execution was redriven (RedriveExecution) when its status was learned; absent: never. */
  readonly redriveCount?: number;
  /** With a retention: when the record stops counting (epoch seconds; also the table's TTL attribute). */
  readonly expiresAt?: number;
  /**
   * When the reconciler found that Step Functions no longer knows the execution, whose end the ledger never
   * learned (ISO 8601): the status is the last one known, and nothing will change it but a later attempt.
   */
  readonly forgottenAt?: string;
}

export interface ClaimRequest {
  readonly executionName: string;
  /** Identifies this invocation's claim; only its holder may record or release it. */
  readonly owner: string;
  readonly inputSha256: string;
  readonly now: Date;
  readonly leaseMs: number;
  /** Forget the request this many days after it was first seen; undefined: never. */
  readonly retentionDays?: number;
}

export type ClaimResult =
  | { readonly claimed: true; readonly firstSeenAt: string }
  | { readonly claimed: false; readonly record: LedgerRecord };

export interface StatusUpdate {
  readonly executionArn: string;
  readonly executionStatus: string;
  readonly startDate?: Date;
  readonly stopDate?: Date;
  /**
   * Which run of the execution the status belongs to: 0 (or absent) for the first, n after the nth
   * RedriveExecution. A redrive reopens a closed execution under the same ARN.
   */
  readonly redriveCount?: number;
  /** Which attempt of the request the execution is (functions/shared/execution-attempts.ts); absent: the first. */
  readonly attempt?: number;
}

/** A re-run of a request whose recorded execution failed: the record as it was read, and the claim's terms. */
export interface RerunClaimRequest {
  /** The record that showed the failure; the claim holds only while the record still says exactly that. */
  readonly seen: LedgerRecord;
  readonly owner: string;
  readonly now: Date;
  readonly leaseMs: number;
}

export interface ExecutionLedger {
  /** Claims the name, or returns the record that holds it. */
  claim(request: ClaimRequest): Promise<ClaimResult>;
  /**
   * The claim becomes STARTED with its execution; false if the claim is no longer this owner's.
   * `startedInputSha256`, given only when this owner's StartExecution created the execution, replaces the
   * claim's input hash: after a takeover the execution may run another request's input than the first claim's.
   */
  recordStarted(executionName: string, owner: string, execution: StatusUpdate, startedInputSha256?: string): Promise<boolean>;
  /** Gives the claim up so that a retry can claim it; false if it is no longer this owner's. */
  release(executionName: string, owner: string): Promise<boolean>;
  /**
   * Records a newer status of a known execution (a CLAIMED record becomes STARTED: the execution exists).
   * A final status stays until a later redrive of the execution, or a later attempt of the request, reports;
   * stale statuses are refused.
   */
  recordStatus(executionName: string, update: StatusUpdate): Promise<boolean>;
  /**
   * Claims the re-run of a request whose execution failed: of concurrent re-runs exactly one wins, and only
   * while the record is still the failure it read (no one has re-run it since). The record stays STARTED with
   * the failed execution; the claim is its `claimedBy` and `leaseExpiresAt`, taken over once the lease is over.
   * The holder then records the attempt with {@link recordStarted}, or gives the claim up with {@link releaseRerun}.
   */
  claimRerun(executionName: string, request: RerunClaimRequest): Promise<boolean>;
  /** Gives up a re-run claim (nothing was started): the record is the failure it was. */
  releaseRerun(executionName: string, owner: string): Promise<boolean>;
  /** The record as it is now (a strongly consistent read), or undefined. */
  read(executionName: string): Promise<LedgerRecord | undefined>;
}

/** The ledger could not be read or written; nothing may be started on a guess. */
export class LedgerUnavailableError extends Error {
  public override readonly name = "LedgerUnavailableError";

  constructor(
    public readonly throttled: boolean,
    public readonly errorName: string,
    options?: { cause?: unknown },
  ) {
    super(`The execution ledger is unavailable (${errorName}).`, options);
  }
}

export const TERMINAL_STATUSES: ReadonlySet<string> = new Set(["SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"]);

/** The ledger table's name from the environment; a function with a ledger refuses to start without it. */
export function ledgerTableFromEnvironment(env: NodeJS.ProcessEnv): string {
  const tableName = env[LEDGER_TABLE_VARIABLE] ?? "";
  if (!/^[a-zA-Z0-9_.-]{3,255}$/.test(tableName)) {
    throw new Error(`${LEDGER_TABLE_VARIABLE} must name the ledger's DynamoDB table; got "${tableName}".`);
  }
  return tableName;
}
