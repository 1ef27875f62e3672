import * as fs from "node:fs";
import * as path from "node:path";
import type { ConfigField, FieldTable } from "../lib/config/config-field";
import { ENVIRONMENT_FIELDS } from "../lib/config/environment-config";
import { PROJECT_FIELDS } from "../lib/config/project-config";
import { WORKFLOW_FIELDS } from "../lib/config/workflow-config";
import { PROJECT_ROOT } from "../lib/project-root";

/**
 * README's Configuration tables and `help`'s Configure and Workflows sections document the fields that
 * lib/config declares (each in a table of { doc, default, read }): these tests keep them in step, so a field
 * added, renamed or given another default is documented as it is read.
 */
const README = fs.readFileSync(path.join(PROJECT_ROOT, "README.md"), "utf8");
const HELP = fs.readFileSync(path.join(PROJECT_ROOT, "help"), "utf8");

type AnyField = ConfigField<unknown, never>;
interface Row {
  readonly required: string;
  readonly allowed: string;
  readonly meaning: string;
}

/** The first table after `heading`, by its rows' field paths (`state.bucket`); the *(name)* row is the object's key. */
function readmeTable(heading: string): Map<string, Row> {
  const section = README.slice(README.indexOf(`\n${heading}\n`));
  const table = section.slice(section.indexOf("\n| field |")).split("\n\n")[0];
  const rows = new Map<string, Row>();
  for (const line of table.trim().split("\n").slice(2)) {
    const cells = line
      .slice(1, -1)
      .split("|")
      .map((cell) => cell.trim());
    expect(cells).toHaveLength(4);
    const [field, required, allowed, meaning] = cells;
    if (field !== "*(name)*") {
      rows.set(/^`([^`]+)`$/.exec(field)![1], { required, allowed, meaning });
    }
  }
  return rows;
}

/** A default as README writes it: numbers bare, values in code, empty lists and maps "none". */
function shown(value: unknown): string {
  if (typeof value === "number") return String(value);
  if (Array.isArray(value)) return value.length === 0 ? "none" : value.map(shown).join(", ");
  if (typeof value === "object" && value !== null) {
    const entries = Object.entries(value);
    return entries.length === 0 ? "none" : `\`{ ${entries.map(([key, item]) => `"${key}": ${JSON.stringify(item)}`).join(", ")} }\``;
  }
  return `\`${String(value)}\``;
}

/**
 * README's "required" cell for a field: "yes"; "with `<object>`" for a required field of an optional object, or
 * "with <condition>"; "no", or "no (<default>)". `inherited`: the default of the object the field is in, when
 * README documents that object through its fields' rows only (the environment's `executionName.from`).
 */
function requiredCell(field: AnyField, parent: string, inherited: unknown): string {
  const fallback = field.default;
  if ("required" in fallback) {
    if (inherited !== undefined) return `no (${shown(inherited)})`;
    if (fallback.when) return `with ${fallback.when}`;
    return parent ? `with \`${parent}\`` : "yes";
  }
  if (fallback.shown) return `no (${fallback.shown})`;
  return "value" in fallback && fallback.value !== undefined ? `no (${shown(fallback.value)})` : "no";
}

interface Documented {
  readonly path: string;
  readonly field: AnyField;
  /** README's "required" cell the field's declaration calls for. */
  readonly required: string;
  /** For an object README describes in one row: its fields' names, which the row's "allowed" cell must show. */
  readonly inCell: readonly string[];
}

/** Every declared field README's table must have a row for, walking into the objects README documents field by field. */
function documentedFields(table: FieldTable, rows: Map<string, Row>, parent = "", inherited?: Record<string, unknown>): Documented[] {
  const documented: Documented[] = [];
  for (const [name, field] of Object.entries(table) as [string, AnyField][]) {
    const fieldPath = parent ? `${parent}.${name}` : name;
    const byFieldRows = field.fields !== undefined && [...rows.keys()].some((row) => row.startsWith(`${fieldPath}.`));
    if (rows.has(fieldPath) || !byFieldRows) {
      const inCell = field.fields && !byFieldRows ? Object.keys(field.fields) : [];
      documented.push({ path: fieldPath, field, required: requiredCell(field, parent, inherited?.[name]), inCell });
    }
    if (byFieldRows) {
      // An object without a row of its own shows its default in its fields' rows (the environment's executionName.from).
      const objectDefault = !rows.has(fieldPath) && "value" in field.default ? field.default.value : undefined;
      documented.push(...documentedFields(field.fields!, rows, fieldPath, objectDefault as Record<string, unknown> | undefined));
    }
  }
  return documented;
}

