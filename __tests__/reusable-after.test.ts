import { reusableAfter } from "../functions/start-execution/http-response";

const STOP = new Date("2026-08-01T08:00:31.000Z");
const closed = (ledgerExpiresAt?: Date) =>
  ({
    outcome: "already-exists",
    executionArn: "arn:aws:states:eu-west-1:123456789012:execution:sm:n",
    status: "SUCCEEDED",
    stopDate: STOP,
    ledgerExpiresAt,
  }) as const;

/** When a refused request would start a new execution: what the 409's reusableAfter says. */
describe("reusableAfter", () => {
  it.each([
    ["without a ledger, 90 days of history", { historyDays: 90 }, undefined, "2026-10-30T08:00:31.000Z"],
    ["without a ledger, 30 days of history", { historyDays: 30 }, undefined, "2026-08-31T08:00:31.000Z"],
    ["with a ledger that never forgets", { historyDays: 90, ledger: { expires: false } }, undefined, undefined],
    [
      "with a ledger whose record expires after Step Functions forgets",
      { historyDays: 30, ledger: { expires: true } },
      new Date("2027-01-01T00:00:00.000Z"),
      "2027-01-01T00:00:00.000Z",
    ],
    // Past its retention the ledger lets the request through, and Step Functions still refuses the name until it forgets.
    [
      "with a ledger whose record expires before Step Functions forgets",
      { historyDays: 90, ledger: { expires: true } },
      new Date("2026-08-05T00:00:00.000Z"),
      "2026-10-30T08:00:31.000Z",
    ],
    ["with an expiring ledger whose record's expiry is not known", { historyDays: 90, ledger: { expires: true } }, undefined, undefined],
  ])("%s", (_case, memory, ledgerExpiresAt, expected) => {
    expect(reusableAfter(closed(ledgerExpiresAt), memory)?.toISOString()).toBe(expected);
  });

  it("is not known while the execution runs", () => {
    expect(reusableAfter({ ...closed(), status: "RUNNING", stopDate: undefined }, { historyDays: 90 })).toBeUndefined();
  });
});
