import * as path from "node:path";
import { parseBenchArguments } from "../bench/run-arguments";
import { PROJECT_ROOT } from "../lib/project-root";
import { DEFAULT_OUTBOX, parseLocalArguments } from "../local/cli-arguments";
import { TABLE_SPEC_SYNTAX } from "../local/table-spec";
import { parseEnvironmentsArguments } from "../scripts/environments-arguments";
import { parsePipelineRolesArguments } from "../scripts/pipeline-roles-arguments";
import { usageErrorOf } from "./support/usage-error";

/** Where the user ran npm, for the options that take a file. */
const userCwd = path.join(path.sep, "home", "user", "work");

describe("npm run local's arguments", () => {
  const parse = (...argv: string[]) => parseLocalArguments(argv, userCwd);

  it("default to README's table", () => {
    expect(parse()).toEqual({
      port: 3000,
      sfnPort: 8083,
      outbox: DEFAULT_OUTBOX,
      timeScale: 1,
      env: undefined,
      tables: [],
      mockConfig: undefined,
      mockCase: undefined,
      metrics: false,
    });
    expect(DEFAULT_OUTBOX).toBe(path.join(PROJECT_ROOT, "cdktf.out", "local", "outbox.jsonl"));
  });

  it("take every option, files relative to where npm ran, --table repeated", () => {
    const options = parse(
      ...["--port", "0", "--sfn-port", "0", "--outbox", "out.jsonl", "--time-scale", "0.01", "--env", "dev"],
      ...["--table", "team-orders=orderId", "--table", "scores=player,round:N"],
      ...["--mock-config", "../mocks.json", "--mock-case", "HappyPath", "--metrics"],
    );
    expect(options).toEqual({
      port: 0,
      sfnPort: 0,
      outbox: path.join(userCwd, "out.jsonl"),
      timeScale: 0.01,
      env: "dev",
      tables: [
        { name: "team-orders", hashKey: "orderId", attributes: [{ name: "orderId", type: "S" }] },
        {
          name: "scores",
          hashKey: "player",
          rangeKey: "round",
          attributes: [
            { name: "player", type: "S" },
            { name: "round", type: "N" },
          ],
        },
      ],
      mockConfig: path.join(path.dirname(userCwd), "mocks.json"),
      mockCase: "HappyPath",
      metrics: true,
    });
  });

  it("answer --help", () => {
    expect(parse("--help")).toBe("help");
    expect(parse("-h")).toBe("help");
  });

  it.each([
    [["--tim-scale", "0.1"], "Unknown option: --tim-scale"],
    [["--port"], "--port needs a value."],
    [["--port", "--sfn-port", "8084"], "--port needs a value."],
    [["--mock-config"], "--mock-config needs a value."],
    [["--metrics=yes"], '--metrics takes no value; got "yes".'],
    [["dev"], "Unexpected argument: dev (this command takes options only)."],
    [["--port", "http"], '--port must be a port number from 0 to 65535; got "http".'],
    [["--sfn-port", "65536"], '--sfn-port must be a port number from 0 to 65535; got "65536".'],
    [["--port", "3001", "--sfn-port", "3001"], "--port and --sfn-port must differ; both are 3001."],
    [["--sfn-port", "3000"], "--port and --sfn-port must differ; both are 3000."],
    [["--time-scale", "-1"], '--time-scale must be a number >= 0, e.g. 0.01; got "-1".'],
    [["--time-scale", "1e3"], '--time-scale must be a number >= 0, e.g. 0.01; got "1e3".'],
    [["--table", "team-orders"], `--table takes ${TABLE_SPEC_SYNTAX}, e.g. team-orders=orderId; got "team-orders".`],
    [["--table", "t1=id:X"], `--table takes ${TABLE_SPEC_SYNTAX}, e.g. team-orders=orderId; got "t1=id:X".`],
    [["--table", "scores=player,player"], "--table scores=player,player: the sort key must differ from the partition key."],
  ])("refuse %j", (argv, message) => {
    expect(usageErrorOf(() => parse(...argv))).toBe(message);
  });

  it("let both ports be 0: each takes a free port of its own", () => {
    expect(parse("--port", "0", "--sfn-port", "0")).toMatchObject({ port: 0, sfnPort: 0 });
  });
});

