/**
 * RFC 7493 (I-JSON) forbids an object from naming a member twice, and RFC 8785's canonical form, which names
 * executions, assumes I-JSON. JSON.parse does not refuse a repeat: it keeps the last value, so
 * `{"country":"France","country":"Spain"}` would silently become Spain. The parsed value no longer shows the
 * repeat, so the text is scanned again here.
 */

const QUOTE = 0x22; // "
const BACKSLASH = 0x5c; // \
const COMMA = 0x2c; // ,
const OPEN_OBJECT = 0x7b; // {
const CLOSE_OBJECT = 0x7d; // }
const OPEN_ARRAY = 0x5b; // [
const CLOSE_ARRAY = 0x5d; // ]

interface ObjectFrame {
  readonly kind: "object";
  /** Names seen so far, decoded. Created on the first name, so that an empty object costs none. */
  names: Set<string> | undefined;
  /** The member whose value is being read; part of the path of anything found inside it. */
  currentName: string;
}

interface ArrayFrame {
  readonly kind: "array";
  /** The element being read; part of the path of anything found inside it. */
  index: number;
}

type Frame = ObjectFrame | ArrayFrame;

/**
 * The path of the first member whose name its object already has, at any depth, or undefined when there is none:
 * `country`, `items[2].sku` (as `refuseImpreciseIntegers` in trigger-request.ts writes paths; `[0].a` under a
 * top-level array). Names are compared decoded, as JSON.parse keys them: `"a"` and `"\u0061"` are the same name.
 *
 * One pass over the text with an explicit stack, no recursion, so that a deeply nested body cannot overflow the
 * call stack; it runs on every request. The text must be JSON that JSON.parse has accepted: the scanner relies on
 * that and does not validate.
 */
export function firstDuplicateMember(json: string): string | undefined {
  const stack: Frame[] = [];
  // After `{` or an object's `,`, the next string is a member name; after that name, strings are values.
  let expectingName = false;
  const length = json.length;
  let position = 0;
  while (position < length) {
    const code = json.charCodeAt(position);
    if (code === QUOTE) {
      const start = position;
      let escaped = false;
      position++;
      // Valid JSON has no raw quote inside a string, so the first quote not after a backslash closes it. The length
      // check only keeps text JSON.parse would refuse from looping forever.
      for (let next = json.charCodeAt(position); next !== QUOTE && position < length; next = json.charCodeAt(position)) {
        if (next === BACKSLASH) {
          escaped = true;
          position++; // the escaped character, which may itself be a quote or a backslash
        }
        position++;
      }
      position++; // past the closing quote
      const frame = stack[stack.length - 1];
      if (expectingName && frame?.kind === "object") {
        expectingName = false;
        // An escaped name is decoded by JSON.parse itself, exactly as it decoded the key it kept (surrogates included).
        const name = escaped ? (JSON.parse(json.slice(start, position)) as string) : json.slice(start + 1, position - 1);
        frame.names ??= new Set();
        if (frame.names.has(name)) {
          return pathTo(stack, name);
        }
        frame.names.add(name);
        frame.currentName = name;
      }
      continue;
    }
    if (code === OPEN_OBJECT) {
      stack.push({ kind: "object", names: undefined, currentName: "" });
      expectingName = true;
    } else if (code === OPEN_ARRAY) {
      stack.push({ kind: "array", index: 0 });
    } else if (code === CLOSE_OBJECT || code === CLOSE_ARRAY) {
      stack.pop();
    } else if (code === COMMA) {
      const frame = stack[stack.length - 1];
      if (frame?.kind === "array") {
        frame.index++;
      } else {
        expectingName = true;
      }
    }
    // Anything else (whitespace, `:`, numbers, true, false, null) holds no name and changes no container.
    position++;
  }
  return undefined;
}

/**
 * The path is only built for the duplicate found, from the frames open around it, so that a clean body (every
 * request but a bad one) never pays for joining names.
 */
function pathTo(stack: readonly Frame[], duplicateName: string): string {
  let path = "";
  // The last frame is the object that repeats the name; every frame before it holds a member or element.
  for (let depth = 0; depth < stack.length - 1; depth++) {
    const frame = stack[depth];
    path += frame.kind === "array" ? `[${frame.index}]` : memberSegment(depth, frame.currentName);
  }
  return path + memberSegment(stack.length - 1, duplicateName);
}

/** A top-level member is its bare name; a deeper one follows a dot, even after an empty name (`{"":{"a":1,"a":2}}`: `.a`). */
function memberSegment(depth: number, name: string): string {
  return depth === 0 ? name : `.${name}`;
}
