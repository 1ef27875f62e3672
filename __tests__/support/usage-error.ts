import { UsageError } from "../../scripts/command-line";

/** The message of the usage error a command line's parsing throws; fails the test when it throws none, or another. */
export function usageErrorOf(parse: () => unknown): string {
  try {
    parse();
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as Error).message;
  }
  throw new Error("no usage error");
}
