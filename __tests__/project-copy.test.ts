import { cdktfJsonOfCopy } from "./support/project-copy";

/** Tests run on project copies; what a user configured in the repository's cdktf.json must not reach them. */
describe("the cdktf.json of a project copy", () => {
  const usersCdktfJson = {
    language: "typescript",
    app: "npx tsx main.ts",
    context: {
      environments: { dev: { account: "222222222222", region: "eu-west-1" }, prod: { account: "111111111111", region: "eu-central-1" } },
    },
  };

  it("has no context when the test gives none, as a fresh clone", () => {
    expect(cdktfJsonOfCopy(usersCdktfJson)).toEqual({ language: "typescript", app: "npx tsx main.ts" });
  });

  it("has exactly the test's context, nothing of the user's", () => {
    const context = { environments: { staging: { account: "333333333333", region: "eu-west-1" } } };
    expect(cdktfJsonOfCopy(usersCdktfJson, context)).toEqual({ language: "typescript", app: "npx tsx main.ts", context });
  });
});
