import { isDynamoDbTaskResource } from "./dynamodb-tasks";

/** A DynamoDB Task state and the table its Parameters (or Arguments) name, or undefined when taken from data. */
export interface DynamoDbTask {
  readonly stateName: string;
  readonly tableName?: string;
}

type AnyState = {
  Type?: string;
  Resource?: string;
  Parameters?: unknown;
  Arguments?: unknown;
  Branches?: unknown[];
  Iterator?: unknown;
  ItemProcessor?: unknown;
};

/**
 * A definition's DynamoDB tasks, Parallel branches and Map processors included, with the table each names,
 * so that the sandbox starts a DynamoDB when one is needed and can tell at startup that a table does not
 * exist locally, before an execution fails on it. A name taken from the input (`TableName.$`, a JSONata
 * expression) is only known when the task runs.
 */
export function dynamoDbTasksOf(definitionJson: string): DynamoDbTask[] {
  const found: DynamoDbTask[] = [];
  const visit = (definition: unknown) => {
    for (const [stateName, state] of Object.entries((definition as { States?: Record<string, AnyState> }).States ?? {})) {
      if (state.Type === "Task" && typeof state.Resource === "string" && isDynamoDbTaskResource(state.Resource)) {
        const tableName = ((state.Parameters ?? state.Arguments) as { TableName?: unknown } | undefined)?.TableName;
        found.push({ stateName, ...(typeof tableName === "string" && !tableName.includes("{%") ? { tableName } : {}) });
      }
      for (const nested of [...(state.Branches ?? []), state.Iterator, state.ItemProcessor]) if (nested) visit(nested);
    }
  };
  visit(JSON.parse(definitionJson));
  return found;
}
