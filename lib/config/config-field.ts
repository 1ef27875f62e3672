import type { ConfigReader } from "./config-reader";

/**
 * One field of a configured object, declared once: README's table and `help` are tested against these
 * declarations (__tests__/config-fields-documented.test.ts), and the allowed-field lists and defaults derive from them.
 */
export interface ConfigField<Value, Context = undefined> {
  /** One line: how README's table begins the field's meaning. */
  readonly doc: string;
  readonly default: FieldDefault<Value, Context>;
  /**
   * Reads and checks the field `name` of `reader`, whose value it is; undefined when the field is left out,
   * for `default` to fill. A required field's reader refuses the field's absence itself, in its own words.
   */
  readonly read: (reader: ConfigReader, name: string, context: Context) => Value | undefined;
  /** The fields of an object-valued field, for documentation: its reader reads them. */
  readonly fields?: FieldTable;
}

/**
 * What a field left out is: required (`when`: README's words for a condition, e.g. `` `from: "field"` ``), a
 * value (undefined: the feature is off), or a value that depends on the context; `shown`: README's words for
 * it, when the value itself does not say it.
 */
export type FieldDefault<Value, Context> =
  | { readonly required: true; readonly when?: string }
  | { readonly value: Value; readonly shown?: string }
  | { readonly of: (context: Context) => Value; readonly shown: string };

/** A configured object's fields by name, in the order its error messages and README list them. */
export type FieldTable = Readonly<Record<string, ConfigField<unknown, never>>>;

/**
 * The declarations of a configured object whose fields are `Config`'s: every property declared, nothing else,
 * each read as its type says (a compile-time check; `satisfies` keeps each reader's own context type).
 */
export type FieldsOf<Config> = { readonly [Name in keyof Config]-?: ConfigField<Config[Name], never> };

/** What reading a field gives: its reader's value, or its default's. */
type ValueOf<Field> = Field extends { read: (...args: never[]) => infer Read; default: infer Default }
  ? Exclude<Read, undefined> | DefaultValueOf<Default>
  : never;
type DefaultValueOf<Default> = Default extends { value: infer Value }
  ? Value
  : Default extends { of: (...args: never[]) => infer Value }
    ? Value
    : never;
/** The context a field's reader takes, as the argument that passes it: optional (and ignored) when it takes none. */
type ContextArgs<Field> = Field extends { read: (reader: ConfigReader, name: string, context: infer Context) => unknown }
  ? unknown extends Context
    ? [context?: unknown]
    : [context: Context]
  : [context?: unknown];

/** The names a configured object allows, in declaration order: what `allowOnly` lists in its error. */
export function fieldNames<Table extends FieldTable>(table: Table): (keyof Table & string)[] {
  return Object.keys(table);
}

/**
 * The values of the fields whose default is a fixed value (fields off by default are left out, as a
 * configuration that leaves them out has no such property).
 */
export function defaultsOf<Table extends FieldTable>(table: Table): FixedDefaults<Table> {
  const fixed = Object.entries(table).flatMap(([name, field]) =>
    "value" in field.default && field.default.value !== undefined ? [[name, field.default.value] as const] : [],
  );
  return Object.fromEntries(fixed) as FixedDefaults<Table>;
}

type FixedDefaults<Table> = {
  -readonly [Name in keyof Table as HasFixedDefault<Table[Name]> extends true ? Name : never]: FixedDefaultOf<Table[Name]>;
};
type HasFixedDefault<Field> = Field extends { default: { value: infer Value } } ? (undefined extends Value ? false : true) : false;
type FixedDefaultOf<Field> = Field extends { default: { value: infer Value } } ? Value : never;

/** The field `name` as configured, or its default. */
export function readField<Table extends FieldTable, Name extends keyof Table & string>(
  table: Table,
  name: Name,
  reader: ConfigReader,
  ...[context]: ContextArgs<Table[Name]>
): ValueOf<Table[Name]> {
  return valueOrDefault(table[name] as unknown as ConfigField<unknown, unknown>, name, reader, context) as ValueOf<Table[Name]>;
}

/**
 * A configured object whose fields take no context, read in declaration order after refusing unknown fields;
 * its fields' defaults when it is left out.
 */
export function readObject<Table extends ContextFreeTable>(table: Table, reader: ConfigReader | undefined): ObjectOf<Table> {
  if (!reader) {
    return defaultsOf(table) as unknown as ObjectOf<Table>;
  }
  reader.allowOnly(fieldNames(table));
  return readFields(table, reader);
}

/** The fields of `table` from `reader`, which may hold others (read by others' declarations), in declaration order. */
export function readFields<Table extends ContextFreeTable>(table: Table, reader: ConfigReader): ObjectOf<Table> {
  const values = fieldNames(table).map((name) => [name, valueOrDefault(table[name], name, reader, undefined)] as const);
  return Object.fromEntries(values) as ObjectOf<Table>;
}

type ContextFreeTable = Readonly<Record<string, ConfigField<unknown, undefined>>>;
type ObjectOf<Table> = { -readonly [Name in keyof Table]: ValueOf<Table[Name]> };

function valueOrDefault<Context>(field: ConfigField<unknown, Context>, name: string, reader: ConfigReader, context: Context): unknown {
  const value = field.read(reader, name, context);
  if (value !== undefined) {
    return value;
  }
  const fallback = field.default;
  if ("required" in fallback) {
    throw new Error(`${reader.fieldPath(name)}: the reader of a required field returned nothing.`);
  }
  return "value" in fallback ? fallback.value : fallback.of(context);
}
