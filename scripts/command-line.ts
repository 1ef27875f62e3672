// The command line of the project's CLIs (npm run local, environments, pipeline-roles, bench): each declares
// its options once for node:util parseArgs, in strict mode, and they all answer --help and a bad invocation
// the same way.
import { type ParseArgsOptionsConfig, parseArgs, types } from "node:util";

/** The exit status of a bad invocation, as getopt-style tools have it: 1 stays for a command that ran and failed. */
export const USAGE_EXIT_STATUS = 2;

/** A mistake in how a command was invoked: told with the command's usage, exit status 2. */
export class UsageError extends Error {
  public override readonly name = "UsageError";
}

/** A CLI's options, for parseArgs, and the usage that --help prints and a usage error ends with. */
export interface Command<O extends ParseArgsOptionsConfig> {
  readonly usage: string;
  readonly options: O;
  /** Whether it takes arguments that are not options (`npm run pipeline-roles -- <environment>`). */
  readonly positionals?: boolean;
}

/** Every command answers --help (or -h) with its usage. */
const HELP_OPTION = { help: { type: "boolean", short: "h" } } as const;

type Parsed<O extends ParseArgsOptionsConfig> = ReturnType<
  typeof parseArgs<{ args: string[]; options: O; strict: true; allowPositionals: true; tokens: true }>
>;

/**
 * The options and positionals of `argv`, "help" when --help was asked for; a UsageError naming the first
 * unknown option, option without a value (or boolean one with a value), or unexpected argument.
 * Options are last-wins unless declared `multiple`; `tokens` keeps their order for a command it matters to.
 */
export function parseCommandLine<const O extends ParseArgsOptionsConfig>(command: Command<O>, argv: readonly string[]): Parsed<O> | "help" {
  const options: ParseArgsOptionsConfig = { ...command.options, ...HELP_OPTION };
  const args = withDashedValuesAttached(argv, options);
  const allowPositionals = command.positionals ?? false;
  try {
    const parsed = parseArgs({ args, options, strict: true, allowPositionals, tokens: true });
    return parsed.values.help === true ? "help" : (parsed as unknown as Parsed<O>);
  } catch (error) {
    if (!isParseArgsError(error)) throw error;
    throw new UsageError(firstMistake(args, options, allowPositionals) ?? error.message);
  }
}

/**
 * The one way a CLI ends on a bad invocation: the message, a blank line and the usage on stderr, exit status 2.
 * False for any other error, which the CLI reports its own way.
 */
export function reportedAsUsageError(error: unknown, usage: string): boolean {
  if (!(error instanceof UsageError)) return false;
  process.stderr.write(`${error.message}\n\n${usage}\n`);
  process.exitCode = USAGE_EXIT_STATUS;
  return true;
}

/** How a CLI answers --help: its usage on stdout, exit status 0. */
export function printUsage(usage: string): void {
  process.stdout.write(`${usage}\n`);
}

/**
 * Strict parseArgs refuses a value starting with a dash given as the next argument (`--time-scale -1`) as
 * ambiguous. These CLIs always took it as the value, so that the option's own check can say what is wrong
 * with it (a file may even be named so): only an argument starting with "--" counts as the next option, and
 * `--port --env dev` still lacks a value. Written `--time-scale=-1`, parseArgs takes it as it is.
 */
function withDashedValuesAttached(argv: readonly string[], options: ParseArgsOptionsConfig): string[] {
  const args: string[] = [];
  for (let index = 0; index < argv.length; index++) {
    const argument = argv[index];
    if (argument === "--") return [...args, ...argv.slice(index)];
    const next = argv[index + 1];
    const name = argument.startsWith("--") ? argument.slice(2) : undefined;
    const takesValue = name !== undefined && Object.hasOwn(options, name) && options[name].type === "string";
    if (takesValue && next?.startsWith("-") && !next.startsWith("--")) {
      args.push(`${argument}=${next}`);
      index++;
    } else {
      args.push(argument);
    }
  }
  return args;
}

/** What strict parsing refused, said as these CLIs say it; parseArgs's own message if it is none of these. */
function firstMistake(args: string[], options: ParseArgsOptionsConfig, allowPositionals: boolean): string | undefined {
  // Not strict, every token is kept, in order, whatever is wrong with it.
  const { tokens } = parseArgs({ args, options, strict: false, allowPositionals: true, tokens: true });
  for (const token of tokens) {
    if (token.kind === "positional" && !allowPositionals) return `Unexpected argument: ${token.value} (this command takes options only).`;
    if (token.kind !== "option") continue;
    const option = Object.hasOwn(options, token.name) ? options[token.name] : undefined;
    if (option === undefined) return `Unknown option: ${token.rawName}`;
    if (option.type === "string" && (token.value === undefined || (!token.inlineValue && token.value.startsWith("-")))) {
      return `${token.rawName} needs a value.`;
    }
    if (option.type === "boolean" && token.value !== undefined) return `${token.rawName} takes no value; got "${token.value}".`;
  }
  return undefined;
}

/** parseArgs's own refusals; by their code, as Node's errors are of another realm than a test's `Error`. */
function isParseArgsError(error: unknown): error is Error {
  if (!types.isNativeError(error)) return false;
  const { code } = error as { code?: unknown };
  return typeof code === "string" && code.startsWith("ERR_PARSE_ARGS_");
}
