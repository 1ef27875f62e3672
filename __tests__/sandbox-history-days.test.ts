import * as fs from "node:fs";
import { stepFunctionsHistoryDaysOf } from "../local/sandbox";
import { SynthesizedStack } from "../local/synthesized-stack";
import { synthesizeToDirectory } from "./support/local-trigger";

/** The sandbox's Step Functions frees names after the environment's stepFunctionsHistoryDays, as AWS would. */
describe("the sandbox's Step Functions history", () => {
  it.each([
    [{}, 90],
    [{ stepFunctionsHistoryDays: 30 }, 30],
  ])("keeps closed executions for the days the stack's functions are deployed with (%j: %d)", (settings, days) => {
    const { outdir, stackDir } = synthesizeToDirectory({
      environments: { test: { account: "123456789012", region: "us-east-1", ...settings } },
    });
    try {
      expect(stepFunctionsHistoryDaysOf(SynthesizedStack.read(stackDir).functions())).toBe(days);
    } finally {
      fs.rmSync(outdir, { recursive: true, force: true });
    }
  });
});
