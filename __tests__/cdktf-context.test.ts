import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { appContext, appContextSource, withLineAndColumn } from "../lib/cdktf-context";

describe("the app's context and where it came from", () => {
  const project = fs.mkdtempSync(path.join(os.tmpdir(), "cdktf-context-"));
  afterAll(() => fs.rmSync(project, { recursive: true, force: true }));
  const written = { environments: { prod: { account: "111111111111", region: "eu-west-1" } } };
  fs.writeFileSync(path.join(project, "cdktf.json"), JSON.stringify({ app: "npm run synth", context: written }));

  it("is cdktf.json's context when CDKTF_CONTEXT_JSON is not set", () => {
    expect(appContext({}, project)).toEqual(written);
    expect(appContextSource({}, project)).toBe("cdktf.json");
  });

  it("is still cdktf.json when `cdktf synth` passes cdktf.json's own context through the variable", () => {
    expect(appContextSource({ CDKTF_CONTEXT_JSON: JSON.stringify(written) }, project)).toBe("cdktf.json");
  });

  it("is CDKTF_CONTEXT_JSON when a pipeline replaces the context", () => {
    const replaced = { environments: { prod: { account: "111111111111", region: "eu-wset-1" } } };
    expect(appContext({ CDKTF_CONTEXT_JSON: JSON.stringify(replaced) }, project)).toEqual(replaced);
    expect(appContextSource({ CDKTF_CONTEXT_JSON: JSON.stringify(replaced) }, project)).toBe("CDKTF_CONTEXT_JSON");
    expect(appContextSource({ CDKTF_CONTEXT_JSON: "{ not json" }, project)).toBe("CDKTF_CONTEXT_JSON");
  });

  it("says at which line and column cdktf.json stops being JSON, not at which character offset", () => {
    const broken = fs.mkdtempSync(path.join(os.tmpdir(), "cdktf-context-broken-"));
    fs.writeFileSync(
      path.join(broken, "cdktf.json"),
      '{\n  "app": "npm run synth",\n  "context": {\n    "environments": {}\n    "x": 1\n  }\n}\n',
    );
    expect(() => appContext({}, broken)).toThrow(
      "cdktf.json is not valid JSON: Expected ',' or '}' after property value in JSON at line 5, column 5",
    );
    expect(() => appContext({ CDKTF_CONTEXT_JSON: '{"environments": {} "x": 1}' }, broken)).toThrow(/in JSON at line 1, column 21$/);
    fs.rmSync(broken, { recursive: true });
  });

  it.each([
    ["Unexpected end of JSON input", "{", "Unexpected end of JSON input"],
    ["Unexpected token 'x' at position 0", "x", "Unexpected token 'x' at line 1, column 1"],
    ["Bad thing at position 3 (line 2 column 2)", "{\n\t}", "Bad thing at line 2, column 2"],
  ])("rewrites %j, about %j, as %j", (message, json, expected) => {
    expect(withLineAndColumn(message, json)).toBe(expected);
  });
});
