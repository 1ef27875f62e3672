import * as fs from "node:fs";
import * as path from "node:path";
import * as sns from "@aws-sdk/client-sns";
import { PROJECT_ROOT } from "../lib/project-root";

/**
 * The error names the workflow's SNS task retries and catches, checked against the SNS model as the
 * pinned @aws-sdk/client-sns carries it. Step Functions reports a failed sns:publish as `SNS.<exception
 * name>` (see README "Hardening"), so a misspelt name would silently never match.
 */
const ASL_FILE = path.join(PROJECT_ROOT, "asl", "notify-country.asl.json");

/** SNS's exception classes, by the name an error of that class carries. */
function snsExceptionsByName(): Map<string, unknown> {
  const byName = new Map<string, unknown>();
  for (const exported of Object.values(sns)) {
    if (typeof exported === "function" && exported.prototype instanceof sns.SNSServiceException) {
      const exception = new (exported as new (options: object) => Error)({ message: "", $metadata: {} });
      byName.set(exception.name, exported);
    }
  }
  return byName;
}

/** The errors the SNS model gives the Publish operation (the `@throws` of its generated command). */
function publishErrors(): string[] {
  const command = fs.readFileSync(require.resolve("@aws-sdk/client-sns/dist-types/commands/PublishCommand.d.ts"), "utf8");
  return [...command.matchAll(/@throws \{@link (\w+)\}/g)].map((match) => match[1]).filter((name) => name !== "SNSServiceException");
}

function snsErrorNamesIn(rules: Array<{ ErrorEquals: string[] }> = []): string[] {
  return rules
    .flatMap((rule) => rule.ErrorEquals)
    .filter((name) => name.startsWith("SNS."))
    .map((name) => name.slice("SNS.".length));
}

describe("the SNS error names in asl/notify-country.asl.json", () => {
  const definition = JSON.parse(fs.readFileSync(ASL_FILE, "utf8"));
  const snsTasks = Object.values(definition.States as Record<string, { Resource?: string; Retry?: []; Catch?: [] }>).filter((state) =>
    /:states:::sns:publish$/.test(state.Resource ?? ""),
  );
  const exceptions = snsExceptionsByName();
  const modelledByPublish = publishErrors();

  it("reads the SDK's model (a sanity check of the reading itself)", () => {
    expect(exceptions.size).toBeGreaterThan(20);
    expect(modelledByPublish).toEqual(
      expect.arrayContaining(["InternalErrorException", "KMSThrottlingException", "AuthorizationErrorException"]),
    );
    expect(modelledByPublish.every((name) => exceptions.has(name))).toBe(true);
  });

  it("are each an exception SNS models", () => {
    expect(snsTasks.length).toBeGreaterThan(0);
    const named = snsTasks.flatMap((task) => [...snsErrorNamesIn(task.Retry), ...snsErrorNamesIn(task.Catch)]);
    expect(named.length).toBeGreaterThan(0);
    expect(named.filter((name) => !exceptions.has(name))).toEqual([]);
  });

  /** The SNS names a retrier lists, by its MaxAttempts. */
  const retriers = (task: { Retry?: Array<{ ErrorEquals: string[]; MaxAttempts: number }> }) => task.Retry ?? [];
  const TRANSIENT = ["InternalErrorException", "KMSThrottlingException", "ThrottledException"];

  it("retry exactly the transient ones: internal errors and throttling", () => {
    for (const task of snsTasks) {
      const retried = retriers(task as never).filter((retrier) => retrier.MaxAttempts > 0);
      expect(snsErrorNamesIn(retried).sort()).toEqual(TRANSIENT);
    }
  });

  it("never retry the others the model gives Publish: every one of them, so a new one shows up here", () => {
    for (const task of snsTasks) {
      const never = retriers(task as never).filter((retrier) => retrier.MaxAttempts === 0);
      const permanent = modelledByPublish.filter((name) => !TRANSIENT.includes(name));
      expect(permanent.length).toBeGreaterThan(5);
      expect(snsErrorNamesIn(never).sort()).toEqual(permanent.sort());
    }
  });

  it("retry any other task error a few times, last, and never a timeout", () => {
    // A throttled Publish is answered with the protocol's generic throttling error, which the model does
    // not name and whose Step Functions name AWS does not document: States.TaskFailed matches it, and
    // does not match States.Timeout (a publish that timed out may have been delivered).
    for (const task of snsTasks) {
      const all = retriers(task as never);
      const last = all[all.length - 1];
      expect(last.ErrorEquals).toEqual(["States.TaskFailed"]);
      expect(last.MaxAttempts).toBeGreaterThan(0);
      expect(last.MaxAttempts).toBeLessThanOrEqual(3);
      expect(all.flatMap((retrier) => retrier.ErrorEquals)).not.toEqual(expect.arrayContaining(["States.Timeout"]));
      expect(all.flatMap((retrier) => retrier.ErrorEquals)).not.toEqual(expect.arrayContaining(["States.ALL"]));
    }
  });

  it(
    "are modelled for Publish itself, but for ThrottledException, " + "SNS's throttling error, which the model gives only other actions",
    () => {
      // Kept on purpose: it is what SNS names throttling. Publish's own model has no throttling error (a
      // throttled Publish is answered with the protocol's generic throttling code): README "Hardening".
      const named = snsTasks.flatMap((task) => [...snsErrorNamesIn(task.Retry), ...snsErrorNamesIn(task.Catch)]);
      expect(named.filter((name) => !modelledByPublish.includes(name))).toEqual(["ThrottledException"]);
    },
  );
});