describe.each([
  ["## Configuration", "context.environments.<name>", ENVIRONMENT_FIELDS],
  ["### Workflows: `context.workflows`", "context.workflows.<name>", WORKFLOW_FIELDS],
])("README's table under %s (%s)", (heading, _object, table: FieldTable) => {
  const rows = readmeTable(heading);
  const documented = documentedFields(table, rows);

  it.each(documented.map((entry) => [entry.path, entry] as const))("has a row for %s, with its default as declared", (fieldPath, entry) => {
    const row = rows.get(fieldPath);
    expect(row).toBeDefined();
    expect(row!.required).toBe(entry.required);
    expect(row!.meaning.slice(0, entry.field.doc.length)).toBe(entry.field.doc);
    for (const name of entry.inCell) {
      expect(row!.allowed).toMatch(new RegExp(`["\`]${name}["\`]`));
    }
  });

  it("has no row for a field that is not declared", () => {
    expect([...rows.keys()].filter((row) => !documented.some((entry) => entry.path === row))).toEqual([]);
  });
});

/** `help`'s entries between two of its lines: each entry's names (`account, region`) and its text, continuation lines included. */
function helpEntries(from: string, to: string): Map<string, string> {
  const section = HELP.slice(HELP.indexOf(from), HELP.indexOf(to, HELP.indexOf(from)));
  const entries = new Map<string, string>();
  let names: string[] = [];
  for (const line of section.split("\n").slice(1)) {
    const entry = /^ {4}(\S+(?:, \S+)*) {2,}(.*)$/.exec(line);
    if (entry) {
      names = entry[1].split(", ");
      for (const name of names) entries.set(name, entry[2]);
    } else {
      for (const name of names) entries.set(name, `${entries.get(name)} ${line.trim()}`);
    }
  }
  return entries;
}

/** The names of the fields inside `field`, at every depth, with the tables they are declared in. */
function innerFields(field: AnyField): [name: string, table: FieldTable][] {
  const fields = field.fields ?? {};
  return Object.entries(fields).flatMap(([name, inner]: [string, AnyField]) => [
    [name, fields] as [string, FieldTable],
    ...innerFields(inner),
  ]);
}

/** help's sections of fields, in the order it shows them; `notFields`: entries that say something else. */
const HELP_SECTIONS = [
  { from: "Configure:", to: "Workflows:", table: ENVIRONMENT_FIELDS as FieldTable, notFields: [] as string[] },
  // outputs: what each workflow gives, beside its fields.
  { from: "Workflows:", to: "CDKTF_CONTEXT_JSON=", table: WORKFLOW_FIELDS as FieldTable, notFields: ["outputs"] },
];

describe.each(HELP_SECTIONS)("help's $from section", ({ from, to, table, notFields }) => {
  const entries = helpEntries(from, to);

  it.each(Object.keys(table))("has an entry for %s", (name) => {
    expect(entries.has(name)).toBe(true);
  });

  it("has no entry for a field that is not declared", () => {
    expect([...entries.keys()].filter((name) => !(name in table) && !notFields.includes(name))).toEqual([]);
  });
});

it("help names, in each entry, the fields inside it (the fields of an object an earlier entry shows need not be repeated)", () => {
  const shownBefore = new Set<FieldTable>();
  const missing: string[] = [];
  for (const { from, to, table } of HELP_SECTIONS) {
    const entries = helpEntries(from, to);
    for (const [name, field] of Object.entries(table) as [string, AnyField][]) {
      const inside = innerFields(field);
      for (const [inner, innerTable] of inside) {
        if (!shownBefore.has(innerTable) && !entries.get(name)?.includes(`"${inner}"`)) missing.push(`${name}: "${inner}"`);
      }
      for (const [, innerTable] of inside) shownBefore.add(innerTable);
    }
  }
  expect(missing).toEqual([]);
});

describe("the context's own fields", () => {
  it.each(Object.keys(PROJECT_FIELDS))("%s opens its section of help", (name) => {
    expect(HELP).toMatch(new RegExp(`^ {2}\\w+: cdktf\\.json "context": \\{ "${name}": `, "m"));
  });
});

describe("README's examples of an unknown field's error", () => {
  it.each([
    ["environments", ENVIRONMENT_FIELDS],
    ["workflows", WORKFLOW_FIELDS],
  ])("list the %s' fields as the error does", (object, table: FieldTable) => {
    const unknownField = new RegExp(`context\\.${object}\\.[\\w-]+\\.\\w+: is not a known field; allowed fields: (.*)\\.$`, "gm");
    const examples = [...README.matchAll(unknownField)];
    expect(examples.length).toBeGreaterThan(0);
    for (const [, allowed] of examples) {
      expect(allowed).toBe(Object.keys(table).join(", "));
    }
  });
});
