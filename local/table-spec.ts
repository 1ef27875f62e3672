import type { LocalTable } from "./synthesized-stack";

/** What `--table` takes: `<name>=<partition key>[:S|N|B][,<sort key>[:S|N|B]]`; keys are strings unless typed. */
export const TABLE_SPEC_SYNTAX = "<name>=<partition key>[:S|N|B][,<sort key>[:S|N|B]]";

/** DynamoDB's rules: 3–255 of [a-zA-Z0-9_.-] for a table name; key attribute names are any non-empty text without our separators. */
const TABLE_SPEC = /^([A-Za-z0-9_.-]{3,255})=([^:,=]+?)(?::([SNB]))?(?:,([^:,=]+?)(?::([SNB]))?)?$/;

/**
 * A table the stack does not declare but a workflow uses (a team's own table, named by a substitution), as
 * given on the command line: `team-orders=orderId`, `scores=player:S,round:N`.
 */
export function parseTableSpec(spec: string): LocalTable {
  const match = TABLE_SPEC.exec(spec);
  if (!match) {
    throw new Error(`--table takes ${TABLE_SPEC_SYNTAX}, e.g. team-orders=orderId; got "${spec}".`);
  }
  const [, name, hashKey, hashType = "S", rangeKey, rangeType = "S"] = match;
  if (rangeKey === hashKey) {
    throw new Error(`--table ${spec}: the sort key must differ from the partition key.`);
  }
  return {
    name,
    hashKey,
    ...(rangeKey ? { rangeKey } : {}),
    attributes: [{ name: hashKey, type: hashType }, ...(rangeKey ? [{ name: rangeKey, type: rangeType }] : [])],
  };
}
