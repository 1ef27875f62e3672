/**
 * A configuration mistake, found before anything is synthesized. The message names where the value came
 * from, the field as a path (`context.executionName.from`) and what is allowed.
 */
export class ConfigError extends Error {
  public override readonly name = "ConfigError";

  constructor(
    public readonly field: string,
    problem: string,
    source = "cdktf.json",
  ) {
    super(source === field ? `${source} ${problem}` : `${source} ${field}: ${problem}`);
  }
}
