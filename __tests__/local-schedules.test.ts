import * as fs from "node:fs";
import { rateMs } from "../local/sandbox";
import { SynthesizedStack } from "../local/synthesized-stack";
import { synthesizeToDirectory } from "./support/local-trigger";

/** The sandbox runs a stack's schedules as EventBridge Scheduler would: which, what, and how often. */
describe("the sandbox's schedules", () => {
  it("reads the stack's schedules: the ledger reconciler's, only with the ledger", () => {
    const ledgered = synthesizeToDirectory({ environments: { dev: { account: "123456789012", region: "eu-west-1", ledger: true } } });
    const plain = synthesizeToDirectory({ environments: { dev: { account: "123456789012", region: "eu-west-1" } } });
    try {
      expect(SynthesizedStack.read(ledgered.stackDir).schedules()).toEqual([
        {
          name: "sfn-dedup-dev-ledger-reconciler",
          scheduleExpression: "rate(5 minutes)",
          functionName: "sfn-dedup-dev-ledger-reconciler",
          input: {},
        },
      ]);
      expect(SynthesizedStack.read(plain.stackDir).schedules()).toEqual([]);
    } finally {
      for (const { outdir } of [ledgered, plain]) fs.rmSync(outdir, { recursive: true, force: true });
    }
  });

  it.each([
    ["rate(5 minutes)", 300_000],
    ["rate(1 minute)", 60_000],
    ["rate(2 hours)", 7_200_000],
    ["rate(1 day)", 86_400_000],
    ["cron(0/5 * * * ? *)", undefined],
    ["at(2026-11-25T10:00:00)", undefined],
    ["rate(five minutes)", undefined],
  ])("runs %s every %p ms (other expressions on demand only)", (expression, ms) => {
    expect(rateMs(expression)).toBe(ms);
  });
});
