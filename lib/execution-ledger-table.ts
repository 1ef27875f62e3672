import { Construct } from "constructs";
import {
  CHECK_AFTER_ATTRIBUTE,
  LEDGER_KEY,
  LEDGER_TTL_ATTRIBUTE,
  OPEN_RECORD_PROJECTION,
  OPEN_RECORDS_INDEX,
  OPEN_SHARD_ATTRIBUTE,
} from "../functions/shared/ledger-contract";
import type { PolicyStatement } from "./iam-policy";
import { DynamodbTable } from "./toolkit/aws-provider";

export interface ExecutionLedgerTableProps {
  readonly name: string;
  /** Days a request is remembered; with one, the table expires items through TTL. @default forever */
  readonly retentionDays?: number;
  /** Customer managed key. @default the AWS-managed key, aws/dynamodb */
  readonly kmsKeyArn?: string;
}

/**
 * The execution ledger's table: one item per execution name (functions/shared/execution-ledger.ts).
 * On-demand billing (traffic is bursty and small), point-in-time recovery and deletion protection (the
 * ledger is the only memory of requests older than 90 days), encryption with KMS (the AWS-managed key
 * unless a customer managed key is given), and the sparse open-records index the reconciler queries
 * (functions/shared/ledger-index.ts). Adding an index to a table is an in-place update (UpdateTable), so a
 * ledger deployed before the index keeps its table and its records.
 */
export class ExecutionLedgerTable extends Construct {
  public readonly table: DynamodbTable;

  constructor(scope: Construct, id: string, props: ExecutionLedgerTableProps) {
    super(scope, id);
    this.table = new DynamodbTable(this, "table", {
      name: props.name,
      billingMode: "PAY_PER_REQUEST",
      hashKey: LEDGER_KEY,
      attribute: [
        { name: LEDGER_KEY, type: "S" },
        { name: OPEN_SHARD_ATTRIBUTE, type: "N" },
        { name: CHECK_AFTER_ATTRIBUTE, type: "N" },
      ],
      globalSecondaryIndex: [
        {
          name: OPEN_RECORDS_INDEX,
          hashKey: OPEN_SHARD_ATTRIBUTE,
          rangeKey: CHECK_AFTER_ATTRIBUTE,
          // What the reconciler decides by, so that it reads no item of the table itself.
          projectionType: "INCLUDE",
          nonKeyAttributes: [...OPEN_RECORD_PROJECTION],
        },
      ],
      pointInTimeRecovery: { enabled: true },
      serverSideEncryption: { enabled: true, kmsKeyArn: props.kmsKeyArn },
      deletionProtectionEnabled: true,
      // TTL only deletes; the handler compares the expiry itself, since deletion runs up to two days late.
      ttl: props.retentionDays === undefined ? undefined : { attributeName: LEDGER_TTL_ATTRIBUTE, enabled: true },
    });
  }

  public get name(): string {
    return this.table.name;
  }

  /** What the status updater does with the ledger: update items, nothing else. */
  public statusStatement(): PolicyStatement {
    return { sid: "RecordStatusInExecutionLedger", actions: ["dynamodb:UpdateItem"], resources: [this.table.arn] };
  }

  /** What the execution-status function does with the ledger: read items, nothing else. */
  public readStatement(): PolicyStatement {
    return { sid: "ReadExecutionLedger", actions: ["dynamodb:GetItem"], resources: [this.table.arn] };
  }

  /** The open-records index, which only the reconciler reads. */
  public get openRecordsIndexArn(): string {
    return `${this.table.arn}/index/${OPEN_RECORDS_INDEX}`;
  }

  /**
   * What the reconciler does with the ledger: query the open-records index (never the table: no Scan, no
   * Query of the table itself), record what it learns and settle claims (UpdateItem, DeleteItem); items only.
   */
  public reconcileStatements(): PolicyStatement[] {
    return [
      { sid: "QueryOpenLedgerRecords", actions: ["dynamodb:Query"], resources: [this.openRecordsIndexArn] },
      { sid: "SettleOpenLedgerRecords", actions: ["dynamodb:UpdateItem", "dynamodb:DeleteItem"], resources: [this.table.arn] },
    ];
  }

  /** What the start-execution function does with the ledger: read, claim, record, release; items only. */
  public claimStatement(): PolicyStatement {
    return {
      sid: "ClaimInExecutionLedger",
      actions: ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"],
      resources: [this.table.arn],
    };
  }
}
