import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { projectConfigFrom } from "../../lib/config/project-config";
import { DedupTriggerStack } from "../../lib/dedup-trigger-stack";
import { App } from "../../lib/toolkit/cdktf";

export const ORDERS_ROUTE = "POST /orders";
/** The team's own table: named by a substitution, not declared by the stack. */
export const TEAM_ORDERS_TABLE = "team-orders";

/** The workflows of README's "Your own workflow": notify-country as before, and the team's orders beside it. */
export const TWO_WORKFLOWS = {
  "notify-country": {
    definition: "asl/notify-country.asl.json",
    route: "POST /executions",
    request: "asl/notify-country.request.schema.json",
    executionName: { from: "country" },
  },
  orders: {
    definition: "asl/orders.asl.json",
    route: ORDERS_ROUTE,
    request: "asl/orders.request.schema.json",
    executionName: { from: "field", field: "orderId" },
    substitutions: { OrdersTableName: TEAM_ORDERS_TABLE },
  },
} as const;

/**
 * The default environment's stack with two workflows on one HTTP API, as `context.workflows` configures them:
 * notify-country behind POST /executions, and the orders example (asl/orders.asl.json) behind POST /orders
 * with its own state machine and start-execution function, keyed by orderId. The orders table is the team's,
 * so the stack does not declare it.
 */
export function synthesizeTwoWorkflows(
  settings: Record<string, unknown> = {},
  workflows: Record<string, unknown> = TWO_WORKFLOWS,
): { outdir: string; stackDir: string } {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "sfn-dedup-two-workflows-"));
  const context = {
    workflows,
    ...(Object.keys(settings).length > 0
      ? { environments: { default: { account: "123456789012", region: "us-east-1", ...settings } } }
      : {}),
  };
  const app = new App({ outdir, context });
  const [environment] = projectConfigFrom(context).environments;
  new DedupTriggerStack(app, environment);
  app.synth();
  return { outdir, stackDir: path.join(outdir, "stacks", environment.name) };
}
