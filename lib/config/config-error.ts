/**
 * A configuration mistake, found before anything is synthesized. The message names where the value came
 * from, the field as a path (`context.executionName.from`) and what is allowed.
 */
export class ConfigError extends Error {
  public override readonly name = "ConfigError";

  constructor(
    public readonly field: string,
    public readonly problem: string,
    public readonly source: ConfigSource = "cdktf.json",
  ) {
    super(source === field ? `${source} ${problem}` : `${source} ${field}: ${problem}`);
  }

  /** The same mistake, said of the configuration's real source. */
  public from(source: ConfigSource): ConfigError {
    return source === this.source ? this : new ConfigError(this.field, this.problem, source);
  }
}

/** Where a configuration came from: cdktf.json's `context`, or the CDKTF_CONTEXT_JSON variable. */
export type ConfigSource = "cdktf.json" | "CDKTF_CONTEXT_JSON";
