import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";

/**
 * Two synth outputs (cdktf.out directories) compared stack by stack, the way a plan would see them: resources,
 * data sources and outputs by address with the attribute paths that changed; the provider and terraform blocks
 * (the toolkit's provider pin, the backend) apart; the toolkit's own metadata apart; every other file of a stack
 * (the Lambda zips) byte for byte.
 */

/** One value that differs: where, and what it was and became (undefined: absent on that side). */
export interface PathChange {
  readonly path: string;
  readonly before?: unknown;
  readonly after?: unknown;
}

/** Addressed things (resources, data sources, outputs) of one stack. */
export interface AddressedDifferences {
  readonly identical: number;
  readonly added: readonly string[];
  readonly removed: readonly string[];
  readonly changed: readonly { readonly address: string; readonly changes: readonly PathChange[] }[];
}

export interface FileDifferences {
  readonly identical: number;
  readonly differing: readonly string[];
  readonly added: readonly string[];
  readonly removed: readonly string[];
}

export interface StackComparison {
  readonly stack: string;
  /** Present on one side only: nothing else is compared. */
  readonly presence: "both" | "added" | "removed";
  readonly resources: AddressedDifferences;
  readonly dataSources: AddressedDifferences;
  readonly outputs: AddressedDifferences;
  /** The `terraform` block (required_providers, backend) and the `provider` blocks. */
  readonly providerAndTerraform: readonly PathChange[];
  /** `//`: the toolkit's metadata (its version, stack name, backend kind, construct paths of outputs). */
  readonly metadata: readonly PathChange[];
  /** Any other top-level block (locals, variables, modules, …): none in this project today. */
  readonly other: readonly PathChange[];
  /** Every file of the stack's directory but cdk.tf.json: the asset zips. */
  readonly assets: FileDifferences;
}

export interface OutputComparison {
  readonly stacks: readonly StackComparison[];
  /** manifest.json, the toolkit's index of the stacks. */
  readonly manifest: readonly PathChange[];
}

// biome-ignore lint/suspicious/noExplicitAny: synthesized Terraform JSON, of any shape, compared value by value.
type Json = Record<string, any>;
const EMPTY: AddressedDifferences = { identical: 0, added: [], removed: [], changed: [] };
const NO_FILES: FileDifferences = { identical: 0, differing: [], added: [], removed: [] };

/** Compares two output directories, each as `cdktf synth` or `npm run synth` writes it (manifest.json, stacks/…). */
export function compareOutputs(beforeDir: string, afterDir: string): OutputComparison {
  const before = readJson(path.join(beforeDir, "manifest.json"));
  const after = readJson(path.join(afterDir, "manifest.json"));
  const stacks = [...new Set([...Object.keys(before.stacks ?? {}), ...Object.keys(after.stacks ?? {})])].sort();
  return {
    stacks: stacks.map((stack) => {
      const beforeStack = before.stacks?.[stack];
      const afterStack = after.stacks?.[stack];
      if (!beforeStack || !afterStack) return absentStack(stack, beforeStack ? "removed" : "added");
      return compareStacks(
        stack,
        { tf: readJson(path.join(beforeDir, beforeStack.synthesizedStackPath)), dir: path.join(beforeDir, beforeStack.workingDirectory) },
        { tf: readJson(path.join(afterDir, afterStack.synthesizedStackPath)), dir: path.join(afterDir, afterStack.workingDirectory) },
      );
    }),
    manifest: changedPaths(before, after, ""),
  };
}

function absentStack(stack: string, presence: "added" | "removed"): StackComparison {
  return {
    stack,
    presence,
    ...{ resources: EMPTY, dataSources: EMPTY, outputs: EMPTY, providerAndTerraform: [], metadata: [], other: [], assets: NO_FILES },
  };
}

