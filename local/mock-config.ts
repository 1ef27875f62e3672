import * as fs from "node:fs";

/** One invocation's mocked answer: a result, or an error the workflow's Retry and Catch see. */
export type MockedAnswer = { readonly Return: unknown } | { readonly Throw: { readonly Error: string; readonly Cause?: string } };

/** A mocked response: its answers by zero-based invocation index, ranges ("1-2") expanded. */
export type MockedResponse = readonly MockedAnswer[];

/** A test case: the mocked response of each state it mocks, by state name. */
export type TestCase = ReadonlyMap<string, { readonly responseName: string; readonly answers: MockedResponse }>;

/** Refuses a mock file that is not in AWS Step Functions Local's format, saying where. */
export class MockConfigError extends Error {}

/**
 * A mock configuration in the format of AWS Step Functions Local (`SFN_MOCK_CONFIG`, the "mock configuration
 * file" of "Using mocked service integrations for testing in Step Functions Local"):
 *
 *     {"StateMachines": {"<state machine name>": {"TestCases": {"<case>": {"<state name>": "<response>"}}}},
 *      "MockedResponses": {"<response>": {"0": {"Return": {…}}, "1-2": {"Throw": {"Error": "…", "Cause": "…"}}}}}
 *
 * Invocation indices count a state's invocations within one execution, retries included, from 0; the
 * indices of a response must cover 0, 1, 2… without gaps, and each holds exactly one of Return or Throw.
 */
export class MockConfig {
  /** Reads and checks a mock file; every mistake is told with the file's name. */
  public static read(file: string): MockConfig {
    let text: string;
    try {
      text = fs.readFileSync(file, "utf8");
    } catch (error) {
      throw new MockConfigError(`Cannot read the mock configuration ${file}: ${(error as Error).message}`);
    }
    try {
      return new MockConfig(JSON.parse(text), file);
    } catch (error) {
      if (error instanceof MockConfigError) throw error;
      throw new MockConfigError(`${file} is not JSON: ${(error as Error).message}`);
    }
  }

  private readonly testCases = new Map<string, Map<string, TestCase>>();

  constructor(
    json: unknown,
    /** Where the configuration came from, for messages. */
    public readonly source: string = "the mock configuration",
  ) {
    const root = objectAt(json, source);
    const responses = new Map<string, MockedResponse>();
    for (const [name, response] of Object.entries(objectAt(root.MockedResponses ?? {}, `${source} MockedResponses`))) {
      responses.set(name, parseResponse(response, `${source} MockedResponses.${name}`));
    }
    for (const [machineName, machine] of Object.entries(objectAt(root.StateMachines ?? {}, `${source} StateMachines`))) {
      const where = `${source} StateMachines.${machineName}`;
      const cases = new Map<string, TestCase>();
      for (const [caseName, states] of Object.entries(objectAt(objectAt(machine, where).TestCases, `${where}.TestCases`))) {
        const mocked = new Map<string, { responseName: string; answers: MockedResponse }>();
        for (const [stateName, responseName] of Object.entries(objectAt(states, `${where}.TestCases.${caseName}`))) {
          const answers = typeof responseName === "string" ? responses.get(responseName) : undefined;
          if (!answers) {
            throw new MockConfigError(
              `${where}.TestCases.${caseName}.${stateName}: ${JSON.stringify(responseName)} is not a name in MockedResponses ` +
                `(${[...responses.keys()].join(", ") || "none"}).`,
            );
          }
          mocked.set(stateName, { responseName: responseName as string, answers });
        }
        cases.set(caseName, mocked);
      }
      this.testCases.set(machineName, cases);
    }
  }

  /** The state machines the file has test cases for, by name. */
  public stateMachineNames(): string[] {
    return [...this.testCases.keys()];
  }

  /** A state machine's test cases, by name; empty for a state machine the file does not mention. */
  public testCasesOf(stateMachineName: string): ReadonlyMap<string, TestCase> {
    return this.testCases.get(stateMachineName) ?? new Map();
  }
}

function parseResponse(value: unknown, where: string): MockedResponse {
  const answers: MockedAnswer[] = [];
  const entries = Object.entries(objectAt(value, where))
    .map(([key, answer]) => {
      const match = /^(\d+)(?:-(\d+))?$/.exec(key);
      const first = match ? Number(match[1]) : NaN;
      const last = match?.[2] === undefined ? first : Number(match[2]);
      if (!match || last < first) {
        throw new MockConfigError(`${where}: "${key}" is not an invocation index ("0") or range ("1-2").`);
      }
      return { key, first, last, answer: parseAnswer(answer, `${where}.${key}`) };
    })
    .sort((a, b) => a.first - b.first);
  for (const { key, first, last, answer } of entries) {
    if (first !== answers.length) {
      throw new MockConfigError(`${where}: "${key}" leaves invocation ${answers.length} without an answer, or answers it twice.`);
    }
    for (let index = first; index <= last; index++) answers.push(answer);
  }
  if (answers.length === 0) {
    throw new MockConfigError(`${where}: answers no invocation; give at least "0".`);
  }
  return answers;
}

function parseAnswer(value: unknown, where: string): MockedAnswer {
  const answer = objectAt(value, where);
  const kinds = ["Return", "Throw"].filter((kind) => kind in answer);
  if (kinds.length !== 1 || Object.keys(answer).length !== 1) {
    throw new MockConfigError(`${where}: needs exactly one of Return or Throw; has ${Object.keys(answer).join(", ") || "neither"}.`);
  }
  if (kinds[0] === "Return") return { Return: answer.Return };
  const thrown = objectAt(answer.Throw, `${where}.Throw`);
  if (typeof thrown.Error !== "string" || thrown.Error === "" || (thrown.Cause !== undefined && typeof thrown.Cause !== "string")) {
    throw new MockConfigError(`${where}.Throw: needs Error (a name, e.g. "Lambda.ServiceException") and may have Cause, both strings.`);
  }
  return { Throw: { Error: thrown.Error, Cause: thrown.Cause as string | undefined } };
}

function objectAt(value: unknown, where: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new MockConfigError(`${where}: must be a JSON object.`);
  }
  return value as Record<string, unknown>;
}
