import * as fs from "node:fs";
import * as path from "node:path";
import { PROJECT_ROOT } from "./project-root";
import { Token } from "./toolkit/cdktf";

/** `${Name}` in a string value of the ASL, as in AWS CDK's `definitionSubstitutions`. */
const PLACEHOLDER = /\$\{([A-Za-z][A-Za-z0-9_]*)\}/g;
const PLACEHOLDER_SYNTAX = "${Name}: a letter, then letters, digits or _, with no spaces";
/** Any other `${…}`, shown in messages up to its closing brace (or a few characters when it has none). */
const MALFORMED_PLACEHOLDER = /\$\{(?:[^}]{0,40}\}|[^}]{0,20})/;

/**
 * Reads an ASL file and fills its `${Name}` placeholders with values, which may be Terraform references
 * (tokens). The result is the definition's own JSON, so a plan shows the workflow itself, with the
 * references interpolated, rather than a `templatefile()` call.
 *
 * Refused at synth time: a placeholder with no value, a value no placeholder uses (usually a typo on
 * one side or the other), and any other `${` in the definition (a placeholder written wrong).
 */
export function renderDefinition(aslFile: string, substitutions: Readonly<Record<string, string>>): string {
  return JSON.stringify(substituteDefinition(aslFile, substitutions));
}

/**
 * The definition renderDefinition renders, as a parsed object, for code that reads it (such as the IAM
 * grants its tasks need). Its strings are as Terraform will read them: references are tokens
 * (`Token.isUnresolved`), literal `${` and `%{` are escaped (`$${`, `%%{`), so a string taken from it can go
 * into another Terraform string as it is.
 */
export function substituteDefinition(
  aslFile: string,
  substitutions: Readonly<Record<string, string>>,
  /** Values the definition may use or not (the project's own, offered to every workflow); `substitutions` win. */
  offered: Readonly<Record<string, string>> = {},
): unknown {
  const displayPath = path.relative(PROJECT_ROOT, aslFile);
  let definition: unknown;
  try {
    definition = JSON.parse(fs.readFileSync(aslFile, "utf8"));
  } catch (error) {
    throw new Error(`${displayPath}: not a readable JSON state machine definition: ${(error as Error).message}`);
  }

  const used = new Set<string>();
  const missing = new Set<string>();
  const malformed = new Set<string>();
  const substitute = (text: string): string =>
    text
      .split(PLACEHOLDER)
      .map((part, index) => {
        // split() with a capture group alternates literal text and placeholder names.
        if (index % 2 === 0) {
          // A "${" left in literal text is a placeholder written wrong (`${Topic-Arn}`, `${ TopicArn }`):
          // kept as text it would reach AWS silently unsubstituted.
          const wrong = MALFORMED_PLACEHOLDER.exec(part);
          if (wrong) {
            malformed.add(wrong[0]);
          }
          return escapeTemplateSequences(part);
        }
        used.add(part);
        const value = substitutions[part] ?? offered[part];
        if (value === undefined) {
          missing.add(part);
          return "";
        }
        return Token.isUnresolved(value) ? value : escapeTemplateSequences(value);
      })
      .join("");

  const rendered = mapJson(definition, substitute, (key) => {
    if (key.includes("${")) {
      throw new Error(`${displayPath}: placeholders are only allowed in string values, not in the key "${key}".`);
    }
    return escapeTemplateSequences(key);
  });

  const known = [...new Set([...Object.keys(substitutions), ...Object.keys(offered)])].sort();
  if (malformed.size > 0) {
    throw new Error(
      `${displayPath}: ${[...malformed].map((text) => `"${text}"`).join(", ")} ` +
        `${malformed.size === 1 ? "is not a placeholder" : "are not placeholders"}; write ${PLACEHOLDER_SYNTAX} (values given: ` +
        `${known.length > 0 ? known.join(", ") : "none"}).`,
    );
  }
  if (missing.size > 0) {
    throw new Error(
      `${displayPath}: ${[...missing].map((name) => `\${${name}}`).join(", ")} ${missing.size === 1 ? "has" : "have"} no value; ` +
        `values given: ${known.length > 0 ? known.join(", ") : "none"}.`,
    );
  }
  const unused = Object.keys(substitutions)
    .sort()
    .filter((name) => !used.has(name));
  if (unused.length > 0) {
    throw new Error(
      `${displayPath}: ${unused.join(", ")} ${unused.length === 1 ? "is" : "are"} never used by the definition; ` +
        `placeholders it uses: ${used.size > 0 ? [...used].sort().join(", ") : "none"}.`,
    );
  }
  return rendered;
}

/**
 * Terraform would read `${...}` and `%{...}` in the definition as its own template syntax; ASL text is
 * meant literally, so those sequences are escaped (`$${`, `%%{`).
 */
function escapeTemplateSequences(text: string): string {
  return text.replace(/\$\{/g, () => "$${").replace(/%\{/g, () => "%%{");
}

function mapJson(value: unknown, mapString: (text: string) => string, mapKey: (key: string) => string): unknown {
  if (typeof value === "string") {
    return mapString(value);
  }
  if (Array.isArray(value)) {
    return value.map((item) => mapJson(item, mapString, mapKey));
  }
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [mapKey(key), mapJson(item, mapString, mapKey)]));
  }
  return value;
}
