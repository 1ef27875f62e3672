import type { BlockSchema } from "./block-schema";

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

const INDENT = "  ";
/** Keys written bare; anything else (a hyphen would read as subtraction to a human) is quoted. */
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Sections in reading order: settings and providers first, outputs last. */
const SECTION_ORDER = ["terraform", "provider", "locals", "data", "resource", "output"];
/** Meta-arguments whose JSON strings are references, written bare in native syntax. */
const REFERENCE_LISTS = new Set(["depends_on", "ignore_changes", "replace_triggered_by"]);

/**
 * Translates a synthesized stack (Terraform JSON syntax) into Terraform's native syntax, value for value:
 * blocks stay blocks (per `schema`), strings stay the same templates with their literal parts escaped,
 * and a string that is one interpolation (`"${aws_sns_topic.x.arn}"`) becomes the bare expression,
 * which Terraform evaluates identically.
 */
export function renderHcl(tf: JsonObject, schema: BlockSchema): string {
  const sections: string[] = [];
  const kinds = Object.keys(tf).filter((kind) => kind !== "//");
  const rank = (kind: string) => (SECTION_ORDER.includes(kind) ? SECTION_ORDER.indexOf(kind) : SECTION_ORDER.length);
  for (const kind of kinds.sort((a, b) => rank(a) - rank(b))) {
    const content = tf[kind];
    switch (kind) {
      case "terraform":
        sections.push(block("terraform", [], terraformBody(content as JsonObject), 0));
        break;
      case "provider":
        for (const [name, configs] of Object.entries(content as JsonObject)) {
          for (const config of asList(configs)) {
            sections.push(block("provider", [name], body(config as JsonObject, `provider.${name}`, schema, 1), 0));
          }
        }
        break;
      case "resource":
      case "data":
        for (const [type, byName] of Object.entries(content as JsonObject)) {
          for (const [name, config] of Object.entries(byName as JsonObject)) {
            sections.push(block(kind, [type, name], body(config as JsonObject, `${kind}.${type}`, schema, 1), 0));
          }
        }
        break;
      case "output":
        for (const [name, config] of Object.entries(content as JsonObject)) {
          sections.push(block("output", [name], body(config as JsonObject, "output", schema, 1), 0));
        }
        break;
      case "locals":
        sections.push(block("locals", [], body(content as JsonObject, "locals", schema, 1), 0));
        break;
      default:
        throw new Error(`Cannot write "${kind}" in native syntax: not supported by this converter.`);
    }
  }
  return `${sections.join("\n\n")}\n`;
}

/** The terraform block: required_providers and backend are blocks; everything inside them is an attribute. */
function terraformBody(terraform: JsonObject): string[] {
  return Object.entries(terraform).flatMap(([key, value]) => {
    if (key === "required_providers") {
      return [block(key, [], attributes(value as JsonObject, 2), 1)];
    }
    if (key === "backend") {
      return Object.entries(value as JsonObject).map(([type, settings]) =>
        block("backend", [type], attributes(settings as JsonObject, 2), 1),
      );
    }
    return [attribute(key, value, 1)];
  });
}

function body(config: JsonObject, path: string, schema: BlockSchema, depth: number): string[] {
  const lines: string[] = [];
  for (const [key, value] of Object.entries(config)) {
    if (key === "//") {
      continue;
    }
    if (key === "lifecycle" && path.includes(".") && !path.includes("/")) {
      lines.push(block(key, [], body(value as JsonObject, `${path}/lifecycle`, schema, depth + 1), depth));
    } else if (REFERENCE_LISTS.has(key) && Array.isArray(value)) {
      lines.push(`${indent(depth)}${key} = [${value.map((reference) => bareReference(reference as string)).join(", ")}]`);
    } else if (key === "provider" && typeof value === "string" && !path.includes("/")) {
      lines.push(`${indent(depth)}provider = ${bareReference(value)}`);
    } else if (schema.has(`${path}/${key}`)) {
      for (const item of asList(value)) {
        lines.push(block(key, [], body(item as JsonObject, `${path}/${key}`, schema, depth + 1), depth));
      }
    } else {
      lines.push(attribute(key, value, depth));
    }
  }
  return lines;
}

function attributes(values: JsonObject, depth: number): string[] {
  return Object.entries(values).map(([key, value]) => attribute(key, value, depth));
}

