import type { AttributeValue } from "@aws-sdk/client-dynamodb";

/**
 * A strict evaluator of the part of DynamoDB's condition-expression grammar the ledger's protocol uses
 * (functions/shared/ledger-protocol.ts), so that its conditions can be checked against item states without
 * DynamoDB. From the Developer Guide's "Comparison operator and function reference":
 *
 *   condition ::= operand comparator operand | function | condition AND condition | condition OR condition
 *               | NOT condition | ( condition )
 *   comparator ::= = | <> | < | <= | > | >=
 *   function ::= attribute_exists (path) | attribute_not_exists (path)
 *
 * with NOT binding tighter than AND, and AND tighter than OR, keywords in any case. An operand is a #name (a top-level attribute) or a
 * :value. Anything else — BETWEEN, IN, the other functions, nested paths, bare attribute names, a #name or :value
 * the request does not define — throws, so that a condition the protocol renders cannot pass here by being
 * misread. Comparisons follow DynamoDB: a missing attribute or another type is never equal (so `<>` holds), and
 * never less or greater; numbers compare as numbers, strings by their UTF-8 bytes.
 */

type Item = Record<string, AttributeValue>;

export interface ExpressionContext {
  readonly names: Readonly<Record<string, string>>;
  readonly values?: Readonly<Record<string, AttributeValue>>;
}

type Comparator = "=" | "<>" | "<" | "<=" | ">" | ">=";
type Operand = { readonly kind: "attribute"; readonly name: string } | { readonly kind: "value"; readonly value: AttributeValue };
type Node =
  | { readonly kind: "compare"; readonly comparator: Comparator; readonly left: Operand; readonly right: Operand }
  | { readonly kind: "exists"; readonly negated: boolean; readonly name: string }
  | { readonly kind: "and" | "or"; readonly left: Node; readonly right: Node }
  | { readonly kind: "not"; readonly operand: Node };