describe("npm run environments' arguments", () => {
  it("are only --skip-local-state", () => {
    expect(parseEnvironmentsArguments([])).toEqual({ skipLocalState: false });
    expect(parseEnvironmentsArguments(["--skip-local-state"])).toEqual({ skipLocalState: true });
    expect(parseEnvironmentsArguments(["--help"])).toBe("help");
  });

  it.each([
    [["--skip-local"], "Unknown option: --skip-local"],
    [["--skip-local-state=yes"], '--skip-local-state takes no value; got "yes".'],
    [["prod"], "Unexpected argument: prod (this command takes options only)."],
  ])("refuse %j", (argv, message) => {
    expect(usageErrorOf(() => parseEnvironmentsArguments(argv))).toBe(message);
  });
});

describe("npm run pipeline-roles' arguments", () => {
  it("are one environment and the repository, in either order", () => {
    const request = { environment: "prod", repository: "acme/sfn-dedup" };
    expect(parsePipelineRolesArguments(["prod", "--repository", "acme/sfn-dedup"])).toEqual(request);
    expect(parsePipelineRolesArguments(["--repository", "acme/sfn-dedup", "prod"])).toEqual(request);
    expect(parsePipelineRolesArguments(["--repository=acme/sfn-dedup", "prod"])).toEqual(request);
    expect(parsePipelineRolesArguments(["--help"])).toBe("help");
  });

  it.each([
    [["prod", "--repo", "acme/sfn-dedup"], "Unknown option: --repo"],
    [["prod", "--repository"], "--repository needs a value."],
    [["prod"], "--repository is required: the GitHub repository, <owner>/<repo>."],
    [["--repository", "acme/sfn-dedup"], "Name one environment; got none."],
    [["dev", "prod", "--repository", "acme/sfn-dedup"], 'Name one environment; got "dev", "prod".'],
    [["prod", "--repository", "sfn-dedup"], '--repository must be <owner>/<repo>, e.g. acme/sfn-dedup; got "sfn-dedup".'],
    [["prod", "--repository", "acme/sfn/dedup"], '--repository must be <owner>/<repo>, e.g. acme/sfn-dedup; got "acme/sfn/dedup".'],
  ])("refuse %j", (argv, message) => {
    expect(usageErrorOf(() => parsePipelineRolesArguments(argv))).toBe(message);
  });
});

describe("npm run bench's arguments", () => {
  const parse = (...argv: string[]) => parseBenchArguments(argv, userCwd);
  const defaults = { runs: 7, requests: 2000, concurrency: 32, suiteRuns: 3, memoryRequests: 500 };
  const quick = { runs: 2, requests: 200, concurrency: 32, suiteRuns: 0, memoryRequests: 100 };

  it("default to a full run; --json is relative to where npm ran", () => {
    expect(parse()).toEqual(defaults);
    expect(parse("--runs", "3", "--requests", "10", "--concurrency", "4", "--suite-runs", "0", "--json", "bench.json")).toEqual({
      ...defaults,
      runs: 3,
      requests: 10,
      concurrency: 4,
      suiteRuns: 0,
      json: path.join(userCwd, "bench.json"),
    });
    expect(parse("--help")).toBe("help");
  });

  it("apply --quick where it stands: counts after it override it, counts before it are overridden", () => {
    expect(parse("--quick")).toEqual(quick);
    expect(parse("--quick", "--runs", "1", "--requests", "50")).toEqual({ ...quick, runs: 1, requests: 50 });
    expect(parse("--runs", "1", "--quick")).toEqual(quick);
  });

  it.each([
    [["--run", "3"], "Unknown option: --run"],
    [["--runs"], "--runs needs a value."],
    [["--runs", "--quick"], "--runs needs a value."],
    [["--quick=yes"], '--quick takes no value; got "yes".'],
    [["3"], "Unexpected argument: 3 (this command takes options only)."],
    [["--runs", "0"], '--runs must be a whole number >= 1; got "0".'],
    [["--requests", "1.5"], '--requests must be a whole number >= 1; got "1.5".'],
    [["--concurrency", "many"], '--concurrency must be a whole number >= 1; got "many".'],
    [["--suite-runs", "-1"], '--suite-runs must be a whole number >= 0; got "-1".'],
    [["--json="], "--json needs a file name."],
  ])("refuse %j", (argv, message) => {
    expect(usageErrorOf(() => parse(...argv))).toBe(message);
  });
});