function attribute(key: string, value: Json, depth: number): string {
  return `${indent(depth)}${objectKey(key)} = ${expression(value, depth)}`;
}

function block(type: string, labels: string[], lines: string[], depth: number): string {
  const header = [type, ...labels.map((label) => JSON.stringify(label))].join(" ");
  return lines.length === 0 ? `${indent(depth)}${header} {}` : `${indent(depth)}${header} {\n${lines.join("\n")}\n${indent(depth)}}`;
}

function expression(value: Json, depth: number): string {
  if (value === null || typeof value === "boolean" || typeof value === "number") {
    return JSON.stringify(value);
  }
  if (typeof value === "string") {
    return template(value);
  }
  if (Array.isArray(value)) {
    if (value.length === 0) return "[]";
    return `[\n${value.map((item) => `${indent(depth + 1)}${expression(item, depth + 1)},`).join("\n")}\n${indent(depth)}]`;
  }
  const entries = Object.entries(value);
  if (entries.length === 0) return "{}";
  const attributes = entries.map(([key, item]) => `${indent(depth + 1)}${objectKey(key)} = ${expression(item, depth + 1)}`);
  return `{\n${attributes.join("\n")}\n${indent(depth)}}`;
}

/**
 * A JSON-syntax string is already a template: its `${…}` and `%{…}` sequences are expressions and stay
 * as they are; only the literal text between them is escaped for a quoted native-syntax string.
 */
export function template(text: string): string {
  const parts = templateParts(text);
  if (parts.length === 1 && parts[0].kind === "interpolation") {
    return parts[0].text.slice(2, -1).trim();
  }
  return `"${parts.map((part) => (part.kind === "literal" ? escapeLiteral(part.text) : part.text)).join("")}"`;
}

interface TemplatePart {
  readonly kind: "literal" | "interpolation" | "directive";
  readonly text: string;
}

function templateParts(text: string): TemplatePart[] {
  const parts: TemplatePart[] = [];
  let literal = "";
  let index = 0;
  while (index < text.length) {
    const pair = text.slice(index, index + 2);
    const escaped = text.slice(index, index + 3);
    if (escaped === "$${" || escaped === "%%{") {
      // Escapes of the sequences below: literal text, spelled the same in both syntaxes.
      literal += escaped;
      index += 3;
    } else if (pair === "${" || pair === "%{") {
      const end = closingBrace(text, index + 2);
      if (literal) parts.push({ kind: "literal", text: literal });
      literal = "";
      parts.push({ kind: pair === "${" ? "interpolation" : "directive", text: text.slice(index, end + 1) });
      index = end + 1;
    } else {
      literal += text[index];
      index += 1;
    }
  }
  if (literal || parts.length === 0) parts.push({ kind: "literal", text: literal });
  return parts;
}

/** The `}` that closes a sequence opened just before `start`, skipping nested braces and quoted strings. */
function closingBrace(text: string, start: number): number {
  let depth = 0;
  for (let index = start; index < text.length; index++) {
    const char = text[index];
    if (char === '"') {
      for (index++; index < text.length && text[index] !== '"'; index++) {
        if (text[index] === "\\") index++;
      }
    } else if (char === "{") {
      depth++;
    } else if (char === "}") {
      if (depth === 0) return index;
      depth--;
    }
  }
  throw new Error(`Unterminated template sequence in ${JSON.stringify(text.slice(start - 2, start + 40))}…`);
}

function escapeLiteral(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this escapes.
  return text.replace(/[\\"\n\r\t]|[\u0000-\u001f]/g, (char) => {
    switch (char) {
      case "\\":
        return "\\\\";
      case '"':
        return '\\"';
      case "\n":
        return "\\n";
      case "\r":
        return "\\r";
      case "\t":
        return "\\t";
      default:
        return `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`;
    }
  });
}

/** `aws_s3_bucket_versioning.x` in JSON syntax; written bare, as native syntax requires. */
function bareReference(reference: string): string {
  const parts = templateParts(reference);
  return parts.length === 1 && parts[0].kind === "interpolation" ? parts[0].text.slice(2, -1).trim() : reference;
}

function objectKey(key: string): string {
  return IDENTIFIER.test(key) ? key : `"${escapeLiteral(key)}"`;
}

function asList(value: Json): Json[] {
  return Array.isArray(value) ? value : [value];
}

function indent(depth: number): string {
  return INDENT.repeat(depth);
}