/** One stack's Terraform JSON and its directory (for the files beside it), on each side. */
export function compareStacks(stack: string, before: { tf: Json; dir: string }, after: { tf: Json; dir: string }): StackComparison {
  const { tf: a, dir: aDir } = before;
  const { tf: b, dir: bDir } = after;
  const known = new Set(["resource", "data", "output", "provider", "terraform", "//"]);
  const otherKeys = [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((key) => !known.has(key)).sort();
  return {
    stack,
    presence: "both",
    resources: compareAddressed(flattenTyped(a.resource), flattenTyped(b.resource)),
    dataSources: compareAddressed(flattenTyped(a.data, "data."), flattenTyped(b.data, "data.")),
    outputs: compareAddressed(prefixed(a.output, "output."), prefixed(b.output, "output.")),
    providerAndTerraform: [...changedPaths(a.terraform, b.terraform, "terraform"), ...changedPaths(a.provider, b.provider, "provider")],
    metadata: changedPaths(a["//"], b["//"], "//"),
    other: otherKeys.flatMap((key) => changedPaths(a[key], b[key], key)),
    assets: compareFiles(filesBeside(aDir), filesBeside(bDir)),
  };
}

/** `resource`/`data`'s type -> logical id -> attributes, as Terraform addresses (`aws_sns_topic.topic_ABC`). */
function flattenTyped(blocks: Json | undefined, prefix = ""): Map<string, unknown> {
  const flat = new Map<string, unknown>();
  for (const [type, byId] of Object.entries(blocks ?? {})) {
    for (const [id, attributes] of Object.entries(byId as Json)) flat.set(`${prefix}${type}.${id}`, attributes);
  }
  return flat;
}

function prefixed(blocks: Json | undefined, prefix: string): Map<string, unknown> {
  return new Map(Object.entries(blocks ?? {}).map(([id, value]) => [`${prefix}${id}`, value]));
}

function compareAddressed(before: Map<string, unknown>, after: Map<string, unknown>): AddressedDifferences {
  const added = [...after.keys()].filter((address) => !before.has(address)).sort();
  const removed = [...before.keys()].filter((address) => !after.has(address)).sort();
  const changed = [...before.keys()]
    .filter((address) => after.has(address))
    .sort()
    .map((address) => ({ address, changes: changedPaths(before.get(address), after.get(address), "") }))
    .filter(({ changes }) => changes.length > 0);
  const identical = [...before.keys()].filter((address) => after.has(address)).length - changed.length;
  return { identical, added, removed, changed };
}

/** Every leaf (or subtree present on one side only) where the two values differ, with its path. */
export function changedPaths(before: unknown, after: unknown, at: string): PathChange[] {
  if (isContainer(before) && isContainer(after) && Array.isArray(before) === Array.isArray(after)) {
    const keys = Array.isArray(before)
      ? Array.from({ length: Math.max(before.length, (after as unknown[]).length) }, (_, index) => String(index))
      : [...new Set([...Object.keys(before), ...Object.keys(after as Json)])].sort();
    return keys.flatMap((key) => {
      const inBefore = Object.hasOwn(before, key);
      const inAfter = Object.hasOwn(after as Json, key);
      const child = childPath(at, key, Array.isArray(before));
      if (!inBefore) return [{ path: child, after: (after as Json)[key] }];
      if (!inAfter) return [{ path: child, before: (before as Json)[key] }];
      return changedPaths((before as Json)[key], (after as Json)[key], child);
    });
  }
  return JSON.stringify(before) === JSON.stringify(after) ? [] : [{ path: at, before, after }];
}

function isContainer(value: unknown): value is Json | unknown[] {
  return typeof value === "object" && value !== null;
}

function childPath(at: string, key: string, inArray: boolean): string {
  if (inArray) return `${at}[${key}]`;
  const segment = /^[A-Za-z_][\w-]*$/.test(key) ? key : JSON.stringify(key);
  return at === "" ? segment : `${at}.${segment}`;
}

/** Relative path -> SHA-256 of every file under a stack's directory, its Terraform JSON (compared above) aside. */
function filesBeside(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  if (!fs.existsSync(dir)) return files;
  for (const entry of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = path.relative(dir, path.join(entry.parentPath, entry.name));
    if (file === "cdk.tf.json") continue;
    files.set(
      file,
      createHash("sha256")
        .update(fs.readFileSync(path.join(dir, file)))
        .digest("hex"),
    );
  }
  return files;
}

function compareFiles(before: Map<string, string>, after: Map<string, string>): FileDifferences {
  const both = [...before.keys()].filter((file) => after.has(file));
  const differing = both.filter((file) => before.get(file) !== after.get(file)).sort();
  return {
    identical: both.length - differing.length,
    differing,
    added: [...after.keys()].filter((file) => !before.has(file)).sort(),
    removed: [...before.keys()].filter((file) => !after.has(file)).sort(),
  };
}

/**
 * Whether a plan of the moved output would touch anything deployed: a stack, resource, data source, output or asset
 * that differs. The provider pin, the backend block and the toolkit's metadata are not counted: they change no
 * resource (the provider upgrade itself shows in `terraform init`, not as a resource change).
 */
export function changesDeployedThings(comparison: OutputComparison): boolean {
  return comparison.stacks.some(
    (stack) =>
      stack.presence !== "both" ||
      [stack.resources, stack.dataSources, stack.outputs].some((d) => d.added.length + d.removed.length + d.changed.length > 0) ||
      stack.other.length > 0 ||
      stack.assets.differing.length + stack.assets.added.length + stack.assets.removed.length > 0,
  );
}

/** The comparison as lines of text, stack by stack. */
export function formatComparison(comparison: OutputComparison): string[] {
  const lines: string[] = [];
  for (const stack of comparison.stacks) {
    if (stack.presence !== "both") {
      lines.push(`  stack ${stack.stack}: ${stack.presence === "added" ? "only after the move" : "only before the move"}`);
      continue;
    }
    lines.push(`  stack ${stack.stack}:`);
    lines.push(...formatAddressed("resources", stack.resources), ...formatAddressed("data sources", stack.dataSources));
    lines.push(...formatAddressed("outputs", stack.outputs));
    lines.push(...formatChanges("provider and terraform blocks", stack.providerAndTerraform));
    lines.push(...formatChanges("metadata (//)", stack.metadata), ...formatChanges("other blocks", stack.other));
    const { identical, differing, added, removed } = stack.assets;
    const assetCount = identical + differing.length + removed.length;
    lines.push(
      differing.length + added.length + removed.length === 0
        ? `    assets: ${assetCount} file(s), byte-identical`
        : `    assets: ${identical} byte-identical; differing: ${list(differing)}; ` +
            `only after: ${list(added)}; only before: ${list(removed)}`,
    );
  }
  lines.push(...formatChanges("manifest.json", comparison.manifest, "  "));
  return lines;
}

function formatAddressed(what: string, d: AddressedDifferences): string[] {
  const total = d.identical + d.changed.length + d.removed.length;
  if (d.added.length + d.removed.length + d.changed.length === 0) return [`    ${what}: ${total}, identical`];
  return [
    `    ${what}: ${total} before, ${d.identical} identical, ` +
      `${d.changed.length} changed, ${d.added.length} added, ${d.removed.length} removed`,
    ...d.added.map((address) => `      + ${address}`),
    ...d.removed.map((address) => `      - ${address}`),
    ...d.changed.flatMap(({ address, changes }) => [`      ~ ${address}`, ...changes.map((change) => `          ${formatChange(change)}`)]),
  ];
}

function formatChanges(what: string, changes: readonly PathChange[], indent = "    "): string[] {
  if (changes.length === 0) return [`${indent}${what}: identical`];
  return [`${indent}${what}:`, ...changes.map((change) => `${indent}  ${formatChange(change)}`)];
}

function formatChange({ path: at, before, after }: PathChange): string {
  return `${at}: ${shown(before)} -> ${shown(after)}`;
}

function shown(value: unknown): string {
  if (value === undefined) return "(absent)";
  const text = JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function list(items: readonly string[]): string {
  return items.length === 0 ? "none" : items.join(", ");
}

function readJson(file: string): Json {
  return JSON.parse(fs.readFileSync(file, "utf8")) as Json;
}