const TOKEN = /\s*(?:(<>|<=|>=|[=<>(),])|(#[A-Za-z0-9_]+)|(:[A-Za-z0-9_]+)|([A-Za-z_][A-Za-z0-9_]*)|(\S))/y;

interface Token {
  readonly text: string;
  readonly type: "symbol" | "name" | "value" | "word";
}

function tokenize(expression: string): Token[] {
  const tokens: Token[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < expression.length) {
    const start = TOKEN.lastIndex;
    const match = TOKEN.exec(expression);
    if (!match) {
      if (/^\s*$/.test(expression.slice(start))) break;
      throw new SyntaxError(`Cannot read "${expression.slice(start)}" in: ${expression}`);
    }
    const [, symbol, name, value, word, other] = match;
    if (other !== undefined) throw new SyntaxError(`Unexpected "${other}" in: ${expression}`);
    if (symbol !== undefined) tokens.push({ text: symbol, type: "symbol" });
    else if (name !== undefined) tokens.push({ text: name, type: "name" });
    else if (value !== undefined) tokens.push({ text: value, type: "value" });
    else tokens.push({ text: word!, type: "word" });
  }
  return tokens;
}

/** Parses a condition, resolving every #name and :value: an undefined one throws, as DynamoDB refuses the request. */
export function parseCondition(expression: string, context: ExpressionContext): Node {
  const tokens = tokenize(expression);
  let position = 0;
  const peek = () => tokens[position];
  const isWord = (token: Token | undefined, word: string) => token?.type === "word" && token.text.toUpperCase() === word;
  const expect = (text: string) => {
    const token = tokens[position++];
    if (token?.text !== text) throw new SyntaxError(`Expected "${text}", found "${token?.text ?? "the end"}" in: ${expression}`);
  };

  const attribute = (token: Token | undefined): string => {
    if (token?.type !== "name") throw new SyntaxError(`Expected a #name, found "${token?.text ?? "the end"}" in: ${expression}`);
    const name = context.names[token.text];
    if (name === undefined) throw new Error(`${token.text} is not defined in ExpressionAttributeNames`);
    return name;
  };

  const operand = (): Operand => {
    const token = tokens[position++];
    if (token?.type === "name") return { kind: "attribute", name: attribute(token) };
    if (token?.type === "value") {
      const value = context.values?.[token.text];
      if (value === undefined) throw new Error(`${token.text} is not defined in ExpressionAttributeValues`);
      return { kind: "value", value };
    }
    throw new SyntaxError(`Expected a #name or a :value, found "${token?.text ?? "the end"}" in: ${expression}`);
  };

  const primary = (): Node => {
    const token = peek();
    if (token?.text === "(") {
      position++;
      const inner = or();
      expect(")");
      return inner;
    }
    if (isWord(token, "NOT")) {
      position++;
      return { kind: "not", operand: primary() };
    }
    if (token?.type === "word") {
      const fn = token.text;
      if (fn !== "attribute_exists" && fn !== "attribute_not_exists") {
        throw new SyntaxError(`"${fn}" is not in the subset (attribute_exists, attribute_not_exists): ${expression}`);
      }
      position++;
      expect("(");
      const name = attribute(tokens[position++]);
      expect(")");
      return { kind: "exists", negated: fn === "attribute_not_exists", name };
    }
    const left = operand();
    const comparator = tokens[position++];
    if (comparator?.type !== "symbol" || !["=", "<>", "<", "<=", ">", ">="].includes(comparator.text)) {
      throw new SyntaxError(`Expected a comparator, found "${comparator?.text ?? "the end"}" in: ${expression}`);
    }
    return { kind: "compare", comparator: comparator.text as Comparator, left, right: operand() };
  };

  const and = (): Node => {
    let left = primary();
    while (isWord(peek(), "AND")) {
      position++;
      left = { kind: "and", left, right: primary() };
    }
    return left;
  };

  const or = (): Node => {
    let left = and();
    while (isWord(peek(), "OR")) {
      position++;
      left = { kind: "or", left, right: and() };
    }
    return left;
  };

  const tree = or();
  if (position !== tokens.length) throw new SyntaxError(`Unexpected "${tokens[position].text}" in: ${expression}`);
  return tree;
}

/** Whether DynamoDB would accept a write with this condition on this item (undefined: no item has the key). */
export function evaluateCondition(expression: string, context: ExpressionContext, item: Item | undefined): boolean {
  return evaluate(parseCondition(expression, context), item ?? {});
}

function evaluate(node: Node, item: Item): boolean {
  switch (node.kind) {
    case "exists":
      return (item[node.name] !== undefined) !== node.negated;
    case "not":
      return !evaluate(node.operand, item);
    case "and":
      return evaluate(node.left, item) && evaluate(node.right, item);
    case "or":
      return evaluate(node.left, item) || evaluate(node.right, item);
    case "compare":
      return compare(node.comparator, resolve(node.left, item), resolve(node.right, item));
  }
}

function resolve(operand: Operand, item: Item): AttributeValue | undefined {
  return operand.kind === "value" ? operand.value : item[operand.name];
}

function compare(comparator: Comparator, left: AttributeValue | undefined, right: AttributeValue | undefined): boolean {
  const order = left && right ? orderOf(left, right) : undefined;
  switch (comparator) {
    case "=":
      return order === 0;
    case "<>":
      return order !== 0;
    case "<":
      return order !== undefined && order < 0;
    case "<=":
      return order !== undefined && order <= 0;
    case ">":
      return order !== undefined && order > 0;
    case ">=":
      return order !== undefined && order >= 0;
  }
}

/** -1, 0 or 1 for two values of the same scalar type; undefined for different types. */
function orderOf(left: AttributeValue, right: AttributeValue): number | undefined {
  if (left.N !== undefined && right.N !== undefined) {
    return Math.sign(Number(left.N) - Number(right.N));
  }
  if (left.S !== undefined && right.S !== undefined) {
    return Buffer.compare(Buffer.from(left.S, "utf8"), Buffer.from(right.S, "utf8"));
  }
  const scalar = (value: AttributeValue) => value.S !== undefined || value.N !== undefined;
  if (!scalar(left) || !scalar(right)) {
    throw new Error(`Only S and N values are in the subset: ${JSON.stringify(left)} ${JSON.stringify(right)}`);
  }
  return undefined;
}

/** The #names and :values an expression refers to: DynamoDB refuses a request that defines one no expression uses. */
export function placeholdersIn(...expressions: readonly (string | undefined)[]): { names: Set<string>; values: Set<string> } {
  const text = expressions.filter((expression) => expression !== undefined).join(" ");
  return { names: new Set(text.match(/#[A-Za-z0-9_]+/g) ?? []), values: new Set(text.match(/:[A-Za-z0-9_]+/g) ?? []) };
}
