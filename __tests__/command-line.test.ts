import { parseCommandLine, printUsage, reportedAsUsageError, USAGE_EXIT_STATUS, UsageError } from "../scripts/command-line";
import { usageErrorOf } from "./support/usage-error";

const command = {
  usage: "usage: example [--name <value>] [--tag <value>]... [--verbose]",
  options: { name: { type: "string" }, tag: { type: "string", multiple: true }, verbose: { type: "boolean" } },
} as const;
const withPositionals = { ...command, positionals: true } as const;

describe("the CLIs' command line", () => {
  describe("parses strictly", () => {
    it("values, last-wins, repeatable ones in order, booleans", () => {
      const parsed = parseCommandLine(command, ["--name", "a", "--tag", "x", "--verbose", "--name=b", "--tag", "y"]);
      expect(parsed !== "help" && parsed.values).toEqual({ name: "b", tag: ["x", "y"], verbose: true });
    });

    it("keeps the options' order in tokens, for a command to which it matters", () => {
      const parsed = parseCommandLine(command, ["--verbose", "--name", "a"]);
      expect(parsed !== "help" && parsed.tokens.map((token) => token.kind === "option" && token.name)).toEqual(["verbose", "name"]);
    });

    it("takes a value that starts with one dash, as these CLIs always have; one starting with -- is the next option", () => {
      const parsed = parseCommandLine(command, ["--name", "-1", "--tag", "-"]);
      expect(parsed !== "help" && parsed.values).toEqual({ name: "-1", tag: ["-"] });
      expect(usageErrorOf(() => parseCommandLine(command, ["--name", "--verbose"]))).toBe("--name needs a value.");
    });

    it("answers --help and -h, wherever they are", () => {
      expect(parseCommandLine(command, ["--help"])).toBe("help");
      expect(parseCommandLine(command, ["--name", "a", "-h"])).toBe("help");
      expect(parseCommandLine(command, [])).not.toBe("help");
    });

    it("takes positionals only from a command that declares them, after -- too", () => {
      const parsed = parseCommandLine(withPositionals, ["prod", "--name", "a", "--", "--verbose"]);
      expect(parsed !== "help" && [parsed.values, parsed.positionals]).toEqual([{ name: "a" }, ["prod", "--verbose"]]);
    });
  });

  describe("refuses, naming what is wrong,", () => {
    it.each([
      [["--nmae", "a"], "Unknown option: --nmae"],
      [["-x"], "Unknown option: -x"],
      [["--name=a", "--constructor"], "Unknown option: --constructor"],
      [["--name"], "--name needs a value."],
      [["--tag", "x", "--tag"], "--tag needs a value."],
      [["--verbose=yes"], '--verbose takes no value; got "yes".'],
      [["prod"], "Unexpected argument: prod (this command takes options only)."],
      [["--", "--name"], "Unexpected argument: --name (this command takes options only)."],
    ])("%j", (argv, message) => {
      expect(usageErrorOf(() => parseCommandLine(command, argv))).toBe(message);
    });

    it("the first mistake of several", () => {
      expect(usageErrorOf(() => parseCommandLine(command, ["--verbose=1", "--bogus"]))).toBe('--verbose takes no value; got "1".');
      expect(usageErrorOf(() => parseCommandLine(command, ["--bogus", "--verbose=1"]))).toBe("Unknown option: --bogus");
    });

    it("an unknown option even when --help is there too", () => {
      expect(usageErrorOf(() => parseCommandLine(command, ["--help", "--bogus"]))).toBe("Unknown option: --bogus");
    });
  });

  describe("ends a bad invocation one way", () => {
    let stderr: jest.SpyInstance;
    let stdout: jest.SpyInstance;
    const exitCode = process.exitCode;
    beforeEach(() => {
      stderr = jest.spyOn(process.stderr, "write").mockImplementation(() => true);
      stdout = jest.spyOn(process.stdout, "write").mockImplementation(() => true);
    });
    afterEach(() => {
      jest.restoreAllMocks();
      process.exitCode = exitCode;
    });

    it("the message, a blank line and the usage on stderr, exit status 2", () => {
      expect(reportedAsUsageError(new UsageError("Unknown option: --nmae"), command.usage)).toBe(true);
      expect(stderr.mock.calls).toEqual([[`Unknown option: --nmae\n\n${command.usage}\n`]]);
      expect(stdout).not.toHaveBeenCalled();
      expect(process.exitCode).toBe(2);
      expect(USAGE_EXIT_STATUS).toBe(2);
    });

    it("leaving any other error to the command", () => {
      process.exitCode = undefined;
      expect(reportedAsUsageError(new Error("synth failed"), command.usage)).toBe(false);
      expect(reportedAsUsageError("not even an error", command.usage)).toBe(false);
      expect(stderr).not.toHaveBeenCalled();
      expect(process.exitCode).toBeUndefined();
    });

    it("and --help with the usage on stdout", () => {
      printUsage(command.usage);
      expect(stdout.mock.calls).toEqual([[`${command.usage}\n`]]);
      expect(stderr).not.toHaveBeenCalled();
    });
  });
});
