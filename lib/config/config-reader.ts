import { ConfigError } from "./config-error";

/** A JSON object from the configuration, read field by field with errors that name the field's path. */
export class ConfigReader {
  private constructor(
    private readonly value: Readonly<Record<string, unknown>>,
    public readonly path: string,
  ) {}

  /** Refuses anything but a JSON object, so a misplaced array or string is reported where it is. */
  public static object(value: unknown, path: string): ConfigReader {
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      throw new ConfigError(path, `must be a JSON object, not ${describe(value)}.`);
    }
    return new ConfigReader(value as Record<string, unknown>, path);
  }

  /** A typo must not be ignored: every field not listed is an error that lists the known ones. */
  public allowOnly(fields: readonly string[]): this {
    for (const key of Object.keys(this.value)) {
      if (!fields.includes(key)) {
        throw new ConfigError(this.fieldPath(key), `is not a known field; allowed fields: ${fields.join(", ")}.`);
      }
    }
    return this;
  }

  /** The fields present, in the order written. */
  public fields(): string[] {
    return Object.keys(this.value);
  }

  /** The field's raw value, for fields that take more than one shape. */
  public valueOf(field: string): unknown {
    return this.value[field];
  }

  public has(field: string): boolean {
    return this.value[field] !== undefined;
  }

  public fieldPath(field: string): string {
    return `${this.path}.${field}`;
  }

  public requiredObject(field: string, expected: string): ConfigReader {
    const reader = this.optionalObject(field);
    if (!reader) {
      throw new ConfigError(this.fieldPath(field), `is required: ${expected}.`);
    }
    return reader;
  }

  public optionalObject(field: string): ConfigReader | undefined {
    return this.has(field) ? ConfigReader.object(this.value[field], this.fieldPath(field)) : undefined;
  }

  /** The object at `field[index]` of a list field. */
  public requiredListObject(field: string, index: number, expected: string): ConfigReader {
    const list = this.value[field];
    const item = Array.isArray(list) ? list[index] : undefined;
    if (typeof item !== "object" || item === null || Array.isArray(item)) {
      throw new ConfigError(`${this.fieldPath(field)}[${index}]`, `must be ${expected} (a JSON object), not ${describe(item)}.`);
    }
    return new ConfigReader(item as Record<string, unknown>, `${this.fieldPath(field)}[${index}]`);
  }

  /** A string that must match `pattern`; `expected` completes "must be …" in the error. */
  public optionalString(field: string, pattern: RegExp, expected: string): string | undefined {
    if (!this.has(field)) {
      return undefined;
    }
    const value = this.value[field];
    if (typeof value !== "string" || !pattern.test(value)) {
      throw new ConfigError(this.fieldPath(field), `must be ${expected}; got ${JSON.stringify(value)}.`);
    }
    return value;
  }

  public requiredString(field: string, pattern: RegExp, expected: string): string {
    const value = this.optionalString(field, pattern, expected);
    if (value === undefined) {
      throw new ConfigError(this.fieldPath(field), `is required: ${expected}.`);
    }
    return value;
  }

  public optionalEnum<T extends string>(field: string, allowed: readonly T[]): T | undefined {
    if (!this.has(field)) {
      return undefined;
    }
    const value = this.value[field];
    if (typeof value !== "string" || !(allowed as readonly string[]).includes(value)) {
      throw new ConfigError(this.fieldPath(field), `must be one of ${allowed.join(", ")}; got ${JSON.stringify(value)}.`);
    }
    return value as T;
  }

  /** An object of string values, e.g. tags; `check` returns a problem for a bad entry, or undefined. */
  public optionalStringMap(field: string, check: (key: string, value: unknown) => string | undefined): Record<string, string> | undefined {
    const reader = this.optionalObject(field);
    if (!reader) {
      return undefined;
    }
    return Object.fromEntries(
      reader.fields().map((key) => {
        const value = reader.value[key];
        const problem = check(key, value);
        if (problem) {
          throw new ConfigError(reader.fieldPath(key), problem);
        }
        return [key, value as string];
      }),
    );
  }

  public optionalBoolean(field: string): boolean | undefined {
    if (!this.has(field)) {
      return undefined;
    }
    const value = this.value[field];
    if (typeof value !== "boolean") {
      throw new ConfigError(this.fieldPath(field), `must be true or false; got ${JSON.stringify(value)}.`);
    }
    return value;
  }

  /** A whole number within bounds. */
  public optionalInteger(field: string, min: number, max: number, expected: string): number | undefined {
    if (!this.has(field)) {
      return undefined;
    }
    const value = this.value[field];
    if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
      throw new ConfigError(
        this.fieldPath(field),
        `must be ${expected} (a whole number from ${min} to ${max}); got ${JSON.stringify(value)}.`,
      );
    }
    return value;
  }

  /** A list of strings, each matching `pattern`, without duplicates. */
  public optionalStringList(field: string, pattern: RegExp, expected: string): string[] | undefined {
    if (!this.has(field)) {
      return undefined;
    }
    const value = this.value[field];
    if (!Array.isArray(value)) {
      throw new ConfigError(this.fieldPath(field), `must be a list of ${expected}; got ${describe(value)}.`);
    }
    const seen = new Set<string>();
    return value.map((item, index) => {
      const itemPath = `${this.fieldPath(field)}[${index}]`;
      if (typeof item !== "string" || !pattern.test(item)) {
        throw new ConfigError(itemPath, `must be ${expected}; got ${JSON.stringify(item)}.`);
      }
      if (seen.has(item.toLowerCase())) {
        throw new ConfigError(itemPath, `${JSON.stringify(item)} is listed twice.`);
      }
      seen.add(item.toLowerCase());
      return item;
    });
  }
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  return typeof value === "object" ? "an object" : `${typeof value} ${JSON.stringify(value)}`;
}
