import type { Server } from "node:http";
import { CreateTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import dynalite from "dynalite";
import { listen } from "./listen";
import { requestsUnderWay } from "./requests-under-way";
import type { LocalTable } from "./synthesized-stack";

export interface LocalDynamoDb {
  readonly url: string;
  readonly port: number;
  /** Creates the tables as the stack defines them (key schema, global secondary indexes, on-demand billing). */
  createTables(tables: readonly LocalTable[]): Promise<void>;
  close(): Promise<void>;
}

/**
 * DynamoDB on this machine: dynalite, in memory, on 127.0.0.1. Conditional writes behave as on AWS, and so do
 * sparse global secondary indexes (an item without the index's keys is not in it); dynalite has no TTL
 * deletion, which the ledger does not rely on (it checks expiry itself).
 */
export async function startLocalDynamoDb(options: { port?: number; host?: string } = {}): Promise<LocalDynamoDb> {
  const host = options.host ?? "127.0.0.1";
  const server: Server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  const requests = requestsUnderWay(server);
  const { url, port, close } = await listen(server, options.port ?? 0, host);
  const client = new DynamoDBClient({
    endpoint: url,
    region: "us-east-1",
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
  });
  return {
    url,
    port,
    createTables: async (tables) => {
      for (const table of tables) {
        await client.send(
          new CreateTableCommand({
            TableName: table.name,
            BillingMode: "PAY_PER_REQUEST",
            KeySchema: [
              { AttributeName: table.hashKey, KeyType: "HASH" },
              ...(table.rangeKey ? [{ AttributeName: table.rangeKey, KeyType: "RANGE" as const }] : []),
            ],
            AttributeDefinitions: table.attributes.map(({ name, type }) => ({
              AttributeName: name,
              AttributeType: type as "S" | "N" | "B",
            })),
            ...(table.globalSecondaryIndexes?.length
              ? {
                  GlobalSecondaryIndexes: table.globalSecondaryIndexes.map((index) => ({
                    IndexName: index.name,
                    KeySchema: [
                      { AttributeName: index.hashKey, KeyType: "HASH" as const },
                      ...(index.rangeKey ? [{ AttributeName: index.rangeKey, KeyType: "RANGE" as const }] : []),
                    ],
                    Projection: {
                      ProjectionType: index.projectionType as "ALL" | "KEYS_ONLY" | "INCLUDE",
                      ...(index.nonKeyAttributes ? { NonKeyAttributes: [...index.nonKeyAttributes] } : {}),
                    },
                  })),
                }
              : {}),
          }),
        );
      }
    },
    close: async () => {
      client.destroy();
      // dynalite closes its database when the server closes. A request still being handled then — one a
      // stopped function sent before it went, whose socket is already gone — would go on to write to a closed
      // database, and "Database is closed" would be thrown in this process: let those requests finish first.
      await requests.settled(CLOSE_GRACE_MS);
      await close();
    },
  };
}

/** How long closing waits for requests under way; dynalite answers in milliseconds, even on a busy machine. */
const CLOSE_GRACE_MS = 10_000;
