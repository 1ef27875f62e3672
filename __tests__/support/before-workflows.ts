import * as fs from "node:fs";
import * as path from "node:path";
import type { PriorResource } from "./terraform-plan";

/** What `npm run synth` wrote before stacks held several workflows (see the fixtures' README). */
export const BEFORE_WORKFLOWS_FIXTURES = path.join(__dirname, "..", "fixtures", "before-workflows");

/** The context of ledger-jwt-kms.tf.json: the default workflow with most options on. */
export const LEDGER_JWT_KMS = {
  environments: {
    prod: {
      account: "111111111111",
      region: "eu-central-1",
      executionName: { from: "field", field: "orderId" },
      ledger: { retentionDays: 3650 },
      kmsKeyArn: "arn:aws:kms:eu-central-1:111111111111:key/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0",
      api: {
        cors: { allowOrigins: ["https://orders.example.com"] },
        authorization: { type: "jwt", issuer: "https://idp.example.com/", audience: ["client-1"] },
      },
      notificationEmails: ["ops@example.com"],
    },
  },
};

/**
 * The ledger's table as ledger-jwt-kms.tf.json deployed it, before the open-records index: in state as hashicorp/aws
 * 5.x (schema version 1) records a table AWS describes — the configuration's values, each single block a list of
 * one, and what AWS fills in (ARN, tags from the provider's default tags, no streams, the standard class).
 */
export function ledgerTableBeforeIndex(): PriorResource {
  const tf = JSON.parse(fs.readFileSync(path.join(BEFORE_WORKFLOWS_FIXTURES, "ledger-jwt-kms.tf.json"), "utf8"));
  const [[name, table]] = Object.entries<Record<string, any>>(tf.resource.aws_dynamodb_table);
  const tags = tf.provider.aws[0].default_tags[0].tags as Record<string, string>;
  const {
    region,
    allowed_account_ids: [account],
  } = tf.provider.aws[0];
  return {
    type: "aws_dynamodb_table",
    name,
    schemaVersion: 1,
    attributes: {
      id: table.name,
      arn: `arn:aws:dynamodb:${region}:${account}:table/${table.name}`,
      name: table.name,
      billing_mode: table.billing_mode,
      hash_key: table.hash_key,
      range_key: null,
      read_capacity: 0,
      write_capacity: 0,
      attribute: table.attribute,
      global_secondary_index: [],
      local_secondary_index: [],
      point_in_time_recovery: [{ ...table.point_in_time_recovery, recovery_period_in_days: 35 }],
      server_side_encryption: [table.server_side_encryption],
      ttl: [table.ttl],
      deletion_protection_enabled: table.deletion_protection_enabled,
      stream_enabled: false,
      stream_arn: "",
      stream_label: "",
      stream_view_type: "",
      table_class: "STANDARD",
      tags: null,
      tags_all: tags,
      replica: [],
      import_table: [],
      on_demand_throughput: [],
      restore_date_time: null,
      restore_source_name: null,
      restore_source_table_arn: null,
      restore_to_latest_time: null,
      timeouts: null,
    },
  };
}
